//! Assembles the server in two steps: `components` builds every part from
//! the settings (key caches, revocations, verifier, directories, metrics,
//! rules), `wire` puts them into the actix `App`s and binds them. The
//! binary and the integration tests both go through [`Application::build`].

mod components;
mod policy_commands;
mod pools;
mod reload;
mod revocations;
mod wire;

pub use policy_commands::policy_command;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use thiserror::Error;

use crate::config::{AuthMode, Settings};
use crate::dev::DevIssuerError;
use crate::http::{cors, ListenAddr};
use crate::keys::JwksCache;
use crate::reload::{listen_for_sighup, watch_files, Reloader, POLL_INTERVAL};
use crate::revocation::{PreflightError, SpoolError};
use crate::users::UserDirectory;

/// Why the server could not start.
#[derive(Debug, Error)]
pub enum StartupError {
    #[error("cannot listen on {addr} (check {vars}): {source}")]
    Bind {
        addr: String,
        /// The variables that chose this address.
        vars: &'static str,
        source: std::io::Error,
    },
    #[error("dev issuer: {0}")]
    DevIssuer(#[from] DevIssuerError),
    /// `REVOCATION_SPOOL` cannot be used: a setting to fix, like a bad
    /// variable.
    #[error("{0}")]
    Spool(#[from] SpoolError),
    /// The Redis of `REDIS_URL` is one the server cannot work with (a
    /// Cluster, missing permissions): a setting to fix.
    #[error("{0}")]
    Redis(#[from] PreflightError),
    /// The reload triggers (the `SIGHUP` handler, the file watcher) could
    /// not be set up.
    #[error("cannot watch for configuration changes: {0}")]
    Reload(std::io::Error),
}

impl StartupError {
    /// The process's exit status: 2 for a setting to fix, as for a bad
    /// variable; 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            StartupError::Spool(_) | StartupError::Redis(_) => 2,
            _ => 1,
        }
    }
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    /// The `/metrics` listener and its port, when `METRICS_ADDR` is set.
    metrics: Option<(u16, Server)>,
    jwks: Arc<JwksCache>,
    /// Held while the server runs: the file watcher and the `SIGHUP`
    /// listener hold it weakly and end with it.
    reloader: Arc<Reloader>,
}

impl Application {
    /// Builds the server of `settings` and binds its listeners: each
    /// pool's admin routes manage that pool's users (in memory in dev
    /// mode, through Cognito with AWS credentials, else answering 503).
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let directories = settings
            .pools
            .iter()
            .map(|pool| pools::directory(pool, settings.mode, settings.aws_credentials.as_ref()))
            .collect();
        if settings.mode == AuthMode::Cognito && settings.aws_credentials.is_none() {
            log::warn!(
                "no AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): \
                 GET and DELETE /users/{{user_id}} and POST /users/{{user_id}}/sign-out \
                 will answer 503"
            );
        }
        Self::assemble(settings, directories).await
    }

    /// As [`Application::build`], with the user directory `directory_for`
    /// gives each pool (by name): the tests' override.
    pub async fn build_with_directories(
        settings: Settings,
        directory_for: impl Fn(&str) -> Arc<dyn UserDirectory>,
    ) -> Result<Self, StartupError> {
        let directories = settings
            .pools
            .iter()
            .map(|pool| directory_for(&pool.name))
            .collect();
        Self::assemble(settings, directories).await
    }

    /// Binds, builds the components, then wires them into the servers.
    async fn assemble(
        settings: Settings,
        directories: Vec<Arc<dyn UserDirectory>>,
    ) -> Result<Self, StartupError> {
        install_tls_crypto_provider();
        let (listener, api_addr) = bind(&settings.server.api, "HOST and PORT")?;
        let metrics_listener = match &settings.server.metrics {
            Some(addr) => Some(bind(addr, "METRICS_ADDR")?),
            None => None,
        };
        let components = components::build(&settings, directories).await?;
        cors::log_origins(&components.cors);
        let reloader = Arc::clone(&components.reloader);
        start_reload_triggers(&reloader)?;
        let jwks = Arc::clone(&components.first_keys);
        let api_workers = settings.server.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let metrics = match metrics_listener {
            None => None,
            Some((listener, bound)) => {
                let server = wire::metrics_server(&components, listener, &bound)?;
                log::info!("serving /metrics on {bound}, not on the API port");
                Some((bound.port, server))
            }
        };
        let server = wire::api_server(components, listener, &api_addr, api_workers)?;
        log::info!("listening on {api_addr}");
        Ok(Application {
            port: api_addr.port,
            server,
            metrics,
            jwks,
            reloader,
        })
    }

    /// The port actually bound (useful with `PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on when `METRICS_ADDR` is set (the one
    /// actually bound, useful with port 0); `None` when it is on the API port.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// The first pool's signing-key cache, for inspection.
    pub fn jwks(&self) -> Arc<JwksCache> {
        Arc::clone(&self.jwks)
    }

    /// Serves until the process is told to stop (both listeners take the
    /// signal; the metrics one is stopped with the API in any case).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _reloads_while_serving = self.reloader;
        let Some((_, metrics)) = self.metrics else {
            return self.server.await;
        };
        let metrics_handle = metrics.handle();
        let metrics_task = actix_rt::spawn(metrics);
        let result = self.server.await;
        metrics_handle.stop(true).await;
        let _ = metrics_task.await;
        result
    }
}

/// Reloads on `SIGHUP` and when a file of the configuration changes.
fn start_reload_triggers(reloader: &Arc<Reloader>) -> Result<(), StartupError> {
    listen_for_sighup(Arc::downgrade(reloader)).map_err(StartupError::Reload)?;
    watch_files(reloader, POLL_INTERVAL).map_err(StartupError::Reload)?;
    for file in reloader.files() {
        log::info!(
            "reloading the configuration on SIGHUP and when {} changes",
            file.display()
        );
    }
    Ok(())
}

/// Binds `addr`, returning it with the port actually bound; the error names
/// the variables that chose it.
fn bind(addr: &ListenAddr, vars: &'static str) -> Result<(TcpListener, ListenAddr), StartupError> {
    let error = |source| StartupError::Bind {
        addr: addr.to_string(),
        vars,
        source,
    };
    let listener = TcpListener::bind((addr.host.as_str(), addr.port)).map_err(error)?;
    let port = listener.local_addr().map_err(error)?.port();
    let bound = ListenAddr {
        host: addr.host.clone(),
        port,
    };
    Ok((listener, bound))
}

/// Picks the process-wide rustls crypto provider that every outgoing HTTPS
/// connection (JWKS fetches, Cognito calls) uses through awc: aws-lc, the
/// same library that verifies token signatures. Idempotent; an error only
/// means a provider is installed already.
pub fn install_tls_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
