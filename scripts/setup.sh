# Sourced by run.sh and test.sh: makes sure a Debian/Ubuntu machine has what aidmesh builds with.
# Installs only what is missing, so a prepared machine pays nothing.

need_packages=()
command -v cc >/dev/null 2>&1 || need_packages+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_packages+=(pkg-config)
# SQLCipher's vendored OpenSSL builds with perl; the OS keyring (Secret Service) talks D-Bus.
command -v perl >/dev/null 2>&1 || need_packages+=(perl)
pkg-config --exists dbus-1 2>/dev/null || need_packages+=(libdbus-1-dev)
# The discovery test runs two hubs in a private network namespace (`unshare`, `ip`).
command -v ip >/dev/null 2>&1 || need_packages+=(iproute2)
command -v unshare >/dev/null 2>&1 || need_packages+=(util-linux)
# The app: Tauri 2 on WebKitGTK, and its UI built with Node.
for lib in webkit2gtk-4.1 libsoup-3.0 librsvg-2.0 ayatana-appindicator3-0.1 openssl; do
  pkg-config --exists "$lib" 2>/dev/null || { need_packages+=(libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev); break; }
done
command -v node >/dev/null 2>&1 || need_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || need_packages+=(npm)
if [ "${AIDMESH_SETUP_E2E:-0}" = 1 ]; then
  # The end-to-end tests drive the real webview under a virtual display.
  command -v Xvfb >/dev/null 2>&1 || need_packages+=(xvfb)
  command -v WebKitWebDriver >/dev/null 2>&1 || need_packages+=(webkit2gtk-driver)
  command -v import >/dev/null 2>&1 || need_packages+=(imagemagick)
  # The printed meeting report is drawn and paged by headless Chromium.
  command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
  # A real OS keyring for the keyring test: gnome-keyring's Secret Service on a private D-Bus.
  command -v dbus-run-session >/dev/null 2>&1 || need_packages+=(dbus)
  command -v gnome-keyring-daemon >/dev/null 2>&1 || need_packages+=(gnome-keyring)
fi
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
if [ "${AIDMESH_SETUP_E2E:-0}" = 1 ] && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "aidmesh: installing tauri-driver" >&2
  cargo install tauri-driver --version '^2' --locked --quiet
  export PATH="$HOME/.cargo/bin:$PATH"
fi

# The UI: dependencies exactly as locked, then a build the app embeds. The build runs only when
# something it is made from is newer than the last build: it rewrites every file in ui/dist, and
# cargo rebuilds the app (which embeds ui/dist) whenever those change. The stamp lives in
# node_modules, so a fresh `npm ci` builds again too.
(
  set -e
  cd ui
  { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; }
  stamp=node_modules/.aidmesh-ui-built
  inputs=(src index.html package.json package-lock.json tsconfig.json vite.config.ts)
  [ -d public ] && inputs+=(public)
  if [ -f dist/index.html ] && [ -f "$stamp" ] && [ -z "$(find "${inputs[@]}" -newer "$stamp" -print -quit)" ]; then
    echo "aidmesh: the UI is up to date (ui/dist)" >&2
  else
    # Stamped with the time the build started, so an edit made during it is not missed.
    touch "$stamp.next"
    npm run --silent build
    mv "$stamp.next" "$stamp"
  fi
)
