//! Admin calls reach Cognito signed for exactly the request that goes out:
//! the stand-in recomputes each SigV4 signature with botocore from the Host
//! header, path and body it received.

use cognito_guard::Settings;
use serde_json::{json, Value};

use super::standin::{spawn_app_on_idp, IdpStandIn, SECRET_KEY};
use crate::common::helpers::{base_vars, id_token, trusted_key, JwksMode, JwksServer};

const EVE_SUB: &str = "4f6a2c1e-0000-4000-8000-0000000000e1";

fn eve() -> Value {
    json!([{"username": "eve", "sub": EVE_SUB, "email": "eve@example.com", "groups": ["staff"]}])
}

#[actix_rt::test]
async fn admin_calls_are_signed_for_the_host_and_path_they_are_sent_to() {
    let idp = IdpStandIn::start(&eve());
    let admin = id_token("sub-admin", None, &["admin"]);
    let forms = [
        (idp.endpoint("/"), "/"),
        (idp.endpoint(""), "/"),
        (idp.endpoint("/cognito/"), "/cognito/"),
    ];

    for (endpoint, _) in &forms {
        let app = spawn_app_on_idp(endpoint, SECRET_KEY).await;
        let response = app.get(&format!("/users/{EVE_SUB}"), Some(&admin)).await;
        assert_eq!(response.status, 200, "{endpoint}: {}", response.body);
        assert_eq!(response.body["username"], "eve");
        assert_eq!(response.body["groups"], json!(["staff"]));
    }

    let calls = idp.calls().await;
    // Each lookup is ListUsers then AdminListGroupsForUser.
    assert_eq!(calls.len(), 2 * forms.len(), "{calls:?}");
    let host = format!("127.0.0.1:{}", idp.port);
    for (call, (endpoint, path)) in calls.chunks(2).zip(&forms) {
        for call in call {
            assert_eq!(call["signature_problem"], Value::Null, "{endpoint}: {call}");
            assert_eq!(call["host"], host.as_str(), "{endpoint}");
            assert_eq!(call["path"], *path, "{endpoint}");
        }
    }
}

#[actix_rt::test]
async fn a_signature_cognito_refuses_is_a_502() {
    // The stand-in's check can fail: the same request signed with another
    // secret is refused, as Cognito refuses it.
    let idp = IdpStandIn::start(&eve());
    let app = spawn_app_on_idp(&idp.endpoint("/"), "not-the-secret").await;
    let admin = id_token("sub-admin", None, &["admin"]);

    let response = app.get(&format!("/users/{EVE_SUB}"), Some(&admin)).await;

    assert_eq!(response.status, 502, "{}", response.body);
    let calls = idp.calls().await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["signature_problem"], "signature mismatch");
}

#[actix_rt::test]
async fn an_endpoint_that_cannot_be_signed_as_sent_stops_the_server_at_start() {
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    for endpoint in [
        "http://operator:hunter2@127.0.0.1:9/",
        "http://127.0.0.1:9/?Action=ListUsers",
        "http://127.0.0.1:9/a/../",
    ] {
        let mut vars = base_vars(&jwks.url());
        vars.push(("COGNITO_IDP_ENDPOINT".to_owned(), endpoint.to_owned()));

        let Err(refused) = Settings::from_vars(vars) else {
            panic!("{endpoint} was accepted")
        };

        let message = refused.to_string();
        assert!(
            message.starts_with("COGNITO_IDP_ENDPOINT is invalid: "),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
    }
}
