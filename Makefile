# Every target wraps an npm script; `make help` lists them.
SHELL := /bin/bash
NPM ?= npm
STAMP := node_modules/.install-stamp

.DEFAULT_GOAL := help

.PHONY: help install system-deps build typecheck lint test test-unit test-net test-cli test-interop bench bench-share demo testnet clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $(STAMP)

install: $(STAMP) ## install dependencies (npm ci) when package-lock.json changed

system-deps: ## install test tools from Debian when missing and possible (libtorrent, git-lfs, tmux)
	@./scripts/install-system-deps.sh

build: install ## compile TypeScript to dist/
	$(NPM) run --silent build

typecheck: install ## type-check without emitting
	$(NPM) run --silent typecheck

lint: install ## ESLint, including the import boundaries of STYLE.md
	$(NPM) run --silent lint

test: build lint system-deps ## build, type-check, lint and run every test tier
	$(NPM) run --silent test

test-unit: build ## unit tests only (no sockets)
	$(NPM) run --silent test:unit

test-net: build ## loopback network tests only
	$(NPM) run --silent test:net

test-cli: build ## tests that spawn the built binaries
	$(NPM) run --silent test:cli

test-interop: build system-deps ## conformance against python3-libtorrent
	$(NPM) run --silent test:interop

bench: build system-deps ## benchmarks: print tables, write JSON to .bench/
	$(NPM) run --silent bench

bench-share: build system-deps ## hashing and torrent creation of a generated 1 GiB model, vs sha256sum and libtorrent
	$(NPM) run --silent bench:share

demo: build ## a bootstrap node and two daemons on loopback finding each other
	$(NPM) run --silent demo

testnet: build ## a loopback testnet for trying the CLI by hand (Ctrl-C stops it)
	$(NPM) run --silent testnet

clean: ## remove build output
	$(NPM) run --silent clean
