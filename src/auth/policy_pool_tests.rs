//! [`decide`] with several pools: admins of their own pool only, and
//! gateway rules naming pools.

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::auth::claims::ClaimRules;
use crate::auth::test_fixtures::*;
use crate::pools::PoolTag;
use crate::pools::TokenUsePolicy;

/// The pools of these tests: `customers` (admin group `admin`, no machine
/// admins) and `staff` (group `ops`, scope `staff/admin`).
fn pool(name: &str) -> Arc<PoolTag> {
    Arc::new(match name {
        "customers" => PoolTag::new(0, "customers", "admin", None, true),
        _ => PoolTag::new(1, "staff", "ops", Some("staff/admin"), true),
    })
}

fn rules_of(name: &str) -> ClaimRules {
    ClaimRules {
        machine_callers: true,
        token_use: TokenUsePolicy::Any,
        pool: pool(name),
        ..rules()
    }
}

fn user_of(name: &str, groups: &[&str]) -> Claims {
    check(with("cognito:groups", json!(groups)), &rules_of(name)).expect("a valid ID token")
}

fn machine_of(name: &str, scope: &str) -> Claims {
    let claims = json!({
        "sub": "client1", "iss": ISS, "client_id": "client1", "token_use": "access",
        "exp": NOW + 60, "iat": NOW - 10, "scope": scope,
    });
    check(claims, &rules_of(name)).expect("a valid machine token")
}

fn refusal(result: Result<Option<Caller>, AuthError>) -> Option<PolicyRefusal> {
    match result {
        Err(AuthError::Forbidden(refusal)) => Some(refusal),
        _ => None,
    }
}

#[test]
fn a_pool_admin_holds_their_own_pools_group_only() {
    let admin = Policy::pool_admin(true);
    assert!(matches!(
        decide(&admin, Ok(user_of("customers", &["admin"]))),
        Ok(Some(Caller::User(_)))
    ));
    assert!(matches!(
        decide(&admin, Ok(user_of("staff", &["ops"]))),
        Ok(Some(Caller::User(_)))
    ));
    // The other pool's admin group is just a group here.
    for (pool, groups) in [("customers", &["ops"]), ("staff", &["admin"])] {
        let refused = refusal(decide(&admin, Ok(user_of(pool, groups)))).expect("refused");
        assert_eq!(refused.missing, Missing::Group, "{pool} {groups:?}");
    }
}

#[test]
fn a_pool_admin_machine_needs_its_own_pools_scope() {
    let admin = Policy::pool_admin(true);
    assert!(matches!(
        decide(&admin, Ok(machine_of("staff", "staff/admin"))),
        Ok(Some(Caller::Machine(_)))
    ));
    let refused = refusal(decide(&admin, Ok(machine_of("staff", "other")))).expect("refused");
    assert_eq!(refused.missing, Missing::Scope);
    // The challenge names the scope that would pass in the caller's pool.
    assert_eq!(refused.scope.as_deref(), Some("staff/admin"));
    // A pool without an admin scope has no machine admins, whatever the
    // token holds.
    let refused =
        refusal(decide(&admin, Ok(machine_of("customers", "staff/admin")))).expect("refused");
    assert_eq!(refused.missing, Missing::Scope);
    assert_eq!(refused.scope, None);
    // With no pool granting an admin scope, machines are not admitted at all.
    let users_only = Policy::pool_admin(false);
    assert!(decide(&users_only, Ok(machine_of("staff", "staff/admin"))).is_err());
}

#[test]
fn a_rule_naming_pools_admits_their_callers_only() {
    let staff_only = Policy::authenticated().with_pools(["staff"]);
    assert!(decide(&staff_only, Ok(user_of("staff", &[]))).is_ok_and(|c| c.is_some()));
    let refused = refusal(decide(&staff_only, Ok(user_of("customers", &[])))).expect("refused");
    assert_eq!(refused.missing, Missing::Pool);
    // The pool comes before the terms: a customers admin is still refused.
    let admins = Policy::admin("admin", None).with_pools(["staff"]);
    let refused = refusal(decide(&admins, Ok(user_of("customers", &["admin"])))).expect("refused");
    assert_eq!(refused.missing, Missing::Pool);
    // An optional rule reads another pool's caller as none.
    let optional = Policy::optional().with_pools(["staff"]);
    assert!(matches!(
        decide(&optional, Ok(user_of("customers", &[]))),
        Ok(None)
    ));
    assert_eq!(staff_only.pools().map(<[_]>::len), Some(1));
}
