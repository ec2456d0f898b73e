//! The HTTP edge: the route table (`routes`), the handlers of each scope
//! (`messages`, `users`, `health`, `metrics`), every error answer
//! (`errors`), the headers of every answer (`headers`), and what browsers
//! need: CORS (`cors`), the OpenAPI document (`openapi`) and Swagger UI
//! (`docs`); where the server listens (`listeners`).

pub mod cors;
mod docs;
pub mod errors;
pub mod headers;
mod health;
mod listeners;
mod messages;
pub mod metrics;
pub mod openapi;
pub mod routes;
mod users;

pub use cors::{CorsSettings, DEV_DEFAULT_ORIGINS};
pub use errors::ApiError;
pub use listeners::{ListenAddr, ServerSettings};
pub use metrics::Metrics;
