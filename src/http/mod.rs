//! The HTTP edge: the route table (`routes`), the handlers of each scope
//! (`messages`, `users`, `health`, `metrics`), every error answer
//! (`errors`), and what browsers need: CORS (`cors`), the OpenAPI document
//! and Swagger UI (`openapi`).

pub mod cors;
pub mod errors;
mod health;
mod messages;
pub mod metrics;
pub mod openapi;
pub mod routes;
mod users;

pub use errors::ApiError;
pub use metrics::Metrics;
