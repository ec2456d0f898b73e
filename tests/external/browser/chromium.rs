//! Browsers, for real: headless Chromium loads a page from one origin and
//! calls the API on another, as a single-page app does, and uses Swagger UI
//! at `/docs`. What the browser allows is the test, not what headers say.

use std::net::TcpListener;

use actix_web::{web, App, HttpResponse, HttpServer};
use fantoccini::Locator;
use serde_json::{json, Value};

use super::webdriver::{Browser, PATIENCE, POLL};
use crate::common::helpers::*;

/// A static page standing in for a single-page app, served on its own
/// loopback port: `http://127.0.0.1:<port>` and `http://localhost:<port>`
/// are two origins of the same page.
fn serve_page() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the page server");
    let port = listener.local_addr().expect("local addr").port();
    let server = HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body("<!doctype html><title>single-page app</title><h1>app</h1>")
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    actix_rt::spawn(server);
    port
}

/// The API allowing pages of `http://127.0.0.1:<page port>` only.
async fn api_for_page(page_port: u16) -> TestApp {
    let origin = format!("http://127.0.0.1:{page_port}");
    spawn_app_with(&[("CORS_ALLOWED_ORIGINS", origin.as_str())]).await
}

fn json_body(answer: &Value) -> Value {
    serde_json::from_str(answer["body"].as_str().unwrap_or("")).unwrap_or(Value::Null)
}

#[actix_rt::test]
async fn a_page_on_an_allowed_origin_reads_the_greeting_and_the_refusals() {
    let page_port = serve_page();
    let app = api_for_page(page_port).await;
    let token = id_token("sub-spa", Some("spa@example.com"), &[]);
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("http://127.0.0.1:{page_port}/"))
        .await
        .expect("the page loads");

    // Preflighted (it carries Authorization), then read.
    let private = format!("{}/messages/private", app.address);
    let greeting = browser.fetch("GET", &private, Some(&token)).await;
    assert_eq!(greeting["status"], 200, "{greeting}");
    assert_eq!(json_body(&greeting)["message"], "Hello, spa@example.com!");

    // Refusals are readable too, challenge included.
    let no_token = browser.fetch("GET", &private, None).await;
    assert_eq!(no_token["status"], 401, "{no_token}");
    assert_eq!(no_token["www"], "Bearer");
    let not_admin = browser
        .fetch(
            "DELETE",
            &format!("{}/users/sub-other", app.address),
            Some(&token),
        )
        .await;
    assert_eq!(not_admin["status"], 403, "{not_admin}");
    assert_eq!(not_admin["www"], r#"Bearer error="insufficient_scope""#);
    let nowhere = browser
        .fetch("GET", &format!("{}/no/such/route", app.address), None)
        .await;
    assert_eq!(nowhere["status"], 404, "{nowhere}");
    assert_eq!(json_body(&nowhere)["detail"], "not found");
    browser.close().await;
}

#[actix_rt::test]
async fn the_same_page_on_another_origin_is_blocked() {
    let page_port = serve_page();
    let app = api_for_page(page_port).await;
    let token = id_token("sub-spa", Some("spa@example.com"), &[]);
    let browser = Browser::start().await;
    // Same machine, same port, same page: but localhost is not 127.0.0.1.
    browser
        .client
        .goto(&format!("http://localhost:{page_port}/"))
        .await
        .expect("the page loads");
    let origin = browser
        .client
        .execute("return location.origin", vec![])
        .await
        .expect("the script runs");
    assert_eq!(origin, json!(format!("http://localhost:{page_port}")));

    let blocked = json!({ "error": "TypeError: Failed to fetch" });
    for (path, token) in [
        ("/messages/private", Some(token.as_str())),
        ("/messages/public", None),
        ("/messages/private", None),
    ] {
        let answer = browser
            .fetch("GET", &format!("{}{path}", app.address), token)
            .await;
        assert_eq!(answer, blocked, "{path}");
    }
    // The server itself answers; the browser keeps it from the page.
    assert_eq!(app.get("/messages/public", None).await.status, 200);
    browser.close().await;
}

/// Every operation the contract lists, as Swagger UI shows them.
const OPERATIONS: [&str; 10] = [
    "GET /messages/public",
    "GET /messages/private",
    "GET /messages/feed",
    "GET /users/me",
    "GET /users/{user_id}",
    "DELETE /users/{user_id}",
    "POST /users/{user_id}/sign-out",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
];

#[actix_rt::test]
async fn docs_render_every_route_from_the_binary_alone() {
    let app = spawn_app().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/docs", app.address))
        .await
        .expect("/docs loads");
    browser
        .wait_for_script(
            "return document.querySelectorAll('.opblock').length >= 10",
            "Swagger UI to list the operations",
        )
        .await;
    let url = browser.client.current_url().await.expect("a URL");
    assert_eq!(url.path(), "/docs/", "redirected to the UI's page");

    let listed: Value = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.opblock')].map(op => \
               op.querySelector('.opblock-summary-method').textContent + ' ' + \
               op.querySelector('.opblock-summary-path').dataset.path)",
            vec![],
        )
        .await
        .expect("the script runs");
    let mut listed: Vec<String> = serde_json::from_value(listed).expect("strings");
    listed.sort();
    let mut expected: Vec<String> = OPERATIONS.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected);

    // A lock on exactly the operations that take a token.
    let locked: Value = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.opblock')] \
               .filter(op => op.querySelector('.authorization__btn')) \
               .map(op => op.querySelector('.opblock-summary-path').dataset.path)",
            vec![],
        )
        .await
        .expect("the script runs");
    let locked: Vec<String> = serde_json::from_value(locked).expect("strings");
    for path in ["/messages/public", "/healthz", "/readyz", "/metrics"] {
        assert!(!locked.contains(&path.to_owned()), "{path} is public");
    }
    assert_eq!(locked.len(), 6, "{locked:?}");

    // Nothing came from anywhere but this server.
    let loaded: Value = browser
        .client
        .execute(
            "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]",
            vec![],
        )
        .await
        .expect("the script runs");
    let loaded: Vec<String> = serde_json::from_value(loaded).expect("strings");
    assert!(loaded.len() > 3, "{loaded:?}");
    for url in &loaded {
        assert!(url.starts_with(&format!("{}/", app.address)), "{url}");
    }
    let shot = browser.screenshot("docs.png").await;
    eprintln!("screenshot of /docs: {}", shot.display());
    browser.close().await;
}

#[actix_rt::test]
async fn docs_authorize_then_try_it_out_on_the_private_greeting_answers_200() {
    let app = spawn_app().await;
    let token = id_token("sub-docs", Some("docs@example.com"), &[]);
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/docs/", app.address))
        .await
        .expect("/docs loads");

    browser.click(".auth-wrapper .authorize").await;
    let input = browser
        .client
        .wait()
        .at_most(PATIENCE)
        .every(POLL)
        .for_element(Locator::Css(".modal-ux input"))
        .await
        .expect("the token field");
    input.send_keys(&token).await.expect("token typed");
    browser
        .click(".modal-ux .auth-btn-wrapper .authorize")
        .await;
    browser.click(".modal-ux .btn-done").await;

    let operation = "#operations-messages-private_message";
    browser
        .click(&format!("{operation} .opblock-summary"))
        .await;
    browser.click(&format!("{operation} .try-out__btn")).await;
    browser.click(&format!("{operation} .execute")).await;
    let answer = format!("{operation} .live-responses-table tr.response");
    let status = format!(
        "return document.querySelector('{answer} .response-col_status')?.textContent.trim() === '200'"
    );
    browser
        .wait_for_script(&status, "the answer to Try it out")
        .await;
    let body = browser
        .client
        .find(Locator::Css(&format!("{answer} .response-col_description")))
        .await
        .expect("the response body")
        .text()
        .await
        .expect("its text");
    assert!(
        body.contains(r#""message": "Hello, docs@example.com!""#),
        "{body}"
    );
    browser.screenshot("docs-try-it-out.png").await;
    browser.close().await;
}
