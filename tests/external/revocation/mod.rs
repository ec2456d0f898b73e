//! The shared revocation list (issue #18) on a real `redis-server`: several
//! instances, outages, failovers, evictions, the spool file, and the
//! credentials none of it may log. (Settings refused at start, before any
//! Redis: `tests/api/revocation.rs`.)

pub mod redis_server;
pub mod support;

mod chaos;
mod log_credentials;
mod loss;
mod preflight;
mod refusals;
mod shared;
mod spool;
mod writeback;
