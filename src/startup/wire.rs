//! Start-up's second half: the built components wired into the actix
//! `App`s (middleware, app data, routes) and their servers bound to the
//! listeners.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, Logger};
use actix_web::{web, App, HttpServer};

use super::components::Components;
use super::StartupError;
use crate::forward_auth;
use crate::http::{cors, headers, openapi, routes, ListenAddr};

/// The API server: every route, with `/metrics` too unless it has a
/// listener of its own.
pub(super) fn api_server(
    components: Components,
    listener: TcpListener,
    addr: &ListenAddr,
    workers: usize,
) -> Result<Server, StartupError> {
    let Components {
        verifier,
        directories,
        auth_metrics,
        metrics,
        forward_auth,
        reload_status,
        route_policies,
        api_document,
        cors,
        metrics_here,
        ..
    } = components;
    let server = HttpServer::new(move || {
        App::new()
            .wrap(cors::layer(&cors))
            .wrap(access_log())
            .wrap(headers::every_answer())
            .app_data(verifier.clone())
            .app_data(directories.clone())
            .app_data(auth_metrics.clone())
            .app_data(metrics.clone())
            .app_data(reload_status.clone())
            // `/auth` first: a gateway asks on every request, and its
            // static prefix is matched before the API's patterns
            // (`/users/{user_id}` runs a regex).
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
    .workers(workers)
    .listen(listener)
    .map_err(|source| StartupError::Bind {
        addr: addr.to_string(),
        vars: "HOST and PORT",
        source,
    })?
    .run();
    Ok(server)
}

/// The `/metrics` server of `METRICS_ADDR`.
pub(super) fn metrics_server(
    components: &Components,
    listener: TcpListener,
    addr: &ListenAddr,
) -> Result<Server, StartupError> {
    let (verifier, metrics) = (components.verifier.clone(), components.metrics.clone());
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
        addr: addr.to_string(),
        vars: "METRICS_ADDR",
        source,
    })?
    .run();
    Ok(server)
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
