#!/usr/bin/env bash
# Bounded load test of `entralab serve --http` over about a million sign-ins
# (bench/serve-1m.yaml): 64 concurrent clients (bench/serve_load.rs) each page through a
# one-day window after the other, all seven (client i starts with day i % 7; ~146,000
# records a day, 1.02 million a client) with $top=1000 by following
# @odata.nextLink, and check
#   - zero errors (no retries: any non-200 or transport error fails the run),
#   - every record of each window seen exactly once per client, newest first (the expected ids
#     come from simulating the scenario in the client, not from the server),
#   - the server's VmRSS flat within 10% from the first response to the last.
# It prints a summary and exits non-zero when a check fails.
#
# It stops by itself: the client has a deadline (LOAD_DEADLINE, default 540 s) and per-request
# timeouts, the whole script runs under `timeout` (LOAD_LIMIT, default 900 s), and the server
# it started (bound to 127.0.0.1 on a free port) is stopped by its PID on exit.
#
#     bench/serve-load.sh [extra serve_load flags, e.g. --clients 16 --days 1]
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=${SCENARIO:-bench/serve-1m.yaml}
limit=${LOAD_LIMIT:-900}
deadline=${LOAD_DEADLINE:-540}

cargo build --release --bin entralab --example serve_load

work=$(mktemp -d)
server=""
cleanup() {
    if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
        kill -INT "$server" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

target/release/entralab serve --http --bind 127.0.0.1:0 --info-file "$work/info.json" "$scenario" \
    >"$work/serve.log" 2>&1 &
server=$!
echo "serve-load: started entralab serve (pid $server) on $scenario; building the store..."
for _ in $(seq 1 600); do
    [[ -f "$work/info.json" ]] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "serve-load: the server stopped" >&2; exit 1; }
    sleep 0.5
done
[[ -f "$work/info.json" ]] || { echo "serve-load: the server did not start within 300 s" >&2; exit 1; }
base=$(grep -o '"base_url": *"[^"]*"' "$work/info.json" | sed -E 's/.*"(http[^"]*)"/\1/')
echo "serve-load: serving at $base: $(grep -o '"sign_ins": *[0-9]*' "$work/info.json")"

timeout "$limit" target/release/examples/serve_load --base "$base" --scenario "$scenario" \
    --server-pid "$server" --clients 64 --top 1000 --days 7 --windows 7 --deadline "$deadline" "$@"
