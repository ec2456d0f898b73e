//! How a bearer token is judged: each acceptance rule of the contract, the
//! verified-token cache, and machine callers (client credentials).

mod cache;
mod machine;
mod rules;
