//! Logging set-up for the binary: `env_logger` filtered by `RUST_LOG`, with
//! one rule on top that `RUST_LOG` cannot lift: the crates that speak HTTP
//! and Redis for us log at most INFO. Their DEBUG and TRACE output can hold
//! request heads (awc prints the whole head of an HTTP/2 request at TRACE:
//! the SigV4 `Authorization` and `X-Amz-Security-Token` of the Cognito
//! calls), incoming bearer tokens, or Redis commands (`AUTH`), and no
//! credential may reach a log at any level.

use log::{Level, LevelFilter, Log, Metadata, Record};

/// Targets (crates, and all their modules) capped at INFO.
const CAPPED: &[&str] = &[
    "awc",
    "actix_http",
    "h2",
    "hyper",
    "hyper_util",
    "rustls",
    "tokio_rustls",
    "redis",
];

/// Whether a record of `target` at `level` may be logged at all.
fn allowed(target: &str, level: Level) -> bool {
    level <= Level::Info
        || !CAPPED.iter().any(|capped| {
            target
                .strip_prefix(capped)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        })
}

/// A logger that drops what [`allowed`] refuses and hands the rest on.
pub struct Capped<L> {
    inner: L,
}

impl<L: Log> Capped<L> {
    /// `inner`, with the capped crates held to INFO.
    pub fn new(inner: L) -> Self {
        Capped { inner }
    }
}

impl<L: Log> Log for Capped<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        allowed(metadata.target(), metadata.level()) && self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if allowed(record.target(), record.level()) {
            self.inner.log(record);
        }
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// Installs the process's logger: `RUST_LOG` (default `info`), capped.
pub fn init() {
    let inner =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).build();
    let max: LevelFilter = inner.filter();
    if log::set_boxed_logger(Box::new(Capped::new(inner))).is_ok() {
        log::set_max_level(max);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Collect(Mutex<Vec<String>>);

    impl Log for Collect {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &Record<'_>) {
            self.0
                .lock()
                .expect("lock")
                .push(format!("{} {}", record.target(), record.args()));
        }
        fn flush(&self) {}
    }

    fn emit(logger: &impl Log, target: &str, level: Level) {
        logger.log(
            &Record::builder()
                .target(target)
                .level(level)
                .args(format_args!("x"))
                .build(),
        );
    }

    #[test]
    fn http_and_redis_crates_never_log_below_info() {
        let logger = Capped::new(Collect::default());
        for target in [
            "awc::client::h2proto",
            "h2::codec",
            "actix_http::h1",
            "redis",
            "rustls",
        ] {
            emit(&logger, target, Level::Trace);
            emit(&logger, target, Level::Debug);
            emit(&logger, target, Level::Info);
        }
        for target in [
            "cognito_guard::users",
            "h2o",
            "awcx::y",
            "actix_web::middleware",
        ] {
            emit(&logger, target, Level::Trace);
        }
        let seen = logger.inner.0.lock().expect("lock").clone();
        assert_eq!(
            seen,
            [
                "awc::client::h2proto x",
                "h2::codec x",
                "actix_http::h1 x",
                "redis x",
                "rustls x",
                "cognito_guard::users x",
                "h2o x",
                "awcx::y x",
                "actix_web::middleware x",
            ]
        );
        assert!(!logger.enabled(
            &Metadata::builder()
                .target("awc")
                .level(Level::Trace)
                .build()
        ));
        assert!(logger.enabled(&Metadata::builder().target("awc").level(Level::Info).build()));
    }
}
