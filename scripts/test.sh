#!/usr/bin/env bash
# The whole test suite: formatting, clippy for the server and the wasm build, unit, property and
# integration tests, then the end-to-end suite in headless Chromium against a real server.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"

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
cargo leptos build

step "end-to-end tests (Playwright, headless Chromium)"
(cd end2end && npx playwright test)
