#!/usr/bin/env bash
# Instructions that `verify --against FILE` (reading) and `detect --logs` (reading and the
# shipped rules) take on 50,000 sign-ins of bench/population-1m.yaml, as NDJSON and as Event Hub
# envelopes, counted by valgrind's callgrind: for the same binary and input the count moves by
# a few parts in 100,000 between runs, whatever else the machine is doing. On a shared VM whose
# speed swings by a third within an hour, records/s tell two builds apart only over many
# alternating rounds; these counts do it in one. They are not time (a cache miss counts as one
# instruction), so confirm a change with a side-by-side timing too (bench/detect-stream.sh
# BASE=).
#
# BIN=path/to/entralab measures another build; BASE=path/to/entralab also counts that build's
# and prints each ratio (base / this).
# Bounded: about 4 minutes for two builds on 2 cores (valgrind runs each command 30-50x slower);
# writes about 5 GB to a temporary folder it removes.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind > /dev/null || { echo "valgrind is needed (Debian: apt-get install valgrind)" >&2; exit 2; }

. bench/lib.sh
bench_work instructions
bench_bin

echo "== 50,000 sign-ins of bench/population-1m.yaml"
for format in ndjson eventhub; do
  timeout 900 "$BIN" generate bench/population-1m.yaml --format "$format" --out "$work/$format" > /dev/null
done
head -n 50000 "$work/ndjson/signIns.ndjson" > "$work/signIns.ndjson"
# The Event Hub export writes 100 records an envelope line.
head -n 500 "$work/eventhub/SignInLogs.json" > "$work/SignInLogs.json"
rm -rf "$work/ndjson" "$work/eventhub"
one_expectation_scenario "$work/one.yaml"

# Instructions one command takes (callgrind's total, all threads).
count() {
  timeout 1800 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 > /dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -n 1
}

measure() {
  local bin=$1 file
  for file in signIns.ndjson SignInLogs.json; do
    echo "verify $file $(count "$bin" verify "$work/one.yaml" --against "$work/$file")"
    echo "detect $file $(count "$bin" detect --rules tests/data/sigma --logs "$work/$file")"
  done
}

measure "$BIN" > "$work/this.txt"
if [ -n "${BASE:-}" ]; then
  measure "$BASE" > "$work/base.txt"
  echo "== instructions: $BASE, then $BIN"
  paste "$work/base.txt" "$work/this.txt" | awk '{
    printf "   %-7s %-16s %14.0f %14.0f  %.2fx fewer\n", $1, $2, $3, $6, $3 / $6 }'
else
  echo "== instructions: $BIN"
  awk '{ printf "   %-7s %-16s %14.0f\n", $1, $2, $3 }' "$work/this.txt"
fi
