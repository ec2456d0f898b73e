//! Claims: every claim rule against claims genuinely signed by the pool's
//! key (times, issuer, audience, token use, types, duplicate names), and
//! the access-token confusions under each token-use policy.

use super::tokens::*;
use super::*;

/// Every claim rule, against claims genuinely signed by the pool's key.
pub(super) fn claim_cases() -> Vec<Case> {
    let now = now();
    let mut cases = Vec::new();
    let mut add = |name: String, claims: Value, expect: Expect| {
        cases.push(Case::bearer(
            name,
            signed(&trusted_header(), &claims),
            expect,
        ));
    };
    let table: Vec<(&str, Value, TokenRejection)> = vec![
        ("exp", json!(now), Expired),
        ("exp", json!(now - 1), Expired),
        ("exp", json!(0), Expired),
        ("exp", json!(-1), WrongClaimType),
        ("exp", json!(now as f64 + 3600.5), WrongClaimType),
        ("exp", json!(1e20), WrongClaimType),
        ("exp", json!(true), WrongClaimType),
        ("exp", json!([now + 3600]), WrongClaimType),
        ("exp", json!({"value": now + 3600}), WrongClaimType),
        ("nbf", json!(now + 60), NotYetValid),
        ("nbf", json!(u64::MAX), NotYetValid),
        ("nbf", json!("0"), WrongClaimType),
        ("nbf", json!(null), WrongClaimType),
        ("nbf", json!(-1), WrongClaimType),
        ("nbf", json!(1.5), WrongClaimType),
        ("iat", json!(now.to_string()), WrongClaimType),
        ("iat", json!(-5), WrongClaimType),
        ("iss", json!(""), WrongIssuer),
        (
            "iss",
            json!(ISSUER.replace("https://", "HTTPS://")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(ISSUER.replace("cognito-idp", "COGNITO-IDP")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(ISSUER.replace("TestPool1", "testpool1")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(ISSUER.replace(".com/", ".com:443/")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(format!("{ISSUER}/.well-known/jwks.json")),
            WrongIssuer,
        ),
        ("iss", json!(format!("{ISSUER}?")), WrongIssuer),
        ("iss", json!(format!("{ISSUER}#")), WrongIssuer),
        ("iss", json!(format!("{ISSUER}\n")), WrongIssuer),
        ("iss", json!(format!("{ISSUER}\u{0}")), WrongIssuer),
        (
            "iss",
            json!(ISSUER.replace("amazonaws.com", "amazonaws.com.evil.example")),
            WrongIssuer,
        ),
        (
            "iss",
            json!(format!("https://evil.example/{ISSUER}")),
            WrongIssuer,
        ),
        (
            "iss",
            json!("https://dev-issuer.cognito-guard.invalid/us-east-1_DevPool01"),
            WrongIssuer,
        ),
        ("iss", json!(null), WrongClaimType),
        ("iss", json!(42), WrongClaimType),
        ("iss", json!([ISSUER, ISSUER_ALT]), WrongClaimType),
        ("aud", json!(""), WrongClient),
        ("aud", json!(CLIENT_ID.to_uppercase()), WrongClient),
        ("aud", json!(&CLIENT_ID[..CLIENT_ID.len() - 1]), WrongClient),
        ("aud", json!(format!("{CLIENT_ID}4")), WrongClient),
        ("aud", json!(format!("{CLIENT_ID} ")), WrongClient),
        (
            "aud",
            json!(format!("{CLIENT_ID},{OTHER_CLIENT_ID}")),
            WrongClient,
        ),
        ("aud", json!("*"), WrongClient),
        ("aud", json!(null), WrongClaimType),
        ("aud", json!(123), WrongClaimType),
        ("aud", json!([CLIENT_ID, "someone-else"]), WrongClaimType),
        ("aud", json!({}), WrongClaimType),
        ("token_use", json!("ID"), WrongTokenUse),
        ("token_use", json!("Id"), WrongTokenUse),
        ("token_use", json!("id "), WrongTokenUse),
        ("token_use", json!("refresh"), WrongTokenUse),
        ("token_use", json!(""), WrongTokenUse),
        ("token_use", json!(null), WrongClaimType),
        ("token_use", json!(["id"]), WrongClaimType),
        ("token_use", json!(true), WrongClaimType),
        ("sub", json!(""), MissingSubject),
        ("sub", json!(null), WrongClaimType),
        ("sub", json!(["sub-h"]), WrongClaimType),
        ("email", json!(["h@example.com"]), WrongClaimType),
        ("email", json!(true), WrongClaimType),
        ("cognito:username", json!(1), WrongClaimType),
        ("cognito:groups", json!(null), WrongClaimType),
        ("cognito:groups", json!(1), WrongClaimType),
        ("cognito:groups", json!({"admin": true}), WrongClaimType),
        ("cognito:groups", json!([null]), WrongClaimType),
        ("cognito:groups", json!([["admin"]]), WrongClaimType),
        ("cognito:groups", json!([{"name": "admin"}]), WrongClaimType),
    ];
    for (field, value, reason) in table {
        let label: String = value.to_string().chars().take(60).collect();
        add(
            format!("{field} = {label}"),
            claims_with(field, value),
            Invalid(reason),
        );
    }
    add(
        "sub missing".to_owned(),
        claims_without("sub"),
        Invalid(MissingSubject),
    );
    add(
        "token_use missing".to_owned(),
        claims_without("token_use"),
        Invalid(MissingTokenUse),
    );
    let mut id_with_client_id = claims_without("aud");
    id_with_client_id["client_id"] = json!(CLIENT_ID);
    add(
        "ID token naming the client in client_id, not aud".to_owned(),
        id_with_client_id,
        Invalid(WrongClient),
    );
    add(
        "access token with admin group, ID tokens only".to_owned(),
        access_claims("sub-h", &["admin"]),
        Invalid(WrongTokenUse),
    );

    // Duplicate names: which one counts would be the parser's guess.
    let expired = now - 10;
    for (what, extra) in [
        ("sub", r#""sub":"sub-victim""#.to_owned()),
        ("exp, second one expired", format!(r#""exp":{expired}"#)),
        ("iss", r#""iss":"https://evil.example""#.to_owned()),
        ("aud", format!(r#""aud":"{OTHER_CLIENT_ID}""#)),
        ("token_use", r#""token_use":"access""#.to_owned()),
        ("cognito:groups", r#""cognito:groups":["admin"]"#.to_owned()),
        (
            "exp, spelt with an escape",
            format!(r#""e\u0078p":{expired}"#),
        ),
        (
            "cognito:groups, spelt with an escape",
            r#""cognito\u003agroups":["admin"]"#.to_owned(),
        ),
    ] {
        let mut extra = extra;
        if what.starts_with("cognito:groups") {
            // The first occurrence must exist for it to be a duplicate.
            extra = format!(r#""cognito:groups":[],{extra}"#);
        }
        cases.push(Case::bearer(
            format!("duplicate claim {what}"),
            signed_payload_text(&extra),
            Invalid(BadPayload),
        ));
    }
    cases
}

#[actix_rt::test]
async fn access_token_confusions_are_refused() {
    let confusions = |cases: &mut Vec<Case>, policy: &str| {
        let mut aud_not_client_id = access_claims("sub-h", &[]);
        aud_not_client_id
            .as_object_mut()
            .map(|c| c.remove("client_id"));
        aud_not_client_id["aud"] = json!(CLIENT_ID);
        let mut both = access_claims("sub-h", &[]);
        both["client_id"] = json!(OTHER_CLIENT_ID);
        both["aud"] = json!(CLIENT_ID);
        for (what, claims, reason) in [
            (
                "access token naming the client in aud",
                aud_not_client_id,
                WrongClient,
            ),
            (
                "access token, right aud, wrong client_id",
                both,
                WrongClient,
            ),
            (
                "client_id as an array",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["client_id"] = json!([CLIENT_ID]);
                    c
                },
                WrongClaimType,
            ),
            (
                "client_id null",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["client_id"] = json!(null);
                    c
                },
                WrongClaimType,
            ),
            (
                "client_id upper case",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["client_id"] = json!(CLIENT_ID.to_uppercase());
                    c
                },
                WrongClient,
            ),
            (
                "client_id empty",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["client_id"] = json!("");
                    c
                },
                WrongClient,
            ),
            (
                "token_use Access",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["token_use"] = json!("Access");
                    c
                },
                WrongTokenUse,
            ),
            (
                "username of the wrong type",
                {
                    let mut c = access_claims("sub-h", &[]);
                    c["username"] = json!(["a"]);
                    c
                },
                WrongClaimType,
            ),
        ] {
            cases.push(Case::bearer(
                format!("{policy}: {what}"),
                signed(&trusted_header(), &claims),
                Invalid(reason),
            ));
        }
    };
    for policy in ["access", "any"] {
        let app = spawn_app_with(&[("COGNITO_TOKEN_USE", policy)]).await;
        let mut cases = Vec::new();
        confusions(&mut cases, policy);
        if policy == "any" {
            let mut id_by_client_id = claims_without("aud");
            id_by_client_id["client_id"] = json!(CLIENT_ID);
            cases.push(Case::bearer(
                "any: ID token with client_id instead of aud",
                signed(&trusted_header(), &id_by_client_id),
                Invalid(WrongClient),
            ));
        }
        run(&app, cases).await;
    }
}
