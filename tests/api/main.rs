//! Integration tests: the real server on a random port, a real JWKS server,
//! requests over HTTP like a client. One binary, one module per area.

mod helpers;

mod dev_mode;
mod health;
mod hostile;
mod jwks_cache;
mod messages;
mod process;
mod tls;
mod token_rules;
mod users;
