#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
# The CLI tests run the real binary, so build it first.
cargo build --workspace --bins --locked
cargo test --workspace --locked
