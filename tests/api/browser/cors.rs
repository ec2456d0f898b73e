//! CORS over plain HTTP, header by header: an allowed origin can read every
//! answer (errors included) and its preflights pass; any other origin, or a
//! request without one, gets no `Access-Control-*` header at all. What a
//! real browser makes of this is in `tests/external/browser/`.

use crate::common::helpers::*;

const ALLOWED: &str = "http://127.0.0.1:5173";
const ALSO_ALLOWED: &str = "https://app.example.com";
const ORIGINS: &str = "http://127.0.0.1:5173, https://app.example.com";

async fn app_with_cors() -> TestApp {
    spawn_app_with(&[("CORS_ALLOWED_ORIGINS", ORIGINS)]).await
}

fn from(origin: &str, token: Option<&str>) -> Vec<(&'static str, String)> {
    let mut headers = vec![("Origin", origin.to_owned())];
    if let Some(token) = token {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    headers
}

fn preflight(origin: &str, method: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Origin", origin.to_owned()),
        ("Access-Control-Request-Method", method.to_owned()),
        ("Access-Control-Request-Headers", "authorization".to_owned()),
    ]
}

/// The names of the response's `Access-Control-*` headers.
fn access_control(response: &TestResponse) -> Vec<String> {
    response
        .headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

fn comma_list(response: &TestResponse, name: &str) -> Vec<String> {
    response
        .header(name)
        .unwrap_or("")
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}

/// What a page on `origin` needs to read an answer: its origin echoed, the
/// challenge and `Retry-After` exposed, no credentials mode.
fn assert_readable_by(response: &TestResponse, origin: &str, what: &str) {
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some(origin),
        "{what}"
    );
    let exposed = comma_list(response, "access-control-expose-headers");
    for header in ["www-authenticate", "retry-after"] {
        assert!(exposed.contains(&header.to_owned()), "{what}: {exposed:?}");
    }
    assert_eq!(
        response.header("access-control-allow-credentials"),
        None,
        "bearer tokens, not cookies: {what}"
    );
    assert!(comma_list(response, "vary").contains(&"origin".to_owned()));
}

#[actix_rt::test]
async fn an_allowed_origin_can_read_every_answer_including_refusals() {
    let app = app_with_cors().await;
    let user = id_token("sub-cors", Some("cors@example.com"), &[]);
    let admin = id_token("sub-cors-admin", None, &["admin"]);
    let forged = sign(&id_claims("sub-cors", None, &[]), rogue_key());
    let cases = [
        ("GET", "/messages/public", None, 200),
        ("GET", "/messages/private", Some(&user), 200),
        ("GET", "/messages/feed", Some(&user), 200),
        ("GET", "/messages/private", None, 401),
        ("GET", "/messages/private", Some(&forged), 401),
        ("GET", "/users/me", None, 401),
        ("DELETE", "/users/sub-other", Some(&user), 403),
        ("POST", "/users/sub-other/sign-out", Some(&user), 403),
        ("GET", "/users/nobody-here", Some(&admin), 404),
        ("GET", "/no/such/route", None, 404),
        ("GET", "/healthz", None, 200),
    ];
    for origin in [ALLOWED, ALSO_ALLOWED] {
        for (method, path, token, status) in cases {
            let response = app
                .request_with_headers(method, path, &from(origin, token.map(String::as_str)))
                .await;
            let what = format!("{origin} {method} {path}");
            assert_eq!(response.status, status, "{what}: {}", response.body);
            assert_readable_by(&response, origin, &what);
        }
    }
    let refused = app
        .request_with_headers("GET", "/messages/private", &from(ALLOWED, None))
        .await;
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
}

#[actix_rt::test]
async fn an_allowed_origin_can_read_503s_and_their_retry_after() {
    let jwks = JwksServer::start(vec![], JwksMode::Fail(503));
    let app = spawn_app_against(jwks, &[("CORS_ALLOWED_ORIGINS", ORIGINS)]).await;
    let token = id_token("sub-cors", None, &[]);
    for (path, token) in [
        ("/readyz", None),
        ("/messages/private", Some(token.as_str())),
    ] {
        let response = app
            .request_with_headers("GET", path, &from(ALLOWED, token))
            .await;
        assert_eq!(response.status, 503, "{path}: {}", response.body);
        assert!(response.header("retry-after").is_some(), "{path}");
        assert_readable_by(&response, ALLOWED, path);
    }
}

#[actix_rt::test]
async fn preflights_from_an_allowed_origin_are_answered_on_every_route() {
    let app = app_with_cors().await;
    for (method, path) in [
        ("GET", "/messages/private"),
        ("GET", "/messages/public"),
        ("GET", "/users/sub-1"),
        ("DELETE", "/users/sub-1"),
        ("POST", "/users/sub-1/sign-out"),
        ("GET", "/no/such/route"),
    ] {
        let response = app
            .request_with_headers("OPTIONS", path, &preflight(ALLOWED, method))
            .await;
        let what = format!("preflight {method} {path}");
        assert_eq!(response.status, 200, "{what}");
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some(ALLOWED),
            "{what}"
        );
        let methods = comma_list(&response, "access-control-allow-methods");
        for allowed in ["get", "post", "delete"] {
            assert!(methods.contains(&allowed.to_owned()), "{what}: {methods:?}");
        }
        let headers = comma_list(&response, "access-control-allow-headers");
        assert!(headers.contains(&"authorization".to_owned()), "{what}");
        assert!(
            response.header("access-control-max-age").is_some(),
            "{what}"
        );
    }
}

#[actix_rt::test]
async fn a_preflight_for_a_method_or_header_not_allowed_is_refused() {
    let app = app_with_cors().await;
    let put = app
        .request_with_headers("OPTIONS", "/users/sub-1", &preflight(ALLOWED, "PUT"))
        .await;
    let mut odd_header = preflight(ALLOWED, "GET");
    odd_header[2].1 = "authorization, x-sneaky".to_owned();
    let sneaky = app
        .request_with_headers("OPTIONS", "/messages/private", &odd_header)
        .await;
    for response in [put, sneaky] {
        assert_eq!(response.status, 400);
        assert_eq!(access_control(&response), Vec::<String>::new());
    }
}

#[actix_rt::test]
async fn other_origins_get_no_cors_headers_at_all() {
    let app = app_with_cors().await;
    let user = id_token("sub-cors", None, &[]);
    for origin in [
        "http://localhost:5173",
        "http://127.0.0.1:5174",
        "https://127.0.0.1:5173",
        "https://evil.example",
        "https://app.example.com.evil.example",
        "null",
    ] {
        for (path, token, status) in [
            ("/messages/public", None, 200),
            ("/messages/private", Some(user.as_str()), 200),
            ("/messages/private", None, 401),
            ("/no/such/route", None, 404),
        ] {
            let response = app
                .request_with_headers("GET", path, &from(origin, token))
                .await;
            assert_eq!(response.status, status, "{origin} {path}");
            assert_eq!(
                access_control(&response),
                Vec::<String>::new(),
                "{origin} {path}"
            );
            // Kept on purpose: the answer to an allowed origin differs, so a
            // shared cache must not hand this one to it.
            assert!(comma_list(&response, "vary").contains(&"origin".to_owned()));
        }
        let response = app
            .request_with_headers("OPTIONS", "/messages/private", &preflight(origin, "GET"))
            .await;
        assert_eq!(response.status, 400, "preflight from {origin}");
        assert_eq!(access_control(&response), Vec::<String>::new(), "{origin}");
    }
}

#[actix_rt::test]
async fn requests_without_an_origin_get_no_cors_headers() {
    let app = app_with_cors().await;
    for path in ["/messages/public", "/messages/private", "/no/such/route"] {
        let response = app.get(path, None).await;
        assert_eq!(access_control(&response), Vec::<String>::new(), "{path}");
    }
}

#[actix_rt::test]
async fn without_allowed_origins_no_origin_gets_cross_origin_access() {
    let app = spawn_app().await;
    let response = app
        .request_with_headers("GET", "/messages/public", &from(ALLOWED, None))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(access_control(&response), Vec::<String>::new());
    let response = app
        .request_with_headers("OPTIONS", "/messages/private", &preflight(ALLOWED, "GET"))
        .await;
    assert!(response.status >= 400, "preflight: {}", response.status);
    assert_eq!(access_control(&response), Vec::<String>::new());
}
