# devcenter: local development, tests and benchmarks. `make` lists the targets.
# Tools are pinned and installed by scripts/install-tools.sh into a cache outside the clone
# ($DEVCENTER_TOOLS, default ~/.cache/devcenter-tools), so every clone reuses them.

SHELL := bash
.SHELLFLAGS := -e -o pipefail -c
# (No -u: wrangler starts `make worker` with a socket as stdin, and Debian's bash then sources
# /etc/bash.bashrc, which reads an unset PS1.)
.DEFAULT_GOAL := help
# Targets run one after another even under -j (test = lint, then tests, then the e2e run).
.NOTPARALLEL:

include scripts/versions.env

TOOLS ?= $(or $(DEVCENTER_TOOLS),$(HOME)/.cache/devcenter-tools)
# The wasm-bindgen CLI must match the library in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '$$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)

WORKER_BUILD := $(TOOLS)/worker-build-$(WORKER_BUILD_VERSION)/bin/worker-build
WRANGLER := node_modules/.bin/wrangler

# worker-build looks for these before it tries to download anything from GitHub.
export WASM_BINDGEN_BIN := $(TOOLS)/wasm-bindgen-$(WASM_BINDGEN_VERSION)/bin/wasm-bindgen
export WASM_OPT_BIN := $(CURDIR)/node_modules/.bin/wasm-opt
export ESBUILD_BIN := $(CURDIR)/node_modules/.bin/esbuild
# wrangler: no prompts, no metrics, no fetch of Cloudflare's request.cf data.
export CI := true
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false

STATE := .wrangler/state
DEV_PORT ?= 8787

# What the Worker is built from. wrangler runs `make worker` on every `wrangler dev` start, so the
# build only runs when one of these is newer than its output.
WORKER_OUT := build/worker/shim.mjs
WORKER_SRCS := Cargo.toml Cargo.lock scripts/strip-wasm.mjs \
	$(wildcard build.rs handlers/Cargo.toml handlers/build.rs) \
	$(shell find src handlers/src schema -type f 2>/dev/null)

.PHONY: help tools tools-browser tools-bench venv worker bench-floor dev dev-secrets migrate lint fmt \
	test-native test-e2e fuzz test bench clean

help: ## List the targets
	@echo "devcenter make targets:"
	@awk 'BEGIN { FS = ":.*## " } /^[a-z0-9-]+:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

tools: ## Install missing pinned tools (rust target, worker-build, wasm-bindgen, npm ci)
	@scripts/install-tools.sh

tools-browser: ## tools + chromium and chromedriver (apt) for the e2e browser test
	@scripts/install-tools.sh --browser

tools-bench: ## tools + wrk (apt)
	@scripts/install-tools.sh --bench

venv: ## Python virtualenv .venv with the pinned test tools (tests/python/requirements.txt)
	@scripts/venv.sh

# Missing tools (e.g. when wrangler runs `make worker` in a clone that never ran `make tools`).
$(WORKER_BUILD) $(WASM_BINDGEN_BIN) $(WASM_OPT_BIN) $(ESBUILD_BIN) &:
	@scripts/install-tools.sh

worker: $(WORKER_OUT) ## Build the Worker (release) into build/ if a source changed
	@:

$(WORKER_OUT): $(WORKER_SRCS) | $(WORKER_BUILD) $(WASM_BINDGEN_BIN) $(WASM_OPT_BIN) $(ESBUILD_BIN)
	@echo "==> building the Worker (worker-build --release)" >&2
	@"$(WORKER_BUILD)" --release >&2
	@node scripts/strip-wasm.mjs build/index_bg.wasm
	@touch "$@"

# The bench's floor Worker (bench/floor), built like the Worker, with the same tools.
FLOOR_OUT := bench/floor/build/worker/shim.mjs
$(FLOOR_OUT): Cargo.toml Cargo.lock scripts/strip-wasm.mjs $(shell find bench/floor -path bench/floor/build -prune -o -type f -print) | $(WORKER_BUILD) $(WASM_BINDGEN_BIN) $(WASM_OPT_BIN) $(ESBUILD_BIN)
	@echo "==> building the floor Worker (bench/floor, worker-build --release)" >&2
	@cd bench/floor && "$(WORKER_BUILD)" --release >&2
	@node scripts/strip-wasm.mjs bench/floor/build/index_bg.wasm
	@touch "$@"

bench-floor: $(FLOOR_OUT) ## Build the bench's floor Worker (bench/floor) if a source changed
	@:

dev-secrets: ## Write local secrets to .dev.vars (first run only, never overwritten)
	@scripts/dev-secrets.sh

migrate: ## Apply D1 migrations to the local state in .wrangler/state
	@echo "==> applying D1 migrations to $(STATE)"
	@$(WRANGLER) d1 migrations apply DB --local --persist-to $(STATE)

dev: tools worker dev-secrets migrate ## Serve the Worker at http://127.0.0.1:8787 (local D1/KV in .wrangler/state)
	@echo "==> serving http://127.0.0.1:$(DEV_PORT) (Ctrl-C stops; GET /__scheduled runs the cron)"
	$(WRANGLER) dev --ip 127.0.0.1 --port $(DEV_PORT) --persist-to $(STATE) --test-scheduled

fmt: ## Format all Rust code
	cargo fmt --all

lint: ## rustfmt check, clippy native and wasm32 with -D warnings
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p devcenter -p devcenter-handlers -p devcenter-floor --target wasm32-unknown-unknown -- -D warnings

test-native: ## Native tests (domain rules, SQL against real SQLite)
	cargo test -p devcenter -p devcenter-handlers

test-e2e: tools-browser venv worker ## End-to-end suite, then the fuzzer, against wrangler dev (fresh state, free ports)
	scripts/e2e.sh

fuzz: venv ## Fuzz the `make dev` server (running in another terminal) with schemathesis
	scripts/fuzz.sh http://127.0.0.1:$(DEV_PORT) .dev.vars

test: tools-browser lint test-native worker test-e2e ## Everything CI runs: lint, native tests, build, e2e

bench: tools-bench worker bench-floor ## Build release, wrk devcenter and the floor Worker, print a markdown table
	scripts/bench.sh

clean: ## Remove build output and cargo's target/ (keeps .dev.vars and local data in .wrangler/state)
	rm -rf build .wrangler/tmp
	cargo clean
