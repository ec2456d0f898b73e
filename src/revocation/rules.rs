//! When a revocation made at `now` starts and ends, given the clock-skew
//! allowance (`AUTH_LEEWAY_SECS`, L below) between this server and Cognito.
//!
//! - **Cut-off** (sign-out): tokens issued (`iat`, Cognito's clock) at or
//!   before `now` (this server's clock, taken once Cognito has confirmed the
//!   global sign-out) are refused. The leeway is *not* added: with it, a
//!   user who signs in again within L seconds of the sign-out would get a
//!   token refused for its whole life (up to a day), with no way to tell it
//!   from an old one. Skew then errs either way by at most the skew itself:
//!   a Cognito clock ahead of ours lets tokens issued in those last seconds
//!   before the sign-out pass; one behind refuses sign-ins made within those
//!   seconds after it. Keep the server's clock synchronised (NTP, AWS Time
//!   Sync), as the leeway's own purpose already asks.
//! - **Expiry**: the entry lasts as long as any token issued up to the
//!   cut-off can be accepted here: it was issued at most L (skew) after
//!   `now` on our clock, lives at most [`MAX_TOKEN_LIFETIME_SECS`], and is
//!   accepted until its `exp` plus L. So `now + lifetime + 2 L`: erring long
//!   costs one entry a few seconds more, erring short would lift it early.

use crate::revocation::list::{Revocation, MAX_TOKEN_LIFETIME_SECS};

/// How long after `now` a revocation must last with leeway `leeway_secs`.
fn until(now: u64, leeway_secs: u64) -> u64 {
    now.saturating_add(MAX_TOKEN_LIFETIME_SECS)
        .saturating_add(leeway_secs.saturating_mul(2))
}

/// A user deleted at `now`: every token refused, for as long as any could
/// be accepted.
pub fn deletion(now: u64, leeway_secs: u64) -> Revocation {
    Revocation::deleted(until(now, leeway_secs))
}

/// A user signed out at `now`: tokens issued at or before `now` refused.
pub fn sign_out(now: u64, leeway_secs: u64) -> Revocation {
    Revocation::signed_out(now, until(now, leeway_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_000_000;
    const DAY: u64 = MAX_TOKEN_LIFETIME_SECS;

    #[test]
    fn a_sign_out_cuts_off_at_its_own_second_without_the_leeway() {
        let revocation = sign_out(NOW, 30);
        assert_eq!(revocation, Revocation::signed_out(NOW, NOW + DAY + 60));
        // The token issued in the sign-out's second is refused; one issued
        // the next second (a new sign-in) passes, leeway or not.
        assert!(revocation.refuses(Some(NOW), NOW + 1));
        assert!(!revocation.refuses(Some(NOW + 1), NOW + 1));
    }

    #[test]
    fn a_revocation_outlives_every_token_it_refuses() {
        for leeway in [0, 1, 30] {
            let revocation = deletion(NOW, leeway);
            assert!(revocation.is_deletion());
            // The latest token it must refuse: issued `leeway` ahead, for
            // a day, accepted `leeway` past its exp.
            let last_accepted = NOW + leeway + DAY + leeway - 1;
            assert!(revocation.refuses(Some(NOW), last_accepted), "{leeway}");
            assert_eq!(revocation.until, last_accepted + 1, "{leeway}");
            assert_eq!(sign_out(NOW, leeway).until, revocation.until);
        }
        assert_eq!(deletion(u64::MAX - 5, 30).until, u64::MAX);
    }
}
