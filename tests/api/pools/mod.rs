//! Several user pools (issue #20), in-process: each pool's issuer, keys,
//! clients, admin terms, directory, rules and revocations are its own.
//! What the pools share (two local pools in a `GUARD_CONFIG` file) is in
//! `tests/common/pools.rs`; against moto and a shared Redis, in
//! `tests/external/pools/`.

mod admin;
mod directories;
mod forward_auth;
mod isolation;
mod issuers;
mod ops;
mod revocations;
mod rules;
