//! [`decide`], branch by branch.

use serde_json::json;

use super::*;
use crate::auth::claims::ClaimRules;
use crate::auth::test_fixtures::*;
use crate::pools::TokenUsePolicy;

/// A machine's client-credentials token, checked with machine callers on
/// (`admitted_for_users` false under `token_use` id, true under any).
fn machine_under(scope: &str, token_use: TokenUsePolicy) -> Claims {
    let rules = ClaimRules {
        machine_callers: true,
        pool: Default::default(),
        token_use,
        ..rules()
    };
    check(
        json!({
            "sub": "client1", "iss": ISS, "client_id": "client1", "token_use": "access",
            "exp": NOW + 60, "iat": NOW - 10, "scope": scope,
        }),
        &rules,
    )
    .expect("a valid machine token")
}

fn machine(scope: &str) -> Claims {
    machine_under(scope, TokenUsePolicy::Id)
}

fn user(groups: &[&str]) -> Claims {
    check(with("cognito:groups", json!(groups)), &rules()).expect("a valid ID token")
}

/// A user's access token (a username, `sub` not the client), with `scope`.
fn user_access(scope: &str, token_use: TokenUsePolicy) -> Claims {
    let rules = ClaimRules {
        machine_callers: true,
        pool: Default::default(),
        token_use,
        ..rules()
    };
    check(
        json!({
            "sub": "u-2", "iss": ISS, "client_id": "client1", "token_use": "access",
            "exp": NOW + 60, "username": "bob", "scope": scope, "cognito:groups": ["staff"],
        }),
        &rules,
    )
    .expect("a valid access token")
}

fn forbidden(result: &Result<Option<Caller>, AuthError>) -> Option<Missing> {
    match result {
        Err(AuthError::Forbidden(refusal)) => Some(refusal.missing),
        _ => None,
    }
}

fn wrong_token_use(result: &Result<Option<Caller>, AuthError>) -> bool {
    matches!(
        result,
        Err(AuthError::InvalidToken(TokenRejection::WrongTokenUse))
    )
}

fn admitted_user(result: &Result<Option<Caller>, AuthError>) -> bool {
    matches!(result, Ok(Some(Caller::User(_))))
}

fn admitted_machine(result: &Result<Option<Caller>, AuthError>) -> bool {
    matches!(result, Ok(Some(Caller::Machine(_))))
}

#[test]
fn public_looks_at_nothing() {
    let public = Policy::public();
    assert!(matches!(decide(&public, Ok(user(&[]))), Ok(None)));
    assert!(matches!(
        decide(&public, Err(AuthError::KeysUnavailable)),
        Ok(None)
    ));
    assert!(!public.admits_machines());
}

#[test]
fn optional_never_refuses_and_passes_only_admitted_callers_on() {
    let optional = Policy::optional();
    assert!(admitted_user(&decide(&optional, Ok(user(&[])))));
    for refused in [
        AuthError::InvalidToken(TokenRejection::Expired),
        AuthError::MissingCredentials,
        AuthError::KeysUnavailable,
    ] {
        assert!(matches!(decide(&optional, Err(refused)), Ok(None)));
    }
    // The optional feed stays generic for machines, whatever token_use says.
    assert!(matches!(decide(&optional, Ok(machine("x"))), Ok(None)));
    let any = machine_under("x", TokenUsePolicy::Any);
    assert!(matches!(decide(&optional, Ok(any)), Ok(None)));
    // An optional rule that admits machines passes them on.
    let with_machines = Policy::new(Allow::Optional, Some(Terms::none()), Some(Terms::none()));
    assert!(admitted_machine(&decide(&with_machines, Ok(machine("x")))));
}

#[test]
fn authenticated_passes_refusals_on() {
    let policy = Policy::authenticated();
    assert!(admitted_user(&decide(&policy, Ok(user(&[])))));
    assert!(matches!(
        decide(
            &policy,
            Err(AuthError::InvalidToken(TokenRejection::Expired))
        ),
        Err(AuthError::InvalidToken(TokenRejection::Expired))
    ));
    assert!(matches!(
        decide(&policy, Err(AuthError::MissingCredentials)),
        Err(AuthError::MissingCredentials)
    ));
    assert!(matches!(
        decide(&policy, Err(AuthError::KeysUnavailable)),
        Err(AuthError::KeysUnavailable)
    ));
}

#[test]
fn a_machine_is_never_a_user() {
    let policy = Policy::authenticated();
    // Access tokens not accepted from users: not a valid token here (401).
    assert!(wrong_token_use(&decide(&policy, Ok(machine("x")))));
    // Accepted (token_use access or any): a valid token, but not a user's
    // (403, no scope would make it one), with or without machine admins.
    for token_use in [TokenUsePolicy::Access, TokenUsePolicy::Any] {
        let token = || Ok(machine_under("cognito-guard/admin", token_use));
        assert!(matches!(
            decide(&policy, token()),
            Err(AuthError::MachineNotUser)
        ));
        assert!(matches!(decide(&Policy::optional(), token()), Ok(None)));
        for scope in [None, Some("cognito-guard/read")] {
            let admin = Policy::admin("admin", scope);
            assert!(
                matches!(decide(&admin, token()), Err(AuthError::Forbidden(_))),
                "{token_use:?} {scope:?}"
            );
        }
    }
    // A machine's token never passes as a member of the group it claims.
    let mut claims = serde_json::json!({
        "sub": "client1", "iss": ISS, "client_id": "client1", "token_use": "access",
        "exp": NOW + 60, "cognito:groups": ["admin"],
    });
    claims["scope"] = json!("");
    let rules = ClaimRules {
        token_use: TokenUsePolicy::Any,
        ..rules()
    };
    let grouped = check(claims, &rules).expect("valid");
    assert!(grouped.is_machine());
    let decided = decide(&Policy::admin("admin", None), Ok(grouped));
    assert_eq!(forbidden(&decided), Some(Missing::Caller));
}

#[test]
fn a_user_token_of_a_kind_not_accepted_is_refused_as_such() {
    // token_use id, machines on: a user's access token passes the claim
    // rules but is no user token here, on any policy but public.
    let token = || Ok(user_access("a/b", TokenUsePolicy::Id));
    assert!(wrong_token_use(&decide(&Policy::authenticated(), token())));
    assert!(wrong_token_use(&decide(
        &Policy::admin("staff", Some("a/b")),
        token()
    )));
    assert!(matches!(decide(&Policy::optional(), token()), Ok(None)));
    // With token_use any it is a user's, with the user's groups and scopes.
    let accepted = user_access("a/b", TokenUsePolicy::Any);
    assert!(admitted_user(&decide(
        &Policy::admin("staff", None),
        Ok(accepted)
    )));
}

#[test]
fn the_admin_group_admits_users_exactly() {
    let admin = Policy::admin("admin", None);
    assert!(admitted_user(&decide(&admin, Ok(user(&["admin"])))));
    for groups in [&["Admin"][..], &["admins"], &[]] {
        let decided = decide(&admin, Ok(user(groups)));
        assert_eq!(forbidden(&decided), Some(Missing::Group), "{groups:?}");
    }
}

#[test]
fn an_admin_machine_needs_the_exact_scope() {
    let admin = Policy::admin("admin", Some("cognito-guard/admin"));
    for scope in ["cognito-guard/admin", "other/read cognito-guard/admin x/y"] {
        assert!(
            admitted_machine(&decide(&admin, Ok(machine(scope)))),
            "{scope}"
        );
    }
    for scope in [
        "cognito-guard/admins",
        "cognito-guard/ADMIN",
        "xcognito-guard/admin",
        "cognito-guard/admin,other/read",
        "cognito-guard",
        "",
    ] {
        let decided = decide(&admin, Ok(machine(scope)));
        assert_eq!(forbidden(&decided), Some(Missing::Scope), "{scope}");
    }
    // Users need the group, not the scope.
    assert!(admitted_user(&decide(&admin, Ok(user(&["admin"])))));
}

#[test]
fn without_an_admin_scope_no_machine_is_an_admin() {
    let admin = Policy::admin("admin", None);
    assert!(wrong_token_use(&decide(
        &admin,
        Ok(machine("cognito-guard/admin"))
    )));
    let any = machine_under("cognito-guard/admin", TokenUsePolicy::Any);
    assert_eq!(forbidden(&decide(&admin, Ok(any))), Some(Missing::Caller));
}

#[test]
fn groups_any_and_all_are_exact() {
    let any = Policy::new(
        Allow::Authenticated,
        Some(Terms::groups_any(["a", "b"])),
        None,
    );
    assert!(admitted_user(&decide(&any, Ok(user(&["b"])))));
    assert_eq!(
        forbidden(&decide(&any, Ok(user(&["c", "A"])))),
        Some(Missing::Group)
    );
    let all = Policy::new(
        Allow::Authenticated,
        Some(Terms {
            groups_all: vec!["a".into(), "b".into()],
            ..Terms::none()
        }),
        None,
    );
    assert!(admitted_user(&decide(&all, Ok(user(&["b", "x", "a"])))));
    assert_eq!(
        forbidden(&decide(&all, Ok(user(&["a"])))),
        Some(Missing::Group)
    );
}

#[test]
fn scopes_any_and_all_are_exact_and_named_in_the_refusal() {
    let terms = Terms {
        scopes_any: vec!["r/read".into(), "r/list".into()],
        scopes_all: vec!["r/audit".into()],
        ..Terms::none()
    };
    let policy = Policy::new(Allow::Authenticated, None, Some(terms));
    assert_eq!(policy.scope_hint(), Some("r/read r/list r/audit"));
    assert!(admitted_machine(&decide(
        &policy,
        Ok(machine("r/list r/audit"))
    )));
    for scope in ["r/list", "r/audit", "r/readr/audit", "R/read r/audit"] {
        let decided = decide(&policy, Ok(machine(scope)));
        assert_eq!(forbidden(&decided), Some(Missing::Scope), "{scope}");
        let Err(AuthError::Forbidden(refusal)) = decided else {
            unreachable!()
        };
        assert_eq!(refusal.scope.as_deref(), Some("r/read r/list r/audit"));
    }
}

#[test]
fn a_machines_only_policy_refuses_users_and_admits_machines_under_any_token_use() {
    let policy = Policy::new(
        Allow::Authenticated,
        None,
        Some(Terms::scopes_any(["r/read"])),
    );
    assert!(policy.admits_machines());
    assert_eq!(
        forbidden(&decide(&policy, Ok(user(&["admin"])))),
        Some(Missing::Caller)
    );
    assert!(admitted_machine(&decide(&policy, Ok(machine("r/read")))));
    let any = machine_under("r/read", TokenUsePolicy::Any);
    assert!(admitted_machine(&decide(&policy, Ok(any))));
}

#[test]
fn groups_apply_to_users_only_when_both_kinds_are_admitted() {
    let policy = Policy::new(
        Allow::Authenticated,
        Some(Terms::groups_any(["staff"])),
        Some(Terms::none()),
    );
    assert!(admitted_machine(&decide(&policy, Ok(machine("")))));
    assert!(admitted_user(&decide(&policy, Ok(user(&["staff"])))));
    assert_eq!(
        forbidden(&decide(&policy, Ok(user(&[])))),
        Some(Missing::Group)
    );
    assert_eq!(policy.scope_hint(), None);
}
