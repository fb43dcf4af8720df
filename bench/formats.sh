#!/usr/bin/env bash
# Scale of issue 5, measured in one run: the 10,000-user, 7-day noise scenario
# (bench/noise-10k-7d.yaml, about 1.1 million records) generated in every format, with
# records per second and peak resident memory per format, then the shipped Sigma rules
# evaluated over the same records (the rate `entralab detect` reports on stderr).
# Bounded: a few minutes on 2 cores; writes only to a temporary folder it removes.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build --release --quiet
bin=target/release/entralab
scenario=bench/noise-10k-7d.yaml

peak() { # runs a command; prints "seconds peak_kb"
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
elapsed = time.perf_counter() - start
print(f"{elapsed:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

records=""
for format in graph ndjson eventhub loganalytics; do
  read -r seconds kb < <(peak "$bin" generate "$scenario" --format "$format" --out "$tmp/$format")
  if [ -z "$records" ]; then
    records=$(python3 -c "import json,sys; print(sum(len(json.load(open(f))['value']) for f in sys.argv[1:]))" "$tmp/graph/signIns.json" "$tmp/graph/directoryAudits.json")
    echo "records: $records"
  fi
  size=$(du -sm "$tmp/$format" | cut -f1)
  awk -v f="$format" -v s="$seconds" -v k="$kb" -v n="$records" -v m="$size" \
    'BEGIN {printf "%-13s %6.2f s  %9.0f records/s  peak RSS %4.0f MB  %5d MB written\n", f, s, n/s, k/1024, m}'
  rm -rf "${tmp:?}/$format"
done
echo "sigma (tests/data/sigma over the same scenario):"
"$bin" detect --rules tests/data/sigma "$scenario" 2>&1 >/dev/null | grep -iE "records/s|rate|evaluat" | sed 's/^/  /'
