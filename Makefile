# Every task of the project, so a fresh machine needs only `make run` and `make test`.
CARGO ?= cargo

.PHONY: run test build fmt lint check

## run: start the server (reads .env when present)
run:
	$(CARGO) run --release --locked

## test: every unit and integration test
test:
	$(CARGO) test --locked

build:
	$(CARGO) build --release --locked

fmt:
	$(CARGO) fmt --all

## lint: formatting and clippy, warnings are errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

check: lint test
