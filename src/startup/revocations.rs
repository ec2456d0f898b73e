//! The revocation list at start-up: this instance's own, or shared through
//! Redis with the spool read back first.

use std::sync::Arc;

use super::StartupError;
use crate::revocation::{
    preflight, RedisNames, RedisSync, RevocationList, RevocationSettings, Revocations, Spool,
};

/// How long start-up waits for the first sync with Redis, so that a new
/// instance serves knowing every live revocation; past it (Redis down), the
/// instance starts anyway and catches up when Redis answers.
const FIRST_REDIS_SYNC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The revocation list: this instance's own, or shared through Redis (with
/// the spool read back, and the Redis checked when it answers).
pub(super) async fn revocations(
    settings: &RevocationSettings,
) -> Result<Revocations, StartupError> {
    let Some(url) = &settings.redis else {
        return Ok(Revocations::in_memory());
    };
    let names = RedisNames::new(&settings.key_prefix);
    let now = crate::clock::unix_now().unwrap_or(0);
    let (spool, spooled) = Spool::open(&settings.spool, now)?;
    preflight(url, &names).await?;
    let list = Arc::new(RevocationList::new());
    for (sub, revocation) in &spooled {
        let _ = list.revoke(sub, *revocation, now);
    }
    if !spooled.is_empty() {
        log::warn!(
            "{} revocations read back from {} are enforced, and stored in Redis once it takes them",
            spooled.len(),
            spool.path().display()
        );
    }
    let (sync, first_sync) =
        RedisSync::start(url.clone(), names, Arc::clone(&list), spool, spooled);
    if actix_rt::time::timeout(FIRST_REDIS_SYNC_TIMEOUT, first_sync)
        .await
        .is_err()
    {
        log::warn!(
            "starting before the first sync with Redis at {url}: revocations made elsewhere \
             are enforced here once it answers"
        );
    }
    Ok(Revocations::shared(list, sync))
}
