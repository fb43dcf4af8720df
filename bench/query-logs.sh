#!/usr/bin/env bash
# `entralab query --logs FILE` over about a million sign-ins (bench/population-1m.yaml written
# once as NDJSON and as Event Hub records): wall time, records per second and peak RSS (GNU
# time) of a query that reads two columns, `SigninLogs | summarize count() by ResultType`.
# The records stream into rows of the columns the query reads; before, every record was held
# first (9 GB for these files).
#
# BIN=path/to/entralab measures another build; BASE=path/to/entralab also runs that one on the
# same files, in turns with BIN, for a ratio measured side by side.
# Bounded: a few minutes on 2 cores; writes about 4.7 GB to a temporary folder it removes.
set -euo pipefail
cd "$(dirname "$0")/.."

QUERY='SigninLogs | summarize count() by ResultType'

. bench/lib.sh
bench_work query-logs
bench_bin

for format in ndjson eventhub; do
  timeout 900 "$BIN" generate bench/population-1m.yaml --format "$format" --out "$work/$format" -q
done

# Prints "seconds peak_kb" of one query run under GNU time.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" timeout 1800 "$1" query "$QUERY" --logs "$2" \
    > "$work/out.txt" 2> "$work/err.txt" || { cat "$work/err.txt"; exit 1; }
  cat "$work/time.txt"
}

for file in "$work/ndjson/signIns.ndjson" "$work/eventhub/SignInLogs.json"; do
  records=$(awk -F'  +' '/^[0-9]/ { n += $2 } END { print n }' <("$BIN" query "$QUERY" --logs "$file"))
  echo "== $(basename "$file"): $records sign-ins, $(du -m "$file" | cut -f1) MB"
  for build in ${BASE:+BASE} BIN; do
    read -r seconds kb < <(measure "${!build}" "$file")
    awk -v b="$build" -v r="$records" -v s="$seconds" -v kb="$kb" 'BEGIN {
      printf "   %-4s %7.2f s  %9.0f records/s  peak RSS %6.0f MB\n", b, s, r / (s > 0 ? s : 1e-9), kb / 1024 }'
  done
done
