#!/usr/bin/env bash
# The file readers on about a million sign-ins (bench/population-1m.yaml): each format written
# once, then read back with entralab::logfiles (verify --against, detect --logs): records/s per
# format with the typed fast path, beside the general path (every record through a
# serde_json::Value) in the same run, and a PASS/FAIL verdict per format against the issue's
# 500,000 records/s. `bench/readers.sh ndjson` measures one format; `--fast-only` skips the
# general path's timing (the slow half of the run); `--rounds N` times the reader and the floor
# in N turns (3) and reports medians.
# Bounded: a few minutes on 2 cores; writes about 1.3 GB at a time to a temporary folder it
# removes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench readers -- "$@"
