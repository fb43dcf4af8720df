# Shared by the bench scripts: sourced (`. bench/lib.sh`) from the project root, not run.

# A temporary folder in $work, named after the bench ($1), removed when the script exits.
bench_work() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/entralab-$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
}

# The build to measure, in $BIN: the one given, else this tree's release build (built now).
bench_bin() {
  if [ -z "${BIN:-}" ]; then
    timeout 1800 cargo build --release --quiet
    BIN=target/release/entralab
  fi
}

# bench/population-1m.yaml up to its populations (name, seed, tenant), into the file $1.
population_header() {
  head -n "$(grep -n '^populations:' bench/population-1m.yaml | cut -d: -f1)" bench/population-1m.yaml | sed '$d' > "$1"
}

# That header with one expectation (a wrong password is seen), into the file $1.
one_expectation_scenario() {
  population_header "$1"
  { echo "expect:"; echo "  - { sign_ins: { status/errorCode: 50126 }, count: 1.. }"; } >> "$1"
}

# The median of the numbers on standard input, one a line (the mean of the two middle ones for
# an even count, as bench/readers.rs takes it).
median() {
  sort -g | awk '{ v[NR] = $1 }
    END { m = int((NR + 1) / 2); print (NR % 2 ? v[m] : sprintf("%.15g", (v[m] + v[m + 1]) / 2)) }'
}
