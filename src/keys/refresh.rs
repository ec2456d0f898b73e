//! The background refresh: keeps the key cache fresh for as long as the
//! server runs, backing off while the JWKS endpoint fails.

use std::sync::Arc;
use std::time::Duration;

use crate::keys::cache::JwksCache;

/// Keeps the cache fresh for as long as the server runs: a key the JWKS drops
/// stops being accepted within `interval`.
pub async fn run_refresh_loop(cache: Arc<JwksCache>, interval: Duration) {
    loop {
        actix_rt::time::sleep(cache.next_refresh_delay(interval)).await;
        let _ = cache.refresh().await;
    }
}
