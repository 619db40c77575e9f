//! Dates as a CSR types them in a form: `2026-12-31`, `today`, `tomorrow`, `+30d`, `+2w`,
//! `+3m`, `end of month`, `end of year`. A date means the start of that day (00:00) in the
//! partner's time zone; `end of month` is therefore the first day of the next month, the moment
//! the month is over. Shown back in the partner's zone and in UTC, so nobody guesses.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// The words the fields' hints and errors use.
pub const FORMS: &str = "2026-12-31, today, tomorrow, +30d, +2w, +3m, end of month";

/// The day `input` names, counted from `today`.
pub fn parse_day(input: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let s = input.trim().to_lowercase();
    let bad = || format!("Not a date: use {FORMS}.");
    match s.as_str() {
        "" => return Err(bad()),
        "today" => return Ok(today),
        "tomorrow" => return Ok(today + Duration::days(1)),
        "end of month" | "eom" => {
            let first = today.with_day(1).ok_or_else(bad)?;
            return first.checked_add_months(Months::new(1)).ok_or_else(bad);
        }
        "end of year" | "eoy" => {
            return NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).ok_or_else(bad);
        }
        _ => {}
    }
    if let Some(rest) = s.strip_prefix('+') {
        let (n, unit) = rest.split_at(
            rest.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len()),
        );
        let n: u32 = n.parse().map_err(|_| bad())?;
        if n > 3650 {
            return Err("At most ten years ahead.".into());
        }
        return match unit.trim() {
            "d" | "day" | "days" | "" => Ok(today + Duration::days(i64::from(n))),
            "w" | "week" | "weeks" => Ok(today + Duration::weeks(i64::from(n))),
            "m" | "month" | "months" => today.checked_add_months(Months::new(n)).ok_or_else(bad),
            "y" | "year" | "years" => today
                .checked_add_months(Months::new(n.saturating_mul(12)))
                .ok_or_else(bad),
            _ => Err(bad()),
        };
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| bad())
}

/// The zone named `zone`, or UTC for a name it is not (the profile's rules refuse those; an
/// old record may still hold one).
pub fn zone(zone: &str) -> Tz {
    zone.parse().unwrap_or(Tz::UTC)
}

/// 00:00 of `day` in `tz`, in UTC. Where midnight does not exist that day (a clock change at
/// 00:00), the first moment after it.
pub fn start_of(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..=3)
        .find_map(|h| {
            tz.from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// The day `t` falls on in `tz`: what a date field shows for a stored time.
pub fn day_in(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// "2026-12-31 00:00 Europe/Berlin (2026-12-30 23:00 UTC)", the UTC date left out when it is
/// the same day ("(12:00 UTC)"); the UTC part alone for UTC.
pub fn both_zones(t: DateTime<Utc>, tz: Tz) -> String {
    if tz == Tz::UTC {
        return t.format("%Y-%m-%d %H:%M UTC").to_string();
    }
    let local = t.with_timezone(&tz);
    let utc = if local.date_naive() == t.date_naive() {
        t.format("%H:%M UTC")
    } else {
        t.format("%Y-%m-%d %H:%M UTC")
    };
    format!("{} {} ({utc})", local.format("%Y-%m-%d %H:%M"), tz.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_form_a_csr_types() {
        let today = d(2026, 12, 7);
        let cases = [
            ("2026-12-31", d(2026, 12, 31)),
            (" Today ", today),
            ("tomorrow", d(2026, 12, 8)),
            ("+30d", d(2027, 1, 6)),
            ("+30", d(2027, 1, 6)),
            ("+2w", d(2026, 12, 21)),
            ("+3m", d(2027, 3, 7)),
            ("+1y", d(2027, 12, 7)),
            ("end of month", d(2027, 1, 1)),
            ("end of year", d(2027, 1, 1)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_day(input, today), Ok(want), "{input:?}");
        }
        for bad in [
            "",
            "31.12.2026",
            "+x",
            "+5q",
            "2026-02-30",
            "+99999d",
            "next week",
        ] {
            assert!(parse_day(bad, today).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_day_starts_at_midnight_in_the_partners_zone() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let t = start_of(d(2026, 12, 31), berlin);
        assert_eq!(t, Utc.with_ymd_and_hms(2026, 12, 30, 23, 0, 0).unwrap());
        assert_eq!(day_in(t, berlin), d(2026, 12, 31));
        assert_eq!(
            both_zones(t, berlin),
            "2026-12-31 00:00 Europe/Berlin (2026-12-30 23:00 UTC)"
        );
        assert_eq!(both_zones(t, Tz::UTC), "2026-12-30 23:00 UTC");
        // Santiago moves its clocks at midnight: the day starts at 01:00 there.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let t = start_of(d(2026, 9, 6), santiago);
        assert_eq!(day_in(t, santiago), d(2026, 9, 6));
    }
}
