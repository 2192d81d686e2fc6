#!/usr/bin/env bash
# Speed and size figures (medians; compare ratios, the machines are shared):
# layout and validation at 100 / 1,000 / 5,000 services (Graphviz dot beside ours when installed),
# the OpenAPI diff of a 5,000-operation document, and the gzip size of the release wasm bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== layout and validation"
cargo bench --locked -p breakwater-domain --bench layout
echo "== OpenAPI diff"
cargo bench --locked -p breakwater-domain --bench openapi_diff

echo "== wasm bundle (release)"
if [ ! -f target/site/pkg/breakwater.wasm ] || [ "${BENCH_REBUILD:-1}" = 1 ]; then
  cargo leptos build --release >/dev/null
fi
wasm=target/site/pkg/breakwater.wasm
printf 'wasm: %s bytes, gzip -9: %s bytes\n' "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
printf 'js glue gzip -9: %s bytes, css gzip -9: %s bytes\n' \
  "$(gzip -9 -c target/site/pkg/breakwater.js | wc -c)" "$(gzip -9 -c target/site/pkg/breakwater.css | wc -c)"
