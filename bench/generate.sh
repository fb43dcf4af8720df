#!/usr/bin/env bash
# `generate` at a million sign-ins (bench/population-1m.yaml, about 1.02 million records and
# 1.5 GB of Graph JSON). Target: simulate + write at most 1.5x the time to only serialize the
# same records with serde_json, with peak RSS under 300 MB.
#
# 1. `cargo bench --bench generate`: criterion measures, in one group, simulate_and_write
#    (what `entralab generate` does) and serialize_only (the floor); their means and ratio
#    are read back from criterion's estimates. The bench then runs both in turns, 5 rounds,
#    and prints each round's ratio and their median (the floor drifts with the machine's
#    state, so this ratio compares runs made under the same conditions).
# 2. The release binary generates the scenario once, under python3, which reports its peak
#    RSS (getrusage of the child), wall time and records per second.
#
# Takes about 4 to 6 minutes on 2 cores (plus the builds); every step has a time limit and
# the temporary output (about 1.5 GB) is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIO=bench/population-1m.yaml
GROUP=generate_1m
TARGET_RATIO=1.5
RSS_LIMIT_MB=300

work=$(mktemp -d "${TMPDIR:-/tmp}/entralab-generate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== build"
timeout 1800 cargo build --release --quiet
timeout 1800 cargo bench --bench generate --no-run --quiet

echo "== criterion: cargo bench --bench generate"
started=$(date +%s)
timeout 1800 cargo bench --bench generate | tee "$work/bench.log"

target_dir=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')}
criterion_dir=${CRITERION_HOME:-$target_dir/criterion}

echo "== ratio"
grep "side by side" "$work/bench.log"
python3 - "$criterion_dir/$GROUP" "$started" "$TARGET_RATIO" <<'EOF'
import json, os, sys
group, started, target = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
def mean(name):
    path = os.path.join(group, name, "new", "estimates.json")
    if os.path.getmtime(path) < started:
        sys.exit(f"{path} is from an earlier run")
    with open(path) as f:
        return json.load(f)["mean"]["point_estimate"] / 1e9
full, floor = mean("simulate_and_write"), mean("serialize_only")
ratio = full / floor
print(f"simulate_and_write mean: {full:.3f} s")
print(f"serialize_only mean:     {floor:.3f} s")
print(f"ratio: {ratio:.2f}x (target <= {target:.1f}x: {'met' if ratio <= target else 'NOT met'})")
EOF

echo "== peak RSS: entralab generate $SCENARIO --out <tmp>"
python3 - "$target_dir/release/entralab" "$SCENARIO" "$work/out" "$RSS_LIMIT_MB" <<'EOF'
import re, resource, subprocess, sys, time
binary, scenario, out, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
start = time.monotonic()
run = subprocess.run([binary, "generate", scenario, "--out", out],
                     capture_output=True, text=True, timeout=900)
wall = time.monotonic() - start
if run.returncode != 0:
    sys.exit(f"generate failed ({run.returncode}): {run.stderr}")
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
found = re.search(r"(\d+) sign-ins, (\d+) directory audits", run.stdout)
records = int(found[1]) + int(found[2])
print(f"records written: {records} ({found[1]} sign-ins, {found[2]} directory audits)")
print(f"wall time: {wall:.2f} s, {records / wall:,.0f} records/s")
print(f"peak RSS: {rss_mb:.1f} MB (limit {limit:.0f} MB: {'met' if rss_mb < limit else 'NOT met'})")
EOF
