//! Keeping this instance's list and Redis's buckets in step: the audit
//! (every instance, every few seconds, compares the size of each live
//! bucket with how many of its own revocations fall in it) and the bucket
//! sync (read the buckets into memory, write back what Redis lacks).
//!
//! Every instance audits on its own, so a loss (an evicted bucket, a
//! `FLUSHALL`, a replacement Redis) is noticed and repaired by each instance
//! that holds the lost entries, whatever any other instance (say, one just
//! started against the empty Redis) did first.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use redis::aio::MultiplexedConnection;

use crate::clock::unix_now;
use crate::revocation::codec::{bucket_of, decode, live_buckets, RedisNames};
use crate::revocation::list::{Revocation, RevocationList};
use crate::revocation::redis::store::{describe, is_connection_error, within, WriteError, Writer};

/// Fields read per `HSCAN` round trip.
const SCAN_COUNT: usize = 1_000;

/// What a bucket sync found and did.
#[derive(Debug, Default)]
pub(super) struct Synced {
    /// Entries Redis now holds at least as strictly as this instance.
    pub confirmed: Vec<(String, Revocation)>,
    /// Why some could not be written back, if any could not.
    pub refused: Option<String>,
    /// Entries written back.
    pub written: usize,
}

/// The live buckets whose size in Redis says it lacks something this
/// instance holds (unless it grew since the last audit: another instance
/// is writing it back, and two write-backs would only double the work), or
/// (for buckets after the current one, whose expired fields cannot inflate
/// the size) holds something this instance lacks. `last` keeps the sizes
/// seen, from one audit to the next.
pub(super) async fn audit(
    conn: &mut MultiplexedConnection,
    names: &RedisNames,
    list: &RevocationList,
    last: &mut HashMap<u64, usize>,
) -> Result<Vec<u64>, redis::RedisError> {
    let now = unix_now().unwrap_or(0);
    let buckets: Vec<u64> = live_buckets(now).collect();
    let mut pipe = redis::pipe();
    for bucket in &buckets {
        pipe.cmd("HLEN").arg(names.bucket_key(*bucket));
    }
    let sizes: Vec<usize> = within(pipe.query_async(conn)).await?;
    let held = list.count_live_by(now, |revocation| bucket_of(revocation.until));
    let current = bucket_of(now);
    let differing = buckets
        .iter()
        .zip(&sizes)
        .filter(|(bucket, in_redis)| {
            let here = held.get(bucket).copied().unwrap_or(0);
            let growing = last.get(bucket).is_some_and(|before| *in_redis > before);
            (**in_redis < here && !growing) || (**bucket > current && **in_redis > here)
        })
        .map(|(bucket, _)| *bucket)
        .collect();
    *last = buckets.into_iter().zip(sizes).collect();
    Ok(differing)
}

/// Reads `buckets` into the list, then writes back every live entry of the
/// list in those buckets that Redis lacks or holds less strictly.
pub(super) async fn sync(
    mut conn: MultiplexedConnection,
    names: RedisNames,
    writer: Arc<Writer>,
    list: Arc<RevocationList>,
    buckets: Vec<u64>,
) -> Result<Synced, WriteError> {
    let lost = |e: redis::RedisError| WriteError::Lost(describe(&e));
    let mut in_redis: HashMap<String, Revocation> = HashMap::new();
    let mut twice = HashSet::new();
    let mut refused = None;
    for bucket in &buckets {
        let key = names.bucket_key(*bucket);
        match read_bucket(&mut conn, &key, &list, &mut in_redis, &mut twice).await {
            Ok(()) => {}
            Err(e) if is_connection_error(&e) => return Err(lost(e)),
            // Say, the key is of another type: reported, and the rest of
            // the buckets still synced.
            Err(e) => {
                refused.get_or_insert_with(|| describe(&e));
            }
        }
    }
    let now = unix_now().unwrap_or(0);
    let wanted: HashSet<u64> = buckets.into_iter().collect();
    let (mut confirmed, missing): (Vec<_>, Vec<_>) = list
        .live_entries_where(now, |held| wanted.contains(&bucket_of(held.until)))
        .into_iter()
        .partition(|(sub, held)| {
            // A sub found in two buckets is rewritten: the script keeps one.
            !twice.contains(sub) && in_redis.get(sub).is_some_and(|r| r.covers(*held))
        });
    let keys = existing_buckets(&mut conn, &names, now)
        .await
        .map_err(lost)?;
    let written = writer.write_among(&mut conn, &missing, &keys).await?;
    let count = written.stored.len();
    confirmed.extend(written.stored);
    Ok(Synced {
        confirmed,
        refused: refused.or(written.refused),
        written: count,
    })
}

/// The live bucket hashes that exist: the only places a sub being written
/// back can already be (a bucket created meanwhile by another instance can
/// only leave a second copy, which the next sync of that bucket merges).
async fn existing_buckets(
    conn: &mut MultiplexedConnection,
    names: &RedisNames,
    now: u64,
) -> Result<Vec<String>, redis::RedisError> {
    let keys: Vec<String> = live_buckets(now).map(|b| names.bucket_key(b)).collect();
    let mut pipe = redis::pipe();
    for key in &keys {
        pipe.cmd("HLEN").arg(key);
    }
    let sizes: Vec<usize> = within(pipe.query_async(conn)).await?;
    Ok(keys
        .into_iter()
        .zip(sizes)
        .filter(|(_, size)| *size > 0)
        .map(|(key, _)| key)
        .collect())
}

/// Every field of one bucket hash, merged into the list and `in_redis`
/// (subs already there from another bucket go to `twice`). Fields and
/// values that are not ours are skipped, never fatal.
async fn read_bucket(
    conn: &mut MultiplexedConnection,
    key: &str,
    list: &RevocationList,
    in_redis: &mut HashMap<String, Revocation>,
    twice: &mut HashSet<String>,
) -> Result<(), redis::RedisError> {
    let mut cursor: u64 = 0;
    loop {
        let mut scan = redis::cmd("HSCAN");
        scan.arg(key).arg(cursor).arg("COUNT").arg(SCAN_COUNT);
        let (next, flat): (u64, Vec<Vec<u8>>) = within(scan.query_async(conn)).await?;
        let now = unix_now().unwrap_or(0);
        for pair in flat.chunks_exact(2) {
            let (Ok(sub), Ok(value)) =
                (std::str::from_utf8(&pair[0]), std::str::from_utf8(&pair[1]))
            else {
                continue;
            };
            let Some(revocation) = decode(value, now) else {
                continue;
            };
            if sub.is_empty() {
                continue;
            }
            if let Err(full) = list.revoke(sub, revocation, now) {
                log::error!("revocation of sub={sub} from Redis: {full}");
            }
            match in_redis.get_mut(sub) {
                Some(held) => {
                    *held = held.merge(revocation);
                    twice.insert(sub.to_owned());
                }
                None => {
                    in_redis.insert(sub.to_owned(), revocation);
                }
            }
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}
