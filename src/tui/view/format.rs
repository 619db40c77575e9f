//! Words for values (UX.md "Words"): money with its currency, dates relative in lists and
//! absolute with the time zone in details, statuses as words (never only a colour).

use chrono::{DateTime, Utc};

use crate::domain::{Item, Money, PartnerStatus, Status};
use crate::format::group;

pub fn money(m: &Money) -> String {
    let zero = m.minor_digits() == 0;
    let sign = if m.amount_minor < 0 { "-" } else { "" };
    let abs = m.amount_minor.unsigned_abs();
    let number = if zero {
        group(abs)
    } else {
        format!("{}.{:02}", group(abs / 100), abs % 100)
    };
    match m.currency.as_str() {
        "EUR" => format!("{sign}€{number}"),
        "USD" => format!("{sign}${number}"),
        "GBP" => format!("{sign}£{number}"),
        "JPY" => format!("{sign}¥{number}"),
        other => format!("{sign}{number} {other}"),
    }
}

/// `text` as it fits in `width` terminal columns: whole, or cut with `…` as its last column, so
/// a value cut by a narrow column (a price, an email) never looks complete.
/// A value that fits is passed through as it came (an owned `String` is not copied).
pub fn fit<'a>(
    text: impl Into<std::borrow::Cow<'a, str>>,
    width: usize,
) -> std::borrow::Cow<'a, str> {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let text = text.into();
    if text.width() <= width {
        return text;
    }
    if width == 0 {
        return "".into();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out.into()
}

/// "Gold (€49.00)", or "—" for none.
pub fn item(i: Option<&Item>) -> String {
    match i {
        Some(i) => format!("{} ({})", i.name, money(&i.price)),
        None => "—".into(),
    }
}

/// "just now", "5m ago", "3h ago", "2d ago", "4mo ago", "in 3d".
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let (future, secs) = (secs < 0, secs.unsigned_abs());
    let span = match secs {
        0..=59 => return "just now".into(),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        86_400..=2_591_999 => format!("{}d", secs / 86_400),
        2_592_000..=31_535_999 => format!("{}mo", secs / 2_592_000),
        _ => format!("{}y", secs / 31_536_000),
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// "2026-11-20 14:02 UTC": details show absolute dates with their zone.
pub fn absolute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn partner_status(s: PartnerStatus) -> &'static str {
    s.label()
}

/// A partner's status with what suspends it from above: "Suspended by Acme Distribution".
pub fn partner_standing(s: PartnerStatus, standing: &crate::domain::Standing) -> String {
    match &standing.suspended_by {
        Some(by) => format!("Suspended by {}", by.name),
        None => s.label().to_string(),
    }
}

pub fn decision(s: Status) -> &'static str {
    match s {
        Status::Pending => "Pending",
        Status::Approved => "Approved",
        Status::Rejected => "Rejected",
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn fit_cuts_with_an_ellipsis_by_display_width() {
        assert_eq!(fit("Gold (€49.00)", 13), "Gold (€49.00)");
        assert_eq!(fit("Bronze ($19.00)", 13), "Bronze ($19.…");
        assert_eq!(fit("日本語テキスト", 5), "日本…");
        assert_eq!(fit("abc", 1), "…");
        assert_eq!(fit("abc", 0), "");
    }

    use super::*;

    #[test]
    fn money_in_minor_units() {
        assert_eq!(money(&Money::new(4900, "EUR")), "€49.00");
        assert_eq!(money(&Money::new(129_900, "USD")), "$1,299.00");
        assert_eq!(money(&Money::new(5, "GBP")), "£0.05");
        assert_eq!(money(&Money::new(1500, "JPY")), "¥1,500");
        assert_eq!(money(&Money::new(-250, "CHF")), "-2.50 CHF");
    }

    #[test]
    fn relative_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ago = |s: i64| relative(now - chrono::Duration::seconds(s), now);
        assert_eq!(ago(10), "just now");
        assert_eq!(ago(300), "5m ago");
        assert_eq!(ago(3 * 3600), "3h ago");
        assert_eq!(ago(2 * 86_400 + 5), "2d ago");
        assert_eq!(ago(-3 * 86_400), "in 3d");
    }
}
