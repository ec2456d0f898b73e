//! Several user pools (issue #20), the part built so far: a token's
//! unverified `iss` is read before any key is looked up, so a token naming
//! an issuer the server does not accept is refused without a JWKS fetch,
//! whatever `kid` it makes up.

use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

use crate::common::helpers::*;

const PRIVATE: &str = "/messages/private";

/// A token signed by the trusted key under a `kid` the JWKS does not name.
fn made_up_kid_token(claims: &Value, kid: &str) -> String {
    sign_raw(
        &json!({"kid": kid, "alg": "RS256"}),
        claims,
        &trusted_key().encoding,
        Algorithm::RS256,
    )
}

#[actix_rt::test]
async fn an_issuer_of_no_pool_is_refused_with_zero_fetches() {
    // The refetch limit off: any fetch the token causes would be counted.
    let app = spawn_app_tweaked(no_refetch_limit).await;
    assert_eq!(app.jwks.fetches(), 1, "the start-up fetch");
    let mut foreign = id_claims("sub-x", None, &[]);
    foreign["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1");
    let mut not_a_string = id_claims("sub-x", None, &[]);
    not_a_string["iss"] =
        json!(["https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1"]);
    let mut missing = id_claims("sub-x", None, &[]);
    missing.as_object_mut().expect("object").remove("iss");
    for (n, claims) in [foreign, not_a_string, missing].iter().enumerate() {
        let token = made_up_kid_token(claims, &format!("made-up-{n}"));
        let response = app.get(PRIVATE, Some(&token)).await;
        assert_invalid_token(&response, &token);
        assert_eq!(app.jwks.fetches(), 1, "no fetch for token {n}");
    }
    // The control: the pool's own issuer with a made-up kid is fetched for.
    let token = made_up_kid_token(&id_claims("sub-x", None, &[]), "made-up-own");
    assert_invalid_token(&app.get(PRIVATE, Some(&token)).await, &token);
    assert_eq!(
        app.jwks.fetches(),
        2,
        "an unknown kid of the pool's issuer is looked for"
    );
}
