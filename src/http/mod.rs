//! The HTTP edge: the route table (`routes`), the handlers of each scope
//! (`messages`, `users`, `health`, `metrics`), every error answer
//! (`errors`), the headers of every answer (`headers`), and what browsers
//! need: CORS (`cors`), the OpenAPI document (`openapi`) and Swagger UI
//! (`docs`).

pub mod cors;
mod docs;
pub mod errors;
pub mod headers;
mod health;
mod messages;
pub mod metrics;
pub mod openapi;
pub mod routes;
mod users;

pub use errors::ApiError;
pub use metrics::Metrics;
