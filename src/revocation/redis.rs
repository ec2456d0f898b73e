//! The revocation list shared on Redis (`REDIS_URL`). Every instance keeps
//! the whole list in memory, so no request ever waits on Redis; a background
//! task keeps that copy in step:
//!
//! - each revocation is one key, `cognito-guard:revoked:<sub>`, merged by a
//!   Lua script (the stricter cut-off, the later expiry) and given a Redis
//!   TTL equal to its remaining lifetime (`EXAT`); a change is published on
//!   `cognito-guard:revocations`, which every instance subscribes to;
//! - on every (re)connect an instance subscribes first, then reads every key
//!   (so nothing published meanwhile is missed), then writes back every live
//!   revocation it holds (so one made during an outage, or lost by a Redis
//!   that restarted empty, returns to Redis); a write that fails just waits
//!   for that write-back.
//!
//! One WARN per outage; the state is exported for `/metrics`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt as _;
use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands as _, Client, Script};
use tokio::sync::{mpsc, oneshot};

use crate::clock::unix_now;
use crate::config::RedisUrl;
use crate::revocation::codec::{decode, decode_message, encode, is_plausible};
use crate::revocation::list::{Revocation, RevocationList};

/// Keys of revocations: this prefix, then the user's `sub`.
const KEY_PREFIX: &str = "cognito-guard:revoked:";
/// Where changes are announced.
const CHANNEL: &str = "cognito-guard:revocations";
/// Connecting may take this long before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A command may take this long; Redis answers in well under a millisecond.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// A silent, half-open connection is noticed within this (plus the timeout).
const PING_EVERY: Duration = Duration::from_secs(5);
/// Retries after a failure start here and double up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest pause between reconnection attempts: a returning Redis is
/// caught up with within about this long.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Keys read per `MGET` during a resync.
const RESYNC_BATCH: usize = 500;
/// A key without expiry, written after every resync: if it is gone, Redis
/// lost keys without dropping the connection (eviction, a flush, a failover)
/// and the list is written back.
const SYNC_MARKER: &str = "cognito-guard:sync-marker";

/// Merges a revocation into its key and announces the merged value when it
/// changed. KEYS[1]: the key; ARGV: kind (`D` deleted, `S` signed out),
/// cut-off, expiry, channel, the sender's clock in ms, the sub.
const MERGE_SCRIPT: &str = r#"
local held = redis.call('GET', KEYS[1])
local kind, at, untl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if held then
  local k, a, u = string.match(held, '^([DS]):(%d+):(%d+)$')
  if k then
    if k == 'D' then kind = 'D' end
    if tonumber(a) > at then at = tonumber(a) end
    if tonumber(u) > untl then untl = tonumber(u) end
  end
end
if kind == 'D' then at = 0 end
local merged = kind .. ':' .. string.format('%d', at) .. ':' .. string.format('%d', untl)
if merged ~= held then
  redis.call('SET', KEYS[1], merged, 'EXAT', string.format('%d', untl))
  redis.call('PUBLISH', ARGV[4], merged .. ' ' .. ARGV[5] .. ' ' .. ARGV[6])
end
return merged
"#;

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What the sync task reports, for `/metrics`.
#[derive(Debug, Default)]
pub struct SyncStatus {
    up: AtomicBool,
    /// Whether the list has been in step with Redis at least once.
    synced_once: AtomicBool,
    /// Milliseconds from a revocation being stored by one instance to this
    /// one hearing of it, last seen.
    lag_ms: AtomicU64,
}

impl SyncStatus {
    /// Whether Redis is connected and the list in step with it.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Whether the list has been in step with Redis at least once: until
    /// then, revocations made elsewhere may be missing here.
    pub fn has_synced(&self) -> bool {
        self.synced_once.load(Ordering::Acquire)
    }

    /// The last observed propagation delay, in seconds.
    pub fn lag_seconds(&self) -> f64 {
        self.lag_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }
}

/// The handle of the sync task: hands it new revocations, never waiting.
pub struct RedisSync {
    outbox: mpsc::UnboundedSender<(String, Revocation)>,
    status: Arc<SyncStatus>,
}

impl RedisSync {
    /// Starts the sync task for `list` (on the current actix runtime).
    /// The receiver fires once the list is first in step with Redis.
    pub fn start(url: RedisUrl, list: Arc<RevocationList>) -> (Self, oneshot::Receiver<()>) {
        let (outbox, inbox) = mpsc::unbounded_channel();
        let (synced, first_sync) = oneshot::channel();
        let status = Arc::new(SyncStatus::default());
        let task = SyncTask {
            url,
            list,
            inbox,
            status: Arc::clone(&status),
            first_sync: Some(synced),
        };
        actix_rt::spawn(task.run());
        (RedisSync { outbox, status }, first_sync)
    }

    /// Stores `revocation` for `sub` in Redis, in the background.
    pub fn publish(&self, sub: &str, revocation: Revocation) {
        if self.outbox.send((sub.to_owned(), revocation)).is_err() {
            log::error!(
                "the Redis sync task has stopped; sub={sub} is revoked on this instance only"
            );
        }
    }

    /// The task's state, for `/metrics`.
    pub fn status(&self) -> &SyncStatus {
        &self.status
    }
}

struct SyncTask {
    url: RedisUrl,
    list: Arc<RevocationList>,
    inbox: mpsc::UnboundedReceiver<(String, Revocation)>,
    status: Arc<SyncStatus>,
    first_sync: Option<oneshot::Sender<()>>,
}

impl SyncTask {
    async fn run(mut self) {
        let mut backoff = MIN_BACKOFF;
        let mut in_outage = false;
        loop {
            let error = self.session(&mut in_outage, &mut backoff).await;
            self.status.up.store(false, Ordering::Release);
            if in_outage {
                log::debug!("Redis at {} still unavailable: {error}", self.url);
            } else {
                in_outage = true;
                log::warn!(
                    "Redis at {} unavailable ({error}); revocations are kept and enforced in \
                     memory and written back when it returns",
                    self.url
                );
            }
            actix_rt::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One connection's life: returns why it ended.
    async fn session(&mut self, in_outage: &mut bool, backoff: &mut Duration) -> String {
        let client = match Client::open(self.url.expose()) {
            Ok(client) => client,
            Err(e) => return describe(&e),
        };
        let connected = async {
            let mut pubsub = client.get_async_pubsub().await?;
            // Subscribe first, then read: nothing announced in between is lost.
            pubsub.subscribe(CHANNEL).await?;
            let conn = client.get_multiplexed_async_connection().await?;
            Ok::<_, redis::RedisError>((pubsub, conn))
        };
        let (pubsub, mut conn) = match actix_rt::time::timeout(CONNECT_TIMEOUT, connected).await {
            Ok(Ok(connected)) => connected,
            Ok(Err(e)) => return describe(&e),
            Err(_) => return "connecting timed out".to_owned(),
        };
        let script = Script::new(MERGE_SCRIPT);
        if let Err(e) = self.resync(&mut conn, &script).await {
            return e;
        }
        self.status.up.store(true, Ordering::Release);
        self.status.synced_once.store(true, Ordering::Release);
        *backoff = MIN_BACKOFF;
        if std::mem::take(in_outage) {
            log::warn!(
                "Redis at {} is back; the revocation list is in step again",
                self.url
            );
        } else {
            log::info!("revocations shared through Redis at {}", self.url);
        }
        if let Some(synced) = self.first_sync.take() {
            let _ = synced.send(());
        }

        let (mut sink, mut messages) = pubsub.split();
        let mut ping = actix_rt::time::interval(PING_EVERY);
        loop {
            tokio::select! {
                message = messages.next() => {
                    let Some(message) = message else {
                        return "the subscription was closed".to_owned();
                    };
                    let payload: String = message.get_payload().unwrap_or_default();
                    self.apply_announcement(&payload);
                }
                outgoing = self.inbox.recv() => {
                    let Some((sub, revocation)) = outgoing else {
                        return "the server is stopping".to_owned();
                    };
                    // On failure the revocation stays in memory and the
                    // next connection's write-back stores it.
                    if let Err(e) = store(&mut conn, &script, &sub, revocation).await {
                        return e;
                    }
                }
                _ = ping.tick() => {
                    let pong = sink.ping::<redis::Value>();
                    match actix_rt::time::timeout(COMMAND_TIMEOUT, pong).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => return describe(&e),
                        Err(_) => return "no answer to PING".to_owned(),
                    }
                    match within_timeout::<bool>(conn.exists(SYNC_MARKER)).await {
                        Ok(true) => {}
                        Ok(false) => return "Redis lost the revocations (evicted or flushed)".to_owned(),
                        Err(e) => return e,
                    }
                }
            }
        }
    }

    /// Reads every revocation from Redis into memory, then writes back
    /// every live one held here that Redis lacks or holds less strictly.
    async fn resync(
        &mut self,
        conn: &mut MultiplexedConnection,
        script: &Script,
    ) -> Result<(), String> {
        let keys = scan_keys(conn).await?;
        let now = unix_now().unwrap_or(0);
        let mut in_redis = HashMap::with_capacity(keys.len());
        for batch in keys.chunks(RESYNC_BATCH) {
            let values: Vec<Option<Vec<u8>>> = within_timeout(conn.mget(batch)).await?;
            for (key, value) in batch.iter().zip(values) {
                // Keys and values that are not ours are skipped, never fatal.
                let Some(sub) = std::str::from_utf8(key)
                    .ok()
                    .and_then(|key| key.strip_prefix(KEY_PREFIX))
                else {
                    continue;
                };
                let value = value.and_then(|v| String::from_utf8(v).ok());
                if let Some(revocation) = value.and_then(|v| decode(&v, now)) {
                    self.keep(sub, revocation, now);
                    in_redis.insert(sub.to_owned(), revocation);
                }
            }
        }
        let now = unix_now().unwrap_or(0);
        for (sub, revocation) in self.list.live_entries(now) {
            if in_redis.get(&sub) != Some(&revocation) {
                store(conn, script, &sub, revocation).await?;
            }
        }
        within_timeout::<()>(conn.set(SYNC_MARKER, 1)).await
    }

    fn apply_announcement(&self, payload: &str) {
        let Some((sub, revocation, sent_ms)) = decode_message(payload, unix_now().unwrap_or(0))
        else {
            log::debug!("ignoring a malformed revocation announcement");
            return;
        };
        self.status
            .lag_ms
            .store(unix_millis().saturating_sub(sent_ms), Ordering::Relaxed);
        self.keep(&sub, revocation, unix_now().unwrap_or(0));
    }

    fn keep(&self, sub: &str, revocation: Revocation, now: u64) {
        if let Err(full) = self.list.revoke(sub, revocation, now) {
            log::error!("revocation of sub={sub} from Redis: {full}");
        }
    }
}

/// Every revocation key in Redis.
async fn scan_keys(conn: &mut MultiplexedConnection) -> Result<Vec<Vec<u8>>, String> {
    let pattern = format!("{KEY_PREFIX}*");
    let scan = async {
        let mut keys = Vec::new();
        let mut iter = conn.scan_match::<_, Vec<u8>>(&pattern).await?;
        while let Some(key) = iter.next_item().await {
            keys.push(key?);
        }
        Ok::<_, redis::RedisError>(keys)
    };
    match actix_rt::time::timeout(Duration::from_secs(30), scan).await {
        Ok(Ok(keys)) => Ok(keys),
        Ok(Err(e)) => Err(describe(&e)),
        Err(_) => Err("reading the revocations timed out".to_owned()),
    }
}

/// Merges one revocation into Redis (and announces it if it changed). Only
/// a lost connection is an error; a revocation Redis refuses (say, its key
/// was overwritten with another type) is logged and skipped, so one bad key
/// cannot stop the sync, and an implausible one is never sent.
async fn store(
    conn: &mut MultiplexedConnection,
    script: &Script,
    sub: &str,
    revocation: Revocation,
) -> Result<(), String> {
    if !is_plausible(revocation, unix_now().unwrap_or(0)) {
        log::warn!(
            "revocation of sub={sub} kept on this instance only: its expiry is out of range"
        );
        return Ok(());
    }
    let (kind, at, until) = encode(revocation);
    let mut invocation = script.key(format!("{KEY_PREFIX}{sub}"));
    invocation
        .arg(kind)
        .arg(at)
        .arg(until)
        .arg(CHANNEL)
        .arg(unix_millis())
        .arg(sub);
    let stored = invocation.invoke_async::<String>(conn);
    match actix_rt::time::timeout(COMMAND_TIMEOUT, stored).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if is_connection_error(&e) => Err(describe(&e)),
        Ok(Err(e)) => {
            log::warn!(
                "Redis refused the revocation of sub={sub}: {}",
                describe(&e)
            );
            Ok(())
        }
        Err(_) => Err("Redis did not answer in time".to_owned()),
    }
}

/// Whether `error` means the connection is gone (rather than one command
/// refused).
fn is_connection_error(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_unrecoverable_error()
}

async fn within_timeout<T>(
    command: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, String> {
    match actix_rt::time::timeout(COMMAND_TIMEOUT, command).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(describe(&e)),
        Err(_) => Err("Redis did not answer in time".to_owned()),
    }
}

/// A Redis error for the log: its kind and category, never the URL (which
/// may hold a password).
fn describe(error: &redis::RedisError) -> String {
    format!("{:?}: {}", error.kind(), error.category())
}
