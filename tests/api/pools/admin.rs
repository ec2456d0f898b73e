//! Several user pools (issue #20): each pool's admin terms are its own. A
//! user of pool `a` in pool `b`'s admin group `ops` is no admin, nor is a
//! machine of one pool holding the other's admin scope. (Which directory
//! an admin acts on, with one directory per pool: `directories.rs`.)

use crate::common::helpers::*;
use crate::common::pools::*;

/// Makes the (shared) in-memory directory know `sub` as a user of `pool`.
async fn signs_in(pools: &TwoPools, pool: Pool, sub: &str) {
    let token = user_token(pool, sub, &[]);
    assert_eq!(pools.status(&token).await, 200, "{pool:?} {sub}");
}

fn assert_forbidden(response: &TestResponse, what: &str) {
    assert_eq!(response.status, 403, "{what}: {}", response.body);
    assert!(!response.detail().is_empty(), "{what}");
}

#[actix_rt::test]
async fn a_pools_admin_group_makes_admins_of_that_pools_users_only() {
    let pools = two_pools().await;
    signs_in(&pools, Pool::A, "sub-user-a").await;
    signs_in(&pools, Pool::B, "sub-user-b").await;

    // Each pool's admin group, in the pool's own token kind.
    let admin_a = user_token(Pool::A, "sub-admin-a", &["admin"]);
    let admin_b = user_token(Pool::B, "sub-admin-b", &["ops"]);
    let read = pools.app.get("/users/sub-user-a", Some(&admin_a)).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["sub"], "sub-user-a");
    let read = pools.app.get("/users/sub-user-b", Some(&admin_b)).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["sub"], "sub-user-b");

    // The other pool's admin group is just a group name here.
    let ops_in_a = user_token(Pool::A, "sub-ops-a", &["ops"]);
    let admin_in_b = user_token(Pool::B, "sub-admin-in-b", &["admin"]);
    for (token, sub, what) in [
        (&ops_in_a, "sub-user-a", "a user of a in ops"),
        (&admin_in_b, "sub-user-b", "a user of b in admin"),
    ] {
        let path = format!("/users/{sub}");
        assert_forbidden(&pools.app.get(&path, Some(token)).await, what);
        assert_forbidden(&pools.app.request("DELETE", &path, Some(token)).await, what);
        let sign_out = format!("{path}/sign-out");
        assert_forbidden(
            &pools.app.request("POST", &sign_out, Some(token)).await,
            what,
        );
    }
    // Nobody was deleted or signed out by them.
    for (pool, sub) in [(Pool::A, "sub-user-a"), (Pool::B, "sub-user-b")] {
        assert_eq!(pools.status(&user_token(pool, sub, &[])).await, 200);
    }
    let deleted = pools
        .app
        .request("DELETE", "/users/sub-user-b", Some(&admin_b))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
}

#[actix_rt::test]
async fn a_pools_admin_scope_makes_admins_of_that_pools_machines_only() {
    let pools = two_pools().await;
    signs_in(&pools, Pool::A, "sub-user-a").await;
    signs_in(&pools, Pool::B, "sub-user-b").await;

    for (pool, sub) in [(Pool::A, "sub-user-a"), (Pool::B, "sub-user-b")] {
        let machine = machine_token_of(pool, pool.admin_scope());
        let read = pools
            .app
            .get(&format!("/users/{sub}"), Some(&machine))
            .await;
        assert_eq!(read.status, 200, "{pool:?}'s machine admin: {}", read.body);
    }
    // A machine of a with b's scope, and of b with a's, is no admin.
    for (pool, other, sub) in [
        (Pool::A, Pool::B, "sub-user-a"),
        (Pool::B, Pool::A, "sub-user-b"),
    ] {
        let machine = machine_token_of(pool, other.admin_scope());
        let path = format!("/users/{sub}");
        let what = format!("{pool:?}'s machine with {other:?}'s scope");
        let refused = pools.app.get(&path, Some(&machine)).await;
        assert_forbidden(&refused, &what);
        assert_eq!(
            refused.header("www-authenticate"),
            Some(
                format!(
                    r#"Bearer error="insufficient_scope", scope="{}""#,
                    pool.admin_scope()
                )
                .as_str()
            ),
            "{what}: the challenge names the pool's own scope"
        );
        assert_forbidden(
            &pools.app.request("DELETE", &path, Some(&machine)).await,
            &what,
        );
        assert_eq!(pools.status(&user_token(pool, sub, &[])).await, 200);
    }
}
