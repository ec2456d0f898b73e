//! cognito-guard: an Actix-web API protected by AWS Cognito JWTs.
//!
//! The request path, folder by folder: `http` (routes, handlers, error
//! answers) → `auth` (bearer token, JOSE, Cognito claim rules, verifier,
//! extractors, guards) → `keys` (the JWKS cache) and `revocation` (users
//! locked out) → `users` (the Cognito user directory). Beside `http`,
//! `forward_auth` answers a gateway's auth subrequests (`/auth`) with the
//! same verifier and policies. `config` reads the
//! settings once; `startup` assembles the app; `dev` is the local issuer.
#![forbid(unsafe_code)]

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dev;
pub mod forward_auth;
pub mod http;
pub mod keys;
pub mod logging;
pub mod revocation;
pub mod startup;
pub mod users;

pub use config::Settings;
pub use startup::Application;
