#!/usr/bin/env bash
# The run command: installs what is missing, builds aidmesh and starts it with your arguments
# (`./run.sh need list`); with none, it shows what aidmesh can do.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
cargo build --release --locked -p aidmesh
if [ $# -eq 0 ]; then set -- --help; fi
exec target/release/aidmesh "$@"
