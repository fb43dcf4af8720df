#!/usr/bin/env bash
# The mock Graph's benchmarks over about a million sign-ins (bench/serve-1m.yaml), in one run of
# `cargo bench --bench serve` (bench/serve.rs):
#   memory   resident bytes per stored sign-in (target <= 2 KB);
#   paging   the 10,000th $top=100 page against the first, through the router (target <= 1.2x);
#   http     throughput of a filtered $top=100 page over plain HTTP on 127.0.0.1 against a
#            trivial route returning the same bytes pre-rendered, driven by wrk (target >= 0.5).
# It prints a summary with each figure and ratio at the end.
#
# wrk comes from Debian: when it is missing this script installs it with
# `apt-get install -y wrk` (root, or sudo). Set ENTRALAB_SERVE_BENCH=memory,paging to skip the
# HTTP part (and wrk). The servers bind 127.0.0.1 only; every wrk run lasts a fixed time
# (ENTRALAB_WRK_SECONDS, default 5, ENTRALAB_WRK_ROUNDS rounds, default 6), so the whole
# bench stops by itself (a few minutes, most of it building the store and criterion's samples).
set -euo pipefail
cd "$(dirname "$0")/.."

parts=${ENTRALAB_SERVE_BENCH:-}
if [[ -z "$parts" || "$parts" == *http* ]] && ! command -v wrk >/dev/null; then
    echo "wrk is missing: installing it from Debian (apt-get install -y wrk)" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq wrk
fi

exec timeout "${ENTRALAB_BENCH_TIMEOUT:-1800}" cargo bench --bench serve "$@"
