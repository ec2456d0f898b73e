//! Assembles the server: key cache, verifier, user directory, routes. The
//! binary and the integration tests both go through [`Application::build`].

mod pools;
mod revocations;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, Logger};
use actix_web::{web, App, HttpServer};
use prometheus_client::metrics::family::Family;
use thiserror::Error;

use crate::auth::Verifier;
use crate::config::{AuthMode, ListenAddr, Settings};
use crate::dev::DevIssuerError;
use crate::forward_auth::{self, ForwardAuth};
use crate::http::routes::RoutePolicies;
use crate::http::{cors, headers, openapi, routes, Metrics};
use crate::keys::JwksCache;
use crate::users::idp::CognitoIdpClient;
use crate::users::{CognitoDirectory, InMemoryDirectory, PoolDirectories, UserDirectory};

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
    /// `REVOCATION_SPOOL` cannot be used, or the Redis of `REDIS_URL` is
    /// one the server cannot work with (a Cluster, missing permissions):
    /// a setting to fix, like a bad variable.
    #[error("{0}")]
    Revocations(String),
}

impl StartupError {
    /// The process's exit status: 2 for a setting to fix, as for a bad
    /// variable; 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            StartupError::Revocations(_) => 2,
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
}

impl Application {
    /// Binds the listener, loads each pool's signing keys once (a failure
    /// leaves the server unready, not dead) and starts their background
    /// refresh. Each pool's admin routes manage that pool's users.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        install_tls_crypto_provider();
        let pools = settings.pools();
        let directories = pools
            .iter()
            .map(|pool| -> Arc<dyn UserDirectory> {
                match (settings.mode, &settings.admin.aws_credentials) {
                    (AuthMode::Dev, _) => Arc::new(InMemoryDirectory::new()),
                    (AuthMode::Cognito, Some(credentials)) => {
                        let endpoint = pool.admin.idp_endpoint.clone();
                        log::info!(
                            "admin user routes manage pool {} ({}) through {endpoint}",
                            pool.name,
                            pool.cognito.user_pool_id,
                        );
                        Arc::new(CognitoDirectory::new(Some(CognitoIdpClient::new(
                            endpoint,
                            &pool.cognito.region,
                            &pool.cognito.user_pool_id,
                            credentials.clone(),
                        ))))
                    }
                    (AuthMode::Cognito, None) => Arc::new(CognitoDirectory::new(None)),
                }
            })
            .collect();
        if settings.mode == AuthMode::Cognito && settings.admin.aws_credentials.is_none() {
            log::warn!(
                "no AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): \
                 GET and DELETE /users/{{user_id}} and POST /users/{{user_id}}/sign-out \
                 will answer 503"
            );
        }
        Self::assemble(settings, directories).await
    }

    /// As [`Application::build`], with one given user directory for every
    /// pool.
    pub async fn build_with_directory(
        settings: Settings,
        directory: Arc<dyn UserDirectory>,
    ) -> Result<Self, StartupError> {
        Self::build_with_directories(settings, |_| Arc::clone(&directory)).await
    }

    /// As [`Application::build`], with the user directory `directory_for`
    /// gives each pool (by name).
    pub async fn build_with_directories(
        settings: Settings,
        directory_for: impl Fn(&str) -> Arc<dyn UserDirectory>,
    ) -> Result<Self, StartupError> {
        let directories = settings
            .pools()
            .iter()
            .map(|pool| directory_for(&pool.name))
            .collect();
        Self::assemble(settings, directories).await
    }

    /// The server, with `directories[i]` the user directory of pool `i`.
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

        // One fetch counter for every pool's cache, labelled by pool.
        let fetches = Family::default();
        let mut caches = Vec::new();
        for pool in settings.pools() {
            caches.push(pools::pool_keys(&pool, fetches.clone()).await?);
        }
        let jwks = Arc::clone(&caches[0]);

        let revocations = Arc::new(revocations::revocations(&settings).await?);
        let verifier = Verifier::for_pools(&settings, caches).with_revocations(revocations);
        let verifier = match pools::verified_hooks(&directories) {
            Some(hook) => verifier.with_verified_hook(hook),
            None => verifier,
        };
        let verifier = web::Data::new(verifier);
        let directory = web::Data::new(PoolDirectories::new(directories));
        let route_policies = RoutePolicies::from_settings(&settings);
        let metrics = web::Data::new(Metrics::new(verifier.pools(), verifier.token_cache()));
        // Forward-auth: `/auth` exists only when GUARD_CONFIG has rules.
        let forward_auth = settings.guard.forward_auth.as_ref().map(|rules| {
            log::info!(
                "forward-auth: /auth answers {:?} with {} rule(s)",
                rules.gateway,
                rules.rules.len()
            );
            web::Data::new(ForwardAuth::new(rules, Some(&metrics)))
        });

        // Browsers: CORS around everything but the access log (so preflights
        // are logged too), the OpenAPI document and Swagger UI.
        let browser = settings.browser.clone();
        cors::log_origins(&browser);
        let api_document = openapi::document(&settings);
        let metrics_here = metrics_listener.is_none();
        let api_workers = settings.server.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let server = {
            let (verifier, metrics) = (verifier.clone(), metrics.clone());
            HttpServer::new(move || {
                App::new()
                    .wrap(cors::layer(&browser))
                    .wrap(access_log())
                    .wrap(headers::every_answer())
                    .app_data(verifier.clone())
                    .app_data(directory.clone())
                    .app_data(metrics.clone())
                    // `/auth` first: a gateway asks on every request, and
                    // its static prefix is matched before the API's
                    // patterns (`/users/{user_id}` runs a regex).
                    .configure(|cfg| {
                        if let Some(rules) = &forward_auth {
                            cfg.app_data(rules.clone());
                            forward_auth::configure(cfg);
                        }
                    })
                    .configure(|cfg| routes::configure(cfg, &route_policies))
                    .configure(|cfg| openapi::configure_docs(cfg, api_document.clone()))
                    .configure(|cfg| {
                        if metrics_here {
                            routes::configure_metrics(cfg);
                        }
                    })
                    .default_service(web::to(routes::not_found))
            })
            // HTTP_WORKERS, or actix's default: one per CPU.
            .workers(api_workers)
            .listen(listener)
            .map_err(|source| StartupError::Bind {
                addr: api_addr.to_string(),
                vars: "HOST and PORT",
                source,
            })?
            .run()
        };
        log::info!("listening on {api_addr}");

        let metrics = match metrics_listener {
            None => None,
            Some((listener, bound)) => {
                let server = HttpServer::new(move || {
                    App::new()
                        .wrap(access_log())
                        .wrap(headers::every_answer())
                        .app_data(verifier.clone())
                        .app_data(metrics.clone())
                        .configure(routes::configure_metrics)
                        .default_service(web::to(routes::not_found))
                })
                // Scrapes come every few seconds at most; one worker is plenty.
                .workers(1)
                .listen(listener)
                .map_err(|source| StartupError::Bind {
                    addr: bound.to_string(),
                    vars: "METRICS_ADDR",
                    source,
                })?
                .run();
                log::info!("serving /metrics on {bound}, not on the API port");
                Some((bound.port, server))
            }
        };
        Ok(Application {
            port: api_addr.port,
            server,
            metrics,
            jwks,
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

/// The access log's target, as `RUST_LOG` names it (actix's own default).
const ACCESS_LOG_TARGET: &str = "actix_web::middleware::logger";

/// Access log without the query string, headers or referrer: any of them may
/// carry a token, and tokens never go to the log. Left out when `RUST_LOG`
/// filters its lines (`warn`): the middleware renders each request's line
/// (a dozen allocations) before the filter would discard it.
fn access_log() -> Condition<Logger> {
    let enabled = log::log_enabled!(target: ACCESS_LOG_TARGET, log::Level::Info);
    let logger = Logger::new(r#"%a "%{method}xi %U" %s %b %Dms"#)
        .log_target(ACCESS_LOG_TARGET)
        .custom_request_replace("method", |req| req.method().to_string());
    Condition::new(enabled, logger)
}

/// Picks the process-wide rustls crypto provider that every outgoing HTTPS
/// connection (JWKS fetches, Cognito calls) uses through awc: aws-lc, the
/// same library that verifies token signatures. Idempotent; an error only
/// means a provider is installed already.
pub fn install_tls_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
