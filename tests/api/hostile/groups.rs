//! Admin look-alikes: genuine tokens whose groups, or other claims, only
//! resemble the admin group.

use super::tokens::*;
use super::*;

/// Genuine tokens whose groups only resemble the admin group: 403 on the
/// admin route, never 2xx.
pub(super) fn group_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for group in [
        "Admin",
        "ADMIN",
        "admin ",
        " admin",
        "admin\u{0}",
        "\u{430}dmin",
        "admin\u{200b}",
        "admins",
        "administrators",
        "",
        "*",
        "cognito:admin",
        "us-east-1_TestPool1_admin",
        "admin,users",
    ] {
        let token = id_token("sub-h", None, &[group, "users"]);
        cases.push(
            Case::bearer(format!("group {group:?}"), token, Forbidden)
                .at("DELETE", "/users/sub-victim"),
        );
    }
    cases.push(
        Case::bearer("no groups at all", id_token("sub-h", None, &[]), Forbidden)
            .at("DELETE", "/users/sub-victim"),
    );
    cases.push(
        Case::bearer(
            "empty cognito:groups",
            signed(&trusted_header(), &claims_with("cognito:groups", json!([]))),
            Forbidden,
        )
        .at("DELETE", "/users/sub-victim"),
    );
    for (claim, value) in [
        ("groups", json!(["admin"])),
        ("custom:groups", json!(["admin"])),
        (
            "cognito:roles",
            json!(["arn:aws:iam::123456789012:role/admin"]),
        ),
        ("cognito:preferred_role", json!("admin")),
        ("scope", json!("admin")),
        ("custom:admin", json!(true)),
    ] {
        cases.push(
            Case::bearer(
                format!("admin claimed in {claim}"),
                signed(&trusted_header(), &claims_with(claim, value)),
                Forbidden,
            )
            .at("DELETE", "/users/sub-victim"),
        );
    }
    cases
}
