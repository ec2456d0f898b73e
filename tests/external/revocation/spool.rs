//! Finding 6 of issue #18: the spool file (`REVOCATION_SPOOL`). The real
//! binary, its admin routes on the SigV4 Cognito stand-in, is restarted
//! while Redis is down: it still refuses the user it deleted, and stores
//! the revocation once Redis returns, empty. (A spool that is not one, or is
//! damaged, stops the start: `tests/api/revocation.rs`.)

use std::time::Duration;

use serde_json::json;

use super::redis_server::RedisServer;
use super::support::*;
use crate::common::helpers::wait_until;
use crate::idp::standin::{IdpStandIn, ACCESS_KEY, SECRET_KEY};

const VICTIM: &str = "4f6a2c1e-0000-4000-8000-0000000f6001";

#[actix_rt::test]
async fn an_instance_restarted_during_an_outage_still_refuses_and_later_stores() {
    let idp = IdpStandIn::start(&json!([
        {"username": "victim", "sub": VICTIM, "email": "v@example.com", "groups": []}
    ]));
    let mut redis = RedisServer::start();
    let spool = spool_path();
    let (url, endpoint) = (redis.url(), idp.endpoint("/"));
    let mut a = Binary::start(&[
        ("REDIS_URL", url.as_str()),
        ("REVOCATION_SPOOL", spool.as_str()),
        ("COGNITO_IDP_ENDPOINT", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ])
    .await;
    let victim = token_of(VICTIM);
    assert_eq!(status(a.app(), &victim).await, 200);

    redis.stop();
    assert!(store_up_reaches(a.app(), 0.0, Duration::from_secs(15)).await);
    delete(a.app(), VICTIM, 204).await;
    assert_eq!(status(a.app(), &victim).await, 401);
    let spooled = || std::fs::read_to_string(&spool).is_ok_and(|text| text.contains(VICTIM));
    assert!(wait_until(Duration::from_secs(5), spooled).await, "spooled");

    a.restart().await;
    assert_eq!(
        status(a.app(), &victim).await,
        401,
        "read back from the spool at start:\n{}",
        a.log()
    );

    redis.restart();
    assert!(
        wait_until(Duration::from_secs(15), || redis_holds(
            &redis,
            "cognito-guard",
            VICTIM
        ))
        .await,
        "stored in the empty Redis once it returned:\n{}",
        a.log()
    );
    assert!(
        wait_until(Duration::from_secs(5), || !spooled()).await,
        "and gone from the spool"
    );
    let fresh = instance(&redis).await;
    assert_eq!(status(&fresh, &victim).await, 401);
    assert!(
        a.log().contains("1 revocations read back from"),
        "{}",
        a.log()
    );
}
