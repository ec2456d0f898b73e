//! The harness can fail, and the same server passes genuine tokens: the
//! tables cannot pass by refusing everything.

use super::tokens::*;
use super::*;

/// The harness itself must be able to fail: a valid token run as a hostile
/// case is reported, and so is a refusal for the wrong reason.
#[actix_rt::test]
async fn the_harness_flags_acceptance_and_wrong_reasons() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let token = valid();
    let cases = [
        Case::bearer(
            "valid token as a hostile case",
            token.clone(),
            Invalid(BadSignature),
        ),
        Case::bearer(
            "expired token, wrong reason expected",
            signed(&trusted_header(), &claims_with("exp", json!(1))),
            Invalid(BadSignature),
        ),
        Case::bearer("valid token on the feed", token, GenericFeed).at("GET", FEED),
    ];
    for case in cases {
        let address = address.clone();
        let outcome = actix_rt::task::spawn_blocking(move || {
            let response = send_raw(&address, &case.request).expect("answer");
            judge(&case, &response, Duration::ZERO).map_err(|e| format!("{}: {e}", case.name))
        })
        .await
        .expect("case thread");
        assert!(outcome.is_err(), "the harness let this pass");
    }
}

/// Controls: the same server, the same harness, genuine tokens pass.
#[actix_rt::test]
async fn controls_genuine_tokens_pass_the_same_server() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let token = valid();
    let admin = id_token("sub-admin", None, &["users", "admin"]);
    let victim = id_token("sub-victim", None, &[]);
    let alt_issuer = signed(&trusted_header(), &claims_with("iss", json!(ISSUER_ALT)));
    let with_typ = signed(&header_with(&[("typ", json!("JWT"))]), &claims());
    let controls: Vec<(&str, Request, u16)> = vec![
        (
            "private",
            Case::bearer("", token.clone(), NoCredentials).request,
            200,
        ),
        (
            "lowercase scheme",
            Case::headers(
                "",
                vec![("Authorization", format!("bearer {token}").into_bytes())],
                NoCredentials,
            )
            .request,
            200,
        ),
        (
            "two spaces after the scheme",
            Case::headers(
                "",
                vec![("Authorization", format!("Bearer  {token}").into_bytes())],
                NoCredentials,
            )
            .request,
            200,
        ),
        (
            "lowercase header name",
            Case::headers(
                "",
                vec![("authorization", format!("Bearer {token}").into_bytes())],
                NoCredentials,
            )
            .request,
            200,
        ),
        (
            "the other Cognito issuer form",
            Case::bearer("", alt_issuer, NoCredentials).request,
            200,
        ),
        (
            "a typ header",
            Case::bearer("", with_typ, NoCredentials).request,
            200,
        ),
        (
            "me",
            Case::bearer("", token.clone(), NoCredentials)
                .at("GET", "/users/me")
                .request,
            200,
        ),
        (
            "victim seen",
            Case::bearer("", victim, NoCredentials).request,
            200,
        ),
        (
            "admin deletes",
            Case::bearer("", admin, NoCredentials)
                .at("DELETE", "/users/sub-victim")
                .request,
            204,
        ),
    ];
    for (name, request, want) in controls {
        let address = address.clone();
        let status =
            actix_rt::task::spawn_blocking(move || send_raw(&address, &request).map(|r| r.status))
                .await
                .expect("thread");
        assert_eq!(status, Ok(want), "control {name}");
    }
    let feed = app.get(FEED, Some(&valid())).await;
    assert_eq!(
        feed.body,
        json!({"feed": "personalized", "user": "h@example.com"})
    );
}
