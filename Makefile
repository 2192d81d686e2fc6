# The two commands of the README. Both install what is missing first (scripts/setup.sh).
.PHONY: run test bench

# Build a release and serve it at http://127.0.0.1:3000 (database ./data/breakwater.db,
# seeded with the demo catalog on first start), with the traffic simulator on. Every build passes
# --split: the pages other than the dependency graph are lazy wasm chunks (ui::lazy_page!) that
# cannot load otherwise.
run:
	scripts/setup.sh app
	PATH="$$HOME/.cargo/bin:$$PWD/end2end/node_modules/.bin:$$PATH" cargo leptos build --release --split --precompress
	LEPTOS_SITE_ROOT=target/site target/release/breakwater serve --simulate

# Everything CI runs.
test:
	scripts/setup.sh test
	scripts/test.sh

# Speed and size figures: layout, OpenAPI diff, the planner (native and in the browser), wasm bundle size, page loads.
bench:
	scripts/bench.sh
