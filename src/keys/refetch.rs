//! The unknown-kid refetch rate limit, as its own small type: a flood of
//! tokens with made-up `kid`s costs the JWKS endpoint at most one fetch per
//! window.

use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Lets one refetch start per `min_interval`.
pub struct RefetchLimiter {
    min_interval: Duration,
    last_start: Mutex<Option<Instant>>,
}

impl RefetchLimiter {
    /// A limiter allowing one refetch per `min_interval`.
    pub fn new(min_interval: Duration) -> Self {
        RefetchLimiter {
            min_interval,
            last_start: Mutex::new(None),
        }
    }

    /// Whether a refetch may start now; if so, the window starts now too.
    pub fn try_start(&self) -> bool {
        self.try_start_at(Instant::now())
    }

    fn try_start_at(&self, now: Instant) -> bool {
        let mut last = self.last_start.lock();
        if last.is_some_and(|at| now.saturating_duration_since(at) < self.min_interval) {
            return false;
        }
        *last = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_refetch_per_window() {
        let limiter = RefetchLimiter::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(limiter.try_start_at(t0));
        assert!(!limiter.try_start_at(t0 + Duration::from_secs(9)));
        assert!(limiter.try_start_at(t0 + Duration::from_secs(10)));
        assert!(!limiter.try_start_at(t0 + Duration::from_secs(11)));
    }

    #[test]
    fn a_zero_window_never_limits() {
        let limiter = RefetchLimiter::new(Duration::ZERO);
        let t0 = Instant::now();
        assert!(limiter.try_start_at(t0));
        assert!(limiter.try_start_at(t0));
    }
}
