#!/usr/bin/env bash
# Sigma evaluation rate (issue 5): the shipped rule set (tests/data/sigma) over a benign
# population of about 128,000 records. `entralab detect` reports on stderr the time spent
# evaluating (building each record's three namings and running every rule, correlations
# included; the simulation is timed apart) and the rate in records per second.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
./target/release/entralab detect --rules tests/data/sigma bench/detect-noise-100k.yaml >/dev/null
