# Sourced by run.sh and test.sh: makes sure a Debian/Ubuntu machine has what aidmesh builds with.
# Installs only what is missing, so a prepared machine pays nothing.

need_packages=()
command -v cc >/dev/null 2>&1 || need_packages+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_packages+=(pkg-config)
# The discovery test runs two hubs in a private network namespace (`unshare`, `ip`).
command -v ip >/dev/null 2>&1 || need_packages+=(iproute2)
command -v unshare >/dev/null 2>&1 || need_packages+=(util-linux)
if [ ${#need_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo=sudo; else sudo=; fi
  echo "aidmesh: installing ${need_packages[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "aidmesh: cargo (Rust 1.90 or newer) is needed; install it with rustup (https://rustup.rs) and run this again." >&2
  exit 1
fi
