//! Each acceptance rule of the contract, seen from a client.

use crate::common::helpers::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;

const PRIVATE: &str = "/messages/private";

async fn refused(app: &TestApp, token: &str) -> TestResponse {
    let response = app.get(PRIVATE, Some(token)).await;
    assert_invalid_token(&response, token);
    response
}

fn claims_with(field: &str, value: serde_json::Value) -> serde_json::Value {
    let mut claims = id_claims("sub-t", Some("t@example.com"), &[]);
    claims[field] = value;
    claims
}

#[actix_rt::test]
async fn expired_token_is_rejected_with_invalid_token() {
    let app = spawn_app().await;
    let response = refused(
        &app,
        &sign(&claims_with("exp", json!(now() - 5)), trusted_key()),
    )
    .await;
    assert!(
        response.detail().contains("expired"),
        "{}",
        response.detail()
    );
}

#[actix_rt::test]
async fn expired_token_inside_the_leeway_is_accepted() {
    let app = spawn_app_with(&[("AUTH_LEEWAY_SECS", "60")]).await;
    let token = sign(&claims_with("exp", json!(now() - 20)), trusted_key());
    assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200);
    let beyond = sign(&claims_with("exp", json!(now() - 120)), trusted_key());
    refused(&app, &beyond).await;
}

#[actix_rt::test]
async fn not_yet_valid_token_is_rejected() {
    let app = spawn_app().await;
    let response = refused(
        &app,
        &sign(&claims_with("nbf", json!(now() + 300)), trusted_key()),
    )
    .await;
    assert!(response.detail().contains("nbf"), "{}", response.detail());
}

#[actix_rt::test]
async fn missing_exp_is_rejected() {
    let app = spawn_app().await;
    let mut claims = id_claims("sub-t", None, &[]);
    claims.as_object_mut().map(|c| c.remove("exp"));
    refused(&app, &sign(&claims, trusted_key())).await;
}

#[actix_rt::test]
async fn wrong_issuer_is_rejected() {
    let app = spawn_app().await;
    for iss in [
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool",
        "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_TestPool1",
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1/",
        "http://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1",
    ] {
        let response = refused(&app, &sign(&claims_with("iss", json!(iss)), trusted_key())).await;
        assert!(
            response.detail().contains("issuer"),
            "{iss}: {}",
            response.detail()
        );
    }
}

#[actix_rt::test]
async fn both_default_cognito_issuer_forms_are_accepted() {
    let app = spawn_app().await;
    for iss in [ISSUER, ISSUER_ALT] {
        let token = sign(&claims_with("iss", json!(iss)), trusted_key());
        assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200, "{iss}");
    }
}

#[actix_rt::test]
async fn a_configured_issuer_replaces_the_default_forms() {
    let app = spawn_app_with(&[("COGNITO_ISSUER", "http://127.0.0.1:9229/local_pool")]).await;
    let custom = sign(
        &claims_with("iss", json!("http://127.0.0.1:9229/local_pool")),
        trusted_key(),
    );
    assert_eq!(app.get(PRIVATE, Some(&custom)).await.status, 200);
    refused(
        &app,
        &sign(&claims_with("iss", json!(ISSUER)), trusted_key()),
    )
    .await;
}

#[actix_rt::test]
async fn wrong_audience_is_rejected() {
    let app = spawn_app().await;
    let response = refused(
        &app,
        &sign(&claims_with("aud", json!(OTHER_CLIENT_ID)), trusted_key()),
    )
    .await;
    assert!(
        response.detail().contains("client"),
        "{}",
        response.detail()
    );
}

#[actix_rt::test]
async fn any_client_of_the_configured_list_is_accepted() {
    let app = spawn_app_with(&[("COGNITO_CLIENT_ID", "testclient123,otherclient456")]).await;
    for aud in [CLIENT_ID, OTHER_CLIENT_ID] {
        let token = sign(&claims_with("aud", json!(aud)), trusted_key());
        assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200, "{aud}");
    }
    refused(
        &app,
        &sign(&claims_with("aud", json!("thirdclient")), trusted_key()),
    )
    .await;
}

#[actix_rt::test]
async fn access_token_is_rejected_when_only_id_tokens_are_accepted() {
    let app = spawn_app().await;
    let response = refused(&app, &sign(&access_claims("sub-t", &[]), trusted_key())).await;
    assert!(
        response.detail().contains("token_use"),
        "{}",
        response.detail()
    );
}

#[actix_rt::test]
async fn access_token_is_accepted_with_access_and_any_and_checked_by_client_id() {
    for policy in ["access", "any"] {
        let app = spawn_app_with(&[("COGNITO_TOKEN_USE", policy)]).await;
        let token = sign(&access_claims("sub-t", &[]), trusted_key());
        assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200, "{policy}");
        let mut other = access_claims("sub-t", &[]);
        other["client_id"] = json!(OTHER_CLIENT_ID);
        refused(&app, &sign(&other, trusted_key())).await;
    }
}

#[actix_rt::test]
async fn id_token_is_rejected_when_only_access_tokens_are_accepted() {
    let app = spawn_app_with(&[("COGNITO_TOKEN_USE", "access")]).await;
    refused(&app, &id_token("sub-t", None, &[])).await;
}

#[actix_rt::test]
async fn missing_or_unknown_token_use_is_rejected() {
    let app = spawn_app_with(&[("COGNITO_TOKEN_USE", "any")]).await;
    let mut missing = id_claims("sub-t", None, &[]);
    missing.as_object_mut().map(|c| c.remove("token_use"));
    refused(&app, &sign(&missing, trusted_key())).await;
    refused(
        &app,
        &sign(&claims_with("token_use", json!("refresh")), trusted_key()),
    )
    .await;
}

#[actix_rt::test]
async fn algorithms_other_than_rs256_are_rejected() {
    let app = spawn_app().await;
    let claims = id_claims("sub-t", None, &[]);
    let kid = &trusted_key().kid;
    for alg in [Algorithm::RS384, Algorithm::RS512, Algorithm::PS256] {
        let header = json!({"kid": kid, "alg": format!("{alg:?}")});
        let token = sign_raw(&header, &claims, &trusted_key().encoding, alg);
        let response = refused(&app, &token).await;
        assert!(
            response.detail().contains("RS256"),
            "{alg:?}: {}",
            response.detail()
        );
    }
}

#[actix_rt::test]
async fn alg_none_is_rejected() {
    let app = spawn_app().await;
    let claims = id_claims("sub-t", None, &[]);
    for alg in ["none", "None", "NONE"] {
        let header = json!({"kid": trusted_key().kid, "alg": alg});
        let unsigned = format!(
            "{}.{}.",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        refused(&app, &unsigned).await;
        refused(&app, &format!("{unsigned}c2lnbmF0dXJl")).await;
    }
}

#[actix_rt::test]
async fn hs256_signed_with_the_public_key_is_rejected() {
    let app = spawn_app().await;
    let claims = id_claims("sub-t", None, &[]);
    let secret = EncodingKey::from_secret(&trusted_key().public_pem);
    assert!(
        !trusted_key().public_pem.is_empty(),
        "public key fixture present"
    );
    let header = json!({"kid": trusted_key().kid, "alg": "HS256"});
    let response = refused(&app, &sign_raw(&header, &claims, &secret, Algorithm::HS256)).await;
    assert!(response.detail().contains("RS256"), "{}", response.detail());
}

#[actix_rt::test]
async fn unknown_kid_is_rejected() {
    let app = spawn_app().await;
    let header = json!({"kid": "made-up-kid", "alg": "RS256"});
    let token = sign_raw(
        &header,
        &id_claims("sub-t", None, &[]),
        &trusted_key().encoding,
        Algorithm::RS256,
    );
    let response = refused(&app, &token).await;
    assert!(
        response.detail().contains("key id"),
        "{}",
        response.detail()
    );
}

#[actix_rt::test]
async fn tampered_payload_is_rejected() {
    let app = spawn_app().await;
    let token = id_token("sub-t", Some("t@example.com"), &[]);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let promoted = id_claims("sub-t", Some("t@example.com"), &["admin"]);
    parts[1] = b64(promoted.to_string().as_bytes());
    let response = refused(&app, &parts.join(".")).await;
    assert!(
        response.detail().contains("signature"),
        "{}",
        response.detail()
    );
}

#[actix_rt::test]
async fn a_token_signed_by_another_key_under_the_trusted_kid_is_rejected() {
    let app = spawn_app().await;
    let forged = sign(&id_claims("sub-t", None, &["admin"]), rogue_key());
    refused(&app, &forged).await;
}

#[actix_rt::test]
async fn a_signature_borrowed_from_another_token_is_rejected() {
    let app = spawn_app().await;
    let honest = id_token("sub-a", None, &[]);
    let other = id_token("sub-b", None, &["admin"]);
    let (other_message, _) = other.rsplit_once('.').expect("three parts");
    let (_, honest_signature) = honest.rsplit_once('.').expect("three parts");
    refused(&app, &format!("{other_message}.{honest_signature}")).await;
}

#[actix_rt::test]
async fn claims_of_the_wrong_type_are_rejected_not_crashed_on() {
    let app = spawn_app().await;
    for (field, value) in [
        ("exp", json!("9999999999")),
        ("exp", json!(null)),
        ("aud", json!([CLIENT_ID])),
        ("iss", json!({"url": ISSUER})),
        ("cognito:groups", json!("admin")),
        ("email", json!(42)),
        ("sub", json!(7)),
    ] {
        refused(&app, &sign(&claims_with(field, value), trusted_key())).await;
    }
}

#[actix_rt::test]
async fn structurally_broken_tokens_are_rejected() {
    let app = spawn_app().await;
    let valid = id_token("sub-t", None, &[]);
    for token in [
        "a.b".to_owned(),
        "a.b.c.d".to_owned(),
        format!("{valid}.extra"),
        valid.replacen('.', "..", 1),
        format!("{}!", &valid[..valid.len() - 1]),
        "e30.e30.e30".to_owned(),
        "x".repeat(20_000),
    ] {
        refused(&app, &token).await;
    }
}

#[actix_rt::test]
async fn a_valid_token_passes_the_same_suite_as_a_control() {
    let app = spawn_app().await;
    let token = id_token("sub-t", Some("t@example.com"), &[]);
    assert_eq!(app.get(PRIVATE, Some(&token)).await.status, 200);
}
