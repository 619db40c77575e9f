//! RFC 3339 timestamps as the reference server writes them: UTC with milliseconds,
//! `2026-11-02T10:00:00.123Z`.
//!
//! chrono's general RFC 3339 parser and formatter were a tenth of an export's client time and
//! a good part of a history page's (two timestamps a row, every row). The exact forms written
//! here take a fast path; every other valid RFC 3339 form (offsets, other fractions, lower
//! case, leap seconds) goes through chrono as before, so nothing a peer may send is refused.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc};
use serde::Deserializer;
use serde::de::{self, Visitor};

/// Parse an RFC 3339 timestamp into UTC; `None` if it is not one.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    parse_exact(s).or_else(|| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ`; `None` for anything else, including
/// an impossible date or time (which chrono then refuses with its own reasons).
fn parse_exact(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let millis = match b.len() {
        20 => 0,
        24 if b[19] == b'.' => number(&b[20..23])?,
        _ => return None,
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b[b.len() - 1] != b'Z' || separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        number(&b[0..4])? as i32,
        number(&b[5..7])?,
        number(&b[8..10])?,
    )?
    .and_hms_milli_opt(
        number(&b[11..13])?,
        number(&b[14..16])?,
        number(&b[17..19])?,
        millis,
    )
    .map(|t| t.and_utc())
}

/// ASCII digits as a number; `None` if any byte is not a digit.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (milliseconds truncated), as the server stores it.
pub fn millis(t: DateTime<Utc>) -> String {
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let mut out = String::with_capacity(24);
    // A leap second is kept in the nanoseconds (≥ 1e9): it reads as :60, as chrono writes it.
    let nanos = t.nanosecond();
    for (n, width, after) in [
        (year as u32, 4, '-'),
        (t.month(), 2, '-'),
        (t.day(), 2, 'T'),
        (t.hour(), 2, ':'),
        (t.minute(), 2, ':'),
        (t.second() + nanos / 1_000_000_000, 2, '.'),
        (nanos % 1_000_000_000 / 1_000_000, 3, 'Z'),
    ] {
        for place in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
        }
        out.push(after);
    }
    out
}

/// `#[serde(serialize_with = "timestamp::serialize")]`: written as [`millis`] writes it.
pub fn serialize<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&millis(*t))
}

/// The same for an `Option<DateTime<Utc>>` field (`None` is `null`).
pub fn serialize_opt<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        parse(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
    }
}

/// `#[serde(deserialize_with = "timestamp::deserialize")]` for a `DateTime<Utc>` field.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(TimestampVisitor)
}

/// The same for an `Option<DateTime<Utc>>` field (`null` is `None`).
pub fn deserialize_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    struct OptVisitor;

    impl<'de> Visitor<'de> for OptVisitor {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            deserialize(d).map(Some)
        }
    }

    d.deserialize_option(OptVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What chrono makes of `s`, the reference.
    fn chrono(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn parses_like_chrono() {
        for s in [
            "2026-11-02T10:00:00.123Z",
            "2026-11-02T10:00:00Z",
            "2026-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00.000Z",
            "2024-02-29T12:00:00.000Z",
            // Other forms take chrono's path and mean the same.
            "2026-11-02T10:00:00.123456Z",
            "2026-11-02T10:00:00.12Z",
            "2026-11-02 10:00:00.123Z",
            "2026-11-02t10:00:00z",
            "2026-11-02T12:00:00.5+02:00",
            "2016-12-31T23:59:60.000Z",
        ] {
            assert_eq!(parse(s), chrono(s), "{s}");
            assert!(parse(s).is_some(), "{s}");
        }
    }

    #[test]
    fn refuses_what_chrono_refuses() {
        for s in [
            "",
            "yesterday",
            "2026-11-02",
            "2026-02-30T10:00:00.000Z",
            "2026-11-02T24:00:00.000Z",
            "2026-11-02T10:60:00.000Z",
            "2026-11-02T10:00:00,123Z",
            "+026-11-02T10:00:00.123Z",
            "2026-1a-02T10:00:00.123Z",
            "2026-11-02T10:00:00.123",
            "2026-11-02T10:00:00.123Z\u{1b}",
        ] {
            assert_eq!(parse(s), None, "{s:?}");
            assert_eq!(chrono(s), None, "{s:?}");
        }
    }

    #[test]
    fn writes_like_chrono() {
        for s in [
            "2026-11-02T10:00:00.123Z",
            "2026-11-02T10:00:00Z",
            "0001-01-01T00:00:00.001Z",
            "9999-12-31T23:59:59.999Z",
            "2026-11-02T10:00:00.123456789Z",
            "2016-12-31T23:59:60.250Z",
        ] {
            let t = parse(s).unwrap();
            assert_eq!(millis(t), t.to_rfc3339_opts(SecondsFormat::Millis, true));
        }
        let far = chrono("+10000-01-01T00:00:00Z");
        if let Some(t) = far {
            assert_eq!(millis(t), t.to_rfc3339_opts(SecondsFormat::Millis, true));
        }
    }

    #[test]
    fn serde_fields() {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(deserialize_with = "deserialize")]
            at: DateTime<Utc>,
            #[serde(deserialize_with = "deserialize_opt")]
            maybe: Option<DateTime<Utc>>,
        }
        let t: T =
            serde_json::from_str(r#"{"at":"2026-11-02T10:00:00.123Z","maybe":null}"#).unwrap();
        assert_eq!(t.at, parse("2026-11-02T10:00:00.123Z").unwrap());
        assert_eq!(t.maybe, None);
        let t: T =
            serde_json::from_str(r#"{"at":"2026-11-02T10:00:00Z","maybe":"2026-11-02T10:00:00Z"}"#)
                .unwrap();
        assert_eq!(t.maybe, Some(t.at));
        let err = serde_json::from_str::<T>(r#"{"at":"yesterday","maybe":null}"#)
            .err()
            .unwrap();
        assert!(err.to_string().contains("RFC 3339"), "{err}");
        assert!(serde_json::from_str::<T>(r#"{"at":7,"maybe":null}"#).is_err());
    }
}
