//! The server's time for what is derived from it: the state of a tier assignment or a campaign
//! link (scheduled, active, expired), which products a partner's tier makes available today,
//! and what is expiring (RECORDS.md §3). None of it is stored; it is computed from the dates
//! and this clock at each read, so a test (or a demo) that sets the clock sees every state
//! change at its exact instant without sleeping.
//!
//! `serve --clock 2026-12-01T00:00:00Z` (hidden) fixes it; tests that run the server
//! in-process keep a handle and [`Clock::set`] it. The writes of tiers and campaigns are
//! audited at it too (an active period ended "now" ends at the time its audit entry says), and
//! the demo's periods are dated around it. Everything else (tokens, impersonations,
//! idempotency keys, connection timeouts) keeps the system's time.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// The system's time, or a time someone set. Clones share one setting.
#[derive(Debug, Clone, Default)]
pub struct Clock(Arc<Mutex<Option<DateTime<Utc>>>>);

impl Clock {
    /// The system's time.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Always `at`, until [`Clock::set`] moves it.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        let clock = Clock::default();
        clock.set(at);
        clock
    }

    /// From now on the time is `at` (for every clone of this clock).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(at);
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or_else(Utc::now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_set_clock_holds_its_time_in_every_clone() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let clock = Clock::fixed(t);
        let shared = clock.clone();
        assert_eq!(shared.now(), t);
        clock.set(t + chrono::Duration::days(1));
        assert_eq!(shared.now(), t + chrono::Duration::days(1));
        let before = Utc::now();
        let now = Clock::system().now();
        assert!(now >= before && now <= Utc::now());
    }
}
