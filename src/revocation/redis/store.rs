//! Writing revocations to Redis: the merge script, pipelined in batches, and
//! what a failure means. A write is confirmed per entry; whatever Redis
//! refuses (`READONLY`, `OOM`, `NOPERM`, `MOVED`, a missing script, …) is
//! reported, never dropped: the caller keeps it pending and retries.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{Script, Value};

use crate::clock::unix_now;
use crate::revocation::codec::{encode, is_plausible, live_buckets, RedisNames, BUCKET_SECS};
use crate::revocation::list::Revocation;

/// A command (or a batch) may take this long; Redis answers in well under a
/// millisecond per entry.
pub(super) const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Entries written per pipeline: one round trip for this many, small
/// enough that a batch never holds Redis (or a new revocation queued
/// behind it on the connection) for long.
const WRITE_BATCH: usize = 500;

/// Merges one revocation into its bucket and announces the merged value
/// when it changed. KEYS: the bucket hashes where a copy of the sub may be
/// (a sub is in exactly one: the bucket of its merged expiry; copies found
/// elsewhere are merged and moved there; that bucket is always looked at).
/// ARGV: sub, kind (`D` deleted, `S` signed out), cut-off, expiry, the
/// bucket key base, the bucket width, the channel, the sender's clock (ms).
const MERGE_SCRIPT: &str = r#"
local sub, kind, at, untl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local base, width = ARGV[5], tonumber(ARGV[6])
local held, hk, ha, hu, found, looked = false, 'S', 0, 0, {}, {}
local function look(key)
  looked[key] = true
  local value = redis.call('HGET', key, sub)
  if value then
    table.insert(found, key)
    local k, a, u = string.match(value, '^([DS]):(%d+):(%d+)$')
    if k then
      if k == 'D' then hk = 'D' end
      if tonumber(a) > ha then ha = tonumber(a) end
      if tonumber(u) > hu then hu = tonumber(u) end
      held = true
    end
  end
end
for _, key in ipairs(KEYS) do look(key) end
local function target_of(u) return base .. string.format('%d', math.floor(u / width)) end
-- The bucket the merged value belongs in is always looked at, listed or not.
local target = target_of(math.max(untl, hu))
if not looked[target] then look(target) end
local before = nil
if held then
  if hk == 'D' then ha = 0 end
  before = hk .. ':' .. string.format('%d', ha) .. ':' .. string.format('%d', hu)
  if hk == 'D' then kind = 'D' end
  if ha > at then at = ha end
  if hu > untl then untl = hu end
end
if kind == 'D' then at = 0 end
local merged = kind .. ':' .. string.format('%d', at) .. ':' .. string.format('%d', untl)
local bucket = math.floor(untl / width)
target = target_of(untl)
local in_place = #found == 1 and found[1] == target
for _, key in ipairs(found) do
  if key ~= target then redis.call('HDEL', key, sub) end
end
if merged ~= before or not in_place then
  redis.call('HSET', target, sub, merged)
  redis.call('EXPIREAT', target, string.format('%d', (bucket + 1) * width))
end
if merged ~= before then
  redis.call('PUBLISH', ARGV[7], merged .. ' ' .. ARGV[8] .. ' ' .. sub)
end
return merged
"#;

/// Why a write did not (all) happen.
#[derive(Debug)]
pub(super) enum WriteError {
    /// The connection is gone: the session ends and reconnects.
    Lost(String),
}

/// What one write of several entries achieved.
#[derive(Debug, Default)]
pub(super) struct Written {
    /// Entries Redis confirmed it holds (at least as strictly).
    pub stored: Vec<(String, Revocation)>,
    /// Why some were refused (the first reason), if any were.
    pub refused: Option<String>,
}

/// Writes revocations of one deployment (its names) with the merge script.
pub(super) struct Writer {
    names: RedisNames,
    script: Script,
}

impl Writer {
    pub fn new(names: RedisNames) -> Self {
        Writer {
            names,
            script: Script::new(MERGE_SCRIPT),
        }
    }

    /// Loads the script (a new or failed-over Redis may not have it).
    pub async fn load(&self, conn: &mut MultiplexedConnection) -> Result<(), redis::RedisError> {
        let mut load = redis::cmd("SCRIPT");
        load.arg("LOAD").arg(MERGE_SCRIPT);
        within(load.query_async::<String>(conn)).await.map(|_| ())
    }

    /// Writes `entries`, a batch per round trip, looking for other copies
    /// of each sub in every live bucket.
    pub async fn write(
        &self,
        conn: &mut MultiplexedConnection,
        entries: &[(String, Revocation)],
    ) -> Result<Written, WriteError> {
        let now = unix_now().unwrap_or(0);
        let keys: Vec<String> = live_buckets(now)
            .map(|bucket| self.names.bucket_key(bucket))
            .collect();
        self.write_among(conn, entries, &keys).await
    }

    /// Writes `entries`, looking for other copies of each sub in the bucket
    /// hashes `keys` only (a write-back passes the buckets that exist: after
    /// a flush, one or two instead of every live one, so each script does a
    /// fraction of the work). Implausible entries (never made by this
    /// server) are neither sent nor retried.
    pub async fn write_among(
        &self,
        conn: &mut MultiplexedConnection,
        entries: &[(String, Revocation)],
        keys: &[String],
    ) -> Result<Written, WriteError> {
        let mut written = Written::default();
        let now = unix_now().unwrap_or(0);
        let (base, channel) = (self.names.bucket_key_base(), self.names.channel());
        let mut reloaded = false;
        let mut rest: Vec<&(String, Revocation)> = entries
            .iter()
            .filter(|(sub, revocation)| {
                let plausible = is_plausible(*revocation, now);
                if !plausible {
                    log::warn!(
                        "revocation of sub={sub} kept on this instance only: its expiry is out of range"
                    );
                }
                plausible
            })
            .collect();
        while !rest.is_empty() {
            let mut missing_script = Vec::new();
            for batch in rest.chunks(WRITE_BATCH) {
                let mut pipe = redis::pipe();
                pipe.ignore_errors();
                let sent_ms = unix_millis().to_string();
                for (sub, revocation) in batch {
                    let (kind, at, until) = encode(*revocation);
                    pipe.cmd("EVALSHA")
                        .arg(self.script.get_hash())
                        .arg(keys.len())
                        .arg(keys)
                        .arg(sub)
                        .arg(kind)
                        .arg(at)
                        .arg(until)
                        .arg(&base)
                        .arg(BUCKET_SECS)
                        .arg(&channel)
                        .arg(&sent_ms);
                }
                let replies = match within(pipe.query_async::<Vec<Value>>(conn)).await {
                    Ok(replies) => replies,
                    Err(e) if is_connection_error(&e) => {
                        return Err(WriteError::Lost(describe(&e)))
                    }
                    Err(e) => {
                        written.refused.get_or_insert_with(|| describe(&e));
                        continue;
                    }
                };
                for (entry, reply) in batch.iter().zip(replies) {
                    match reply {
                        Value::ServerError(e) if e.code() == "NOSCRIPT" && !reloaded => {
                            missing_script.push(*entry);
                        }
                        Value::ServerError(e) => {
                            written.refused.get_or_insert_with(|| {
                                format!("{}: {}", e.code(), e.details().unwrap_or(""))
                            });
                        }
                        _ => written.stored.push((*entry).clone()),
                    }
                }
            }
            rest = missing_script;
            if !rest.is_empty() {
                reloaded = true;
                if let Err(e) = self.load(conn).await {
                    if is_connection_error(&e) {
                        return Err(WriteError::Lost(describe(&e)));
                    }
                    written.refused.get_or_insert_with(|| describe(&e));
                    break;
                }
            }
        }
        Ok(written)
    }
}

pub(super) fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Whether `error` means the connection is gone (rather than one command
/// refused).
pub(super) fn is_connection_error(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_unrecoverable_error()
}

/// `command`, given [`COMMAND_TIMEOUT`] (a timeout is a lost connection).
pub(super) async fn within<T>(
    command: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> redis::RedisResult<T> {
    match actix_rt::time::timeout(COMMAND_TIMEOUT, command).await {
        Ok(result) => result,
        Err(_) => Err(redis::RedisError::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "Redis did not answer in time",
        ))),
    }
}

/// A Redis error for the log: its code or kind and category, never the URL
/// (which may hold a password).
pub(super) fn describe(error: &redis::RedisError) -> String {
    match error.code() {
        Some(code) => format!("{code}: {}", error.detail().unwrap_or("")),
        None => format!("{:?}: {}", error.kind(), error.category()),
    }
}
