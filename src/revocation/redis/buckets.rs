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
/// instance holds, or (for buckets after the current one, whose expired
/// fields cannot inflate the size) holds something this instance lacks.
pub(super) async fn audit(
    conn: &mut MultiplexedConnection,
    names: &RedisNames,
    list: &RevocationList,
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
    Ok(buckets
        .iter()
        .zip(sizes)
        .filter(|(bucket, in_redis)| {
            let here = held.get(bucket).copied().unwrap_or(0);
            *in_redis < here || (**bucket > current && *in_redis > here)
        })
        .map(|(bucket, _)| *bucket)
        .collect())
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
    let mut refused = None;
    for bucket in &buckets {
        match read_bucket(&mut conn, &names.bucket_key(*bucket), &list, &mut in_redis).await {
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
        .partition(|(sub, held)| in_redis.get(sub).is_some_and(|r| r.covers(*held)));
    let written = writer.write(&mut conn, &missing).await?;
    let count = written.stored.len();
    confirmed.extend(written.stored);
    Ok(Synced {
        confirmed,
        refused: refused.or(written.refused),
        written: count,
    })
}

/// Every field of one bucket hash, merged into the list and `in_redis`.
/// Fields and values that are not ours are skipped, never fatal.
async fn read_bucket(
    conn: &mut MultiplexedConnection,
    key: &str,
    list: &RevocationList,
    in_redis: &mut HashMap<String, Revocation>,
) -> Result<(), redis::RedisError> {
    let mut cursor: u64 = 0;
    loop {
        let mut scan = redis::cmd("HSCAN");
        scan.arg(key).arg(cursor).arg("COUNT").arg(SCAN_COUNT);
        let (next, flat): (u64, Vec<Vec<u8>>) = within(scan.query_async(conn)).await?;
        let now = unix_now().unwrap_or(0);
        for pair in flat.chunks_exact(2) {
            let (Ok(sub), Ok(value)) = (std::str::from_utf8(&pair[0]), std::str::from_utf8(&pair[1]))
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
            in_redis
                .entry(sub.to_owned())
                .and_modify(|held| *held = held.merge(revocation))
                .or_insert(revocation);
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}
