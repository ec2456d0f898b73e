//! CORS for single-page apps on the origins of `CORS_ALLOWED_ORIGINS`:
//! actix-cors answers their preflights and marks every answer to them,
//! errors included, as readable; [`OnlyAllowedOrigins`] then removes the
//! `Access-Control-*` headers actix-cors also puts on answers to any other
//! origin (or to requests without one), so that those get none at all.
//! Without allowed origins the layer does nothing.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_cors::{Cors, CorsError, CorsMiddleware};
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Condition;
use actix_web::Error;
use futures_util::future::{Either, MapOk, TryFutureExt};

use crate::http::errors::Detail;

/// How long a browser may reuse a preflight answer, in seconds: one
/// preflight an hour per route instead of one per request. Chromium caps it
/// at two hours anyway. A shortened origin list still applies at once: each
/// answer carries its own `Access-Control-Allow-Origin`.
const PREFLIGHT_MAX_AGE_SECS: usize = 3600;

/// Dev mode's origins when `CORS_ALLOWED_ORIGINS` is unset: the usual local
/// front-end dev servers (Vite's dev server 5173 and preview 4173, Create
/// React App and Next.js 3000), under both names a browser may be pointed
/// at, since `localhost` and `127.0.0.1` are different origins. Plain HTTP
/// on loopback only; a dev server elsewhere is listed explicitly.
pub const DEV_DEFAULT_ORIGINS: &[&str] = &[
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:4173",
    "http://127.0.0.1:4173",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
];

/// Cross-origin access for browsers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsSettings {
    /// Origins (`scheme://host[:port]`, lower case, without a default
    /// port: exactly as browsers send `Origin`) whose pages may call the
    /// API. Empty: no cross-origin access at all.
    pub allowed_origins: Vec<String>,
}

/// The layer for `App::wrap`; outside the routes, their guards and the
/// default service, so refusals and 404s are readable too.
pub fn layer(settings: &CorsSettings) -> Condition<OnlyAllowedOrigins> {
    Condition::new(
        !settings.allowed_origins.is_empty(),
        OnlyAllowedOrigins::new(&settings.allowed_origins),
    )
}

/// Says at start which origins' pages may call the API.
pub fn log_origins(settings: &CorsSettings) {
    match settings.allowed_origins.as_slice() {
        [] => log::info!("CORS: no cross-origin access (CORS_ALLOWED_ORIGINS unset)"),
        origins => log::info!("CORS: pages on {} may call the API", origins.join(", ")),
    }
}

/// actix-cors for `origins`, inside a filter that strips `Access-Control-*`
/// from answers to every other origin.
pub struct OnlyAllowedOrigins {
    cors: Cors,
    origins: Rc<[HeaderValue]>,
}

impl OnlyAllowedOrigins {
    fn new(origins: &[String]) -> Self {
        let cors = origins
            .iter()
            .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
            // Every method of the route table, and the headers a page sends:
            // the token, and a content type some HTTP clients always set.
            .allowed_methods([Method::GET, Method::POST, Method::DELETE])
            .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            // Why a request was refused (RFC 6750) and when to retry a 503:
            // neither is readable by a page unless exposed.
            .expose_headers([header::WWW_AUTHENTICATE, header::RETRY_AFTER])
            .max_age(PREFLIGHT_MAX_AGE_SECS);
        // The settings hold origins only in the form browsers send, which
        // are all valid header values.
        let origins = origins
            .iter()
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        OnlyAllowedOrigins { cors, origins }
    }
}

impl<S, B> Transform<S, ServiceRequest> for OnlyAllowedOrigins
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = StripService<CorsMiddleware<Rc<S>>, S>;
    type InitError = ();
    type Future = Pin<Box<dyn Future<Output = Result<Self::Transform, ()>>>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let direct = Rc::new(service);
        let cors = self.cors.new_transform(Rc::clone(&direct));
        let origins = Rc::clone(&self.origins);
        Box::pin(async move {
            Ok(StripService {
                service: cors.await?,
                direct,
                origins,
            })
        })
    }
}

/// [`OnlyAllowedOrigins`] around the actix-cors service `C`, which wraps
/// the app `S`; forward-auth's requests go to `S` directly.
pub struct StripService<C, S> {
    service: C,
    direct: Rc<S>,
    origins: Rc<[HeaderValue]>,
}

/// An answer of the app as the layer's: its body on the left.
type AsLayers<B> = fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>;

impl<C, S, B> Service<ServiceRequest> for StripService<C, S>
where
    C: Service<ServiceRequest, Response = ServiceResponse<EitherBody<B>>, Error = Error>,
    C::Future: 'static,
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Either<
        MapOk<S::Future, AsLayers<B>>,
        Pin<Box<dyn Future<Output = Result<Self::Response, Error>>>>,
    >;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if is_forward_auth(req.path()) {
            // A gateway's subrequest carries the client's headers, and
            // /auth is no browser's route: an allowed page's preflight must
            // be decided by the rules, never answered 200 by actix-cors
            // (which the gateway reads as "let it through"), and no answer
            // varies with `Origin`. Past actix-cors, it costs no boxed
            // future either.
            let as_layers: AsLayers<B> = ServiceResponse::map_into_left_body;
            return Either::Left(self.direct.call(req).map_ok(as_layers));
        }
        let allowed = req
            .headers()
            .get(header::ORIGIN)
            .is_some_and(|origin| self.origins.contains(origin));
        let answer = self.service.call(req);
        Either::Right(Box::pin(async move {
            match answer.await {
                Ok(response) => {
                    let mut response = refusal_as_json(response);
                    if !allowed {
                        strip_access_control(response.headers_mut());
                    }
                    Ok(response)
                }
                Err(mut error) => {
                    if !allowed {
                        // Rendered later; actix-cors's own mapper runs first.
                        error.add_response_mapper(|mut response| {
                            strip_access_control(response.headers_mut());
                            response
                        });
                    }
                    Err(error)
                }
            }
        }))
    }
}

/// Forward-auth's paths (`forward_auth::configure`).
fn is_forward_auth(path: &str) -> bool {
    path == "/auth" || path.starts_with("/auth/")
}

/// actix-cors answers a preflight it refuses (an origin, method or header
/// not allowed) with its reason as untyped text; the app answers every
/// error as JSON `{"detail"}`, never to be cached, and so does this.
fn refusal_as_json<B>(response: ServiceResponse<EitherBody<B>>) -> ServiceResponse<EitherBody<B>> {
    let Some(reason) = response
        .response()
        .error()
        .and_then(|error| error.as_error::<CorsError>())
        .map(ToString::to_string)
    else {
        return response;
    };
    let body = serde_json::to_vec(&Detail { detail: &reason }).unwrap_or_default();
    response.map_body(|head, _| {
        head.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        head.headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        EitherBody::right(BoxBody::new(body))
    })
}

/// Removes every `Access-Control-*` header. `Vary` stays: the answer to an
/// allowed origin differs from this one, so a shared cache must key on
/// `Origin` for every answer, not only for the ones that carry CORS headers.
fn strip_access_control(headers: &mut HeaderMap) {
    let names: Vec<_> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .cloned()
        .collect();
    for name in names {
        headers.remove(name);
    }
}
