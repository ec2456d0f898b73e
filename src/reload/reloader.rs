//! One reload at a time: read and check the configuration again (start-up's
//! [`Reload`]), and either count a new generation or keep the old one and
//! say why, in the log, the metrics and `/readyz`, until a good one loads.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::metrics::ReloadMetrics;

/// What set a reload off, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `SIGHUP`.
    Signal,
    /// A watched file changed on disk.
    FileChange,
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trigger::Signal => "SIGHUP",
            Trigger::FileChange => "a file changed",
        })
    }
}

/// Reads the configuration again, checks it exactly as at start and swaps
/// it in; implemented by start-up, which alone reads the configuration.
pub trait Reload: Send + Sync {
    /// Swaps the checked new configuration in and says what serves now, in
    /// one line; or changes nothing and says why (with `file:line` where the
    /// configuration has one, or what needs a restart).
    fn reload(&self) -> Result<String, String>;

    /// The files the serving configuration is read from, to watch.
    fn files(&self) -> Vec<PathBuf>;
}

/// Where reloads stand: the generation serving (1 at start) and why the
/// last reload was refused, until one loads.
#[derive(Debug)]
pub struct ReloadStatus {
    generation: AtomicU64,
    error: RwLock<Option<String>>,
}

impl ReloadStatus {
    /// The generation serving.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Why the last reload was refused, if no reload loaded since.
    pub fn error(&self) -> Option<String> {
        self.error.read().clone()
    }
}

/// Runs reloads, one at a time, and keeps their status.
pub struct Reloader {
    reload: Box<dyn Reload>,
    status: Arc<ReloadStatus>,
    metrics: ReloadMetrics,
    /// Held for the length of a reload: a signal and a file change arriving
    /// together reload one after the other, never interleaved.
    running: Mutex<()>,
}

impl Reloader {
    /// A reloader of `reload`, with generation 1 serving.
    pub fn new(reload: Box<dyn Reload>, metrics: ReloadMetrics) -> Self {
        metrics.set_generation(1);
        Reloader {
            reload,
            status: Arc::new(ReloadStatus {
                generation: AtomicU64::new(1),
                error: RwLock::new(None),
            }),
            metrics,
            running: Mutex::new(()),
        }
    }

    /// The status `/readyz` reports.
    pub fn status(&self) -> Arc<ReloadStatus> {
        Arc::clone(&self.status)
    }

    /// The files to watch.
    pub fn files(&self) -> Vec<PathBuf> {
        self.reload.files()
    }

    /// Reloads now; whether a new generation serves.
    pub fn reload(&self, trigger: Trigger) -> bool {
        self.reload_unless_moved(trigger, || false)
    }

    /// Reloads now, but a refusal is not reported when `moved` says the
    /// files changed again while they were read: what was refused may be a
    /// write caught halfway, and the watcher reads what they became next.
    /// Whether a new generation serves.
    pub fn reload_unless_moved(&self, trigger: Trigger, moved: impl FnOnce() -> bool) -> bool {
        let _one_at_a_time = self.running.lock();
        match self.reload.reload() {
            Ok(serving) => {
                let generation = self.status.generation.fetch_add(1, Ordering::Relaxed) + 1;
                *self.status.error.write() = None;
                self.metrics.set_generation(generation);
                log::info!(
                    "configuration reloaded ({trigger}): generation {generation} serves: {serving}"
                );
                true
            }
            Err(reason) if moved() => {
                log::debug!("configuration reload ({trigger}) read files still being written, reading them again: {reason}");
                false
            }
            Err(reason) => {
                self.metrics.count_failure();
                log::error!(
                    "configuration reload ({trigger}) refused, generation {} keeps serving: {reason}",
                    self.status.generation()
                );
                *self.status.error.write() = Some(reason);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// Loads when `good` says so.
    struct Flaky {
        good: Arc<AtomicBool>,
    }

    impl Reload for Flaky {
        fn reload(&self) -> Result<String, String> {
            match self.good.load(Ordering::Relaxed) {
                true => Ok("2 rules".to_owned()),
                false => Err("guard.toml:3: rule.path: bad".to_owned()),
            }
        }

        fn files(&self) -> Vec<PathBuf> {
            vec![PathBuf::from("guard.toml")]
        }
    }

    #[test]
    fn a_refused_reload_keeps_the_generation_and_names_the_error_until_one_loads() {
        let good = Arc::new(AtomicBool::new(false));
        let reloader = Reloader::new(
            Box::new(Flaky {
                good: Arc::clone(&good),
            }),
            ReloadMetrics::default(),
        );
        let status = reloader.status();
        assert_eq!((status.generation(), status.error()), (1, None));
        assert!(!reloader.reload(Trigger::Signal));
        assert_eq!(status.generation(), 1);
        assert_eq!(
            status.error().as_deref(),
            Some("guard.toml:3: rule.path: bad")
        );
        good.store(true, Ordering::Relaxed);
        assert!(reloader.reload(Trigger::FileChange));
        assert_eq!((status.generation(), status.error()), (2, None));
        assert_eq!(reloader.files(), [PathBuf::from("guard.toml")]);
    }

    #[test]
    fn a_refusal_of_files_that_moved_while_read_is_not_reported() {
        let metrics = ReloadMetrics::default();
        let reloader = Reloader::new(
            Box::new(Flaky {
                good: Arc::new(AtomicBool::new(false)),
            }),
            metrics.clone(),
        );
        let status = reloader.status();
        assert!(!reloader.reload_unless_moved(Trigger::FileChange, || true));
        assert_eq!((status.generation(), status.error()), (1, None));
        assert_eq!(metrics.failures(), 0);
        // Files that held still: the refusal is theirs, and reported.
        assert!(!reloader.reload_unless_moved(Trigger::FileChange, || false));
        assert!(status.error().is_some());
        assert_eq!(metrics.failures(), 1);
    }
}
