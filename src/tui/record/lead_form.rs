//! `E` on the Lead exchange page: the partner's lead-exchange settings in one form, in
//! sections that scroll (type and prices, portal, billing, delivery, limits, schedule, contact,
//! text alerts). A field appears only when it applies (the credit limit with post-pay, the
//! method, address, body and headers with internet delivery on); the schedule is a grid of
//! seven rows (day, on, from, to); the body template opens in `$EDITOR`. The form's values
//! become settings again with [`settings_from`], which the server's own rules
//! (`lead_rules::check`) check before anything is sent; the save is a merge patch of the
//! members that changed ([`patch`]).

use crate::domain::lead_template::MAX_TEMPLATE_CHARS;
use crate::domain::{
    Billing, DayWindow, DeliveryHeader, DeliveryMethod, LeadPartnerType, LeadSettings, Money,
    PortalAccess, WEEKDAY_NAMES, minor_digits, plain_decimal,
};
use crate::tui::form::{Check, FieldKind, FieldSpec, Form, Layout, parse_money};

/// The form's pointers that are not the settings' own: the one currency of every amount.
pub const CURRENCY: &str = "/currency";

/// The schedule grid's pointers, a day a row: on, from, to.
const DAYS: [[&str; 3]; 7] = [
    [
        "/schedule/days/mon/enabled",
        "/schedule/days/mon/start",
        "/schedule/days/mon/end",
    ],
    [
        "/schedule/days/tue/enabled",
        "/schedule/days/tue/start",
        "/schedule/days/tue/end",
    ],
    [
        "/schedule/days/wed/enabled",
        "/schedule/days/wed/start",
        "/schedule/days/wed/end",
    ],
    [
        "/schedule/days/thu/enabled",
        "/schedule/days/thu/start",
        "/schedule/days/thu/end",
    ],
    [
        "/schedule/days/fri/enabled",
        "/schedule/days/fri/start",
        "/schedule/days/fri/end",
    ],
    [
        "/schedule/days/sat/enabled",
        "/schedule/days/sat/start",
        "/schedule/days/sat/end",
    ],
    [
        "/schedule/days/sun/enabled",
        "/schedule/days/sun/start",
        "/schedule/days/sun/end",
    ],
];

fn yes_no(b: bool) -> String {
    if b { "true" } else { "false" }.into()
}

fn amount(m: Option<&Money>) -> String {
    m.map(|m| plain_decimal(m.amount_minor, &m.currency))
        .unwrap_or_default()
}

/// Headers as the form holds them: `Name: value`, a line each.
fn headers_text(h: &[DeliveryHeader]) -> String {
    h.iter()
        .map(|h| format!("{}: {}", h.name, h.value))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The settings as the form's values, by pointer: what the form opens with, and what a 412
/// rebases it onto.
pub fn values(s: &LeadSettings) -> Vec<(&'static str, String)> {
    let net = &s.internet_delivery;
    let mut v = vec![
        ("/partner_type", s.partner_type.as_str().to_string()),
        (CURRENCY, s.currency().unwrap_or("EUR").to_string()),
        ("/lead_cost", amount(s.lead_cost.as_ref())),
        ("/lead_value", amount(s.lead_value.as_ref())),
        ("/portal_access", s.portal_access.as_str().to_string()),
        ("/require_accept", yes_no(s.require_accept)),
        ("/allow_status_updates", yes_no(s.allow_status_updates)),
        ("/billing", s.billing.as_str().to_string()),
        ("/credit_limit", amount(s.credit_limit.as_ref())),
        ("/email_delivery/enabled", yes_no(s.email_delivery.enabled)),
        ("/email_delivery/address", s.email_delivery.address.clone()),
        ("/internet_delivery/enabled", yes_no(net.enabled)),
        ("/internet_delivery/method", net.method.as_str().to_string()),
        ("/internet_delivery/url", net.url.clone()),
        (
            "/internet_delivery/body_template",
            net.body_template.clone(),
        ),
        ("/internet_delivery/headers", headers_text(&net.headers)),
        ("/daily_limit", s.daily_limit.to_string()),
        ("/monthly_limit", s.monthly_limit.to_string()),
        ("/schedule/time_zone", s.schedule.time_zone.clone()),
    ];
    for (ptrs, day) in DAYS.iter().zip(s.schedule.days.days()) {
        v.push((ptrs[0], yes_no(day.enabled)));
        v.push((ptrs[1], day.start.clone()));
        v.push((ptrs[2], day.end.clone()));
    }
    v.extend([
        ("/contact/phone", s.contact.phone.clone()),
        ("/contact/email", s.contact.email.clone()),
        ("/contact/transfer_phone", s.contact.transfer_phone.clone()),
        ("/contact/mobile", s.contact.mobile.clone()),
        (
            "/text_alerts/on_referral",
            yes_no(s.text_alerts.on_referral),
        ),
        (
            "/text_alerts/on_low_funds",
            yes_no(s.text_alerts.on_low_funds),
        ),
        (
            "/low_funds_threshold",
            amount(s.low_funds_threshold.as_ref()),
        ),
    ]);
    v
}

fn choice<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> FieldKind {
    FieldKind::Choice(
        all.iter()
            .map(|t| (value(*t).to_string(), label(*t).to_string()))
            .collect(),
    )
}

/// A whole number of leads from 0 (no limit) up.
fn limit_check() -> Check {
    Check::new(|v| match v.trim().parse::<i64>() {
        Ok(n) if (0..=crate::domain::lead_rules::MAX_LEAD_LIMIT).contains(&n) => Ok(()),
        _ => Err("A whole number of leads; 0 means no limit.".into()),
    })
}

fn currency_check() -> Check {
    Check::new(|v| {
        let v = v.trim();
        if v.len() == 3 && v.chars().all(|c| c.is_ascii_alphabetic()) {
            Ok(())
        } else {
            Err("Three letters (ISO 4217), like EUR or USD.".into())
        }
    })
}

/// The form for `s`, of the partner called `name`.
pub fn lead_form(name: &str, s: &LeadSettings) -> Form {
    const INTRODUCES: &[&str] = &["introducer", "both"];
    const BUYS: &[&str] = &["buyer", "both"];
    const ON: &[&str] = &["true"];
    let values = values(s);
    let value = |p: &str| {
        values
            .iter()
            .find(|(ptr, _)| *ptr == p)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let currency = value(CURRENCY);
    let field = |pointer: &'static str, label: &'static str, kind: FieldKind| FieldSpec {
        pointer,
        label,
        kind,
        check: None,
        value: value(pointer),
    };
    let money = |pointer, label| {
        field(
            pointer,
            label,
            FieldKind::Money {
                currency: currency.clone(),
            },
        )
    };
    let text = |pointer, label, max| field(pointer, label, FieldKind::Text { max });
    let net_on = || Layout::default().when("/internet_delivery/enabled", ON);
    let mut specs = vec![
        (
            field(
                "/partner_type",
                "Partner type",
                choice(
                    &LeadPartnerType::ALL,
                    LeadPartnerType::as_str,
                    LeadPartnerType::label,
                ),
            ),
            Layout::section("Type and prices"),
        ),
        (
            FieldSpec {
                check: Some(currency_check()),
                ..text(CURRENCY, "Currency", 3)
            },
            Layout::default(),
        ),
        (
            money("/lead_cost", "Lead cost"),
            Layout::default().when("/partner_type", INTRODUCES),
        ),
        (
            money("/lead_value", "Lead value"),
            Layout::default().when("/partner_type", BUYS),
        ),
        (
            field(
                "/portal_access",
                "Portal access",
                choice(
                    &PortalAccess::ALL,
                    PortalAccess::as_str,
                    PortalAccess::label,
                ),
            ),
            Layout::section("Portal"),
        ),
        (
            field("/require_accept", "Require accept", FieldKind::YesNo),
            Layout::default(),
        ),
        (
            field("/allow_status_updates", "Status updates", FieldKind::YesNo),
            Layout::default(),
        ),
        (
            field(
                "/billing",
                "Billing",
                choice(&Billing::ALL, Billing::as_str, Billing::label),
            ),
            Layout::section("Billing"),
        ),
        (
            money("/credit_limit", "Credit limit"),
            Layout::default().when("/billing", &["postpay"]),
        ),
        (
            field("/email_delivery/enabled", "By email", FieldKind::YesNo),
            Layout::section("Delivery"),
        ),
        (
            text("/email_delivery/address", "Email to", 254),
            Layout::default().when("/email_delivery/enabled", ON),
        ),
        (
            field(
                "/internet_delivery/enabled",
                "By internet",
                FieldKind::YesNo,
            ),
            Layout::default(),
        ),
        (
            field(
                "/internet_delivery/method",
                "Method",
                choice(
                    &DeliveryMethod::ALL,
                    DeliveryMethod::as_str,
                    DeliveryMethod::label,
                ),
            ),
            net_on(),
        ),
        (
            text("/internet_delivery/url", "URL (https)", 1000),
            net_on(),
        ),
        (
            field(
                "/internet_delivery/body_template",
                "Body template",
                FieldKind::MultiLine {
                    max: MAX_TEMPLATE_CHARS,
                },
            ),
            net_on(),
        ),
        (
            field(
                "/internet_delivery/headers",
                "Headers",
                FieldKind::MultiLine { max: 20_000 },
            ),
            net_on().when("/internet_delivery/method", &["xml", "post"]),
        ),
        (
            FieldSpec {
                check: Some(limit_check()),
                ..text("/daily_limit", "Daily limit", 7)
            },
            Layout::section("Limits (0 = no limit)"),
        ),
        (
            FieldSpec {
                check: Some(limit_check()),
                ..text("/monthly_limit", "Monthly limit", 7)
            },
            Layout::default(),
        ),
        (
            field(
                "/schedule/time_zone",
                "Time zone",
                FieldKind::Choice(
                    crate::domain::profile::time_zone_names()
                        .map(|z| (z.to_string(), z.to_string()))
                        .collect(),
                ),
            ),
            Layout::section("Schedule (00:00 to 00:00 is all day)"),
        ),
    ];
    for (ptrs, day) in DAYS.iter().zip(WEEKDAY_NAMES) {
        specs.push((field(ptrs[0], day, FieldKind::YesNo), Layout::default()));
        specs.push((field(ptrs[1], "from", FieldKind::Time), Layout::beside()));
        specs.push((field(ptrs[2], "to", FieldKind::Time), Layout::beside()));
    }
    specs.extend([
        (
            text("/contact/phone", "Phone", 40),
            Layout::section("Contact"),
        ),
        (text("/contact/email", "Email", 254), Layout::default()),
        (
            text("/contact/transfer_phone", "Transfer phone", 40),
            Layout::default(),
        ),
        (
            text("/contact/mobile", "Mobile (texts)", 40),
            Layout::default(),
        ),
        (
            field(
                "/text_alerts/on_referral",
                "Text on referral",
                FieldKind::YesNo,
            ),
            Layout::section("Text alerts"),
        ),
        (
            field(
                "/text_alerts/on_low_funds",
                "Text on low funds",
                FieldKind::YesNo,
            ),
            Layout::default(),
        ),
        (
            money("/low_funds_threshold", "Low-funds at"),
            Layout::default().when("/text_alerts/on_low_funds", ON),
        ),
    ]);
    Form::laid_out(format!("Lead exchange of {name}"), specs)
}

/// The amount in a money field in `currency`'s minor units.
fn minor_units(v: &str, currency: &str) -> Option<i64> {
    let cents = parse_money(v)?;
    match minor_digits(currency) {
        0 if cents % 100 == 0 => Some(cents / 100),
        0 => None,
        _ => Some(cents),
    }
}

/// The settings the form holds, on top of `base` (what it was opened with). A field that
/// does not apply keeps the base's value, but where a rule forbids one: no credit limit
/// without post-pay, no lead cost for a buyer nor lead value for an introducer, no headers for
/// a method that takes none. `Err` names each field that cannot be read, by pointer.
pub fn settings_from(
    form: &Form,
    base: &LeadSettings,
) -> Result<LeadSettings, Vec<(String, String)>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let shown = |p: &str| {
        form.fields
            .iter()
            .position(|f| f.pointer == p)
            .is_some_and(|i| form.shown(i))
    };
    let get = |p: &str| form.value(p).unwrap_or("").trim().to_string();
    let flag = |p: &str| get(p) == "true";
    let currency = get(CURRENCY).to_ascii_uppercase();
    let mut money = |p: &'static str| -> Option<Money> {
        let v = get(p);
        if !shown(p) || v.is_empty() {
            return None;
        }
        match minor_units(&v, &currency) {
            Some(n) => Some(Money::new(n, &currency)),
            None => {
                errors.push((p.into(), format!("An amount in {currency}, such as 49.00.")));
                None
            }
        }
    };
    let mut s = base.clone();
    s.partner_type = match get("/partner_type").as_str() {
        "buyer" => LeadPartnerType::Buyer,
        "both" => LeadPartnerType::Both,
        _ => LeadPartnerType::Introducer,
    };
    s.lead_cost = money("/lead_cost");
    s.lead_value = money("/lead_value");
    s.credit_limit = money("/credit_limit");
    s.low_funds_threshold = if shown("/low_funds_threshold") {
        money("/low_funds_threshold")
    } else {
        // Kept while the alert is off, in the one currency.
        base.low_funds_threshold
            .as_ref()
            .map(|m| Money::new(m.amount_minor, &currency))
    };
    s.portal_access = PortalAccess::ALL
        .into_iter()
        .find(|a| a.as_str() == get("/portal_access"))
        .unwrap_or(base.portal_access);
    s.require_accept = flag("/require_accept");
    s.allow_status_updates = flag("/allow_status_updates");
    s.billing = if get("/billing") == "postpay" {
        Billing::Postpay
    } else {
        Billing::Prepay
    };
    s.email_delivery.enabled = flag("/email_delivery/enabled");
    s.email_delivery.address = get("/email_delivery/address");
    let net = &mut s.internet_delivery;
    net.enabled = flag("/internet_delivery/enabled");
    net.method = DeliveryMethod::ALL
        .into_iter()
        .find(|m| m.as_str() == get("/internet_delivery/method"))
        .unwrap_or(net.method);
    net.url = get("/internet_delivery/url");
    net.body_template = form
        .value("/internet_delivery/body_template")
        .unwrap_or("")
        .trim_end()
        .to_string();
    net.headers = Vec::new();
    if net.method.takes_headers() {
        for (i, line) in get("/internet_delivery/headers")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            match line.split_once(':') {
                Some((name, value)) => net.headers.push(DeliveryHeader {
                    name: name.trim().to_string(),
                    value: value.trim().to_string(),
                }),
                None => errors.push((
                    "/internet_delivery/headers".into(),
                    format!(
                        "Line {}: a header is Name: value, like X-Api-Key: abc123.",
                        i + 1
                    ),
                )),
            }
        }
    }
    for (p, slot) in [
        ("/daily_limit", &mut s.daily_limit),
        ("/monthly_limit", &mut s.monthly_limit),
    ] {
        match get(p).parse::<i64>() {
            Ok(n) => *slot = n,
            Err(_) => errors.push((
                p.into(),
                "A whole number of leads; 0 means no limit.".into(),
            )),
        }
    }
    s.schedule.time_zone = get("/schedule/time_zone");
    for (ptrs, day) in DAYS.iter().zip(s.schedule.days.days_mut()) {
        *day = DayWindow::new(flag(ptrs[0]), &get(ptrs[1]), &get(ptrs[2]));
    }
    s.contact.phone = get("/contact/phone");
    s.contact.email = get("/contact/email");
    s.contact.transfer_phone = get("/contact/transfer_phone");
    s.contact.mobile = get("/contact/mobile");
    s.text_alerts.on_referral = flag("/text_alerts/on_referral");
    s.text_alerts.on_low_funds = flag("/text_alerts/on_low_funds");
    if errors.is_empty() {
        Ok(s)
    } else {
        Err(errors)
    }
}

/// The merge patch from `base` to `new`: each top-level member that differs, whole.
pub fn patch(base: &LeadSettings, new: &LeadSettings) -> serde_json::Value {
    let (Ok(serde_json::Value::Object(before)), Ok(serde_json::Value::Object(after))) =
        (serde_json::to_value(base), serde_json::to_value(new))
    else {
        return serde_json::Value::Object(Default::default());
    };
    serde_json::Value::Object(
        after
            .into_iter()
            .filter(|(k, v)| before.get(k) != Some(v))
            .collect(),
    )
}

/// An error or warning of the rules, at its place in this form: the currency of any amount
/// is the form's one currency field.
pub fn form_pointer(pointer: &str) -> String {
    if pointer.ends_with("/currency") {
        CURRENCY.to_string()
    } else {
        pointer.to_string()
    }
}
