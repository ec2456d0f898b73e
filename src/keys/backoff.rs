//! How long the background refresh waits after failed fetches: a policy of
//! its own, so the cache can say when it next wants a fetch without
//! knowing the loop that does it.

use std::time::Duration;

/// Ceiling for the retry delay after failed fetches.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(60);

/// Delay before the next background fetch after `failures` failed ones in a
/// row: the refresh interval when healthy, a capped exponential backoff
/// (1 s, 2 s, 4 s ... 60 s) while failing, never longer than the interval.
pub fn retry_delay(failures: u32, interval: Duration) -> Duration {
    if failures == 0 {
        return interval;
    }
    let backoff = Duration::from_secs(1u64 << failures.saturating_sub(1).min(6));
    backoff.min(MAX_RETRY_DELAY).min(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let interval = Duration::from_secs(900);
        assert_eq!(retry_delay(0, interval), interval);
        let delays: Vec<u64> = (1..=9)
            .map(|failures| retry_delay(failures, interval).as_secs())
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(retry_delay(9, Duration::from_secs(5)).as_secs(), 5);
    }
}
