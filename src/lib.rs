//! cognito-guard: an Actix-web API protected by AWS Cognito JWTs.
#![forbid(unsafe_code)]

pub mod clock;
pub mod cognito_idp;
pub mod config;
pub mod dev;
pub mod errors;
pub mod extractors;
pub mod idp_endpoint;
pub mod jwks;
pub mod metrics;
pub mod revocations;
pub mod routes;
pub mod startup;
pub mod token_cache;
pub mod users;
pub mod verify;

pub use config::Settings;
pub use startup::Application;
