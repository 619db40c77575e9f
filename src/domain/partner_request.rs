//! A partner's own requests (RECORDS.md §5): what `POST /partner/requests` takes
//! ([`NewRequest`]), the rules a new request follows ([`check_request`]: every broken rule at
//! once, by its JSON pointer), and how the partner sees its requests and their outcome
//! ([`PartnerRequest`]). The server runs `check_request` on every submission, the endpoint's
//! and the simulation's alike; a console's form can run it before sending.
//!
//! Seed files carry history and deliberately hostile test data, so they are held only to what
//! every approval must be (a title, a currency code: the shared `field_rules`); the rules here
//! are for what a partner asks for now.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::field_codes as fc;
use super::field_rules::{is_https_url, money_errors, text_error};
use super::{Approval, Details, FieldError, Item, Kind, Status};
use crate::text::{Clean, line, opt_text, text};

/// Longest title, item name, engagement type, audience and headline, in characters.
pub const MAX_REQUEST_LINE_CHARS: usize = 200;
/// Longest description.
pub const MAX_REQUEST_DESCRIPTION_CHARS: usize = 5_000;
/// Longest broadcast preview and ad body.
pub const MAX_REQUEST_TEXT_CHARS: usize = 2_000;
/// Longest URL.
pub const MAX_REQUEST_URL_CHARS: usize = 2_000;
/// Most impressions or estimated reach.
pub const MAX_REQUEST_COUNT: i64 = 1_000_000_000;

/// Body of `POST /partner/requests`. Unknown members are refused (400), here and in
/// `details` (the server checks those by [`DETAIL_FIELDS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub kind: Kind,
    pub title: String,
    /// The package, add-on or advertising package asked for; `None` for broadcasts and ads.
    #[serde(default)]
    pub item: Option<Item>,
    pub description: String,
    pub details: Details,
}

/// Every member of [`Details`], as the JSON names it.
pub const DETAIL_FIELDS: [&str; 11] = [
    "engagement_type",
    "audience",
    "estimated_reach",
    "preview",
    "starts_at",
    "impressions",
    "headline",
    "body",
    "image_url",
    "target_url",
    "ends_at",
];

/// The members of `details` a request of `kind` may carry.
pub fn detail_fields_of(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Partnership | Kind::Addon => &[],
        Kind::Broadcast => &[
            "engagement_type",
            "audience",
            "estimated_reach",
            "preview",
            "starts_at",
        ],
        Kind::AdvertisingPackage => &["impressions"],
        Kind::Ad => &[
            "headline",
            "body",
            "image_url",
            "target_url",
            "impressions",
            "starts_at",
            "ends_at",
        ],
    }
}

/// The members of `d` that are set, in [`DETAIL_FIELDS`] order.
fn present(d: &Details) -> Vec<&'static str> {
    let set = [
        d.engagement_type.is_some(),
        d.audience.is_some(),
        d.estimated_reach.is_some(),
        d.preview.is_some(),
        d.starts_at.is_some(),
        d.impressions.is_some(),
        d.headline.is_some(),
        d.body.is_some(),
        d.image_url.is_some(),
        d.target_url.is_some(),
        d.ends_at.is_some(),
    ];
    DETAIL_FIELDS
        .into_iter()
        .zip(set)
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
}

impl NewRequest {
    /// The request as it is stored: one-line fields without surrounding white space, text
    /// without trailing white space. Check this, not the raw request.
    pub fn normalized(self) -> NewRequest {
        let one = |s: String| s.trim().to_string();
        let many = |s: String| s.trim_end().to_string();
        let d = self.details;
        NewRequest {
            kind: self.kind,
            title: one(self.title),
            item: self.item.map(|i| Item {
                name: one(i.name),
                price: i.price,
            }),
            description: many(self.description),
            details: Details {
                engagement_type: d.engagement_type.map(one),
                audience: d.audience.map(one),
                preview: d.preview.map(many),
                headline: d.headline.map(one),
                body: d.body.map(many),
                image_url: d.image_url.map(one),
                target_url: d.target_url.map(one),
                ..d
            },
        }
    }
}

/// Collects the errors of one request.
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, at: &str, code: &str, detail: impl Into<String>) {
        self.0.push(FieldError::new(at, code, detail));
    }

    /// A text that may be empty: its shape only.
    fn text(&mut self, at: &str, value: &str, max: usize, multi_line: bool) -> bool {
        match text_error(at, value, max, multi_line) {
            Some(e) => {
                self.0.push(e);
                false
            }
            None => true,
        }
    }

    /// A text that must be there and say something.
    fn required(&mut self, at: &str, value: Option<&str>, max: usize, multi_line: bool) {
        match value {
            Some(v) if !v.trim().is_empty() => {
                self.text(at, v, max, multi_line);
            }
            _ => self.push(at, fc::REQUIRED, "This field is required."),
        }
    }

    fn optional(&mut self, at: &str, value: Option<&str>, max: usize, multi_line: bool) {
        if let Some(v) = value {
            self.text(at, v, max, multi_line);
        }
    }

    fn url(&mut self, at: &str, value: Option<&str>, required: bool) {
        match value {
            None | Some("") if required => self.push(at, fc::REQUIRED, "This field is required."),
            None | Some("") => {}
            Some(v) => {
                if self.text(at, v, MAX_REQUEST_URL_CHARS, false) && !is_https_url(v) {
                    self.push(
                        at,
                        fc::URL_INVALID,
                        "An https:// address, like https://partner.example/offer.",
                    );
                }
            }
        }
    }

    fn count(&mut self, at: &str, value: Option<i64>, min: i64, required: bool) {
        match value {
            None if required => self.push(at, fc::REQUIRED, "This field is required."),
            None => {}
            Some(n) if !(min..=MAX_REQUEST_COUNT).contains(&n) => self.push(
                at,
                fc::OUT_OF_RANGE,
                format!("A whole number from {min} to {MAX_REQUEST_COUNT}."),
            ),
            Some(_) => {}
        }
    }

    /// A start: required, and after `now` (nobody can ask for what has already begun).
    fn start(&mut self, at: &str, value: Option<DateTime<Utc>>, now: DateTime<Utc>) {
        match value {
            None => self.push(at, fc::REQUIRED, "This field is required."),
            Some(t) if t <= now => self.push(
                at,
                fc::IN_THE_PAST,
                "The start must be in the future; this one has passed.",
            ),
            Some(_) => {}
        }
    }
}

/// Every rule of a new request of its kind, checked at `now` (the request should be
/// [normalized](NewRequest::normalized)). Empty when the request may be submitted.
///
/// - `title` is required; `description` may be empty; all text is capped and free of control,
///   bidi and invisible characters (line breaks and tabs are allowed in the description, a
///   broadcast's preview and an ad's body).
/// - Partnerships, add-ons and advertising packages name their `item` with a price; broadcasts
///   and ads have none.
/// - `details` carries only its kind's members ([`detail_fields_of`]). A broadcast needs its
///   `engagement_type`, `preview` and a `starts_at` in the future; an advertising package its
///   `impressions`; an ad its `headline`, an https `target_url` (and `image_url`, if any), a
///   `starts_at` in the future and an `ends_at` after it.
pub fn check_request(r: &NewRequest, now: DateTime<Utc>) -> Vec<FieldError> {
    let mut e = Errors(Vec::new());
    e.required("/title", Some(&r.title), MAX_REQUEST_LINE_CHARS, false);
    e.text(
        "/description",
        &r.description,
        MAX_REQUEST_DESCRIPTION_CHARS,
        true,
    );
    let label = r.kind.label();
    match (r.kind.has_price(), &r.item) {
        (true, None) => e.push(
            "/item",
            fc::REQUIRED,
            format!("A request of this kind ({label}) names its item and price."),
        ),
        (true, Some(item)) => {
            e.required(
                "/item/name",
                Some(&item.name),
                MAX_REQUEST_LINE_CHARS,
                false,
            );
            e.0.extend(money_errors("/item/price", &item.price));
        }
        (false, Some(_)) => e.push(
            "/item",
            fc::NOT_FOR_KIND,
            format!("A request of this kind ({label}) has no item; send null."),
        ),
        (false, None) => {}
    }
    let allowed = detail_fields_of(r.kind);
    for name in present(&r.details) {
        if !allowed.contains(&name) {
            e.push(
                &format!("/details/{name}"),
                fc::NOT_FOR_KIND,
                format!("A request of this kind ({label}) does not take {name}."),
            );
        }
    }
    let d = &r.details;
    let line = MAX_REQUEST_LINE_CHARS;
    match r.kind {
        Kind::Partnership | Kind::Addon => {}
        Kind::Broadcast => {
            let (at, value) = ("/details/engagement_type", d.engagement_type.as_deref());
            e.required(at, value, line, false);
            e.optional("/details/audience", d.audience.as_deref(), line, false);
            e.count("/details/estimated_reach", d.estimated_reach, 0, false);
            let text = MAX_REQUEST_TEXT_CHARS;
            e.required("/details/preview", d.preview.as_deref(), text, true);
            e.start("/details/starts_at", d.starts_at, now);
        }
        Kind::AdvertisingPackage => e.count("/details/impressions", d.impressions, 1, true),
        Kind::Ad => {
            e.required("/details/headline", d.headline.as_deref(), line, false);
            let text = MAX_REQUEST_TEXT_CHARS;
            e.optional("/details/body", d.body.as_deref(), text, true);
            e.url("/details/image_url", d.image_url.as_deref(), false);
            e.url("/details/target_url", d.target_url.as_deref(), true);
            e.count("/details/impressions", d.impressions, 1, false);
            e.start("/details/starts_at", d.starts_at, now);
            match (d.starts_at, d.ends_at) {
                (_, None) => e.push("/details/ends_at", fc::REQUIRED, "This field is required."),
                (Some(start), Some(end)) if end <= start => e.push(
                    "/details/ends_at",
                    fc::END_BEFORE_START,
                    "The end must be after the start.",
                ),
                _ => {}
            }
        }
    }
    e.0
}

/// A request as its partner sees it (`GET /partner/requests`, the answer to
/// `POST /partner/requests`): what was asked, and what became of it. Who decided is the
/// staff's business and not shown; `reason` is a rejection's reason (or an approval's comment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerRequest {
    pub id: String,
    pub kind: Kind,
    pub status: Status,
    pub title: String,
    pub item: Option<Item>,
    pub description: String,
    #[serde(default)]
    pub details: Details,
    #[serde(
        serialize_with = "super::timestamp::serialize",
        deserialize_with = "super::timestamp::deserialize"
    )]
    pub requested_at: DateTime<Utc>,
    #[serde(
        default,
        serialize_with = "super::timestamp::serialize_opt",
        deserialize_with = "super::timestamp::deserialize_opt"
    )]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: Option<String>,
}

impl From<Approval> for PartnerRequest {
    fn from(a: Approval) -> Self {
        PartnerRequest {
            id: a.id,
            kind: a.kind,
            status: a.status,
            title: a.title,
            item: a.item,
            description: a.description,
            details: a.details,
            requested_at: a.requested_at,
            decided_at: a.decided_at,
            reason: a.reason,
        }
    }
}

impl Clean for PartnerRequest {
    fn clean(self) -> Self {
        PartnerRequest {
            id: line(self.id),
            kind: self.kind,
            status: self.status,
            title: line(self.title),
            item: self.item.clean(),
            description: text(self.description),
            details: self.details.clean(),
            requested_at: self.requested_at,
            decided_at: self.decided_at,
            reason: opt_text(self.reason),
        }
    }
}

/// Body of `POST /presence`: the approval this console has open, or `None` for none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceBody {
    #[serde(deserialize_with = "sent")]
    pub approval_id: Option<String>,
}

/// `approval_id` must be sent, as a string or as `null`: a body without it is a mistake, not
/// "nothing open".
fn sent<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn request(kind: Kind) -> NewRequest {
        let mut details = Details::default();
        let item = kind.has_price().then(|| Item {
            name: "Gold".into(),
            price: Money::new(4900, "EUR"),
        });
        match kind {
            Kind::Partnership | Kind::Addon => {}
            Kind::Broadcast => {
                details.engagement_type = Some("Poll".into());
                details.preview = Some("Vote now!\nIt takes a minute.".into());
                details.starts_at = Some(now() + Duration::days(3));
            }
            Kind::AdvertisingPackage => details.impressions = Some(50_000),
            Kind::Ad => {
                details.headline = Some("Fresh bread".into());
                details.target_url = Some("https://bakery.example/offer".into());
                details.starts_at = Some(now() + Duration::days(2));
                details.ends_at = Some(now() + Duration::days(9));
            }
        }
        NewRequest {
            kind,
            title: "Gold package".into(),
            item,
            description: "Please.".into(),
            details,
        }
    }

    fn codes(errors: &[FieldError]) -> Vec<String> {
        errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.code))
            .collect()
    }

    #[test]
    fn a_good_request_of_every_kind_breaks_no_rule() {
        for kind in Kind::ALL {
            assert_eq!(
                codes(&check_request(&request(kind), now())),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let mut r = request(Kind::Ad);
        r.title = " \t".into();
        r.description = "bad\u{202E}".into();
        r.item = Some(Item {
            name: "x".into(),
            price: Money::new(1, "EUR"),
        });
        r.details.target_url = Some("http://bakery.example".into());
        r.details.starts_at = Some(now() - Duration::hours(1));
        r.details.ends_at = Some(now() - Duration::hours(2));
        r.details.preview = Some("not an ad's".into());
        assert_eq!(
            codes(&check_request(&r, now())),
            [
                "/title required",
                "/description unsafe_characters",
                "/item not_for_kind",
                "/details/preview not_for_kind",
                "/details/target_url url_invalid",
                "/details/starts_at in_the_past",
                "/details/ends_at end_before_start",
            ]
        );
    }

    #[test]
    fn priced_kinds_need_their_item_and_a_good_price() {
        let mut r = request(Kind::AdvertisingPackage);
        r.item = None;
        r.details.impressions = None;
        assert_eq!(
            codes(&check_request(&r, now())),
            ["/item required", "/details/impressions required"]
        );
        let mut r = request(Kind::Addon);
        r.item = Some(Item {
            name: "a".repeat(201),
            price: Money::new(-5, "euro"),
        });
        assert_eq!(
            codes(&check_request(&r, now())),
            [
                "/item/name too_long",
                "/item/price/currency invalid_currency",
                "/item/price/amount_minor out_of_range"
            ]
        );
    }

    #[test]
    fn a_broadcast_starts_in_the_future_and_needs_its_message() {
        let mut r = request(Kind::Broadcast);
        r.details.starts_at = Some(now());
        r.details.preview = None;
        r.details.engagement_type = Some("Poll\u{1b}[2J".into());
        r.details.estimated_reach = Some(-1);
        assert_eq!(
            codes(&check_request(&r, now())),
            [
                "/details/engagement_type unsafe_characters",
                "/details/estimated_reach out_of_range",
                "/details/preview required",
                "/details/starts_at in_the_past",
            ]
        );
    }

    #[test]
    fn normalizing_trims_lines_and_the_end_of_texts() {
        let mut r = request(Kind::Broadcast);
        r.title = "  Gold  ".into();
        r.details.preview = Some("  Hi\n  ".into());
        let n = r.normalized();
        assert_eq!(n.title, "Gold");
        assert_eq!(n.details.preview.as_deref(), Some("  Hi"));
    }

    #[test]
    fn presence_needs_its_approval_id_even_when_null() {
        let parse = serde_json::from_str::<PresenceBody>;
        assert_eq!(
            parse(r#"{"approval_id": "ap_1"}"#).unwrap().approval_id,
            Some("ap_1".into())
        );
        assert_eq!(parse(r#"{"approval_id": null}"#).unwrap().approval_id, None);
        assert!(parse("{}").is_err());
        assert!(parse(r#"{"approval_id": null, "x": 1}"#).is_err());
    }
}
