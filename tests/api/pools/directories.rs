//! Several user pools (issue #20) with one user directory per pool
//! (`Application::build_with_directories`): each pool's directory learns
//! its own pool's users only, and an admin of pool `a` acts on pool `a`'s
//! directory only: pool `b`'s `sub` is a 404 to them, and stays valid.

use std::sync::Arc;

use cognito_guard::users::{InMemoryDirectory, UserDirectory};
use cognito_guard::Application;

use crate::common::helpers::*;
use crate::common::pools::*;

/// A two-pool server with an in-memory directory for each pool, and those
/// directories, `(a, b)`.
async fn with_directories() -> (TwoPools, Arc<InMemoryDirectory>, Arc<InMemoryDirectory>) {
    let setup = Setup::new();
    let (a, b) = (
        Arc::new(InMemoryDirectory::new()),
        Arc::new(InMemoryDirectory::new()),
    );
    let (for_a, for_b) = (Arc::clone(&a), Arc::clone(&b));
    let app = Application::build_with_directories(
        setup.settings(),
        move |pool: &str| -> Arc<dyn UserDirectory> {
            match pool {
                "a" => for_a.clone(),
                "b" => for_b.clone(),
                other => panic!("a directory asked for pool {other:?}"),
            }
        },
    )
    .await
    .expect("two-pool server starts");
    (setup.serve(app), a, b)
}

async fn knows(directory: &InMemoryDirectory, sub: &str) -> bool {
    directory
        .find(sub)
        .await
        .expect("the in-memory directory answers")
        .is_some()
}

fn admin(pool: Pool) -> String {
    user_token(
        pool,
        &format!("sub-admin-{}", pool.name()),
        &[pool.admin_group()],
    )
}

#[actix_rt::test]
async fn each_pools_directory_learns_its_own_users_only() {
    let (pools, a, b) = with_directories().await;
    assert_eq!(
        pools.status(&user_token(Pool::A, "sub-only-a", &[])).await,
        200
    );
    assert_eq!(
        pools.status(&user_token(Pool::B, "sub-only-b", &[])).await,
        200
    );
    assert!(knows(&a, "sub-only-a").await);
    assert!(!knows(&b, "sub-only-a").await, "a's user in b's directory");
    assert!(knows(&b, "sub-only-b").await);
    assert!(!knows(&a, "sub-only-b").await, "b's user in a's directory");
}

#[actix_rt::test]
async fn an_admin_of_a_gets_404_for_a_sub_of_b_and_leaves_it_valid() {
    let (pools, _, b) = with_directories().await;
    let user_b = user_token(Pool::B, "sub-of-b", &[]);
    assert_eq!(pools.status(&user_b).await, 200);
    let path = "/users/sub-of-b";

    for (token, what) in [
        (admin(Pool::A), "a's admin"),
        (
            machine_token_of(Pool::A, Pool::A.admin_scope()),
            "a's machine admin",
        ),
    ] {
        let read = pools.app.get(path, Some(&token)).await;
        assert_eq!(read.status, 404, "{what} reads b's user: {}", read.body);
        let deleted = pools.app.request("DELETE", path, Some(&token)).await;
        assert_eq!(
            deleted.status, 404,
            "{what} deletes b's user: {}",
            deleted.body
        );
        let sign_out = format!("{path}/sign-out");
        let signed_out = pools.app.request("POST", &sign_out, Some(&token)).await;
        assert_eq!(signed_out.status, 404, "{what} signs b's user out");
    }
    assert_eq!(
        pools.status(&user_b).await,
        200,
        "b's user neither deleted nor revoked"
    );
    assert!(knows(&b, "sub-of-b").await);
    let read = pools.app.get(path, Some(&admin(Pool::B))).await;
    assert_eq!(
        read.status, 200,
        "b's admin still finds them: {}",
        read.body
    );
}

#[actix_rt::test]
async fn the_same_sub_is_two_users_and_each_admin_sees_and_deletes_their_own() {
    let (pools, a, b) = with_directories().await;
    let twin = "4f6a2c1e-0000-4000-8000-00000000d001";
    let in_a = user_token(Pool::A, twin, &["from-a"]);
    let in_b = user_token(Pool::B, twin, &["from-b"]);
    assert_eq!(pools.status(&in_a).await, 200);
    assert_eq!(pools.status(&in_b).await, 200);
    let path = format!("/users/{twin}");

    let seen_by_a = pools.app.get(&path, Some(&admin(Pool::A))).await;
    assert_eq!(seen_by_a.status, 200, "{}", seen_by_a.body);
    assert_eq!(seen_by_a.body["groups"], serde_json::json!(["from-a"]));
    assert_eq!(seen_by_a.body["email"], format!("{twin}@example.com"));
    let seen_by_b = pools.app.get(&path, Some(&admin(Pool::B))).await;
    assert_eq!(seen_by_b.status, 200, "{}", seen_by_b.body);
    assert_eq!(seen_by_b.body["groups"], serde_json::json!(["from-b"]));
    assert_eq!(seen_by_b.body["email"], serde_json::Value::Null);

    let deleted = pools
        .app
        .request("DELETE", &path, Some(&admin(Pool::A)))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(!knows(&a, twin).await, "gone from a's directory");
    assert!(knows(&b, twin).await, "still in b's");
    assert_invalid_token(&pools.app.get(PRIVATE, Some(&in_a)).await, &in_a);
    assert_eq!(pools.status(&in_b).await, 200);
    let again = pools
        .app
        .request("DELETE", &path, Some(&admin(Pool::A)))
        .await;
    assert_eq!(again.status, 404, "a's twin is gone");
    assert_eq!(
        pools.app.get(&path, Some(&admin(Pool::B))).await.status,
        200
    );
}
