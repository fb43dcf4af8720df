#!/usr/bin/env bash
# Verifier costs, measured side by side in one run (issue 4):
#  1. `entralab verify scenarios/` against the embedded mock vs `entralab run scenarios/`
#     (simulate only), each run ROUNDS times, interleaved; medians and their ratio.
#  2. 1 vs 100 expectations over a file of about 1,000,000 sign-ins
#     (bench/population-1m.yaml, generated as NDJSON): total times, the reading cost, and the
#     marginal time per expectation.
# Bounded: a few minutes on 2 cores. Writes only to a temporary folder it removes.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ROUNDS=${ROUNDS:-15}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build --release --quiet
bin=target/release/entralab

now() { date +%s%N; }

echo "1. verify against the mock vs simulate (scenarios/, $ROUNDS rounds, interleaved)"
: > "$tmp/run.ns"; : > "$tmp/verify.ns"
for _ in $(seq "$ROUNDS"); do
  t=$(now); "$bin" run scenarios > /dev/null; echo $(( $(now) - t )) >> "$tmp/run.ns"
  t=$(now); "$bin" verify scenarios > /dev/null 2>&1; echo $(( $(now) - t )) >> "$tmp/verify.ns"
done
run_ms=$(median < "$tmp/run.ns" | awk '{printf "%.1f", $1/1e6}')
verify_ms=$(median < "$tmp/verify.ns" | awk '{printf "%.1f", $1/1e6}')
echo "   run (simulate):        ${run_ms} ms (median)"
echo "   verify --against mock: ${verify_ms} ms (median)"
echo "   ratio verify/run:      $(awk -v a="$verify_ms" -v b="$run_ms" 'BEGIN {printf "%.2f", a/b}')"

echo "2. expectations over ~1M sign-ins (file source)"
"$bin" generate bench/population-1m.yaml --format ndjson --out "$tmp/p1m" > /dev/null
records=$(wc -l < "$tmp/p1m/signIns.ndjson")
# One scenario with one expectation, one with 100 of every kind, both over the same file.
population_header "$tmp/base.yaml"
one_expectation_scenario "$tmp/one.yaml"
{
  cat "$tmp/base.yaml"; echo "expect:"
  for i in $(seq 0 19); do
    echo "  - { name: count $i, sign_ins: { userPrincipalName: staff$(printf %06d $((i * 4000 + 1)))@contoso-bench.onmicrosoft.com }, count: 1.. }"
    echo "  - { name: all $i, sign_ins: { status/errorCode: 0, location/countryOrRegion: JP }, all: { status/failureReason: Other. } }"
    echo "  - { name: regex $i, sign_ins: { text: { regex: \"staff0$((i % 10))\" } }, count: 1.. }"
    echo "  - { name: sequence $i, sign_ins: { userPrincipalName: staff$(printf %06d $((i + 7)))@contoso-bench.onmicrosoft.com }, sequence: [ { status/errorCode: [0, 50126], times: 1.. } ] }"
    echo "  - { name: groups $i, sign_ins: { appDisplayName: OfficeHome, deviceDetail/browser: { starts_with: Edge } }, group_by: correlationId, each: { count: 1..2 } }"
  done
} > "$tmp/hundred.yaml"
time_it() { local t; t=$(now); "$bin" verify "$1" --against "$tmp/p1m/signIns.ndjson" > "$tmp/out.txt" 2>&1 || true; echo $(( $(now) - t )); }
one_ns=$(time_it "$tmp/one.yaml"); hundred_ns=$(time_it "$tmp/hundred.yaml")
tail -n 1 "$tmp/out.txt" | sed 's/^/   100 expectations: /'
echo "   records in the file:       $records"
echo "   1 expectation:             $(awk -v n="$one_ns" 'BEGIN {printf "%.2f s (mostly reading the file)", n/1e9}')"
echo "   100 expectations:          $(awk -v n="$hundred_ns" 'BEGIN {printf "%.2f s", n/1e9}')"
echo "   per expectation (marginal): $(awk -v a="$hundred_ns" -v b="$one_ns" 'BEGIN {printf "%.1f ms", (a-b)/99/1e6}')"
