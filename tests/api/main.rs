//! Integration tests, in-process: the real server on a random port, a real
//! JWKS server, requests over HTTP like a client. No external program runs
//! here (`make test-fast` is this binary and the unit tests); what needs
//! one (gateways, a browser, Redis, moto, the SigV4 stand-in) is in
//! `tests/external`. One binary, one folder per area.

#[path = "../common/mod.rs"]
mod common;

mod browser;
mod forward_auth;
mod hostile;
mod keys;
mod operator;
mod pools;
mod reload;
mod revocation;
mod routes;
mod tokens;
