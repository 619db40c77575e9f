//! How long to wait between attempts of a retryable call (QUALITY.md 4).
//!
//! Exponential backoff with *full jitter*: many consoles that lost the backend at the same moment
//! must not come back in lock-step. A server's `Retry-After` wins over our own guess, but never
//! holds the screen longer than `max_delay`.

use std::time::Duration;

/// Bounded retries for reads and keyed decisions. Nothing else is ever retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included; `1` (or `0`) means "never retry".
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles per attempt.
    pub base_delay: Duration,
    /// No single wait is longer than this, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries (tests, and callers that retry on their own terms).
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// May another attempt follow attempt number `attempt` (1-based)?
    pub fn allows_retry_after(&self, attempt: u32) -> bool {
        attempt < self.max_attempts
    }

    /// The wait after attempt number `attempt` (1-based) failed.
    ///
    /// With a server `Retry-After` that value is used, capped at `max_delay`; otherwise a uniform
    /// random duration in `[0, min(max_delay, base_delay * 2^(attempt-1))]`.
    pub fn delay_for(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let ceiling = backoff_ceiling(self.base_delay, self.max_delay, attempt);
        jitter_full(ceiling)
    }
}

/// `min(max, base * 2^(attempt-1))` without overflow for any `attempt`.
pub(crate) fn backoff_ceiling(base: Duration, max: Duration, attempt: u32) -> Duration {
    let shift = attempt.saturating_sub(1).min(31);
    base.checked_mul(1u32 << shift).unwrap_or(max).min(max)
}

/// A uniform random duration in `[0, ceiling]`, at millisecond-or-finer resolution.
pub(crate) fn jitter_full(ceiling: Duration) -> Duration {
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(fastrand::u64(0..=nanos))
}

/// `Retry-After` in its seconds form (`"120"`). The HTTP-date form is ignored: clocks of client
/// and server need not agree, and our own backoff is a fine fallback.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Anything absurdly long saturates; `delay_for` caps it anyway.
    Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_three_attempts_200ms_5s() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 3);
        assert_eq!(p.base_delay, Duration::from_millis(200));
        assert_eq!(p.max_delay, Duration::from_secs(5));
        assert!(p.allows_retry_after(1));
        assert!(p.allows_retry_after(2));
        assert!(!p.allows_retry_after(3));
    }

    #[test]
    fn none_never_retries() {
        let p = RetryPolicy::none();
        assert_eq!(p.max_attempts, 1);
        assert!(!p.allows_retry_after(1));
    }

    #[test]
    fn delays_stay_within_the_exponential_ceiling() {
        let p = RetryPolicy::default();
        for _ in 0..500 {
            assert!(p.delay_for(1, None) <= Duration::from_millis(200));
            assert!(p.delay_for(2, None) <= Duration::from_millis(400));
            assert!(p.delay_for(3, None) <= Duration::from_millis(800));
            assert!(p.delay_for(10, None) <= Duration::from_secs(5));
            assert!(p.delay_for(u32::MAX, None) <= Duration::from_secs(5));
        }
    }

    #[test]
    fn delays_are_jittered() {
        let p = RetryPolicy::default();
        let samples: std::collections::HashSet<Duration> =
            (0..50).map(|_| p.delay_for(3, None)).collect();
        assert!(samples.len() > 1, "full jitter gives different delays");
    }

    #[test]
    fn ceiling_doubles_and_saturates() {
        let base = Duration::from_millis(200);
        let max = Duration::from_secs(5);
        assert_eq!(backoff_ceiling(base, max, 0), base);
        assert_eq!(backoff_ceiling(base, max, 1), base);
        assert_eq!(backoff_ceiling(base, max, 2), Duration::from_millis(400));
        assert_eq!(backoff_ceiling(base, max, 5), Duration::from_millis(3200));
        assert_eq!(backoff_ceiling(base, max, 6), max);
        assert_eq!(backoff_ceiling(base, max, 40), max);
        assert_eq!(backoff_ceiling(Duration::MAX, max, 3), max);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay_for(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay_for(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(5)
        );
        assert_eq!(p.delay_for(2, Some(Duration::ZERO)), Duration::ZERO);
    }

    #[test]
    fn retry_after_seconds_form_only() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 10 "), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("1.5"), None);
        assert_eq!(parse_retry_after(""), None);
    }
}
