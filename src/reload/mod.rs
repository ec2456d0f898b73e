//! Reloading the configuration without a restart: on `SIGHUP`, or when a
//! file the configuration is read from changes on disk (`watch`), the
//! configuration is read and checked again as at start and, only if it
//! passes, swapped in at once (`reloader`); a failing one changes nothing
//! and is reported (the log, `metrics`, `/readyz`) until a good one loads.
//! What is read, checked and swapped is start-up's business: this room
//! only knows a [`Reload`].

mod metrics;
mod reloader;
mod watch;

pub use metrics::ReloadMetrics;
pub use reloader::{Reload, ReloadStatus, Reloader, Trigger};
pub use watch::{listen_for_sighup, watch_files, POLL_INTERVAL};
