//! Integration tests: the real server on a random port, a real JWKS server,
//! requests over HTTP like a client. One binary, one module per area.

mod helpers;
mod listening;
mod webdriver;

mod browser;
mod cognito_emulator;
mod config_docs;
mod cors;
mod dev_mode;
mod edge;
mod forward_auth;
mod gateways;
mod health;
mod hostile;
mod idp_filter;
mod idp_lockout;
mod idp_signing;
mod idp_standin;
mod jwks_cache;
mod log_credentials;
mod machine;
mod messages;
mod metrics;
mod openapi;
mod pools;
mod process;
mod redis_server;
mod revocation_chaos;
mod revocation_loss;
mod revocation_preflight;
mod revocation_refusals;
mod revocation_spool;
mod revocation_support;
mod revocation_writeback;
mod shared_revocations;
mod tls;
mod token_cache;
mod token_rules;
mod users;
