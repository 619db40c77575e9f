//! The field rules several records share, one way of saying each: the shape of a text field
//! (no control, bidi or invisible characters; a length cap), a price (an ISO 4217 code and an
//! amount in range) and an https URL. Lead-exchange settings (`lead_rules`), partner requests
//! (`partner_request`) and seed files (the currency of a price) all check through here, so the
//! same value is refused in the same words wherever it is written.

use super::field_codes as fc;
use super::{FieldError, Money};
use crate::text::is_unsafe;

/// The largest amount of a price, in minor units (ten billion in major units).
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

/// The error of a text field at `at`, if any: a character that is not allowed (line breaks and
/// tabs are, in `multi_line` text), or more than `max` characters.
pub fn text_error(at: &str, value: &str, max: usize, multi_line: bool) -> Option<FieldError> {
    if let Some(c) = value
        .chars()
        .find(|&c| is_unsafe(c) && !(multi_line && matches!(c, '\n' | '\t')))
    {
        return Some(FieldError::new(
            at,
            fc::UNSAFE_CHARACTERS,
            format!(
                "Control, bidirectional and invisible characters are not allowed (found U+{:04X}).",
                c as u32
            ),
        ));
    }
    if value.chars().count() > max {
        return Some(FieldError::new(
            at,
            fc::TOO_LONG,
            format!("At most {max} characters."),
        ));
    }
    None
}

/// Three capital letters (ISO 4217, `EUR`): the console writes prices by the code
/// (`€49.00`, `49.00 CHF`) and exports carry it, so anything else would show as it came.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// The errors of a price at `at` (`/item/price`): its currency (`{at}/currency`) and its
/// amount (`{at}/amount_minor`, 0 to [`MAX_AMOUNT_MINOR`]).
pub fn money_errors(at: &str, m: &Money) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_currency_code(&m.currency) {
        errors.push(FieldError::new(
            &format!("{at}/currency"),
            fc::INVALID_CURRENCY,
            "A currency is three capital letters (ISO 4217), like EUR or USD.",
        ));
    }
    if !(0..=MAX_AMOUNT_MINOR).contains(&m.amount_minor) {
        errors.push(FieldError::new(
            &format!("{at}/amount_minor"),
            fc::OUT_OF_RANGE,
            "An amount is at least 0 and at most 10,000,000,000.",
        ));
    }
    errors
}

/// `https://host[:port][/path…]`, no spaces, a host with a dot (or `localhost`).
pub fn is_https_url(url: &str) -> bool {
    let Some(rest) = url
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            authority
        }
    });
    !host.is_empty()
        && (host.contains('.') || host.eq_ignore_ascii_case("localhost"))
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_refused_for_what_it_holds_and_how_long_it_is() {
        assert_eq!(text_error("/a", "fine", 10, false), None);
        assert_eq!(
            text_error("/a", "a\nb", 10, false).map(|e| e.code),
            Some(fc::UNSAFE_CHARACTERS.to_string())
        );
        assert_eq!(text_error("/a", "a\n\tb", 10, true), None);
        for bad in ["a\u{202E}b", "a\u{1b}[2J", "a\u{200B}b", "a\rb"] {
            let e = text_error("/a", bad, 10, true).expect(bad);
            assert_eq!(
                (e.field.as_str(), e.code.as_str()),
                ("/a", fc::UNSAFE_CHARACTERS)
            );
        }
        assert_eq!(
            text_error("/a", &"é".repeat(11), 10, false).map(|e| e.code),
            Some(fc::TOO_LONG.to_string())
        );
    }

    #[test]
    fn a_price_names_every_broken_part() {
        assert!(money_errors("/p", &Money::new(4900, "EUR")).is_empty());
        let errors = money_errors("/p", &Money::new(-1, "eur"));
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["/p/currency", "/p/amount_minor"]);
    }

    #[test]
    fn urls_are_https_with_a_host() {
        for ok in [
            "https://api.partner.example/leads?x=1",
            "HTTPS://a.b:8443/p",
            "https://localhost:9/x",
        ] {
            assert!(is_https_url(ok), "{ok}");
        }
        for bad in [
            "http://a.b",
            "https://",
            "https://nohost",
            "https://a b.c",
            "ftp://a.b",
            "https://a.b:x/",
        ] {
            assert!(!is_https_url(bad), "{bad}");
        }
    }
}
