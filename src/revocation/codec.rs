//! How revocations are laid out in Redis, in one place: the names
//! ([`RedisNames`]: every key and channel carries `REDIS_KEY_PREFIX`), the
//! buckets (one hash per hour of expiry, field = `sub`), a value
//! (`D:0:<until>` or `S:<at>:<until>`), an announcement
//! (`<value> <sent ms> <sub>`), and which stored values are trusted: only
//! what this server could have made.
//!
//! Why buckets: a hash per hour of expiry has a cheap exact size (`HLEN`),
//! so every instance can compare, every few seconds, how many revocations
//! Redis holds per bucket with how many it holds itself, and notice any
//! loss (an evicted bucket, a flush, a replacement Redis) on its own, not
//! through a marker that the first instance to look would re-create.

use std::ops::RangeInclusive;

use crate::revocation::list::{Revocation, MAX_TOKEN_LIFETIME_SECS};

/// Width of a bucket, in seconds of expiry. A bucket hash expires at its
/// end, so an entry outlives its own expiry by less than this in Redis
/// (never less than its expiry); about 26 buckets are live at once.
pub(super) const BUCKET_SECS: u64 = 3_600;

/// The bucket of a revocation expiring at `until`.
pub(super) fn bucket_of(until: u64) -> u64 {
    until / BUCKET_SECS
}

/// When bucket `bucket`'s hash expires: the end of its hour (the merge
/// script reckons it the same way).
#[cfg(test)]
fn bucket_end(bucket: u64) -> u64 {
    bucket.saturating_add(1).saturating_mul(BUCKET_SECS)
}

/// Every bucket that may hold a live revocation at `now`.
pub(super) fn live_buckets(now: u64) -> RangeInclusive<u64> {
    bucket_of(now)..=bucket_of(now.saturating_add(MAX_EXPIRY_AHEAD_SECS))
}

/// The Redis names of one deployment (`REDIS_KEY_PREFIX`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisNames {
    prefix: String,
}

impl RedisNames {
    /// The names under `prefix` (already validated by the settings).
    pub fn new(prefix: &str) -> Self {
        RedisNames {
            prefix: prefix.to_owned(),
        }
    }

    /// The prefix, for messages.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The hash of bucket `bucket`: `<prefix>:revoked:<bucket>`.
    pub fn bucket_key(&self, bucket: u64) -> String {
        format!("{}{bucket}", self.bucket_key_base())
    }

    /// What every bucket key starts with (the merge script builds the
    /// target key from it).
    pub fn bucket_key_base(&self) -> String {
        format!("{}:revoked:", self.prefix)
    }

    /// Where changes are announced: `<prefix>:revocations`.
    pub fn channel(&self) -> String {
        format!("{}:revocations", self.prefix)
    }

    /// The key the start-up permission check writes and deletes.
    pub fn probe_key(&self) -> String {
        format!("{}:probe", self.prefix)
    }
}

/// Furthest in the future a shared revocation may expire: the longest token
/// lifetime plus an hour (leeway and clock differences between instances).
/// Anything later is not ours, and is neither trusted nor stored.
const MAX_EXPIRY_AHEAD_SECS: u64 = MAX_TOKEN_LIFETIME_SECS + 3_600;

/// A revocation as stored in Redis: `D:0:<until>` or `S:<at>:<until>`.
pub(super) fn encode(revocation: Revocation) -> (&'static str, u64, u64) {
    match revocation.issued_up_to {
        u64::MAX => ("D", 0, revocation.until),
        at => ("S", at, revocation.until),
    }
}

/// Whether `revocation` is one this server could have made at about
/// `now`: Redis's `EXAT` and the Lua script's numbers stay in range, and a
/// bogus entry cannot stop the sync.
pub(super) fn is_plausible(revocation: Revocation, now: u64) -> bool {
    revocation.until <= now.saturating_add(MAX_EXPIRY_AHEAD_SECS)
        && (revocation.is_deletion() || revocation.issued_up_to <= revocation.until)
}

/// The revocation a stored value says; `None` for anything else.
pub(super) fn decode(value: &str, now: u64) -> Option<Revocation> {
    let mut parts = value.splitn(3, ':');
    let (kind, at, until) = (parts.next()?, parts.next()?, parts.next()?);
    let until = until.parse().ok()?;
    let revocation = match kind {
        "D" => Revocation::deleted(until),
        "S" => Revocation::signed_out(at.parse().ok()?, until),
        _ => return None,
    };
    is_plausible(revocation, now).then_some(revocation)
}

/// A stored value: `D:0:<until>` or `S:<at>:<until>`.
pub(super) fn encode_value(revocation: Revocation) -> String {
    let (kind, at, until) = encode(revocation);
    format!("{kind}:{at}:{until}")
}

/// An announcement: `<value> <sent ms> <sub>`.
pub(super) fn decode_message(payload: &str, now: u64) -> Option<(String, Revocation, u64)> {
    let mut parts = payload.splitn(3, ' ');
    let revocation = decode(parts.next()?, now)?;
    let sent_ms = parts.next()?.parse().ok()?;
    let sub = parts.next().filter(|sub| !sub.is_empty())?;
    Some((sub.to_owned(), revocation, sent_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocations_round_trip_through_their_stored_form() {
        const NOW: u64 = 1_000;
        for revocation in [
            Revocation::deleted(1_900),
            Revocation::signed_out(1_000, 1_900),
        ] {
            let (kind, at, until) = encode(revocation);
            assert_eq!(
                decode(&format!("{kind}:{at}:{until}"), NOW),
                Some(revocation)
            );
        }
        assert_eq!(decode("D:0:1900", NOW), Some(Revocation::deleted(1_900)));
        for bad in [
            "",
            "X:1:2",
            "D:0",
            "S:a:2",
            "S:1:-2",
            "D:0:99999999999999999999",
        ] {
            assert_eq!(decode(bad, NOW), None, "{bad}");
        }
        // Out of range for anything this server makes: never trusted.
        let too_late = NOW + MAX_EXPIRY_AHEAD_SECS + 1;
        assert_eq!(decode(&format!("D:0:{too_late}"), NOW), None);
        assert_eq!(decode("D:0:18446744073709551615", NOW), None);
        assert_eq!(decode("S:1901:1900", NOW), None, "cut-off after expiry");
    }

    #[test]
    fn names_carry_the_prefix_and_buckets_cover_every_live_expiry() {
        let names = RedisNames::new("staging");
        assert_eq!(names.bucket_key(7), "staging:revoked:7");
        assert_eq!(names.channel(), "staging:revocations");
        assert_eq!(names.probe_key(), "staging:probe");
        assert_eq!(bucket_of(7_199), 1);
        assert_eq!(bucket_of(7_200), 2);
        assert_eq!(bucket_end(1), 7_200);
        // A bucket's hash never expires before any entry in it.
        for until in [3_600, 7_199, 1_000_000] {
            assert!(bucket_end(bucket_of(until)) > until);
        }
        let now = 1_000_000;
        let live = live_buckets(now);
        assert_eq!(*live.start(), bucket_of(now));
        assert_eq!(*live.end(), bucket_of(now + MAX_EXPIRY_AHEAD_SECS));
        assert_eq!(encode_value(Revocation::signed_out(5, 9)), "S:5:9");
        assert_eq!(encode_value(Revocation::deleted(9)), "D:0:9");
    }

    #[test]
    fn announcements_carry_the_sub_last() {
        assert_eq!(
            decode_message("S:10:20 1234 sub with spaces", 10),
            Some((
                "sub with spaces".to_owned(),
                Revocation::signed_out(10, 20),
                1234
            ))
        );
        assert_eq!(decode_message("S:10:20 1234 ", 10), None);
        assert_eq!(decode_message("S:10:20", 10), None);
        assert_eq!(decode_message("garbage 1 x", 10), None);
    }
}
