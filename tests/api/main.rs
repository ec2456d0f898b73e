//! Integration tests, in-process: the real server on a random port, a real
//! JWKS server, requests over HTTP like a client. No external program runs
//! here (`make test-fast` is this binary and the unit tests); what needs
//! one (gateways, a browser, Redis, moto, the SigV4 stand-in) is in
//! `tests/external`. One binary, one module per area.

#[path = "../common/mod.rs"]
mod common;

mod config_docs;
mod cors;
mod dev_mode;
mod edge;
mod forward_auth;
mod health;
mod hostile;
mod jwks_cache;
mod machine;
mod messages;
mod metrics;
mod openapi;
mod pools;
mod pools_admin;
mod pools_directories;
mod pools_forward_auth;
mod pools_isolation;
mod pools_ops;
mod pools_revocations;
mod pools_rules;
mod process;
mod revocation;
mod tls;
mod token_cache;
mod token_rules;
mod users;
