//! Where `/metrics` is served: on the API port by default, or only on its
//! own listener when `METRICS_ADDR` is set.

use cognito_guard::http::ListenAddr;

use crate::common::helpers::*;

/// `METRICS_ADDR=127.0.0.1:0`.
fn own_metrics_listener(settings: &mut cognito_guard::Settings) {
    settings.server.metrics = Some(ListenAddr {
        host: "127.0.0.1".to_owned(),
        port: 0,
    });
}

#[actix_rt::test]
async fn without_metrics_addr_metrics_are_on_the_api_port() {
    let app = spawn_app().await;

    let text = app.get_text("/metrics").await;

    assert!(app.metrics_address.is_none());
    assert!(text.contains("cognito_guard_jwks_keys_cached"), "{text}");
}

#[actix_rt::test]
async fn with_metrics_addr_the_api_port_answers_404_for_metrics() {
    let app = spawn_app_tweaked(own_metrics_listener).await;

    let response = app.get("/metrics", None).await;

    assert_eq!(response.status, 404);
    assert_eq!(response.detail(), "not found");
}

#[actix_rt::test]
async fn with_metrics_addr_only_the_metrics_listener_serves_metrics() {
    // Arrange: one authenticated request, so the counters have something.
    let app = spawn_app_tweaked(own_metrics_listener).await;
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    assert_ne!(metrics, app.address, "a listener of its own");
    let token = id_token("sub-metrics", None, &[]);
    assert_eq!(app.get("/messages/private", Some(&token)).await.status, 200);

    // Act
    let text = get_text(&app.client, &format!("{metrics}/metrics")).await;
    let api_route = app
        .client
        .get(format!("{metrics}/messages/public"))
        .send()
        .await
        .expect("metrics listener answers")
        .status();

    // Assert
    assert!(
        text.contains(r#"cognito_guard_auth_requests_total{outcome="ok",pool="default"} 1"#),
        "{text}"
    );
    assert_eq!(api_route, 404, "the metrics listener serves metrics only");
}

async fn get_text(client: &awc::Client, url: &str) -> String {
    let mut response = client.get(url).send().await.expect("answers");
    assert_eq!(response.status(), 200);
    let body = response.body().await.expect("body");
    String::from_utf8_lossy(&body).into_owned()
}
