//! Several user pools (issue #20): each pool's tokens are checked against
//! that pool's keys only, an `iss` of no pool costs no fetch anywhere, and a
//! flood of made-up `kid`s on one pool neither fetches the other's JWKS nor
//! slows its callers.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::common::helpers::*;
use crate::common::pools::*;

#[actix_rt::test]
async fn each_pools_tokens_are_accepted_and_me_names_the_pool() {
    let pools = two_pools().await;
    assert_eq!(pools.fetches(), (1, 1), "one start-up fetch each");

    let a = user_token(Pool::A, "sub-ann", &["staff"]);
    let me = pools.app.get("/users/me", Some(&a)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(
        me.body,
        json!({
            "sub": "sub-ann",
            "username": "user-sub-ann",
            "email": "sub-ann@example.com",
            "groups": ["staff"],
            "token_use": "id",
            "pool": "a",
        })
    );

    let b = user_token(Pool::B, "sub-bob", &["ops"]);
    let me = pools.app.get("/users/me", Some(&b)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["sub"], "sub-bob");
    assert_eq!(me.body["username"], "user-sub-bob");
    assert_eq!(me.body["token_use"], "access");
    assert_eq!(me.body["pool"], "b");

    for token in [&a, &b] {
        assert_eq!(pools.status(token).await, 200);
    }
    assert_eq!(pools.fetches(), (1, 1), "known kids cost no fetch");
}

#[actix_rt::test]
async fn a_key_of_pool_a_never_verifies_a_token_claiming_pool_bs_issuer() {
    let pools = two_pools().await;
    let a_kid = &Pool::A.key().kid;
    let b_kid = &Pool::B.key().kid;
    // Claims of B in every respect (issuer, client, token kind), but
    // signed with A's key: under A's kid (which B does not publish) and
    // under B's kid (whose key is not A's).
    let claims = user_claims(Pool::B, "sub-mallory", &["ops"]);
    for kid in [a_kid, b_kid] {
        let token = sign_with_kid(&claims, Pool::A.key(), kid);
        let response = pools.app.get(PRIVATE, Some(&token)).await;
        assert_invalid_token(&response, &token);
        let me = pools.app.get("/users/me", Some(&token)).await;
        assert_invalid_token(&me, &token);
    }
    // And the other way round: B's key under A's issuer.
    let claims = user_claims(Pool::A, "sub-mallory", &["admin"]);
    for kid in [a_kid, b_kid] {
        let token = sign_with_kid(&claims, Pool::B.key(), kid);
        assert_invalid_token(&pools.app.get(PRIVATE, Some(&token)).await, &token);
    }
    // A's kid under B's issuer is an unknown kid of B, and B's kid under
    // A's issuer one of A: each looked for at its own pool's JWKS once.
    assert_eq!(pools.fetches(), (2, 2));
    // The controls: each key under its own pool's issuer is fine.
    for pool in [Pool::A, Pool::B] {
        let token = user_token(pool, "sub-ok", &[]);
        assert_eq!(pools.status(&token).await, 200, "{pool:?}");
    }
}

#[actix_rt::test]
async fn an_issuer_of_no_pool_is_refused_with_zero_fetches_at_either_jwks() {
    let pools = two_pools().await;
    let before = pools.fetches();
    assert_eq!(before, (1, 1));
    let mut unknown = Vec::new();
    for (n, iss) in [
        json!("https://idp.example.test/pool-c"),
        json!("https://idp.example.test/pool-a/"),
        json!("https://idp.example.test/POOL-A"),
        json!("https://idp.example.test/pool-"),
        json!([Pool::A.issuer()]),
        json!(null),
    ]
    .into_iter()
    .enumerate()
    {
        let mut claims = user_claims(Pool::A, "sub-x", &[]);
        claims["iss"] = iss;
        for key in [Pool::A.key(), Pool::B.key()] {
            unknown.push(sign_with_kid(&claims, key, &format!("made-up-{n}")));
        }
    }
    for token in &unknown {
        let response = pools.app.get(PRIVATE, Some(token)).await;
        assert_invalid_token(&response, token);
        assert_eq!(pools.fetches(), before, "a fetch for an iss of no pool");
    }
    // The controls: a made-up kid under a pool's own issuer is looked for
    // at that pool's JWKS, and there only.
    let token = sign_with_kid(&user_claims(Pool::A, "sub-x", &[]), Pool::A.key(), "new-a");
    assert_invalid_token(&pools.app.get(PRIVATE, Some(&token)).await, &token);
    assert_eq!(pools.fetches(), (2, 1), "A's unknown kid fetches A's JWKS");
    let token = sign_with_kid(&user_claims(Pool::B, "sub-x", &[]), Pool::B.key(), "new-b");
    assert_invalid_token(&pools.app.get(PRIVATE, Some(&token)).await, &token);
    assert_eq!(
        pools.fetches(),
        (2, 2),
        "B's unknown kid fetches B's JWKS, under B's own rate limit"
    );
}

/// How long pool A's JWKS server takes to answer during the flood (within
/// the flood test's `JWKS_FETCH_TIMEOUT_SECS`, so that the fetch succeeds
/// and the flood is refused 401, not 503).
const SLOW_A: Duration = Duration::from_secs(6);
/// The most any one of B's requests may take meanwhile: a third of A's
/// delay, ample on a loaded machine (they take milliseconds), while a B
/// caller queued behind A's fetch would wait nearly all of `SLOW_A`.
const B_LIMIT: Duration = Duration::from_secs(2);

#[actix_rt::test]
async fn an_unknown_kid_flood_on_a_neither_fetches_bs_jwks_nor_slows_bs_callers() {
    let pools = Setup::new()
        .var("JWKS_FETCH_TIMEOUT_SECS", "20")
        .start()
        .await;
    assert_eq!(pools.fetches(), (1, 1));
    pools.jwks(Pool::A).set_mode(JwksMode::Slow(SLOW_A));
    let flood: Vec<String> = (0..60)
        .map(|i| {
            let claims = user_claims(Pool::A, &format!("sub-f{i}"), &[]);
            sign_with_kid(&claims, Pool::A.key(), &format!("made-up-{i}"))
        })
        .collect();
    // A client of its own: B's requests never wait for one of the flood's
    // connections.
    let address = pools.app.address.clone();
    let flooding = actix_rt::spawn(async move {
        let flooder = patient_client();
        let sends = flood.iter().map(|token| {
            let request = flooder
                .get(format!("{address}{PRIVATE}"))
                .insert_header(("Authorization", format!("Bearer {token}")));
            async move {
                let response = request.send().await;
                response.map(|r| r.status().as_u16()).unwrap_or(0)
            }
        });
        join_all(sends).await
    });
    assert!(
        wait_until(Duration::from_secs(10), || pools.jwks(Pool::A).fetches()
            == 2)
        .await,
        "the flood made A refetch"
    );
    let fetch_started = Instant::now();

    // While A's fetch hangs: B's callers, each with a token not seen yet.
    let mut slowest = Duration::ZERO;
    for i in 0..20 {
        let token = user_token(Pool::B, &format!("sub-b{i}"), &[]);
        let started = Instant::now();
        assert_eq!(pools.status(&token).await, 200, "B's caller {i}");
        slowest = slowest.max(started.elapsed());
    }
    let window = fetch_started.elapsed();
    eprintln!("B's slowest request during A's flood: {slowest:?} (all 20 in {window:?})");
    assert!(slowest < B_LIMIT, "B's caller waited {slowest:?}");
    assert!(
        window < SLOW_A,
        "B's requests ran while A's fetch was in flight ({window:?})"
    );
    assert_eq!(pools.jwks(Pool::B).fetches(), 1, "B's JWKS untouched");

    let statuses = flooding.await.expect("flood task");
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(
        pools.fetches(),
        (2, 1),
        "one refetch of A for 60 made-up kids, none of B"
    );

    // A's rate limit is A's: B's own rotation is fetched for at once.
    let mut b_new = rogue_key().jwk();
    b_new["kid"] = json!("b-new-kid");
    pools
        .jwks(Pool::B)
        .set_keys(vec![Pool::B.key().jwk(), b_new]);
    let rotated = sign_with_kid(
        &user_claims(Pool::B, "sub-rotated", &[]),
        rogue_key(),
        "b-new-kid",
    );
    assert_eq!(pools.status(&rotated).await, 200, "B's new key is fetched");
    assert_eq!(pools.jwks(Pool::B).fetches(), 2);
}
