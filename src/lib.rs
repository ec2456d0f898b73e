//! cognito-guard: an Actix-web API protected by AWS Cognito JWTs.
//!
//! Imports point one way, along the request path: `http` (routes,
//! handlers, error answers, CORS, OpenAPI, the metrics registry) →
//! `forward_auth` (a gateway's auth subrequests, `/auth`, decided with the
//! same verifier and policies) → `policies` (the Cedar policy set of the
//! `allow = "policy"` rules) → `auth` (bearer token, JOSE, Cognito claim
//! rules, the verifier and the pools it serves, extractors, guards) →
//! `pools` (what one user pool is) → `keys` (the JWKS caches), `users` (the
//! user directories) and `revocation` (users locked out); `dev` is the
//! local issuer, `clock` the time. Above them all, `config` reads the
//! settings once into the types those components own, and `startup` builds
//! the components and wires the app; nothing below `startup` imports
//! `config`.
#![forbid(unsafe_code)]

pub mod assertion;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dev;
pub mod forward_auth;
pub mod http;
pub mod keys;
pub mod logging;
pub mod policies;
pub mod pools;
pub mod reload;
pub mod revocation;
pub mod startup;
pub mod users;

pub use config::Settings;
pub use startup::Application;
