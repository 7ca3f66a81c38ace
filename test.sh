#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test (Rust, the UI's unit
# tests, and the end-to-end tests in the real app). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")"
export AIDMESH_SETUP_E2E=1
source scripts/setup.sh
# The CLI and end-to-end tests run the real binaries, so build them first, with the tests in the
# same build: built alone, the binaries leave out dev-dependencies' features, and `cargo test`
# then rebuilt 169 crates (14 of CI's 44 minutes).
cargo build --workspace --bins --tests --locked
log=$(mktemp)
ui_report=$(mktemp --suffix=.json)
trap 'rm -f "$log" "$ui_report"' EXIT
set +e
(cd ui && npx vitest run --reporter=default --reporter=json --outputFile="$ui_report")
ui_status=$?
cargo test --workspace --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Every benchmark, short: small sizes, the same JSON lines, no targets checked; it fails only if a
# benchmark errors, so none can quietly stop running. `cargo test` runs them (`cargo bench` would
# mean a release build of everything, about 15 minutes here) with what the tests above built.
AIDMESH_BENCH_SHORT=1 cargo test --workspace --bench '*' --locked
bench_status=$?
[ "$bench_status" -eq 0 ] || echo "aidmesh: a benchmark failed in its short run" >&2
set -e
# One closing line with the totals over every test binary and the UI's tests.
ui_counts=$(node -e 'try { const r = require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests) } catch { console.log(0, 1) }' "$ui_report")
awk -v ui="$ui_counts" '/^test result:/ { passed += $4; failed += $6 } END { split(ui, u, " "); printf "tests: %d passed, %d failed\n", passed + u[1], failed + u[2] }' "$log"
for code in "$status" "$ui_status" "$bench_status"; do [ "$code" -eq 0 ] || exit "$code"; done
