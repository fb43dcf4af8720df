#!/usr/bin/env bash
# The file readers on about a million sign-ins (bench/population-1m.yaml): each format written
# once, then read back with entralab::logfiles (verify --against, detect --logs), records/s per
# format against the issue's 500,000. `bench/readers.sh ndjson` measures one format.
# Bounded: a few minutes on 2 cores; writes about 1.3 GB at a time to a temporary folder it
# removes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench readers -- "$@"
