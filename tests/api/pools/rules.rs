//! Several user pools (issue #20): each pool's own clients and token kinds
//! apply to its tokens only (pool `a` takes ID tokens, pool `b` access
//! tokens, each of its own client).

use serde_json::json;

use crate::common::helpers::*;
use crate::common::pools::*;

#[actix_rt::test]
async fn each_pool_accepts_only_its_own_token_kind() {
    let pools = two_pools().await;
    let cases = [
        (
            id_claims_of(Pool::A, "sub-1", &[]),
            Pool::A,
            200,
            "A's ID token",
        ),
        (
            access_claims_of(Pool::A, "sub-1", &[]),
            Pool::A,
            401,
            "A's access token",
        ),
        (
            access_claims_of(Pool::B, "sub-1", &[]),
            Pool::B,
            200,
            "B's access token",
        ),
        (
            id_claims_of(Pool::B, "sub-1", &[]),
            Pool::B,
            401,
            "B's ID token",
        ),
    ];
    for (claims, pool, expected, what) in cases {
        let token = sign(&claims, pool.key());
        let response = pools.app.get(PRIVATE, Some(&token)).await;
        assert_eq!(response.status, expected, "{what}: {}", response.body);
        if expected == 401 {
            assert_invalid_token(&response, &token);
            assert!(
                response.detail().contains("token_use"),
                "{what}: {}",
                response.body
            );
        }
    }
}

#[actix_rt::test]
async fn a_client_of_one_pool_is_no_client_of_the_other() {
    let pools = two_pools().await;
    // B's access token naming A's client, A's ID token naming B's client.
    let mut b_for_a = access_claims_of(Pool::B, "sub-2", &[]);
    b_for_a["client_id"] = json!(Pool::A.client());
    let mut a_for_b = id_claims_of(Pool::A, "sub-2", &[]);
    a_for_b["aud"] = json!(Pool::B.client());
    for (claims, pool) in [(b_for_a, Pool::B), (a_for_b, Pool::A)] {
        let token = sign(&claims, pool.key());
        let response = pools.app.get(PRIVATE, Some(&token)).await;
        assert_invalid_token(&response, &token);
        assert!(
            response.detail().contains("another client"),
            "{pool:?}: {}",
            response.body
        );
    }
    // The single-pool test client is no client of either.
    for pool in [Pool::A, Pool::B] {
        let mut claims = user_claims(pool, "sub-2", &[]);
        claims["aud"] = json!(CLIENT_ID);
        claims["client_id"] = json!(CLIENT_ID);
        if pool == Pool::B {
            claims.as_object_mut().expect("object").remove("aud");
        }
        let token = sign(&claims, pool.key());
        assert_invalid_token(&pools.app.get(PRIVATE, Some(&token)).await, &token);
    }
}

#[actix_rt::test]
async fn a_machine_is_a_user_of_neither_pool() {
    let pools = two_pools().await;
    // Pool a takes ID tokens only: its machine's access token is no token
    // of a user there; pool b takes access tokens, and a machine is still
    // no user (403 as with COGNITO_TOKEN_USE=access).
    let a = machine_token_of(Pool::A, "x/read");
    assert_invalid_token(&pools.app.get(PRIVATE, Some(&a)).await, &a);
    let b = machine_token_of(Pool::B, "x/read");
    let refused = pools.app.get(PRIVATE, Some(&b)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.detail().contains("machine"), "{}", refused.body);
}

#[actix_rt::test]
async fn tuning_variables_apply_to_every_pool() {
    // AUTH_LEEWAY_SECS=60 (default 0): a token expired seconds ago is
    // accepted in both pools, and one expired two minutes ago in neither.
    let pools = Setup::new().var("AUTH_LEEWAY_SECS", "60").start().await;
    for pool in [Pool::A, Pool::B] {
        for (ago, expected) in [(5, 200), (120, 401)] {
            let mut claims = user_claims(pool, "sub-3", &[]);
            claims["iat"] = json!(now() - 300);
            claims["auth_time"] = json!(now() - 300);
            claims["exp"] = json!(now() - ago);
            let token = sign(&claims, pool.key());
            let response = pools.app.get(PRIVATE, Some(&token)).await;
            assert_eq!(
                response.status, expected,
                "{pool:?} {ago}: {}",
                response.body
            );
        }
    }
}
