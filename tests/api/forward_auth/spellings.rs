//! `/auth` and the original request: each gateway's convention only, and
//! the path spellings that are refused or matched as their decoded form.

use super::*;

#[actix_rt::test]
async fn each_gateway_reads_its_own_convention_only() {
    let token = id_token("sub-g", None, &[]);
    let bearer = ("Authorization", format!("Bearer {token}"));
    for gateway in ["traefik", "caddy"] {
        let app = app_for(gateway, &[]).await;
        let headers = [
            ("X-Forwarded-Method", "GET".to_owned()),
            ("X-Forwarded-Uri", "/api/x".to_owned()),
            // nginx's names are a client's to them.
            ("X-Original-URI", "/healthz".to_owned()),
            bearer.clone(),
        ];
        let response = app.request_with_headers("GET", "/auth", &headers).await;
        assert_allowed(&response);
        assert_eq!(
            response.header("x-auth-request-rule"),
            Some("api"),
            "{gateway}"
        );
        let spoofed = [
            ("X-Original-Method", "GET".to_owned()),
            ("X-Original-URI", "/healthz".to_owned()),
        ];
        let refused = app.request_with_headers("GET", "/auth", &spoofed).await;
        assert_eq!(refused.status, 400, "{gateway}");
        assert!(
            refused.detail().contains("X-Forwarded-Method"),
            "{}",
            refused.body
        );
    }

    let app = nginx_app().await;
    let spoofed = [
        ("X-Original-Method", "GET".to_owned()),
        ("X-Original-URI", "/api/x".to_owned()),
        ("X-Forwarded-Uri", "/healthz".to_owned()),
    ];
    let refused = app.request_with_headers("GET", "/auth", &spoofed).await;
    assert_eq!(
        refused.status, 401,
        "the original is /api/x: {}",
        refused.body
    );

    let app = app_for("envoy", &[]).await;
    let response = app
        .request_with_headers("DELETE", "/auth/api/x?y=1", std::slice::from_ref(&bearer))
        .await;
    assert_allowed(&response);
    assert_eq!(response.header("x-auth-request-rule"), Some("api"));
    let spoofed = [
        ("X-Original-URI", "/api/x".to_owned()),
        ("X-Forwarded-Uri", "/api/x".to_owned()),
    ];
    let public = app
        .request_with_headers("GET", "/auth/healthz", &spoofed)
        .await;
    assert_eq!(public.header("x-auth-request-rule"), Some("health"));
    let nothing = app.request_with_headers("GET", "/auth", &[]).await;
    assert_eq!(nothing.status, 400);
}

#[actix_rt::test]
async fn the_endpoint_takes_any_method_and_any_suffix() {
    let app = nginx_app().await;
    let headers = [
        ("X-Original-Method", "GET".to_owned()),
        ("X-Original-URI", "/healthz".to_owned()),
    ];
    for (method, path) in [
        ("GET", "/auth"),
        ("POST", "/auth"),
        ("DELETE", "/auth/x/y"),
        ("PATCH", "/auth/"),
    ] {
        let response = app.request_with_headers(method, path, &headers).await;
        assert_eq!(response.status, 200, "{method} {path}");
    }
}

#[actix_rt::test]
async fn the_api_document_leaves_the_gateways_endpoint_out() {
    let app = nginx_app().await;
    let doc = app.get("/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    let paths = doc.body["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/messages/private"));
    assert!(!paths.keys().any(|p| p.starts_with("/auth")), "{paths:?}");
}

#[actix_rt::test]
async fn a_missing_or_malformed_original_is_400_with_a_reason() {
    let app = nginx_app().await;
    let cases: [&[(&str, &str)]; 5] = [
        &[],
        &[("X-Original-Method", "GET")],
        &[("X-Original-URI", "/api/x")],
        &[("X-Original-Method", "get"), ("X-Original-URI", "/api/x")],
        &[
            ("X-Original-Method", "GET"),
            ("X-Original-URI", "/api/x"),
            ("X-Original-URI", "/healthz"),
        ],
    ];
    for headers in cases {
        let headers: Vec<_> = headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let refused = app.request_with_headers("GET", "/auth", &headers).await;
        assert_eq!(refused.status, 400, "{headers:?}");
        assert!(!refused.detail().is_empty());
    }
}

#[actix_rt::test]
async fn hostile_spellings_are_400_and_encoded_ones_are_matched_decoded() {
    let app = nginx_app().await;
    let user = id_token("sub-h", None, &["staff"]);
    for uri in [
        "/api/%2e%2e/healthz",
        "/api/../healthz",
        "/api/./admin/x",
        "/api/%2E./admin",
        "/api//admin/x",
        "//api/admin",
        "/api%2Fadmin/x",
        "/api/admin%5Cx",
        "/api\\admin",
        "/api/%00",
        "/api/%0d%0aX-Auth-Request-User:%20root",
        "/api/%zz",
        "/api/%",
        "/api/%ff",
        "/api/%2561dmin/x",
        "/api;x/admin",
        "api/x",
        "http://evil.example/api/x",
    ] {
        let refused = ask(&app, "GET", uri, Some(&user)).await;
        assert_eq!(refused.status, 400, "{uri}: {}", refused.body);
        assert!(!refused.detail().is_empty(), "{uri}");
        assert!(refused.header("x-auth-request-user").is_none());
    }
    let long = format!("/api/{}", "a".repeat(8 * 1024));
    assert_eq!(ask(&app, "GET", &long, Some(&user)).await.status, 400);

    // `%61dmin` is `admin`: the admin rule decides, never the wider `api`.
    for uri in ["/api/%61dmin/x", "/api/admi%6e", "/%61pi/admin?q=1"] {
        let refused = ask(&app, "GET", uri, Some(&user)).await;
        assert_eq!(refused.status, 403, "{uri}: {}", refused.body);
    }
    let admin = id_token("sub-a", None, &["admin"]);
    let allowed = ask(&app, "GET", "/api/%61dmin/x", Some(&admin)).await;
    assert_eq!(allowed.header("x-auth-request-rule"), Some("admin"));
}

/// The gateway passes the client's headers on: an allowed page's CORS
/// preflight reaching `/auth` is decided by the rules, never answered
/// `200` by the CORS layer (which the gateway would read as "allowed").
#[actix_rt::test]
async fn a_browser_preflight_through_the_gateway_is_decided_by_the_rules() {
    const ORIGIN: &str = "https://app.example.com";
    let preflight = |extra: &[(&'static str, &str)]| {
        let mut headers = vec![
            ("Origin", ORIGIN.to_owned()),
            ("Access-Control-Request-Method", "DELETE".to_owned()),
        ];
        headers.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        headers
    };
    let app = app_for("envoy", &[("CORS_ALLOWED_ORIGINS", ORIGIN)]).await;
    // The CORS layer is on for the API itself.
    let api = app
        .request_with_headers("OPTIONS", "/users/me", &preflight(&[]))
        .await;
    assert_eq!(api.status, 200);
    let refused = app
        .request_with_headers("OPTIONS", "/auth/api/x", &preflight(&[]))
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.header("access-control-allow-origin").is_none());
    let denied = app
        .request_with_headers("OPTIONS", "/auth/nowhere", &preflight(&[]))
        .await;
    assert_eq!(denied.status, 403, "{}", denied.body);

    let app = app_for("nginx", &[("CORS_ALLOWED_ORIGINS", ORIGIN)]).await;
    let headers = preflight(&[
        ("X-Original-Method", "OPTIONS"),
        ("X-Original-URI", "/api/x"),
    ]);
    let refused = app.request_with_headers("OPTIONS", "/auth", &headers).await;
    assert_eq!(refused.status, 401, "{}", refused.body);

    // Allowed, asked with an allowed page's `Origin`: no CORS header, and
    // nothing that varies with `Origin`.
    let user = id_token("sub-u", None, &[]);
    let headers = [
        ("Origin", ORIGIN.to_owned()),
        ("X-Original-Method", "GET".to_owned()),
        ("X-Original-URI", "/api/x".to_owned()),
        ("Authorization", format!("Bearer {user}")),
    ];
    let allowed = app.request_with_headers("GET", "/auth", &headers).await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert!(allowed.header("access-control-allow-origin").is_none());
    assert!(allowed.header("vary").is_none());
}
