# Every task of the project, so a fresh machine needs only `make run` and `make test`.
CARGO ?= cargo
# Options for `make token`, e.g. make token ARGS="--group admin"
ARGS ?=

.PHONY: run token test test-deps build fmt lint check bench

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

## test: every unit and integration test (installs the Cognito emulator, moto, if missing)
test: test-deps
	$(CARGO) test --locked

# moto's server mode stands in for Cognito in the admin-route tests.
test-deps:
	@python3 -c "import moto.server" 2>/dev/null || python3 -m pip install --quiet 'moto[server]>=5,<6'


build:
	$(CARGO) build --release --locked

fmt:
	$(CARGO) fmt --all

## lint: formatting and clippy, warnings are errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

## bench: load benchmark (wrk, side by side) and criterion micro-benchmark
bench:
	bash bench/run.sh

check: lint test
