//! Wall-clock time as token claims count it: whole seconds since the epoch.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch now, or `None` when the clock reads before the
/// epoch: an unset clock must not make every `exp` look far in the future.
pub fn unix_now() -> Option<u64> {
    unix_time(SystemTime::now())
}

/// Seconds since the epoch at `at`, or `None` before the epoch.
pub fn unix_time(at: SystemTime) -> Option<u64> {
    at.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_clock_before_the_epoch_is_no_time_at_all() {
        assert_eq!(unix_time(UNIX_EPOCH - Duration::from_secs(1)), None);
        assert_eq!(unix_time(UNIX_EPOCH + Duration::from_secs(7)), Some(7));
    }
}
