//! A partner's lead-exchange settings (RECORDS.md §4, seed 004): what a CSR sets for a partner
//! that sells leads to us, buys them from us, or both. The types are the wire format of
//! `GET/PATCH /partners/{id}/lead_settings`; the rules are in `lead_rules`, shared by the
//! server (which checks every write) and the console's form (which checks before sending).

use serde::{Deserialize, Serialize};

use super::Money;
use crate::text::{Clean, document, line, text};

/// Whether we buy leads from the partner, sell leads to it, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadPartnerType {
    /// Sells leads to us: we pay its `lead_cost`.
    Introducer,
    /// Buys leads from us: it pays our `lead_value`.
    Buyer,
    Both,
}

impl LeadPartnerType {
    pub const ALL: [LeadPartnerType; 3] = [Self::Introducer, Self::Buyer, Self::Both];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Introducer => "introducer",
            Self::Buyer => "buyer",
            Self::Both => "both",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Introducer => "Introducer (we buy its leads)",
            Self::Buyer => "Buyer (it buys our leads)",
            Self::Both => "Both",
        }
    }

    /// It sells to us, so we pay a lead cost.
    pub fn introduces(self) -> bool {
        matches!(self, Self::Introducer | Self::Both)
    }

    /// It buys from us, so it pays a lead value.
    pub fn buys(self) -> bool {
        matches!(self, Self::Buyer | Self::Both)
    }
}

/// What the partner's portal lets it do (the seed's three levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalAccess {
    SearchViewReports,
    SearchViewOnly,
    AllButSearchView,
}

impl PortalAccess {
    pub const ALL: [PortalAccess; 3] = [
        Self::SearchViewReports,
        Self::SearchViewOnly,
        Self::AllButSearchView,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SearchViewReports => "search_view_reports",
            Self::SearchViewOnly => "search_view_only",
            Self::AllButSearchView => "all_but_search_view",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SearchViewReports => "Search and view its leads, with reports",
            Self::SearchViewOnly => "Only search and view its leads",
            Self::AllButSearchView => "Everything but searching and viewing leads",
        }
    }
}

/// Pre-pay (the partner pays before it receives), or post-pay up to a credit limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    Prepay,
    Postpay,
}

impl Billing {
    pub const ALL: [Billing; 2] = [Self::Prepay, Self::Postpay];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prepay => "prepay",
            Self::Postpay => "postpay",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Prepay => "Pre-pay",
            Self::Postpay => "Post-pay (credit limit)",
        }
    }
}

/// How internet delivery sends a lead to the partner's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    Xml,
    Json,
    Soap11,
    Soap12,
    Post,
}

impl DeliveryMethod {
    pub const ALL: [DeliveryMethod; 5] = [
        Self::Xml,
        Self::Json,
        Self::Soap11,
        Self::Soap12,
        Self::Post,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Xml => "xml",
            Self::Json => "json",
            Self::Soap11 => "soap11",
            Self::Soap12 => "soap12",
            Self::Post => "post",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Xml => "XML",
            Self::Json => "JSON",
            Self::Soap11 => "SOAP 1.1",
            Self::Soap12 => "SOAP 1.2",
            Self::Post => "POST (form fields)",
        }
    }

    /// The seed: "SOAP and JSON methods do not support custom headers".
    pub fn takes_headers(self) -> bool {
        matches!(self, Self::Xml | Self::Post)
    }

    /// The `Content-Type` the partner's API receives.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Xml => "application/xml; charset=utf-8",
            Self::Json => "application/json",
            Self::Soap11 => "text/xml; charset=utf-8",
            Self::Soap12 => "application/soap+xml; charset=utf-8",
            Self::Post => "application/x-www-form-urlencoded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDelivery {
    pub enabled: bool,
    pub address: String,
}

/// A custom HTTP header sent with each delivery (XML and POST only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryHeader {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternetDelivery {
    pub enabled: bool,
    pub method: DeliveryMethod,
    pub url: String,
    /// The request body with `{{variable}}`s (see `lead_template`).
    pub body_template: String,
    pub headers: Vec<DeliveryHeader>,
}

/// One weekday's delivery window, in the schedule's time zone. `"HH:MM"` each; an end of
/// `00:00` is the end of the day, so `00:00`–`00:00` is the whole day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayWindow {
    pub enabled: bool,
    pub start: String,
    pub end: String,
}

impl DayWindow {
    pub fn new(enabled: bool, start: &str, end: &str) -> Self {
        DayWindow {
            enabled,
            start: start.to_string(),
            end: end.to_string(),
        }
    }
}

/// The week, Monday first, as the wire's `{mon: …, …, sun: …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Week {
    pub mon: DayWindow,
    pub tue: DayWindow,
    pub wed: DayWindow,
    pub thu: DayWindow,
    pub fri: DayWindow,
    pub sat: DayWindow,
    pub sun: DayWindow,
}

/// The wire names of the days, Monday first (the order of [`Week::days`]).
pub const WEEKDAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
pub const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Week {
    /// The same window every day.
    pub fn every_day(window: DayWindow) -> Self {
        Week {
            mon: window.clone(),
            tue: window.clone(),
            wed: window.clone(),
            thu: window.clone(),
            fri: window.clone(),
            sat: window.clone(),
            sun: window,
        }
    }

    /// The days, Monday first.
    pub fn days(&self) -> [&DayWindow; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    pub fn days_mut(&mut self) -> [&mut DayWindow; 7] {
        [
            &mut self.mon,
            &mut self.tue,
            &mut self.wed,
            &mut self.thu,
            &mut self.fri,
            &mut self.sat,
            &mut self.sun,
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySchedule {
    /// An IANA name: the days and hours are the partner's.
    pub time_zone: String,
    pub days: Week,
}

/// Who at the partner the platform calls, mails and texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadContact {
    pub phone: String,
    pub email: String,
    /// For hot-key transfers of a caller.
    pub transfer_phone: String,
    /// For text alerts.
    pub mobile: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextAlerts {
    pub on_referral: bool,
    pub on_low_funds: bool,
}

/// `GET /partners/{id}/lead_settings`: every field, always present (a partner nobody has set
/// up yet answers [`LeadSettings::defaults`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadSettings {
    pub partner_type: LeadPartnerType,
    pub lead_cost: Option<Money>,
    pub lead_value: Option<Money>,
    pub portal_access: PortalAccess,
    pub require_accept: bool,
    pub allow_status_updates: bool,
    pub billing: Billing,
    pub credit_limit: Option<Money>,
    pub email_delivery: EmailDelivery,
    pub internet_delivery: InternetDelivery,
    /// Leads a day at most; 0 means no daily limit.
    pub daily_limit: i64,
    /// Leads a month at most; 0 means no monthly limit.
    pub monthly_limit: i64,
    pub schedule: DeliverySchedule,
    pub contact: LeadContact,
    pub text_alerts: TextAlerts,
    pub low_funds_threshold: Option<Money>,
}

/// The top-level members of [`LeadSettings`], in the wire's order: what a merge patch may
/// name.
pub const LEAD_SETTINGS_MEMBERS: [&str; 16] = [
    "partner_type",
    "lead_cost",
    "lead_value",
    "portal_access",
    "require_accept",
    "allow_status_updates",
    "billing",
    "credit_limit",
    "email_delivery",
    "internet_delivery",
    "daily_limit",
    "monthly_limit",
    "schedule",
    "contact",
    "text_alerts",
    "low_funds_threshold",
];

impl LeadSettings {
    /// The settings of a partner nobody has set up: an introducer at no cost, pre-pay, no
    /// delivery, no limits, weekdays 09:00–17:00 in the partner's zone, its profile's email
    /// and phone as contact. Valid under every rule, so a first change need only name what
    /// it changes: what the profile gives and a rule refuses (an empty or unknown time zone,
    /// a phone like "n/a" an older import kept, a currency that is not ISO 4217) gives way to
    /// UTC, nothing and EUR.
    pub fn defaults(currency: &str, time_zone: &str, email: &str, phone: &str) -> Self {
        let mut s = Self::as_given(currency, time_zone, email, phone);
        // The rules say what is refused, once; only the fields taken from the profile can be.
        for e in super::lead_rules::check(&s).errors {
            match e.field.as_str() {
                "/schedule/time_zone" => s.schedule.time_zone = "UTC".to_string(),
                "/contact/email" => s.contact.email.clear(),
                "/contact/phone" => s.contact.phone.clear(),
                f if f.starts_with("/lead_cost") => s.lead_cost = Some(Money::new(0, "EUR")),
                _ => {}
            }
        }
        s
    }

    fn as_given(currency: &str, time_zone: &str, email: &str, phone: &str) -> Self {
        let weekday = DayWindow::new(true, "09:00", "17:00");
        let weekend = DayWindow::new(false, "09:00", "17:00");
        LeadSettings {
            partner_type: LeadPartnerType::Introducer,
            lead_cost: Some(Money::new(0, currency)),
            lead_value: None,
            portal_access: PortalAccess::SearchViewOnly,
            require_accept: false,
            allow_status_updates: false,
            billing: Billing::Prepay,
            credit_limit: None,
            email_delivery: EmailDelivery {
                enabled: false,
                address: String::new(),
            },
            internet_delivery: InternetDelivery {
                enabled: false,
                method: DeliveryMethod::Json,
                url: String::new(),
                body_template: String::new(),
                headers: Vec::new(),
            },
            daily_limit: 0,
            monthly_limit: 0,
            schedule: DeliverySchedule {
                time_zone: time_zone.to_string(),
                days: Week {
                    sat: weekend.clone(),
                    sun: weekend,
                    ..Week::every_day(weekday)
                },
            },
            contact: LeadContact {
                phone: phone.to_string(),
                email: email.to_string(),
                transfer_phone: String::new(),
                mobile: String::new(),
            },
            text_alerts: TextAlerts {
                on_referral: false,
                on_low_funds: false,
            },
            low_funds_threshold: None,
        }
    }

    /// The money fields with their JSON pointers, in the wire's order.
    pub fn money_fields(&self) -> [(&'static str, Option<&Money>); 4] {
        [
            ("/lead_cost", self.lead_cost.as_ref()),
            ("/lead_value", self.lead_value.as_ref()),
            ("/credit_limit", self.credit_limit.as_ref()),
            ("/low_funds_threshold", self.low_funds_threshold.as_ref()),
        ]
    }

    /// The one currency of the money fields (the first one set), if any is set.
    pub fn currency(&self) -> Option<&str> {
        self.money_fields()
            .into_iter()
            .find_map(|(_, m)| m.map(|m| m.currency.as_str()))
    }
}

/// The answer to `POST /partners/{id}/lead_settings/preview`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadPreview {
    pub content_type: String,
    pub body: String,
    /// The body was cut at 64 KiB.
    #[serde(default)]
    pub truncated: bool,
}

/// The body of a preview: the form's unsaved values; either left out uses the saved one.
/// Another member is refused (the API refuses unknown request fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<DeliveryMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_template: Option<String>,
}

/// The answer to `POST /partners/{id}/portal_invite`: where the invitation goes. The link
/// itself is only in the email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalInvite {
    pub partner_id: String,
    pub to: String,
    pub queued_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

// Cleaning: every string a server sends passes the sanitizer before the console shows it.

impl Clean for EmailDelivery {
    fn clean(self) -> Self {
        EmailDelivery {
            enabled: self.enabled,
            address: line(self.address),
        }
    }
}

impl Clean for DeliveryHeader {
    fn clean(self) -> Self {
        DeliveryHeader {
            name: line(self.name),
            value: line(self.value),
        }
    }
}

impl Clean for InternetDelivery {
    fn clean(self) -> Self {
        InternetDelivery {
            enabled: self.enabled,
            method: self.method,
            url: line(self.url),
            body_template: text(self.body_template),
            headers: self.headers.clean(),
        }
    }
}

impl Clean for DayWindow {
    fn clean(self) -> Self {
        DayWindow {
            enabled: self.enabled,
            start: line(self.start),
            end: line(self.end),
        }
    }
}

impl Clean for Week {
    fn clean(self) -> Self {
        Week {
            mon: self.mon.clean(),
            tue: self.tue.clean(),
            wed: self.wed.clean(),
            thu: self.thu.clean(),
            fri: self.fri.clean(),
            sat: self.sat.clean(),
            sun: self.sun.clean(),
        }
    }
}

impl Clean for DeliverySchedule {
    fn clean(self) -> Self {
        DeliverySchedule {
            time_zone: line(self.time_zone),
            days: self.days.clean(),
        }
    }
}

impl Clean for LeadContact {
    fn clean(self) -> Self {
        LeadContact {
            phone: line(self.phone),
            email: line(self.email),
            transfer_phone: line(self.transfer_phone),
            mobile: line(self.mobile),
        }
    }
}

impl Clean for LeadSettings {
    fn clean(self) -> Self {
        LeadSettings {
            partner_type: self.partner_type,
            lead_cost: self.lead_cost.clean(),
            lead_value: self.lead_value.clean(),
            portal_access: self.portal_access,
            require_accept: self.require_accept,
            allow_status_updates: self.allow_status_updates,
            billing: self.billing,
            credit_limit: self.credit_limit.clean(),
            email_delivery: self.email_delivery.clean(),
            internet_delivery: self.internet_delivery.clean(),
            daily_limit: self.daily_limit,
            monthly_limit: self.monthly_limit,
            schedule: self.schedule.clean(),
            contact: self.contact.clean(),
            text_alerts: self.text_alerts,
            low_funds_threshold: self.low_funds_threshold.clean(),
        }
    }
}

impl Clean for LeadPreview {
    fn clean(self) -> Self {
        LeadPreview {
            content_type: line(self.content_type),
            body: document(self.body),
            truncated: self.truncated,
        }
    }
}

impl Clean for PortalInvite {
    fn clean(self) -> Self {
        PortalInvite {
            partner_id: line(self.partner_id),
            to: line(self.to),
            queued_at: self.queued_at,
            expires_at: self.expires_at,
        }
    }
}
