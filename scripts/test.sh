#!/usr/bin/env bash
# The whole test suite: formatting, clippy for the server and the wasm build, unit, property and
# integration tests, then the end-to-end suite in headless Chromium against a real server.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
# cargo-leptos sets this while building; leptos reads it at compile time (it names the wasm file
# in the page). Setting it for every step lets tests, clippy and the app build share artifacts,
# and makes the binary `cargo test` builds serve pages that hydrate.
export LEPTOS_OUTPUT_NAME=breakwater

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

# Contract-checker conformance cases live outside the repository; use them when present.
if [ -z "${BREAKWATER_CONFORMANCE_DIR:-}" ] && [ -d ../shared/conformance ]; then
  export BREAKWATER_CONFORMANCE_DIR="$(cd ../shared/conformance && pwd)"
fi

step "rustfmt"
cargo fmt --all -- --check

step "clippy (server build)"
cargo clippy --locked --workspace --all-targets --features breakwater/ssr -- -D warnings

step "clippy (wasm32 hydrate build)"
cargo clippy --locked -p breakwater --lib --target wasm32-unknown-unknown \
  --no-default-features --features hydrate -- -D warnings

step "unit, property and integration tests"
cargo test --locked --workspace --features breakwater/ssr

step "build the app (server + wasm) for the end-to-end suite"
# --split, like every build: the lazy pages (ui::lazy_page!) only load as separate chunks.
cargo leptos build --split

step "end-to-end tests (Playwright, headless Chromium)"
# A free port of our own: 3000/3001 are sometimes taken on shared machines.
E2E_PORT=${E2E_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export E2E_PORT
(cd end2end && npx playwright test)
