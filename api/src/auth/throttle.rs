//! Login throttling: failed attempts per key (user, client address) in a sliding window,
//! counted across the server processes (`shared.rs`).

use std::sync::Arc;
use std::time::Duration;

use crate::shared::{SharedCounts, Window};

/// Allows at most `max` failures per key within `window`.
pub struct Throttle {
    max: i64,
    window: Window,
    /// Distinguishes this throttle's keys from others' in the shared counts.
    prefix: &'static str,
    counts: Arc<SharedCounts>,
}

impl Throttle {
    pub fn new(max: usize, window: Duration, prefix: &'static str, counts: Arc<SharedCounts>) -> Self {
        Throttle {
            max: i64::try_from(max).unwrap_or(i64::MAX),
            window: Window(window.as_secs().max(1) as i64),
            prefix,
            counts,
        }
    }

    fn name(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    /// Counts an attempt now, atomically with the check, so parallel attempts cannot slip
    /// past the limit (in this process; across processes within a sync); `succeeded` takes
    /// it back. `Err(seconds to wait)` while the key has used up its failures.
    pub fn attempt(&self, key: &str) -> Result<(), u64> {
        self.counts
            .try_add(&[self.name(key)], self.window, 1, self.max)
            .map_err(|wait| wait.ceil().max(1.0) as u64)
    }

    /// Takes back the attempt counted last for `key`.
    pub fn succeeded(&self, key: &str) {
        self.counts.add(&self.name(key), self.window, -1);
    }

    /// Forgets `key`'s failures (a successful login clears its user's).
    pub fn reset(&self, key: &str) {
        self.counts.clear(&self.name(key), self.window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_the_key_until_a_success_clears_them() {
        let counts = Arc::new(SharedCounts::default());
        let t = Throttle::new(3, Duration::from_secs(900), "user", counts.clone());
        for _ in 0..3 {
            assert!(t.attempt("alice").is_ok());
        }
        let wait = t.attempt("alice").unwrap_err();
        assert!((1..=1800).contains(&wait), "{wait}");
        assert!(t.attempt("bob").is_ok(), "another key");
        // Another throttle's keys are its own.
        let other = Throttle::new(3, Duration::from_secs(900), "address", counts);
        assert!(other.attempt("alice").is_ok());
        t.reset("alice");
        assert!(t.attempt("alice").is_ok());
        t.succeeded("alice");
    }
}
