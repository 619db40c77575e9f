//! The partner's profile as a CSR edits it (RECORDS.md §2): its fields, the rules each value
//! must follow, and the merge patch that carries a change. One set of rules for both sides:
//! the server checks every field of a `PATCH /partners/{id}` with [`ProfileField::check`], and
//! the console runs the same check when the CSR leaves a field.

use std::str::FromStr;

use super::Partner;
use super::countries::country_name;
use super::records::FieldError;
use crate::text::is_unsafe;

/// The most `notes` may hold, in characters.
pub const MAX_NOTES_CHARS: usize = 10_000;

/// The stable `code`s of field errors and warnings.
pub mod field_codes {
    pub const REQUIRED: &str = "required";
    pub const TOO_LONG: &str = "too_long";
    pub const UNSAFE_CHARACTERS: &str = "unsafe_characters";
    pub const INVALID_TYPE: &str = "invalid_type";
    /// Not an RFC 3339 date-time with its offset (or outside the years 1900 to 9999).
    pub const INVALID_DATE: &str = "invalid_date";
    pub const INVALID_EMAIL: &str = "invalid_email";
    pub const INVALID_PHONE: &str = "invalid_phone";
    pub const INVALID_WEBSITE: &str = "invalid_website";
    pub const UNKNOWN_COUNTRY: &str = "unknown_country";
    pub const UNKNOWN_TIME_ZONE: &str = "unknown_time_zone";
    /// A new user's name that another user has (adding a node's administrator by email).
    pub const NAME_TAKEN: &str = "name_taken";
    /// Lead-exchange settings (`lead_rules`).
    pub const URL_INVALID: &str = "url_invalid";
    pub const HEADERS_UNSUPPORTED: &str = "headers_unsupported";
    pub const INVALID_HEADER: &str = "invalid_header";
    pub const MOBILE_REQUIRED: &str = "mobile_required";
    pub const CURRENCY_MISMATCH: &str = "currency_mismatch";
    pub const INVALID_CURRENCY: &str = "invalid_currency";
    pub const CREDIT_LIMIT_NOT_POSTPAY: &str = "credit_limit_not_postpay";
    pub const END_BEFORE_START: &str = "end_before_start";
    pub const INVALID_TIME: &str = "invalid_time";
    pub const OUT_OF_RANGE: &str = "out_of_range";
    pub const UNKNOWN_VARIABLE: &str = "unknown_variable";
    pub const TEMPLATE_INVALID: &str = "template_invalid";
    /// Partner requests (`partner_request`): an item or a detail this kind of request does
    /// not take, and a start that is not in the future.
    pub const NOT_FOR_KIND: &str = "not_for_kind";
    pub const IN_THE_PAST: &str = "in_the_past";
    /// Warnings: saved, but worth a second look.
    pub const PHONE_NOT_INTERNATIONAL: &str = "phone_not_international";
    pub const WEBSITE_NOT_HTTPS: &str = "website_not_https";
    pub const LIMIT_DISABLED: &str = "limit_disabled";
    pub const UNREACHABLE_MONTHLY_LIMIT: &str = "unreachable_monthly_limit";
    pub const DAILY_ABOVE_MONTHLY: &str = "daily_above_monthly";
    pub const NO_DELIVERY_DAYS: &str = "no_delivery_days";
}

use field_codes as fc;

/// Every field of the profile a `PATCH /partners/{id}` may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileField {
    Name,
    ContactName,
    Email,
    Phone,
    Website,
    Line1,
    Line2,
    City,
    Region,
    PostalCode,
    Country,
    TimeZone,
    Notes,
}

impl ProfileField {
    pub const ALL: [ProfileField; 13] = [
        ProfileField::Name,
        ProfileField::ContactName,
        ProfileField::Email,
        ProfileField::Phone,
        ProfileField::Website,
        ProfileField::Line1,
        ProfileField::Line2,
        ProfileField::City,
        ProfileField::Region,
        ProfileField::PostalCode,
        ProfileField::Country,
        ProfileField::TimeZone,
        ProfileField::Notes,
    ];

    /// Its JSON pointer in the patch body and in the partner (`/contact/address/city`).
    pub fn pointer(self) -> &'static str {
        match self {
            ProfileField::Name => "/name",
            ProfileField::ContactName => "/contact/name",
            ProfileField::Email => "/contact/email",
            ProfileField::Phone => "/contact/phone",
            ProfileField::Website => "/contact/website",
            ProfileField::Line1 => "/contact/address/line1",
            ProfileField::Line2 => "/contact/address/line2",
            ProfileField::City => "/contact/address/city",
            ProfileField::Region => "/contact/address/region",
            ProfileField::PostalCode => "/contact/address/postal_code",
            ProfileField::Country => "/contact/address/country",
            ProfileField::TimeZone => "/contact/time_zone",
            ProfileField::Notes => "/notes",
        }
    }

    pub fn from_pointer(pointer: &str) -> Option<ProfileField> {
        ProfileField::ALL
            .into_iter()
            .find(|f| f.pointer() == pointer)
    }

    /// The field's value in `partner`.
    pub fn value_in(self, partner: &Partner) -> &str {
        let c = &partner.contact;
        let a = &c.address;
        match self {
            ProfileField::Name => &partner.summary.name,
            ProfileField::ContactName => &c.name,
            ProfileField::Email => &c.email,
            ProfileField::Phone => &c.phone,
            ProfileField::Website => &c.website,
            ProfileField::Line1 => &a.line1,
            ProfileField::Line2 => &a.line2,
            ProfileField::City => &a.city,
            ProfileField::Region => &a.region,
            ProfileField::PostalCode => &a.postal_code,
            ProfileField::Country => &a.country,
            ProfileField::TimeZone => &c.time_zone,
            ProfileField::Notes => &partner.notes,
        }
    }

    /// Sets the field's value in `partner` (the console's form, and the server's answer to a
    /// saved patch, without reading the partner again).
    pub fn set_in(self, partner: &mut Partner, value: String) {
        let c = &mut partner.contact;
        let a = &mut c.address;
        let slot = match self {
            ProfileField::Name => &mut partner.summary.name,
            ProfileField::ContactName => &mut c.name,
            ProfileField::Email => &mut c.email,
            ProfileField::Phone => &mut c.phone,
            ProfileField::Website => &mut c.website,
            ProfileField::Line1 => &mut a.line1,
            ProfileField::Line2 => &mut a.line2,
            ProfileField::City => &mut a.city,
            ProfileField::Region => &mut a.region,
            ProfileField::PostalCode => &mut a.postal_code,
            ProfileField::Country => &mut a.country,
            ProfileField::TimeZone => &mut c.time_zone,
            ProfileField::Notes => &mut partner.notes,
        };
        *slot = value;
    }

    /// The most characters the field may hold.
    pub fn max_chars(self) -> usize {
        match self {
            ProfileField::Name | ProfileField::ContactName => 200,
            ProfileField::Email => 254,
            ProfileField::Phone => 40,
            ProfileField::Website => 2000,
            ProfileField::Line1 | ProfileField::Line2 => 200,
            ProfileField::City | ProfileField::Region => 100,
            ProfileField::PostalCode => 20,
            ProfileField::Country => 2,
            ProfileField::TimeZone => 64,
            ProfileField::Notes => MAX_NOTES_CHARS,
        }
    }

    /// Whether the field must have a value (the others may be empty).
    pub fn required(self) -> bool {
        matches!(
            self,
            ProfileField::Name | ProfileField::Email | ProfileField::TimeZone
        )
    }

    /// Whether the field holds several lines (`notes`); the others are one line each.
    pub fn multi_line(self) -> bool {
        self == ProfileField::Notes
    }

    /// The value as it is stored: one-line fields without surrounding white space, notes
    /// without trailing white space. Check this, not the raw value.
    pub fn normalize(self, value: &str) -> String {
        if self.multi_line() {
            value.trim_end().to_string()
        } else {
            value.trim().to_string()
        }
    }

    /// Checks a value, already [normalized](ProfileField::normalize): `Err` refuses it, `Ok`
    /// carries the warnings (saved anyway) it deserves.
    pub fn check(self, value: &str) -> Result<Vec<FieldError>, FieldError> {
        let at = self.pointer();
        let refuse = |code: &str, detail: String| Err(FieldError::new(at, code, detail));
        if value.is_empty() {
            return if self.required() {
                refuse(fc::REQUIRED, "This field is required.".into())
            } else {
                Ok(Vec::new())
            };
        }
        if let Some(c) = value
            .chars()
            .find(|&c| is_unsafe(c) && !(self.multi_line() && c == '\n'))
        {
            return refuse(
                fc::UNSAFE_CHARACTERS,
                format!(
                    "Control, bidirectional and invisible characters are not allowed (found U+{:04X}).",
                    c as u32
                ),
            );
        }
        let max = self.max_chars();
        if value.chars().count() > max {
            return refuse(fc::TOO_LONG, format!("At most {max} characters."));
        }
        match self {
            ProfileField::Email if !is_email(value) => refuse(
                fc::INVALID_EMAIL,
                "Not an email address: name@domain.example.".into(),
            ),
            ProfileField::Country if country_name(value).is_none() => refuse(
                fc::UNKNOWN_COUNTRY,
                "Not an ISO 3166-1 alpha-2 country code, like DE or US.".into(),
            ),
            ProfileField::TimeZone if !is_time_zone(value) => refuse(
                fc::UNKNOWN_TIME_ZONE,
                "Not an IANA time zone name, like Europe/Berlin.".into(),
            ),
            ProfileField::Phone => check_phone(at, value),
            ProfileField::Website => check_website(at, value),
            _ => Ok(Vec::new()),
        }
    }
}

/// `local@domain`: one `@`, a local part of visible characters, a domain of at least two
/// labels of letters, digits and `-` (not at either end of a label). The shape only: whether
/// the mailbox exists is for the mail.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c))
        && domain.split('.').count() >= 2
        && domain.split('.').all(label_ok)
}

/// A name in the IANA time zone database, as chrono-tz ships it (`Europe/Berlin`, `UTC`).
pub fn is_time_zone(s: &str) -> bool {
    chrono_tz::Tz::from_str(s).is_ok()
}

/// Every IANA time zone name, for the console's picker.
pub fn time_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

/// Digits and the usual separators (` +-.()/`), at least five digits, `+` only first.
pub(crate) fn check_phone(at: &str, value: &str) -> Result<Vec<FieldError>, FieldError> {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let shape_ok = value
        .chars()
        .all(|c| c.is_ascii_digit() || " -.()/".contains(c) || c == '+')
        && !value.chars().skip(1).any(|c| c == '+')
        && digits >= 5;
    if !shape_ok {
        return Err(FieldError::new(
            at,
            fc::INVALID_PHONE,
            "A phone number: digits, spaces and + - . ( ) /, like +49 30 1234 5678.",
        ));
    }
    Ok(if value.starts_with('+') {
        Vec::new()
    } else {
        vec![FieldError::new(
            at,
            fc::PHONE_NOT_INTERNATIONAL,
            "Without a +country code the number may not be reachable from abroad.",
        )]
    })
}

/// `http://` or `https://`, a host, no spaces.
fn check_website(at: &str, value: &str) -> Result<Vec<FieldError>, FieldError> {
    let lower = value.to_ascii_lowercase();
    let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        (false, "")
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_ok = !host.is_empty()
        && host.contains('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || ".-:".contains(c));
    if !host_ok || value.chars().any(char::is_whitespace) {
        return Err(FieldError::new(
            at,
            fc::INVALID_WEBSITE,
            "A web address starting with https://, like https://example.com.",
        ));
    }
    Ok(if https {
        Vec::new()
    } else {
        vec![FieldError::new(
            at,
            fc::WEBSITE_NOT_HTTPS,
            "The address is not https://; browsers may warn visitors.",
        )]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(field: ProfileField, value: &str) -> Result<Vec<String>, String> {
        field
            .check(&field.normalize(value))
            .map(|w| w.into_iter().map(|w| w.code).collect())
            .map_err(|e| e.code)
    }

    #[test]
    fn emails_are_checked_by_shape() {
        for ok in [
            "a@b.example",
            "first.last+tag@sub.domain.example",
            "ü@münchen.example",
        ] {
            assert_eq!(code(ProfileField::Email, ok), Ok(vec![]), "{ok}");
        }
        for bad in [
            "plain",
            "@b.example",
            "a@",
            "a@localhost",
            "a b@c.example",
            "a@b..example",
            "a@-b.example",
            ".a@b.example",
            "a@b@c.example",
        ] {
            assert_eq!(
                code(ProfileField::Email, bad),
                Err("invalid_email".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn countries_and_zones_come_from_real_lists() {
        assert_eq!(code(ProfileField::Country, "DE"), Ok(vec![]));
        assert_eq!(code(ProfileField::Country, ""), Ok(vec![]), "may be empty");
        for bad in ["de", "XX", "UK", "D"] {
            assert_eq!(
                code(ProfileField::Country, bad),
                Err("unknown_country".into()),
                "{bad}"
            );
        }
        assert_eq!(
            code(ProfileField::Country, "DEU"),
            Err("too_long".into()),
            "three letters are alpha-3, not alpha-2"
        );
        for ok in [
            "Europe/Berlin",
            "America/Argentina/Buenos_Aires",
            "UTC",
            "Asia/Kolkata",
        ] {
            assert_eq!(code(ProfileField::TimeZone, ok), Ok(vec![]), "{ok}");
        }
        for bad in ["Europe/Berlinn", "europe/berlin", "Mars/Base", "GMT+25"] {
            assert_eq!(
                code(ProfileField::TimeZone, bad),
                Err("unknown_time_zone".into()),
                "{bad}"
            );
        }
        assert_eq!(code(ProfileField::TimeZone, ""), Err("required".into()));
        assert!(time_zone_names().any(|z| z == "Pacific/Auckland"));
    }

    #[test]
    fn control_and_bidi_characters_are_refused_but_notes_keep_their_lines() {
        for bad in [
            "Acme\u{1b}[2J",
            "Acme\u{202E}",
            "A\u{200B}cme",
            "A\ncme",
            "A\u{85}B",
        ] {
            assert_eq!(
                code(ProfileField::Name, bad),
                Err("unsafe_characters".into()),
                "{bad:?}"
            );
        }
        assert_eq!(code(ProfileField::Notes, "one\ntwo\n\n"), Ok(vec![]));
        assert_eq!(ProfileField::Notes.normalize("one\ntwo\n\n"), "one\ntwo");
        assert_eq!(
            code(ProfileField::Notes, "one\r\ntwo"),
            Err("unsafe_characters".into())
        );
        assert_eq!(code(ProfileField::Name, "  Acme  "), Ok(vec![]));
        assert_eq!(ProfileField::Name.normalize("  Acme  "), "Acme");
    }

    #[test]
    fn lengths_count_characters() {
        let notes = "é".repeat(MAX_NOTES_CHARS);
        assert_eq!(code(ProfileField::Notes, &notes), Ok(vec![]));
        assert_eq!(
            code(ProfileField::Notes, &format!("{notes}é")),
            Err("too_long".into())
        );
        assert_eq!(
            code(ProfileField::PostalCode, &"1".repeat(21)),
            Err("too_long".into())
        );
    }

    #[test]
    fn phones_and_websites_warn_without_refusing() {
        assert_eq!(code(ProfileField::Phone, "+49 30 1234-5678"), Ok(vec![]));
        assert_eq!(
            code(ProfileField::Phone, "(030) 1234 5678"),
            Ok(vec!["phone_not_international".into()])
        );
        for bad in ["call me", "+1 2", "12+345678", "+49 ☎ 1234567"] {
            assert_eq!(
                code(ProfileField::Phone, bad),
                Err("invalid_phone".into()),
                "{bad}"
            );
        }
        assert_eq!(
            code(ProfileField::Website, "https://acme.example/x?y"),
            Ok(vec![])
        );
        assert_eq!(
            code(ProfileField::Website, "http://acme.example"),
            Ok(vec!["website_not_https".into()])
        );
        for bad in [
            "acme.example",
            "ftp://acme.example",
            "https://",
            "https://acme",
        ] {
            assert_eq!(
                code(ProfileField::Website, bad),
                Err("invalid_website".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_field_has_its_pointer_and_its_place_in_the_partner() {
        let mut p: Partner = serde_json::from_value(serde_json::json!({
            "id": "p", "name": "", "status": "active", "package": null, "invoice_id": "",
            "contact": {"name": "", "email": "", "phone": "", "website": "", "time_zone": "",
                        "address": {}},
            "channels": [], "created_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        for f in ProfileField::ALL {
            assert_eq!(ProfileField::from_pointer(f.pointer()), Some(f));
            f.set_in(&mut p, f.pointer().to_string());
        }
        let json = serde_json::to_value(&p).unwrap();
        for f in ProfileField::ALL {
            assert_eq!(
                f.value_in(&p),
                f.pointer(),
                "set and read at the same place"
            );
            assert_eq!(
                json.pointer(f.pointer()).and_then(|v| v.as_str()),
                Some(f.pointer())
            );
        }
    }
}
