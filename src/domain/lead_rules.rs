//! The rules of lead-exchange settings (RECORDS.md §4): [`check`] reports every broken rule at
//! once as field errors with JSON pointers, and the warnings a CSR should see (saved anyway).
//! The server runs it on every write, on the settings as the merge patch leaves them; the
//! console's form runs it before sending, so both say the same thing in the same words.

use serde_json::Value;

use super::field_codes as fc;
use super::field_rules::{MAX_AMOUNT_MINOR, is_https_url, money_errors, text_error};
use super::lead_template::{self, MAX_TEMPLATE_CHARS};
use super::profile::{check_phone, is_email, is_time_zone};
use super::{FieldError, LEAD_SETTINGS_MEMBERS, LeadSettings, Money, WEEKDAY_KEYS, Week};

/// The largest daily or monthly limit.
pub const MAX_LEAD_LIMIT: i64 = 1_000_000;
/// The largest amount of a money field, in minor units (ten billion in major units).
pub const MAX_LEAD_AMOUNT_MINOR: i64 = MAX_AMOUNT_MINOR;
pub const MAX_URL_CHARS: usize = 1_000;
pub const MAX_HEADERS: usize = 20;

/// What [`check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadCheck {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldError>,
}

impl LeadCheck {
    fn error(&mut self, at: &str, code: &str, detail: impl Into<String>) {
        self.errors.push(FieldError::new(at, code, detail));
    }

    fn warn(&mut self, at: &str, code: &str, detail: impl Into<String>) {
        self.warnings.push(FieldError::new(at, code, detail));
    }

    /// A text field's shape (`field_rules::text_error`); false when it is refused.
    fn text(&mut self, at: &str, value: &str, max: usize, multi_line: bool) -> bool {
        match text_error(at, value, max, multi_line) {
            Some(e) => {
                self.errors.push(e);
                false
            }
            None => true,
        }
    }

    fn phone(&mut self, at: &str, value: &str) {
        if value.is_empty() || !self.text(at, value, 40, false) {
            return;
        }
        match check_phone(at, value) {
            Ok(warnings) => self.warnings.extend(warnings),
            Err(e) => self.errors.push(e),
        }
    }

    fn email(&mut self, at: &str, value: &str) {
        if !value.is_empty() && self.text(at, value, 254, false) && !is_email(value) {
            self.error(
                at,
                fc::INVALID_EMAIL,
                "Not an email address: name@domain.example.",
            );
        }
    }

    fn money(&mut self, at: &str, m: &Money) {
        self.errors.extend(money_errors(at, m));
    }

    fn limit(&mut self, at: &str, value: i64, what: &str) {
        if !(0..=MAX_LEAD_LIMIT).contains(&value) {
            self.error(
                at,
                fc::OUT_OF_RANGE,
                format!("A {what} limit is a whole number from 0 (no limit) to {MAX_LEAD_LIMIT}."),
            );
        } else if value == 0 {
            self.warn(
                at,
                fc::LIMIT_DISABLED,
                format!("0 means no {what} limit: the partner may receive any number of leads."),
            );
        }
    }
}

/// Minutes after midnight of an `"HH:MM"` time (`00:00` to `23:59`).
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.chars().chain(m.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A day window's minutes, `end` of `00:00` read as the end of the day (1440). `None` when a
/// time is not `HH:MM`.
pub fn window_minutes(start: &str, end: &str) -> Option<(u32, u32)> {
    let start = parse_hhmm(start)?;
    let end = match parse_hhmm(end)? {
        0 => 24 * 60,
        e => e,
    };
    Some((start, end))
}

/// The most delivery days any 31-day month can have under `week`: each weekday comes four
/// times in 31 consecutive days, and the three that start the month a fifth time.
pub fn max_delivery_days_in_a_month(week: &Week) -> i64 {
    let on: Vec<bool> = week.days().iter().map(|d| d.enabled).collect();
    let per_week = on.iter().filter(|&&b| b).count() as i64;
    let best_three = (0..7)
        .map(|first| (0..3).filter(|k| on[(first + k) % 7]).count() as i64)
        .max()
        .unwrap_or(0);
    4 * per_week + best_three
}

/// An HTTP header name: a token (RFC 9110), and not one the delivery itself sets.
fn header_name_ok(name: &str) -> bool {
    const OWN: [&str; 4] = [
        "content-type",
        "content-length",
        "host",
        "transfer-encoding",
    ];
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
        && !OWN.contains(&name.to_ascii_lowercase().as_str())
}

/// A body template on its own, as a save and a preview both take it (one way of saying what
/// a template may be): no unsafe characters but line breaks and tabs, at most
/// [`MAX_TEMPLATE_CHARS`], and every `{{variable}}` one of the template's. Its error, if any,
/// at `at`.
pub fn check_template(at: &str, template: &str) -> Vec<FieldError> {
    let mut c = LeadCheck::default();
    if c.text(at, template, MAX_TEMPLATE_CHARS, true)
        && let Err(e) = lead_template::parse(template)
    {
        c.error(at, e.code(), e.detail());
    }
    c.errors
}

/// Every rule of RECORDS.md §4 over `s`.
pub fn check(s: &LeadSettings) -> LeadCheck {
    let mut c = LeadCheck::default();

    // Type and prices.
    if s.partner_type.introduces() && s.lead_cost.is_none() {
        c.error(
            "/lead_cost",
            fc::REQUIRED,
            "An introducer has a lead cost: what we pay for each of its leads.",
        );
    }
    if s.partner_type.buys() && s.lead_value.is_none() {
        c.error(
            "/lead_value",
            fc::REQUIRED,
            "A buyer has a lead value: what it pays for each lead.",
        );
    }

    // Billing.
    match (s.billing, &s.credit_limit) {
        (super::Billing::Prepay, Some(_)) => c.error(
            "/credit_limit",
            fc::CREDIT_LIMIT_NOT_POSTPAY,
            "A credit limit only goes with post-pay; a pre-pay partner pays first.",
        ),
        (super::Billing::Postpay, None) => c.error(
            "/credit_limit",
            fc::REQUIRED,
            "Post-pay needs a credit limit: how much the partner may owe.",
        ),
        _ => {}
    }
    if s.text_alerts.on_low_funds && s.low_funds_threshold.is_none() {
        c.error(
            "/low_funds_threshold",
            fc::REQUIRED,
            "A low-funds alert needs the threshold it is sent at.",
        );
    }

    // Money: each amount's shape, then one currency across them.
    let money = s.money_fields();
    for (at, m) in money {
        if let Some(m) = m {
            c.money(at, m);
        }
    }
    if let Some(first) = s.currency() {
        for (at, m) in money {
            if let Some(m) = m.filter(|m| m.currency != first) {
                c.error(
                    &format!("{at}/currency"),
                    fc::CURRENCY_MISMATCH,
                    format!(
                        "One currency for all of a partner's amounts: this is {}, the others {first}.",
                        m.currency
                    ),
                );
            }
        }
    }

    // Email delivery.
    let email = &s.email_delivery;
    c.email("/email_delivery/address", &email.address);
    if email.enabled && email.address.is_empty() {
        c.error(
            "/email_delivery/address",
            fc::REQUIRED,
            "Email delivery needs the address leads are sent to.",
        );
    }

    // Internet delivery.
    let net = &s.internet_delivery;
    if c.text("/internet_delivery/url", &net.url, MAX_URL_CHARS, false)
        && !net.url.is_empty()
        && !is_https_url(&net.url)
    {
        c.error(
            "/internet_delivery/url",
            fc::URL_INVALID,
            "The address leads are sent to is https://, like https://api.partner.example/leads.",
        );
    }
    if net.enabled && net.url.is_empty() {
        c.error(
            "/internet_delivery/url",
            fc::REQUIRED,
            "Internet delivery needs the https:// address leads are sent to.",
        );
    }
    let at = "/internet_delivery/body_template";
    let template = check_template(at, &net.body_template);
    if template.is_empty() && net.enabled && net.body_template.trim().is_empty() {
        c.error(
            at,
            fc::REQUIRED,
            "Internet delivery needs a body: what the partner's API expects, with {{variables}}.",
        );
    }
    c.errors.extend(template);
    if !net.headers.is_empty() && !net.method.takes_headers() {
        c.error(
            "/internet_delivery/headers",
            fc::HEADERS_UNSUPPORTED,
            format!(
                "{} delivery takes no custom headers (only XML and POST do); remove them.",
                net.method.label()
            ),
        );
    } else if net.headers.len() > MAX_HEADERS {
        c.error(
            "/internet_delivery/headers",
            fc::TOO_LONG,
            format!("At most {MAX_HEADERS} headers."),
        );
    }
    for (i, h) in net.headers.iter().enumerate() {
        let at = format!("/internet_delivery/headers/{i}");
        if !header_name_ok(&h.name) {
            c.error(
                &format!("{at}/name"),
                fc::INVALID_HEADER,
                "A header name is letters, digits and - (like X-Api-Key), and not one delivery sets itself.",
            );
        }
        c.text(&format!("{at}/value"), &h.value, 1_000, false);
    }

    // Limits.
    c.limit("/daily_limit", s.daily_limit, "daily");
    c.limit("/monthly_limit", s.monthly_limit, "monthly");

    // Schedule.
    let zone = &s.schedule.time_zone;
    if c.text("/schedule/time_zone", zone, 64, false) && !is_time_zone(zone) {
        c.error(
            "/schedule/time_zone",
            fc::UNKNOWN_TIME_ZONE,
            "Not an IANA time zone name, like Europe/Berlin.",
        );
    }
    for (key, day) in WEEKDAY_KEYS.iter().zip(s.schedule.days.days()) {
        let at = format!("/schedule/days/{key}");
        let start = parse_hhmm(&day.start);
        let end = parse_hhmm(&day.end);
        for (field, value, parsed) in [("start", &day.start, start), ("end", &day.end, end)] {
            if parsed.is_none() {
                c.error(
                    &format!("{at}/{field}"),
                    fc::INVALID_TIME,
                    format!("{value:?} is not a time: HH:MM, from 00:00 to 23:59."),
                );
            }
        }
        if let Some((from, to)) = window_minutes(&day.start, &day.end)
            && to <= from
        {
            c.error(
                &format!("{at}/end"),
                fc::END_BEFORE_START,
                format!(
                    "The window ends ({}) before it starts ({}); 00:00 as the end means midnight, 00:00–00:00 the whole day.",
                    day.end, day.start
                ),
            );
        }
    }

    // Limits against each other and the schedule: warnings.
    let days = max_delivery_days_in_a_month(&s.schedule.days);
    if days == 0 && (net.enabled || email.enabled) {
        c.warn(
            "/schedule/days",
            fc::NO_DELIVERY_DAYS,
            "No day of the week is on: the partner receives no leads.",
        );
    }
    let (daily, monthly) = (s.daily_limit, s.monthly_limit);
    if daily > 0 && monthly > 0 && daily <= MAX_LEAD_LIMIT && monthly <= MAX_LEAD_LIMIT {
        if daily * days < monthly {
            c.warn(
                "/monthly_limit",
                fc::UNREACHABLE_MONTHLY_LIMIT,
                format!(
                    "{daily} a day on at most {days} delivery days a month is {}: the monthly limit of {monthly} is never reached.",
                    daily * days
                ),
            );
        } else if daily > monthly {
            c.warn(
                "/daily_limit",
                fc::DAILY_ABOVE_MONTHLY,
                format!(
                    "The daily limit ({daily}) is above the monthly one ({monthly}): no day can use it all."
                ),
            );
        }
    }

    // Contact and alerts.
    c.phone("/contact/phone", &s.contact.phone);
    c.email("/contact/email", &s.contact.email);
    c.phone("/contact/transfer_phone", &s.contact.transfer_phone);
    c.phone("/contact/mobile", &s.contact.mobile);
    let alerts = s.text_alerts;
    if (alerts.on_referral || alerts.on_low_funds) && s.contact.mobile.is_empty() {
        c.error(
            "/contact/mobile",
            fc::MOBILE_REQUIRED,
            "Text alerts go to a mobile number: set one, or turn the alerts off.",
        );
    }
    c
}

/// Reads settings from JSON (the saved settings with a merge patch applied), reporting every
/// member of the wrong shape at once rather than the first. Members the settings do not have
/// are refused by name (the caller's 400).
pub fn decode(value: &Value) -> Result<LeadSettings, DecodeRefused> {
    let Some(object) = value.as_object() else {
        return Err(DecodeRefused::NotAnObject);
    };
    if let Some(unknown) = object
        .keys()
        .find(|k| !LEAD_SETTINGS_MEMBERS.contains(&k.as_str()))
    {
        return Err(DecodeRefused::UnknownMember(unknown.clone()));
    }
    let mut errors = Vec::new();
    for member in LEAD_SETTINGS_MEMBERS {
        if let Err(e) = member_shape(member, object.get(member).unwrap_or(&Value::Null)) {
            errors.push(FieldError::new(
                &format!("/{member}"),
                fc::INVALID_TYPE,
                format!("Not the shape this field takes: {e}."),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(DecodeRefused::Types(errors));
    }
    let settings: LeadSettings = serde_json::from_value(value.clone()).map_err(|e| {
        DecodeRefused::Types(vec![FieldError::new(
            "",
            fc::INVALID_TYPE,
            format!("Not lead settings: {e}."),
        )])
    })?;
    // serde skips members it does not know inside a member (`/contact/fax`), and the settings
    // would be saved without them as if they had been taken: what the settings would write
    // back is compared with what came, and anything more is refused by its pointer.
    let known = serde_json::to_value(&settings).unwrap_or(Value::Null);
    match unknown_inside(value, &known, "") {
        Some(at) => Err(DecodeRefused::UnknownMember(at)),
        None => Ok(settings),
    }
}

/// The JSON pointer of the first member of `given` that `known` (the same document as the
/// settings write it) does not have, looking inside objects and arrays.
fn unknown_inside(given: &Value, known: &Value, at: &str) -> Option<String> {
    match (given, known) {
        (Value::Object(given), Value::Object(known)) => given.iter().find_map(|(key, value)| {
            let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
            match known.get(key) {
                None => Some(here),
                Some(k) => unknown_inside(value, k, &here),
            }
        }),
        (Value::Array(given), Value::Array(known)) => given
            .iter()
            .zip(known)
            .enumerate()
            .find_map(|(i, (g, k))| unknown_inside(g, k, &format!("{at}/{i}"))),
        _ => None,
    }
}

/// Decodes one member alone, to learn whether its shape is right.
fn member_shape(member: &str, v: &Value) -> Result<(), serde_json::Error> {
    use super::*;
    use serde::Deserialize;
    fn is<'a, T: Deserialize<'a>>(v: &'a Value) -> Result<(), serde_json::Error> {
        T::deserialize(v).map(|_| ())
    }
    match member {
        "partner_type" => is::<LeadPartnerType>(v),
        "portal_access" => is::<PortalAccess>(v),
        "billing" => is::<Billing>(v),
        "lead_cost" | "lead_value" | "credit_limit" | "low_funds_threshold" => {
            is::<Option<Money>>(v)
        }
        "require_accept" | "allow_status_updates" => is::<bool>(v),
        "daily_limit" | "monthly_limit" => is::<i64>(v),
        "email_delivery" => is::<EmailDelivery>(v),
        "internet_delivery" => is::<InternetDelivery>(v),
        "schedule" => is::<DeliverySchedule>(v),
        "contact" => is::<LeadContact>(v),
        _ => is::<TextAlerts>(v),
    }
}

/// Why [`decode`] refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeRefused {
    NotAnObject,
    /// A member the settings do not have: its name at the top level (`fax`), its JSON pointer
    /// inside a member (`/contact/fax`, `/internet_delivery/headers/0/note`).
    UnknownMember(String),
    Types(Vec<FieldError>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Billing, DayWindow, DeliveryMethod, LeadPartnerType};

    fn settings() -> LeadSettings {
        LeadSettings::defaults(
            "EUR",
            "Europe/Berlin",
            "ops@partner.example",
            "+49 30 1234567",
        )
    }

    fn codes(c: &[FieldError]) -> Vec<(String, String)> {
        c.iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect()
    }

    fn has(c: &[FieldError], field: &str, code: &str) -> bool {
        c.iter().any(|e| e.field == field && e.code == code)
    }

    #[test]
    fn the_defaults_break_no_rule() {
        let c = check(&settings());
        assert_eq!(c.errors, vec![], "{:?}", codes(&c.errors));
        assert!(has(&c.warnings, "/daily_limit", "limit_disabled"));
        assert!(has(&c.warnings, "/monthly_limit", "limit_disabled"));
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let mut s = settings();
        s.partner_type = LeadPartnerType::Both;
        s.lead_cost = Some(Money::new(100, "USD"));
        s.billing = Billing::Prepay;
        s.credit_limit = Some(Money::new(5000, "EUR"));
        s.internet_delivery.enabled = true;
        s.internet_delivery.method = DeliveryMethod::Soap11;
        s.internet_delivery.url = "http://partner.example/leads".into();
        s.internet_delivery.body_template = "<a>{{nope}}</a>".into();
        s.internet_delivery.headers = vec![crate::domain::DeliveryHeader {
            name: "X-Key".into(),
            value: "1".into(),
        }];
        s.text_alerts.on_referral = true;
        s.daily_limit = -1;
        s.schedule.time_zone = "Mars/Olympus".into();
        s.schedule.days.tue = DayWindow::new(true, "17:00", "09:00");
        s.schedule.days.wed = DayWindow::new(true, "9am", "25:00");
        let c = check(&s);
        for (field, code) in [
            ("/lead_value", "required"),
            ("/credit_limit", "credit_limit_not_postpay"),
            ("/credit_limit/currency", "currency_mismatch"),
            ("/internet_delivery/url", "url_invalid"),
            ("/internet_delivery/body_template", "unknown_variable"),
            ("/internet_delivery/headers", "headers_unsupported"),
            ("/contact/mobile", "mobile_required"),
            ("/daily_limit", "out_of_range"),
            ("/schedule/time_zone", "unknown_time_zone"),
            ("/schedule/days/tue/end", "end_before_start"),
            ("/schedule/days/wed/start", "invalid_time"),
            ("/schedule/days/wed/end", "invalid_time"),
        ] {
            assert!(
                has(&c.errors, field, code),
                "{field} {code}: {:?}",
                codes(&c.errors)
            );
        }
        assert_eq!(c.errors.len(), 12, "{:?}", codes(&c.errors));
    }

    #[test]
    fn midnight_ends_the_day_and_equal_times_are_refused() {
        assert_eq!(window_minutes("00:00", "00:00"), Some((0, 1440)));
        assert_eq!(window_minutes("22:00", "00:00"), Some((1320, 1440)));
        let mut s = settings();
        s.schedule.days.mon = DayWindow::new(true, "00:00", "00:00");
        s.schedule.days.tue = DayWindow::new(true, "18:00", "00:00");
        s.schedule.days.wed = DayWindow::new(false, "09:00", "09:00");
        let c = check(&s);
        assert_eq!(
            codes(&c.errors),
            vec![("/schedule/days/wed/end".into(), "end_before_start".into())]
        );
        assert_eq!(parse_hhmm("23:59"), Some(1439));
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("9:00"), None);
    }

    #[test]
    fn a_month_has_at_most_four_weeks_and_three_days_of_delivery() {
        let mut week = settings().schedule.days; // Mon–Fri
        assert_eq!(max_delivery_days_in_a_month(&week), 23);
        for d in week.days_mut() {
            d.enabled = true;
        }
        assert_eq!(max_delivery_days_in_a_month(&week), 31);
        for d in week.days_mut() {
            d.enabled = false;
        }
        week.sun.enabled = true;
        assert_eq!(max_delivery_days_in_a_month(&week), 5);
    }

    #[test]
    fn limits_that_cannot_both_be_reached_are_warned_about() {
        let mut s = settings();
        s.daily_limit = 1;
        s.monthly_limit = 50;
        let c = check(&s);
        assert!(c.errors.is_empty());
        let w = c
            .warnings
            .iter()
            .find(|w| w.code == "unreachable_monthly_limit")
            .unwrap();
        assert_eq!(w.field, "/monthly_limit");
        assert!(w.detail.contains("23"), "{}", w.detail);
        s.daily_limit = 3; // 3 × 23 = 69 ≥ 50
        assert!(check(&s).warnings.is_empty());
        s.daily_limit = 60;
        assert!(has(
            &check(&s).warnings,
            "/daily_limit",
            "daily_above_monthly"
        ));
    }

    #[test]
    fn decode_names_every_member_of_the_wrong_shape() {
        let mut v = serde_json::to_value(settings()).unwrap();
        v["daily_limit"] = "ten".into();
        v["billing"] = "monthly".into();
        v["contact"] = serde_json::json!({"phone": 1});
        let Err(DecodeRefused::Types(errors)) = decode(&v) else {
            panic!("decoded");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["/billing", "/daily_limit", "/contact"]);
        v["fax"] = "1".into();
        assert_eq!(decode(&v), Err(DecodeRefused::UnknownMember("fax".into())));
        assert_eq!(
            decode(&serde_json::json!([])),
            Err(DecodeRefused::NotAnObject)
        );
        let round = decode(&serde_json::to_value(settings()).unwrap()).unwrap();
        assert_eq!(round, settings());
    }

    #[test]
    fn a_member_unknown_inside_a_member_is_refused_by_its_pointer() {
        let mut v = serde_json::to_value(settings()).unwrap();
        v["contact"]["fax"] = "1".into();
        assert_eq!(
            decode(&v),
            Err(DecodeRefused::UnknownMember("/contact/fax".into()))
        );
        let mut v = serde_json::to_value(settings()).unwrap();
        v["internet_delivery"]["headers"] =
            serde_json::json!([{"name": "X-A", "value": "1", "n/b": 2}]);
        assert_eq!(
            decode(&v),
            Err(DecodeRefused::UnknownMember(
                "/internet_delivery/headers/0/n~1b".into()
            ))
        );
        let mut v = serde_json::to_value(settings()).unwrap();
        v["lead_cost"]["cents"] = 1.into();
        assert_eq!(
            decode(&v),
            Err(DecodeRefused::UnknownMember("/lead_cost/cents".into()))
        );
    }

    #[test]
    fn a_template_alone_is_checked_as_a_save_checks_it() {
        let at = "/body_template";
        assert_eq!(check_template(at, "<a>{{first_name}}</a>"), vec![]);
        assert_eq!(check_template(at, ""), vec![]);
        let codes_of = |t: &str| codes(&check_template(at, t));
        assert_eq!(
            codes_of("{{favourite}}"),
            vec![(at.to_string(), "unknown_variable".to_string())]
        );
        assert_eq!(
            codes_of("{{first_name"),
            vec![(at.to_string(), "template_invalid".to_string())]
        );
        assert_eq!(
            codes_of(&"x".repeat(MAX_TEMPLATE_CHARS + 1)),
            vec![(at.to_string(), "too_long".to_string())]
        );
        assert_eq!(
            codes_of("a\u{202e}b"),
            vec![(at.to_string(), "unsafe_characters".to_string())]
        );
        assert_eq!(codes_of("line\n\tnext {{email}}"), vec![]);
    }

    #[test]
    fn defaults_give_way_where_the_profile_breaks_a_rule() {
        let s = LeadSettings::defaults("euro", "", "not an email", "n/a");
        assert_eq!(check(&s).errors, vec![]);
        assert_eq!(s.schedule.time_zone, "UTC");
        assert_eq!(s.lead_cost, Some(Money::new(0, "EUR")));
        assert_eq!(
            (s.contact.email.as_str(), s.contact.phone.as_str()),
            ("", "")
        );
        let s = LeadSettings::defaults("GBP", "Mars/Olympus", "a@b.example", "+44 20 7946 0958");
        assert_eq!(s.schedule.time_zone, "UTC");
        assert_eq!(s.lead_cost, Some(Money::new(0, "GBP")));
        assert_eq!(s.contact.email, "a@b.example");
        assert_eq!(s.contact.phone, "+44 20 7946 0958");
    }
}
