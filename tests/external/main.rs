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
mod redis_server;
mod revocation_support;
mod webdriver;

mod browser;
mod cognito_emulator;
mod gateways;
mod idp_filter;
mod idp_lockout;
mod idp_signing;
mod idp_standin;
mod log_credentials;
mod openapi;
mod pools_cognito_emulator;
mod pools_revocations;
mod revocation_chaos;
mod revocation_loss;
mod revocation_preflight;
mod revocation_refusals;
mod revocation_spool;
mod revocation_writeback;
mod shared_revocations;
