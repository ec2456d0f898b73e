//! The route table: every operation, its handler, and who may call it. A
//! row names the handler and its OpenAPI operation (the `__path_*` type its
//! `#[utoipa::path]` generates, which holds the method and path) and its
//! [`Policy`]: public, or applied by a [`Guard`]. The same rows
//! register the routes, each wrapped in its guard, and give each operation
//! of the OpenAPI document its security (`http::openapi`), so the document
//! cannot say something the guards do not do. A guard answers 401/403/503
//! itself before the handler runs; handlers take the admitted caller
//! (`Claims`, `MaybeClaims`, `Caller`).

use std::any::type_name;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, HttpResponse, Responder, Route};
use utoipa::openapi::path::{HttpMethod, Operation};

use crate::auth::{Allow, Guard, Policy};
use crate::http::errors::ApiError;
use crate::http::{health, messages, metrics, users};
use crate::pools::PoolSettings;

/// The policies the route table names, built once from the settings.
#[derive(Debug, Clone)]
pub struct RoutePolicies {
    /// Anyone; no guard runs.
    pub public: Arc<Policy>,
    /// Anyone; a valid user token personalises the answer.
    pub optional: Arc<Policy>,
    /// A valid user token (of a kind `COGNITO_TOKEN_USE` accepts).
    pub authenticated: Arc<Policy>,
    /// A member of `ADMIN_GROUP`, or a machine caller granted `ADMIN_SCOPE`.
    pub admin: Arc<Policy>,
}

impl RoutePolicies {
    /// The policies with these admin terms.
    pub fn new(admin_group: &str, admin_scope: Option<&str>) -> Self {
        Self::with_admin(Policy::admin(admin_group, admin_scope))
    }

    fn with_admin(admin: Policy) -> Self {
        RoutePolicies {
            public: Arc::new(Policy::public()),
            optional: Arc::new(Policy::optional()),
            authenticated: Arc::new(Policy::authenticated()),
            admin: Arc::new(admin),
        }
    }

    /// The policies of a server of these pools: with one pool, its admin
    /// terms by name (as the OpenAPI document states them); with several,
    /// an admin of the caller's own pool, since each pool has its own.
    pub fn for_pools(pools: &[PoolSettings]) -> Self {
        if let [only] = pools {
            return Self::new(&only.admin_group, only.admin_scope.as_deref());
        }
        let machine_admins = pools.iter().any(|p| p.admin_scope.is_some());
        Self::with_admin(Policy::pool_admin(machine_admins))
    }
}

/// One row of the table: an operation, its handler and who may call it.
#[derive(Clone)]
pub struct Endpoint {
    /// As the handler's `#[utoipa::path]` states it.
    pub method: HttpMethod,
    /// As the handler's `#[utoipa::path]` states it (actix and OpenAPI
    /// write path parameters alike: `{user_id}`).
    pub path: String,
    /// Who may call it.
    pub policy: Arc<Policy>,
    /// The OpenAPI operation generated from the handler, before the table
    /// adds its security.
    pub operation: Operation,
    /// The handler's Rust path (`type_name`), so a test can check that a
    /// row pairs a handler with its own operation.
    pub handler_name: &'static str,
    attach: Rc<dyn Fn(Route) -> Route>,
}

impl Endpoint {
    /// The actix route: the method, the handler, and the guard if any.
    fn route(&self) -> Route {
        self.route_for(actix_method(&self.method))
    }

    /// This row's handler and guard for `method` (`HEAD` for a `GET` row).
    fn route_for(&self, method: Method) -> Route {
        let route = (self.attach)(web::method(method));
        match self.policy.allow() {
            Allow::Public => route,
            _ => route.wrap(Guard(Arc::clone(&self.policy))),
        }
    }
}

/// A row: `operation` is the handler's `__path_*` type.
fn row<O, H, Args>(policy: &Arc<Policy>, _operation: O, handler: H) -> Vec<Endpoint>
where
    O: utoipa::Path,
    H: Handler<Args>,
    Args: FromRequest + 'static,
    H::Output: Responder + 'static,
{
    let attach: Rc<dyn Fn(Route) -> Route> = Rc::new(move |route| route.to(handler.clone()));
    let path = O::path();
    O::methods()
        .into_iter()
        .map(|method| Endpoint {
            method,
            path: path.clone(),
            policy: Arc::clone(policy),
            operation: O::operation(),
            handler_name: type_name::<H>(),
            attach: Rc::clone(&attach),
        })
        .collect()
}

/// The API's operations, in registration order (`/users/me` before
/// `/users/{user_id}`, which would take it otherwise).
#[rustfmt::skip]
pub fn api(policies: &RoutePolicies) -> Vec<Endpoint> {
    let RoutePolicies { public, optional, authenticated, admin } = policies;
    [
        //  who may call    operation (method, path)          handler
        row(public,         messages::__path_public_message,  messages::public_message),
        row(authenticated,  messages::__path_private_message, messages::private_message),
        row(optional,       messages::__path_feed,            messages::feed),
        row(authenticated,  users::__path_me,                 users::me),
        row(admin,          users::__path_get_user,           users::get_user),
        row(admin,          users::__path_delete_user,        users::delete_user),
        row(admin,          users::__path_sign_out_user,      users::sign_out_user),
        row(public,         health::__path_healthz,           health::healthz),
        row(public,         health::__path_readyz,            health::readyz),
    ]
    .concat()
}

/// `/metrics`: on the API port, or alone on `METRICS_ADDR`'s.
pub fn metrics() -> Vec<Endpoint> {
    row(
        &Arc::new(Policy::public()),
        metrics::__path_metrics,
        metrics::metrics,
    )
}

/// Registers every API route on an app (`/metrics` aside: see
/// [`configure_metrics`]).
pub fn configure(cfg: &mut web::ServiceConfig, policies: &RoutePolicies) {
    register(cfg, &api(policies));
}

/// Registers `/metrics`.
pub fn configure_metrics(cfg: &mut web::ServiceConfig) {
    register(cfg, &metrics());
}

/// One resource per path, in the order paths first appear, holding a route
/// per method (and `HEAD` beside each `GET`, answered by the same handler
/// and guard: actix sends the headers without the body). A known path with
/// another method answers a JSON `405` with `Allow`, not a `404`.
fn register(cfg: &mut web::ServiceConfig, endpoints: &[Endpoint]) {
    let mut paths: Vec<&str> = Vec::new();
    for endpoint in endpoints {
        if !paths.contains(&endpoint.path.as_str()) {
            paths.push(&endpoint.path);
        }
    }
    for path in paths {
        let here: Vec<&Endpoint> = endpoints.iter().filter(|e| e.path == path).collect();
        let mut allowed: Vec<Method> = Vec::new();
        let mut resource = web::resource(path);
        for endpoint in &here {
            resource = resource.route(endpoint.route());
            allowed.push(actix_method(&endpoint.method));
        }
        // After every other method's route, so a GET is matched first.
        for endpoint in here.iter().filter(|e| e.method == HttpMethod::Get) {
            resource = resource.route(endpoint.route_for(Method::HEAD));
            allowed.push(Method::HEAD);
        }
        cfg.service(resource.default_service(method_not_allowed(&allowed)));
    }
}

/// A resource's fallback for the methods it does not serve: a JSON `405`
/// naming the ones it does in `Allow` (RFC 9110 §15.5.6).
pub fn method_not_allowed(allowed: &[Method]) -> Route {
    let allow: Rc<str> = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
        .into();
    web::to(move || {
        let allow = Rc::clone(&allow);
        async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allow)) }
    })
}

/// A resource answering `GET` and `HEAD` with `handler`, and a JSON `405`
/// otherwise: for the routes outside the table (`/openapi.json`, `/docs`).
pub fn get_and_head<H, Args>(path: &str, handler: H) -> actix_web::Resource
where
    H: Handler<Args>,
    Args: FromRequest + 'static,
    H::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .default_service(method_not_allowed(&[Method::GET, Method::HEAD]))
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Unknown paths get the same JSON error shape as everything else.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policies() -> RoutePolicies {
        RoutePolicies::new("admin", Some("cognito-guard/admin"))
    }

    #[test]
    fn each_row_pairs_a_handler_with_its_own_operation() {
        for endpoint in api(&policies()).iter().chain(&metrics()) {
            // utoipa names an operation after its function by default.
            let operation_id = endpoint.operation.operation_id.as_deref().unwrap_or("");
            assert!(
                !operation_id.is_empty()
                    && endpoint
                        .handler_name
                        .ends_with(&format!("::{operation_id}")),
                "{}: handler {} paired with operation {operation_id}",
                endpoint.path,
                endpoint.handler_name,
            );
        }
    }

    #[test]
    fn every_operation_is_one_method_on_one_path() {
        let mut seen = Vec::new();
        for endpoint in api(&policies()).iter().chain(&metrics()) {
            let key = (actix_method(&endpoint.method), endpoint.path.clone());
            assert!(!seen.contains(&key), "{key:?} twice");
            seen.push(key);
        }
        assert_eq!(seen.len(), 10);
    }
}
