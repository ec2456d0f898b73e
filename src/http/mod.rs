//! The HTTP edge: the route table (`routes`), the handlers of each scope
//! (`messages`, `users`, `health`, `metrics`) and every error answer
//! (`errors`).

pub mod cors;
pub mod errors;
mod health;
mod messages;
pub mod metrics;
pub mod routes;
mod users;

pub use errors::ApiError;
pub use metrics::Metrics;
