#!/usr/bin/env bash
# Installs what Breakwater needs on a fresh machine, skipping what is already there.
#   scripts/setup.sh app    toolchain for building and running the app
#   scripts/setup.sh test   the above plus what the test suite needs (Chromium, Playwright)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_rust() {
  # rust-toolchain.toml names the toolchain, the wasm target and components; rustup installs them.
  rustup show active-toolchain >/dev/null
  rustup target list --installed | grep -q wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
}

# cargo-leptos and wasm-bindgen-cli are build tools that run for seconds per build: build them
# for a short install, not for peak speed. cargo-leptos's own release profile asks for fat LTO
# and one codegen unit, which costs minutes of single-threaded work on two cores; these
# variables override the installed package's profile (cargo config beats the manifest).
tool_profile() {
  env CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
      CARGO_PROFILE_RELEASE_INCREMENTAL=false "$@"
}

ensure_cargo_leptos() {
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    # Its cargo-generate dependency asks for a vendored OpenSSL (a C build of several minutes);
    # OPENSSL_NO_VENDOR makes openssl-sys link Debian's libssl instead.
    ensure_apt libssl-dev pkg-config
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (several minutes on 2 cores)"
    # no_downloads: a missing tool is an error instead of a download attempt (none are reachable).
    OPENSSL_NO_VENDOR=1 tool_profile cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" \
      --locked --features no_downloads
  fi
}

ensure_wasm_bindgen() {
  local want; want=$(wasm_bindgen_version)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want"
    # Not --locked: its lock file names a crate version missing from the registry.
    tool_profile cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_npm() {
  # binaryen (wasm-opt for release builds) and @playwright/test, pinned by end2end/package-lock.json.
  if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/@playwright/test ] \
     || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing npm packages in end2end/"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
}

ensure_apt() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

case "${1:-app}" in
  app)
    ensure_rust; ensure_npm; ensure_wasm_bindgen; ensure_cargo_leptos ;;
  test)
    ensure_rust; ensure_npm; ensure_wasm_bindgen; ensure_cargo_leptos; ensure_apt chromium ;;
  *) echo "usage: $0 app|test" >&2; exit 2 ;;
esac
# Everything in Cargo.lock, so later builds need no registry look-ups.
cargo fetch --locked >/dev/null
