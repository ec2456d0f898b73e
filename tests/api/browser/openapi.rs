//! `GET /openapi.json` and `/docs` over plain HTTP: the document lists every
//! route with the security its guard enforces (checked against the route
//! table, against the contract, and against the running guards). That it
//! validates as OpenAPI 3.1 (openapi-spec-validator), and Swagger UI in a
//! real browser, are in `tests/external/browser/`.

use cognito_guard::auth::Allow;
use cognito_guard::http::routes::{self, RoutePolicies};
use serde_json::{json, Value};

use crate::common::helpers::*;
use crate::common::machine::machine_token;

const ADMIN_SCOPE: &str = "cognito-guard/admin";

/// Every route of the contract's table but `/openapi.json` and `/docs`.
const ROUTES: [(&str, &str); 10] = [
    ("get", "/messages/public"),
    ("get", "/messages/private"),
    ("get", "/messages/feed"),
    ("get", "/users/me"),
    ("get", "/users/{user_id}"),
    ("delete", "/users/{user_id}"),
    ("post", "/users/{user_id}/sign-out"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
];

async fn document(app: &TestApp) -> Value {
    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status, 200);
    response.body
}

/// `(method, path, operation)` for every operation of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            found.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    found
}

/// What the contract says each route's security is, written out by hand.
fn expected_security(method: &str, path: &str, scope: Option<&str>) -> Value {
    let admin = json!([{ "bearer": scope.into_iter().collect::<Vec<_>>() }]);
    match (method, path) {
        (_, "/messages/public" | "/healthz" | "/readyz" | "/metrics") => json!([]),
        (_, "/messages/feed") => json!([{}, { "bearer": [] }]),
        (_, "/messages/private" | "/users/me") => json!([{ "bearer": [] }]),
        (_, "/users/{user_id}" | "/users/{user_id}/sign-out") => admin,
        _ => panic!("{method} {path} is not in the contract"),
    }
}

#[actix_rt::test]
async fn the_document_is_openapi_3_1_and_lists_every_route() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut listed: Vec<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
}

#[actix_rt::test]
async fn each_operation_has_the_security_the_contract_gives_its_route() {
    for scope in [None, Some(ADMIN_SCOPE)] {
        let app = match scope {
            None => spawn_app().await,
            Some(scope) => spawn_app_with(&[("ADMIN_SCOPE", scope)]).await,
        };
        let doc = document(&app).await;
        for (method, path, operation) in operations(&doc) {
            assert_eq!(
                operation["security"],
                expected_security(&method, &path, scope),
                "{method} {path} with ADMIN_SCOPE={scope:?}"
            );
        }
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"],
            json!({
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": doc["components"]["securitySchemes"]["bearer"]["description"],
            })
        );
    }
}

#[actix_rt::test]
async fn every_route_of_the_table_is_documented_with_its_guards_policy() {
    let app = spawn_app_with(&[("ADMIN_SCOPE", ADMIN_SCOPE)]).await;
    let doc = document(&app).await;
    let policies = RoutePolicies::new("admin", Some(ADMIN_SCOPE));
    let table: Vec<_> = routes::api(&policies)
        .into_iter()
        .chain(routes::metrics())
        .collect();
    assert_eq!(table.len(), operations(&doc).len());
    for endpoint in table {
        let method = serde_json::to_value(&endpoint.method).expect("a method");
        let method = method.as_str().unwrap_or_default();
        let documented = &doc["paths"][&endpoint.path][method]["security"];
        let policy = match endpoint.policy.allow() {
            Allow::Public => json!([]),
            Allow::Optional => json!([{}, { "bearer": [] }]),
            Allow::Authenticated if endpoint.policy == policies.authenticated => {
                json!([{ "bearer": [] }])
            }
            Allow::Authenticated => json!([{ "bearer": [ADMIN_SCOPE] }]),
        };
        assert_eq!(documented, &policy, "{method} {}", endpoint.path);
    }
}

#[actix_rt::test]
async fn the_guards_do_what_the_document_says() {
    let app = spawn_app_with(&[("ADMIN_SCOPE", ADMIN_SCOPE)]).await;
    let doc = document(&app).await;
    let user = id_token("sub-doc-user", Some("doc@example.com"), &[]);
    let machine = machine_token(ADMIN_SCOPE);
    for (method, path, operation) in operations(&doc) {
        let url = path.replace("{user_id}", "sub-doc-target");
        let security = operation["security"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let anonymous = security.is_empty() || security.contains(&json!({}));
        let scopes: Vec<&str> = security
            .iter()
            .flat_map(|requirement| requirement["bearer"].as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect();
        let what = format!("{method} {path}");

        let nobody = app.request(&method.to_uppercase(), &url, None).await;
        if anonymous {
            assert!(
                ![401, 403].contains(&nobody.status),
                "{what}: {}",
                nobody.status
            );
        } else {
            assert_eq!(nobody.status, 401, "{what}");
            assert_eq!(nobody.header("www-authenticate"), Some("Bearer"), "{what}");
        }

        let as_user = app.request(&method.to_uppercase(), &url, Some(&user)).await;
        let as_machine = app
            .request(&method.to_uppercase(), &url, Some(&machine))
            .await;
        if scopes.contains(&ADMIN_SCOPE) {
            assert_eq!(as_user.status, 403, "{what}: a user without the scope");
            assert!(
                ![401, 403].contains(&as_machine.status),
                "{what}: the scope"
            );
        } else {
            assert!(as_user.status < 400, "{what}: {}", as_user.status);
        }
        // Every documented operation is served: not the routing 404 or 405.
        for response in [&nobody, &as_user, &as_machine] {
            assert_ne!(response.status, 405, "{what}");
            assert_ne!(response.detail(), "not found", "{what}");
        }
    }
}

#[actix_rt::test]
async fn every_error_answer_is_documented_with_the_detail_body() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let detail = json!({ "$ref": "#/components/schemas/Detail" });
    for (method, path, operation) in operations(&doc) {
        let guarded = operation["security"] != json!([])
            && !operation["security"]
                .as_array()
                .is_some_and(|s| s.contains(&json!({})));
        let responses = operation["responses"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if guarded {
            assert_eq!(
                responses.get("401"),
                Some(&json!({ "$ref": "#/components/responses/Unauthorized" })),
                "{method} {path}"
            );
            assert!(responses.contains_key("503"), "{method} {path}");
        }
        for (status, response) in responses {
            if status.starts_with('2') {
                continue;
            }
            let response = match response["$ref"].as_str() {
                Some(reference) => {
                    let name = reference.trim_start_matches("#/components/responses/");
                    doc["components"]["responses"][name].clone()
                }
                None => response,
            };
            let schema = &response["content"]["application/json"]["schema"];
            if path == "/readyz" {
                // Detail's `detail`, and each pool's state beside it.
                let name = schema["$ref"].as_str().unwrap_or_default();
                let name = name.trim_start_matches("#/components/schemas/");
                let body = &doc["components"]["schemas"][name];
                assert_eq!(body["properties"]["detail"]["type"], "string", "{body}");
                assert!(body["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!("detail"))));
                continue;
            }
            assert_eq!(*schema, detail, "{method} {path} {status}");
        }
    }
    assert_eq!(
        doc["components"]["schemas"]["Detail"]["required"],
        json!(["detail"])
    );
}

#[actix_rt::test]
async fn metrics_on_their_own_listener_are_not_in_the_api_document() {
    let app = spawn_app_with(&[("METRICS_ADDR", "127.0.0.1:0")]).await;
    let doc = document(&app).await;
    assert!(doc["paths"].get("/metrics").is_none());
    assert!(doc["paths"].get("/healthz").is_some());
}

#[actix_rt::test]
async fn docs_serve_swagger_ui_from_the_binary_on_this_document() {
    let app = spawn_app().await;
    let client = awc::Client::builder()
        .disable_redirects()
        .timeout(std::time::Duration::from_secs(30))
        .finish();
    let redirect = client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .expect("answers");
    assert_eq!(redirect.status(), 308);
    assert_eq!(
        redirect
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        // Relative, so it stays under a gateway's prefix (edge.rs).
        Some("docs/")
    );

    let page = app.get_text("/docs/").await;
    assert!(page.contains(r#"<div id="swagger-ui">"#), "{page}");
    let initializer = app.get_text("/docs/swagger-initializer.js").await;
    assert!(
        initializer.contains(r#""url": "../openapi.json""#),
        "{initializer}"
    );
    assert!(
        initializer.contains(r#""validatorUrl": "none""#),
        "{initializer}"
    );
    // The page's own assets are relative: served here, not from a CDN.
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    ] {
        assert!(page.contains(&format!(r#""./{asset}""#)), "{asset}");
        let mut response = client
            .get(format!("{}/docs/{asset}", app.address))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 200, "{asset}");
        let body = response.body().limit(16 << 20).await.expect("body");
        assert!(body.len() > 1000, "{asset}: {} bytes", body.len());
    }
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
}
