//! Integration tests with real programs beside the server: the gateways of
//! `examples/` (nginx, Caddy, Traefik, Envoy), headless Chromium through
//! chromedriver, redis-server (openssl makes the rediss:// certificates),
//! the moto Cognito emulator and the SigV4 stand-in (python3, botocore).
//! `make test` installs them; a missing one fails its test with one line
//! naming it (`programs.rs`). Tests that need none are in `tests/api`.

#[path = "../common/mod.rs"]
mod common;

mod listening;
mod programs;

mod browser;
mod gateways;
mod idp;
mod pools;
mod revocation;
