//! `/openapi.json`, and Swagger UI at `/docs/` from the assets
//! utoipa-swagger-ui compiles into the binary (no external assets). Served
//! by these handlers rather than utoipa-swagger-ui's own actix service so
//! they answer like every other route: `HEAD`, a JSON `404` for an unknown
//! asset and `405` with `Allow` for another method, a content security
//! policy that forbids framing, and only relative references (`/docs`
//! redirects to `docs/`, the page loads `../openapi.json`), so the docs
//! work behind a gateway that mounts the API under a path prefix.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpResponse};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::Config;

use crate::http::errors::ApiError;
use crate::http::routes::get_and_head;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/openapi.json";
/// The document as the page at `/docs/` finds it: relative to the page,
/// so `/api/docs/` behind a prefix loads `/api/openapi.json`.
const DOCUMENT_FROM_DOCS: &str = "../openapi.json";

/// The page's own scripts, styles and images only (Swagger UI styles
/// elements inline and draws icons as `data:` images); calls to the API
/// itself ("Try it out") are same-origin; no page may frame the docs
/// (clickjacking an admin's "Execute").
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// What the handlers serve, prepared once at start.
struct Docs {
    /// The OpenAPI document, serialised.
    document: web::Bytes,
    /// Swagger UI's configuration, pointing at [`DOCUMENT_FROM_DOCS`].
    config: Arc<Config<'static>>,
}

/// Registers `/openapi.json`, `/docs` and `/docs/{file}`.
pub fn configure(cfg: &mut web::ServiceConfig, document: &OpenApi) {
    let document = document.to_json().unwrap_or_else(|e| {
        log::error!("the OpenAPI document cannot be serialised: {e}");
        "{}".to_owned()
    });
    let docs = web::Data::new(Docs {
        document: web::Bytes::from(document),
        config: Arc::new(Config::new([DOCUMENT_FROM_DOCS]).validator_url("none")),
    });
    let csp = || {
        DefaultHeaders::new().add((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        ))
    };
    cfg.service(get_and_head(DOCUMENT_PATH, serve_document).app_data(docs.clone()))
        .service(get_and_head("/docs", redirect_to_docs).wrap(csp()))
        .service(
            get_and_head("/docs/{file:.*}", serve_asset)
                .app_data(docs)
                .wrap(csp()),
        );
}

async fn serve_document(docs: web::Data<Docs>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(docs.document.clone())
}

/// `/docs` → `docs/`: relative, so behind a prefix it stays under it.
async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "docs/"))
        .finish()
}

async fn serve_asset(
    file: web::Path<String>,
    docs: web::Data<Docs>,
) -> Result<HttpResponse, ApiError> {
    match utoipa_swagger_ui::serve(&file, Arc::clone(&docs.config)) {
        Ok(Some(asset)) => Ok(HttpResponse::Ok()
            .content_type(asset.content_type)
            .body(asset.bytes.into_owned())),
        Ok(None) => Err(ApiError::RouteNotFound),
        Err(e) => {
            // Only the initializer is rendered, from our own configuration.
            log::error!("Swagger UI asset {file}: {e}");
            Err(ApiError::RouteNotFound)
        }
    }
}
