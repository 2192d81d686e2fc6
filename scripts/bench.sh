#!/usr/bin/env bash
# Speed and size figures (medians; compare ratios, the machines are shared):
# layout and validation at 100 / 1,000 / 5,000 services (Graphviz dot beside ours when installed),
# the OpenAPI diff of a 5,000-operation document, the planner (500 changes on 5,000 services, and
# every service of the enterprise demo), the release bundle (the main wasm, JS glue, CSS and chunk
# loader, then each lazy page chunk, raw / gzip -9 / brotli when the brotli command is installed;
# the main wasm's code by crate), concurrent page loads against the release server
# (scripts/page_load.py), and one recompute of the plan editor in headless Chromium when every
# service of the enterprise demo changes (scripts/plan_recompute.mjs; the native figure is the
# planner benchmark's last line); for runs: series aggregation, gate evaluation and the simulator,
# metric ingestion against the release server (scripts/ingest_load.py: samples/s and peak
# memory) and detect-to-rollback drills with the simulator.
# BENCH_REBUILD=0 measures the bundle already in target/site; BENCH_ONLY=bundle skips the
# layout, diff and planner benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${BENCH_ONLY:-all}" != bundle ]; then
  echo "== layout and validation"
  cargo bench --locked -p breakwater-domain --bench layout
  echo "== OpenAPI diff"
  cargo bench --locked -p breakwater-domain --bench openapi_diff
  echo "== planner"
  cargo bench --locked -p breakwater-domain --bench plan
  echo "== health: series aggregation, gate evaluation, simulator"
  cargo bench --locked -p breakwater-domain --bench health
  echo "== calendar: scheduling plans under windows, freezes and capacity"
  cargo bench --locked -p breakwater-domain --bench calendar
fi

echo "== wasm bundle (release, split)"
# `--split`: every page but the dependency graph is a lazy chunk the browser fetches the first
# time it shows that page (ui::lazy_page!), so the main bundle and the chunks are listed apart.
if ! ls target/site/pkg/breakwater*.wasm >/dev/null 2>&1 || [ "${BENCH_REBUILD:-1}" = 1 ]; then
  cargo leptos build --release --split --precompress >/dev/null
fi
# With hash-files the names carry a content hash (breakwater.<hash>.wasm); pick the newest.
asset() { ls -t target/site/pkg/breakwater*."$1" 2>/dev/null | grep -v '\.d\.ts$' | head -n 1; }
have_brotli=$(command -v brotli >/dev/null && echo 1 || echo 0)
gz() { gzip -9 -n -c "$1" | wc -c; }
br() { brotli -q 11 -c "$1" | wc -c; }
sizes() {  # raw, gzip -9 and brotli -q 11 bytes of one file
  local f=$1 b="-"
  [ "$have_brotli" = 1 ] && b=$(br "$f")
  printf '%-6s %9s bytes raw  %8s gzip -9  %8s brotli  (%s)\n' \
    "$2" "$(stat -c %s "$f")" "$(gz "$f")" "$b" "${f#target/site}"
}
wasm=$(asset wasm); js=$(asset js); css=$(asset css)
loader=$(ls -t target/site/pkg/__wasm_split.*.js 2>/dev/null | head -n 1)
echo "main bundle (every page loads it):"
sizes "$wasm" wasm; sizes "$js" js; sizes "$css" css
[ -n "$loader" ] && sizes "$loader" loader
first=("$wasm" "$js" "$css" ${loader:+"$loader"})
printf 'first visit transfers about %s bytes with gzip' "$(( $(for f in "${first[@]}"; do gz "$f"; done | paste -sd+) ))"
if [ "$have_brotli" = 1 ]; then
  printf ', %s with brotli' "$(( $(for f in "${first[@]}"; do br "$f"; done | paste -sd+) ))"
else
  printf ' (brotli: not installed, apt-get install brotli)'
fi
echo " (main wasm + JS glue + CSS + chunk loader)"
# A page's own chunk is named after its route (split___<route>_view_...); chunk_<n> holds code
# several pages share. Which chunks a page fetches: __wasm_split_manifest.*.json.
chunks=$(ls target/site/pkg/split_*.wasm target/site/pkg/chunk_*.wasm 2>/dev/null | sort -V || true)
if [ -n "$chunks" ]; then
  echo "lazy chunks (fetched on first use):"
  for f in $chunks; do sizes "$f" chunk; done
  printf 'all %s chunks: %s bytes raw, %s gzip -9' "$(echo "$chunks" | wc -l)" \
    "$(( $(for f in $chunks; do stat -c %s "$f"; done | paste -sd+) ))" \
    "$(( $(for f in $chunks; do gz "$f"; done | paste -sd+) ))"
  [ "$have_brotli" = 1 ] && printf ', %s brotli' "$(( $(for f in $chunks; do br "$f"; done | paste -sd+) ))"
  echo
fi

echo "== main wasm by part (code bytes after wasm-opt, by crate, and the biggest functions)"
# The shipped bundle has no names; redo wasm-bindgen and wasm-opt (same flags as cargo-leptos
# with --split) on the main module wasm-split left in cargo-leptos's target dir, target/front,
# keeping the name section, then attribute function bodies to crates. The chunks are left out:
# this is what every page pays for.
raw=target/front/wasm32-unknown-unknown/wasm-release/breakwater_split.wasm
if [ -f "$raw" ] && command -v wasm-bindgen >/dev/null && command -v wasm-opt >/dev/null; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  wasm-bindgen --target=web --keep-lld-exports --no-demangle --out-name=breakwater \
    --out-dir="$tmp" "$raw"
  wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$tmp/breakwater_bg.wasm" -o "$tmp/named.wasm"
  python3 scripts/wasm_parts.py "$tmp/named.wasm" --top "${BENCH_TOP_CRATES:-20}" \
    --functions "${BENCH_TOP_FUNCTIONS:-15}"
  if command -v twiggy >/dev/null; then twiggy top -n 20 "$tmp/named.wasm"; fi
else
  echo "skipped: needs $raw (cargo leptos build --release --split), wasm-bindgen and wasm-opt on PATH"
fi

echo "== pages under load (release server, generated catalogs, fresh database each)"
# The home page of a 1,000-service catalog, 200 requests at once, and of 5,000 services: latency
# and the page size as sent raw, with gzip and with brotli.
LEPTOS_SITE_ROOT=target/site python3 scripts/page_load.py target/release/breakwater 1000 200
LEPTOS_SITE_ROOT=target/site python3 scripts/page_load.py target/release/breakwater 5000 50

echo "== plan editor recompute in the browser (release server, headless Chromium)"
LEPTOS_SITE_ROOT=target/site node scripts/plan_recompute.mjs target/release/breakwater 30

echo "== metric ingestion (release server, boutique demo, 4 clients posting batches of 2,000 samples)"
# samples/s per 10 s round and the median of 3, the server's peak memory, and a check that the
# database holds every accepted request after the last flush.
python3 scripts/ingest_load.py target/release/breakwater 4 2000 10 3

echo "== detect-to-rollback (default 5 s evaluation interval, simulator, 5 drills)"
# From the moment a fault injected into a changed provider starts to the moment the automatic
# rollback is recorded (its consumer's downstream gate fails); each drill and the median.
LEPTOS_OUTPUT_NAME=breakwater cargo test --locked --features ssr --test executor detect_to_rollback \
  -- --ignored --nocapture
