#!/usr/bin/env bash
# The run command: installs what is missing, builds aidmesh and starts the app. With arguments
# it runs the command line instead (`./run.sh need list`, `./run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
if [ $# -gt 0 ]; then
  cargo build --release --locked -p aidmesh
  exec target/release/aidmesh "$@"
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "aidmesh: the app needs a display; run this in a desktop session (or under xvfb-run)." >&2
  exit 1
fi
cargo build --release --locked -p aidmesh-app
exec target/release/aidmesh-app
