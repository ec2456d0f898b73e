//! The API's routes as a client sees them: messages, users, health, the
//! HTTP edge (405s, HEAD, caching, headers) and where `/metrics` is served.

mod edge;
mod health;
mod messages;
mod metrics;
mod users;
