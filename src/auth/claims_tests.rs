//! Unit tests of the claim rules, claim by claim.

use super::*;
use serde_json::json;

use crate::auth::test_fixtures::*;

#[test]
fn a_cognito_id_token_is_accepted_with_its_fields() {
    let claims = check(id_claims(), &rules()).expect("valid");
    assert_eq!(claims.sub, "u-1");
    assert_eq!(claims.username.as_deref(), Some("alice"));
    assert_eq!(claims.email.as_deref(), Some("a@example.com"));
    assert!(claims.in_group("admin") && !claims.in_group("Admin"));
    assert_eq!(claims.token_use, TokenUse::Id);
}

#[test]
fn expiry_is_exclusive_and_leeway_extends_it() {
    assert_eq!(
        check(with("exp", json!(NOW)), &rules()).unwrap_err(),
        TokenRejection::Expired
    );
    let lenient = ClaimRules {
        leeway_secs: 5,
        ..rules()
    };
    assert!(check(with("exp", json!(NOW - 4)), &lenient).is_ok());
    assert_eq!(
        check(with("exp", json!(NOW - 5)), &lenient).unwrap_err(),
        TokenRejection::Expired
    );
}

#[test]
fn not_before_in_the_future_is_refused() {
    assert_eq!(
        check(with("nbf", json!(NOW + 1)), &rules()).unwrap_err(),
        TokenRejection::NotYetValid
    );
    assert!(check(with("nbf", json!(NOW)), &rules()).is_ok());
}

#[test]
fn wrong_types_are_rejections_not_crashes() {
    for (field, value) in [
        ("exp", json!("1800000060")),
        ("exp", json!(1.8e9)),
        ("exp", json!(-1)),
        ("nbf", json!(null)),
        ("iat", json!([])),
        ("iss", json!([ISS])),
        ("aud", json!(["client1"])),
        ("token_use", json!(1)),
        ("email", json!({})),
        ("cognito:groups", json!("admin")),
        ("cognito:groups", json!(["admin", 1])),
        ("cognito:username", json!(false)),
    ] {
        assert_eq!(
            check(with(field, value.clone()), &rules()).unwrap_err(),
            TokenRejection::WrongClaimType,
            "{field}={value}"
        );
    }
}

#[test]
fn each_required_claim_is_required() {
    for (field, reason) in [
        ("exp", TokenRejection::MissingExp),
        ("iss", TokenRejection::WrongIssuer),
        ("token_use", TokenRejection::MissingTokenUse),
        ("aud", TokenRejection::WrongClient),
        ("sub", TokenRejection::MissingSubject),
    ] {
        assert_eq!(
            check(without(field), &rules()).unwrap_err(),
            reason,
            "{field}"
        );
    }
}

#[test]
fn near_miss_issuers_and_clients_are_refused() {
    for iss in [
        format!("{ISS}/"),
        ISS.to_uppercase(),
        ISS.replace("https", "http"),
        format!(" {ISS}"),
    ] {
        assert_eq!(
            check(with("iss", json!(iss)), &rules()).unwrap_err(),
            TokenRejection::WrongIssuer
        );
    }
    for aud in ["Client1", "client1 ", "client"] {
        assert_eq!(
            check(with("aud", json!(aud)), &rules()).unwrap_err(),
            TokenRejection::WrongClient
        );
    }
}

#[test]
fn access_tokens_are_checked_by_client_id() {
    let access = json!({
        "sub": "u-1", "iss": ISS, "client_id": "client1", "token_use": "access",
        "exp": NOW + 60, "username": "alice", "scope": "aws.cognito.signin.user.admin"
    });
    assert_eq!(
        check(access.clone(), &rules()).unwrap_err(),
        TokenRejection::WrongTokenUse
    );
    let any = ClaimRules {
        token_use: TokenUsePolicy::Any,
        ..rules()
    };
    let claims = check(access.clone(), &any).expect("valid access token");
    assert_eq!(claims.username.as_deref(), Some("alice"));
    let mut wrong_client = access;
    wrong_client["client_id"] = json!("other");
    assert_eq!(
        check(wrong_client, &any).unwrap_err(),
        TokenRejection::WrongClient
    );
}
