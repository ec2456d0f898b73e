//! The original request's method and target, from the configured
//! gateway's convention only: another gateway's headers are never read (a
//! client could send them; the configured gateway overwrites only its own).

use actix_web::http::header::HeaderName;
use actix_web::http::Method;
use actix_web::HttpRequest;

use super::errors::ForwardAuthError;
use super::settings::Gateway;

/// The prefix Envoy's `ext_authz` `path_prefix` puts before the path.
const ENVOY_PREFIX: &str = "/auth";

/// A header the original request is read from: its name as the gateway's
/// documentation spells it (for the refusal's message), and as the lookup
/// key, built at compile time so that no request parses it.
type Named = (&'static str, HeaderName);

const NGINX_METHOD: Named = (
    "X-Original-Method",
    HeaderName::from_static("x-original-method"),
);
const NGINX_URI: Named = ("X-Original-URI", HeaderName::from_static("x-original-uri"));
const FORWARDED_METHOD: Named = (
    "X-Forwarded-Method",
    HeaderName::from_static("x-forwarded-method"),
);
const FORWARDED_URI: Named = (
    "X-Forwarded-Uri",
    HeaderName::from_static("x-forwarded-uri"),
);

/// What the gateway says the client asked for.
#[derive(Debug)]
pub(super) struct Original<'a> {
    pub method: Method,
    /// The request-target as sent: path and query, not yet normalised.
    pub target: &'a str,
}

/// The original request of `req`, by `gateway`'s convention.
pub(super) fn original(
    req: &HttpRequest,
    gateway: Gateway,
) -> Result<Original<'_>, ForwardAuthError> {
    let (method_header, target_header) = match gateway {
        Gateway::Nginx => (NGINX_METHOD, NGINX_URI),
        Gateway::Traefik | Gateway::Caddy => (FORWARDED_METHOD, FORWARDED_URI),
        Gateway::Envoy => {
            let target = req
                .uri()
                .path_and_query()
                .map_or("", |pq| pq.as_str())
                .strip_prefix(ENVOY_PREFIX)
                .unwrap_or_default();
            if !target.starts_with('/') {
                return Err(ForwardAuthError::NoPathAfterPrefix);
            }
            return Ok(Original {
                method: req.method().clone(),
                target,
            });
        }
    };
    let method = one_header(req, &method_header)?;
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
    {
        return Err(ForwardAuthError::MalformedHeader(method_header.0));
    }
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| ForwardAuthError::MalformedHeader(method_header.0))?;
    let target = one_header(req, &target_header)?;
    Ok(Original { method, target })
}

/// The value of `header`, sent exactly once, as visible ASCII.
fn one_header<'a>(req: &'a HttpRequest, header: &Named) -> Result<&'a str, ForwardAuthError> {
    let (name, key) = (header.0, &header.1);
    let mut values = req.headers().get_all(key);
    let Some(value) = values.next() else {
        return Err(ForwardAuthError::MissingHeader(name));
    };
    if values.next().is_some() {
        return Err(ForwardAuthError::RepeatedHeader(name));
    }
    value
        .to_str()
        .map_err(|_| ForwardAuthError::MalformedHeader(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn read(req: &HttpRequest, gateway: Gateway) -> Result<(String, String), ForwardAuthError> {
        original(req, gateway).map(|o| (o.method.to_string(), o.target.to_owned()))
    }

    #[test]
    fn each_gateway_reads_its_own_headers_only() {
        let req = TestRequest::get()
            .uri("/auth")
            .insert_header(("X-Original-Method", "DELETE"))
            .insert_header(("X-Original-URI", "/api/admin?x=1"))
            .insert_header(("X-Forwarded-Method", "GET"))
            .insert_header(("X-Forwarded-Uri", "/public"))
            .to_http_request();
        let nginx = Ok(("DELETE".to_owned(), "/api/admin?x=1".to_owned()));
        assert_eq!(read(&req, Gateway::Nginx), nginx);
        let forwarded = Ok(("GET".to_owned(), "/public".to_owned()));
        assert_eq!(read(&req, Gateway::Traefik), forwarded);
        assert_eq!(read(&req, Gateway::Caddy), forwarded);
        assert_eq!(
            read(&req, Gateway::Envoy),
            Err(ForwardAuthError::NoPathAfterPrefix)
        );

        let envoy = TestRequest::post()
            .uri("/auth/api/x?y=1")
            .insert_header(("X-Original-URI", "/public"))
            .to_http_request();
        assert_eq!(
            read(&envoy, Gateway::Envoy),
            Ok(("POST".to_owned(), "/api/x?y=1".to_owned()))
        );
        assert_eq!(
            read(&envoy, Gateway::Traefik),
            Err(ForwardAuthError::MissingHeader("X-Forwarded-Method"))
        );
    }

    #[test]
    fn a_missing_repeated_or_malformed_original_is_refused() {
        let with = |headers: &[(&str, &str)]| {
            let mut req = TestRequest::get().uri("/auth");
            for (name, value) in headers {
                req = req.append_header((*name, *value));
            }
            read(&req.to_http_request(), Gateway::Nginx)
        };
        use ForwardAuthError::*;
        assert_eq!(
            with(&[("X-Original-URI", "/a")]),
            Err(MissingHeader("X-Original-Method"))
        );
        assert_eq!(
            with(&[("X-Original-Method", "GET")]),
            Err(MissingHeader("X-Original-URI"))
        );
        for method in ["get", "GET ", "", "G T", "GET,POST"] {
            let refused = with(&[("X-Original-Method", method), ("X-Original-URI", "/a")]);
            assert_eq!(
                refused,
                Err(MalformedHeader("X-Original-Method")),
                "{method:?}"
            );
        }
        assert_eq!(
            with(&[
                ("X-Original-Method", "GET"),
                ("X-Original-Method", "GET"),
                ("X-Original-URI", "/a")
            ]),
            Err(RepeatedHeader("X-Original-Method"))
        );
        assert_eq!(
            with(&[
                ("X-Original-Method", "GET"),
                ("X-Original-URI", "/a"),
                ("X-Original-URI", "/b")
            ]),
            Err(RepeatedHeader("X-Original-URI"))
        );
        assert_eq!(
            with(&[("X-Original-Method", "PROPFIND"), ("X-Original-URI", "/a")]),
            Ok(("PROPFIND".to_owned(), "/a".to_owned()))
        );
    }
}
