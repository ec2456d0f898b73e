//! How a revocation is written in Redis (`D:0:<until>` or `S:<at>:<until>`)
//! and announced (`<value> <sent ms> <sub>`), and which stored values are
//! trusted: only what this server could have made.

use crate::revocation::list::{Revocation, MAX_TOKEN_LIFETIME_SECS};

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
