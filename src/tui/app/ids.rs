//! Decision keys without randomness in `update`: each key is a UUIDv7 built from the time that
//! came with the message, a per-run seed the runtime picks (fixed in tests) and a counter. Keys
//! stay unique across consoles (the seed) and within one (the counter), and stay time-ordered,
//! so the server's idempotency index gains them at its end (the reason `DecisionKey::new` uses
//! UUIDv7).

use chrono::{DateTime, Utc};

use crate::client::DecisionKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionKeys {
    seed: u64,
    issued: u32,
}

impl DecisionKeys {
    pub fn new(seed: u64) -> DecisionKeys {
        DecisionKeys { seed, issued: 0 }
    }

    /// A fresh key for a decision on `version`, made at `now`.
    pub fn next(&mut self, version: i64, now: DateTime<Utc>) -> DecisionKey {
        self.issued = self.issued.wrapping_add(1);
        let mut random = [0u8; 10];
        random[..6].copy_from_slice(&self.seed.to_be_bytes()[2..]);
        random[6..].copy_from_slice(&self.issued.to_be_bytes());
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
        DecisionKey {
            idempotency_key: uuid.to_string(),
            version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_ordered_and_repeatable() {
        let t = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let mut a = DecisionKeys::new(7);
        let mut b = DecisionKeys::new(7);
        let (a1, a2) = (a.next(3, t), a.next(3, t));
        assert_ne!(a1, a2);
        assert!(a1.idempotency_key < a2.idempotency_key, "in issue order");
        assert_eq!(b.next(3, t), a1, "same seed, time and count: same key");
        let other = DecisionKeys::new(8).next(3, t);
        assert_ne!(other, a1, "another console's seed gives another key");
        assert_eq!(
            uuid::Uuid::parse_str(&a1.idempotency_key)
                .unwrap()
                .get_version_num(),
            7
        );
    }
}
