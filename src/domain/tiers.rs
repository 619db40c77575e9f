//! Tiers and campaigns (seed 000, RECORDS.md §3): a partner is assigned to tiers and linked to
//! campaigns, each for a time, and a product is available to tiers whose precedence reaches
//! its `tier_precedence`. The rules that decide what a partner's customers can reach are
//! decided once here, for the server (which enforces them) and the console (which warns before
//! a save): an assignment's state at a time, whether two periods overlap, and why a product is
//! or is not available.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PartnerRef;
use crate::text::{Clean, line};

/// A catalogue entry (tier, product, campaign) as its list and its writes answer it: its fields
/// and its version, which an administrator's `PATCH` sends back as `If-Match`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versioned<T> {
    #[serde(flatten)]
    pub record: T,
    pub version: i64,
}

impl<T: Clean> Clean for Versioned<T> {
    fn clean(self) -> Self {
        Versioned {
            record: self.record.clean(),
            version: self.version,
        }
    }
}

/// `GET /settings`; `PATCH /settings` (admin) with `If-Match`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub tiers_enabled: bool,
    #[serde(default)]
    pub version: i64,
}

impl Clean for Settings {
    fn clean(self) -> Self {
        self
    }
}

/// A tier: `precedence` is unique, 1 the highest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub id: String,
    pub name: String,
    pub precedence: u32,
}

impl Clean for Tier {
    fn clean(self) -> Self {
        Tier {
            id: line(self.id),
            name: line(self.name),
            precedence: self.precedence,
        }
    }
}

/// A product: available to every tier (`tier_precedence` null) or to the tiers whose
/// precedence is at most N (1 is the highest tier, so `Some(1)` is the top tier's only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub tier_precedence: Option<u32>,
}

impl Clean for Product {
    fn clean(self) -> Self {
        Product {
            id: line(self.id),
            name: line(self.name),
            tier_precedence: self.tier_precedence,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Clean for Campaign {
    fn clean(self) -> Self {
        Campaign {
            id: line(self.id),
            name: line(self.name),
            ..self
        }
    }
}

/// Where a period stands at a time: derived from its dates and the server's clock, never
/// stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentState {
    Scheduled,
    Active,
    Expired,
}

impl AssignmentState {
    /// A period `[starts_at, expires_at)` at `now`: it starts at its start, and ends at its
    /// expiry (no expiry: it never ends).
    pub fn at(
        starts_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> AssignmentState {
        if now < starts_at {
            AssignmentState::Scheduled
        } else if expires_at.is_some_and(|e| now >= e) {
            AssignmentState::Expired
        } else {
            AssignmentState::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentState::Scheduled => "scheduled",
            AssignmentState::Active => "active",
            AssignmentState::Expired => "expired",
        }
    }
}

/// Do `[a_start, a_end)` and `[b_start, b_end)` share a moment? A period ending exactly when
/// the other starts does not; a period without an expiry runs for ever.
pub fn overlaps(
    a_start: DateTime<Utc>,
    a_end: Option<DateTime<Utc>>,
    b_start: DateTime<Utc>,
    b_end: Option<DateTime<Utc>>,
) -> bool {
    let a_before_b_ends = b_end.is_none_or(|e| a_start < e);
    let b_before_a_ends = a_end.is_none_or(|e| b_start < e);
    a_before_b_ends && b_before_a_ends
}

/// A tier as an assignment names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRef {
    pub id: String,
    pub name: String,
    pub precedence: u32,
}

impl Clean for TierRef {
    fn clean(self) -> Self {
        TierRef {
            id: line(self.id),
            name: line(self.name),
            precedence: self.precedence,
        }
    }
}

/// A campaign as a link names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRef {
    pub id: String,
    pub name: String,
}

impl Clean for CampaignRef {
    fn clean(self) -> Self {
        CampaignRef {
            id: line(self.id),
            name: line(self.name),
        }
    }
}

/// `GET /partners/{id}/tier_assignments` rows, `PATCH /tier_assignments/{id}`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierAssignment {
    pub id: String,
    pub partner: PartnerRef,
    pub tier: TierRef,
    pub starts_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub state: AssignmentState,
    #[serde(default)]
    pub version: i64,
}

impl Clean for TierAssignment {
    fn clean(self) -> Self {
        TierAssignment {
            id: line(self.id),
            partner: self.partner.clean(),
            tier: self.tier.clean(),
            ..self
        }
    }
}

/// `GET /partners/{id}/campaign_links` rows, `PATCH /campaign_links/{id}`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignLink {
    pub id: String,
    pub partner: PartnerRef,
    pub campaign: CampaignRef,
    pub starts_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub state: AssignmentState,
    #[serde(default)]
    pub version: i64,
}

impl Clean for CampaignLink {
    fn clean(self) -> Self {
        CampaignLink {
            id: line(self.id),
            partner: self.partner.clean(),
            campaign: self.campaign.clean(),
            ..self
        }
    }
}

/// Body of `POST /partners/{id}/tier_assignments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTierAssignment {
    pub tier_id: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Body of `POST /partners/{id}/campaign_links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignLink {
    pub campaign_id: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A merge patch of a period's dates (`PATCH /tier_assignments/{id}`,
/// `/campaign_links/{id}`): a member left out is unchanged; `"expires_at": null` removes the
/// expiry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatesPatch {
    pub starts_at: Option<DateTime<Utc>>,
    /// `Some(None)`: no expiry any more.
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

impl DatesPatch {
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        let ts = |t: &DateTime<Utc>| serde_json::Value::String(super::timestamp::millis(*t));
        if let Some(s) = &self.starts_at {
            m.insert("starts_at".into(), ts(s));
        }
        if let Some(e) = &self.expires_at {
            m.insert(
                "expires_at".into(),
                e.as_ref().map_or(serde_json::Value::Null, ts),
            );
        }
        serde_json::Value::Object(m)
    }
}

/// Why a product is not available to a partner today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Unavailable {
    /// The partner has no tier assignment active today.
    NoActiveTier,
    /// The active tier's precedence is lower (a larger number) than the product allows.
    PrecedenceTooLow {
        tier_precedence: u32,
        product_precedence: u32,
    },
    /// The partner's last tier assignment expired then; none is active since.
    TierExpired { expired_at: DateTime<Utc> },
}

impl Unavailable {
    /// As a CSR reads it.
    pub fn words(&self) -> String {
        match self {
            Unavailable::NoActiveTier => "no active tier".into(),
            Unavailable::PrecedenceTooLow {
                tier_precedence,
                product_precedence,
            } => format!(
                "tier precedence {tier_precedence} is below what it needs ({product_precedence} or higher)"
            ),
            Unavailable::TierExpired { expired_at } => {
                format!("the tier expired on {}", expired_at.format("%Y-%m-%d"))
            }
        }
    }
}

/// One product for a partner: available, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductAvailability {
    pub product: Product,
    pub available: bool,
    #[serde(default)]
    pub reason: Option<Unavailable>,
}

impl Clean for ProductAvailability {
    fn clean(self) -> Self {
        ProductAvailability {
            product: self.product.clean(),
            ..self
        }
    }
}

/// `GET /partners/{id}/products`: the tier active today (if any) and every product with its
/// availability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerProducts {
    pub tier: Option<TierAssignment>,
    pub products: Vec<ProductAvailability>,
}

impl Clean for PartnerProducts {
    fn clean(self) -> Self {
        PartnerProducts {
            tier: self.tier.clean(),
            products: self.products.clean(),
        }
    }
}

/// The seed's tierPrecedence logic, decided once: is `product` available to a partner whose
/// tier active now is `active` (none: the last one expired at `last_expired`, if any)?
pub fn availability(
    product: &Product,
    active: Option<&TierRef>,
    last_expired: Option<DateTime<Utc>>,
) -> Result<(), Unavailable> {
    let Some(tier) = active else {
        return Err(match last_expired {
            Some(expired_at) => Unavailable::TierExpired { expired_at },
            None => Unavailable::NoActiveTier,
        });
    };
    match product.tier_precedence {
        Some(needed) if tier.precedence > needed => Err(Unavailable::PrecedenceTooLow {
            tier_precedence: tier.precedence,
            product_precedence: needed,
        }),
        _ => Ok(()),
    }
}

/// A tier assignment or a campaign link: a row of `GET /expiring` (tagged with `kind`), and
/// what a change to either answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Period {
    TierAssignment(TierAssignment),
    CampaignLink(CampaignLink),
}

impl Period {
    pub fn id(&self) -> &str {
        match self {
            Period::TierAssignment(a) => &a.id,
            Period::CampaignLink(l) => &l.id,
        }
    }

    pub fn partner(&self) -> &PartnerRef {
        match self {
            Period::TierAssignment(a) => &a.partner,
            Period::CampaignLink(l) => &l.partner,
        }
    }

    /// "Gold tier", "Spring Sale campaign".
    pub fn what(&self) -> String {
        match self {
            Period::TierAssignment(a) => format!("{} tier", a.tier.name),
            Period::CampaignLink(l) => format!("{} campaign", l.campaign.name),
        }
    }

    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Period::TierAssignment(a) => a.expires_at,
            Period::CampaignLink(l) => l.expires_at,
        }
    }
}

impl Clean for Period {
    fn clean(self) -> Self {
        match self {
            Period::TierAssignment(a) => Period::TierAssignment(a.clean()),
            Period::CampaignLink(l) => Period::CampaignLink(l.clean()),
        }
    }
}

/// The two kinds of period, by their collections: `/tier_assignments`, `/campaign_links`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    TierAssignment,
    CampaignLink,
}

impl PeriodKind {
    pub fn collection(self) -> &'static str {
        match self {
            PeriodKind::TierAssignment => "tier_assignments",
            PeriodKind::CampaignLink => "campaign_links",
        }
    }
}

impl Period {
    pub fn kind(&self) -> PeriodKind {
        match self {
            Period::TierAssignment(_) => PeriodKind::TierAssignment,
            Period::CampaignLink(_) => PeriodKind::CampaignLink,
        }
    }

    pub fn starts_at(&self) -> DateTime<Utc> {
        match self {
            Period::TierAssignment(a) => a.starts_at,
            Period::CampaignLink(l) => l.starts_at,
        }
    }

    pub fn version(&self) -> i64 {
        match self {
            Period::TierAssignment(a) => a.version,
            Period::CampaignLink(l) => l.version,
        }
    }

    pub fn state(&self) -> AssignmentState {
        match self {
            Period::TierAssignment(a) => a.state,
            Period::CampaignLink(l) => l.state,
        }
    }
}

/// The filters of `GET /expiring`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpiringQuery {
    /// Days ahead, 1..=365 (the server's default: 30).
    pub within_days: Option<u32>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_periods_state_follows_the_clock() {
        use AssignmentState::*;
        assert_eq!(
            AssignmentState::at(day(10), Some(day(20)), day(9)),
            Scheduled
        );
        assert_eq!(AssignmentState::at(day(10), Some(day(20)), day(10)), Active);
        assert_eq!(AssignmentState::at(day(10), Some(day(20)), day(19)), Active);
        assert_eq!(
            AssignmentState::at(day(10), Some(day(20)), day(20)),
            Expired
        );
        assert_eq!(AssignmentState::at(day(10), None, day(31)), Active);
    }

    #[test]
    fn periods_that_touch_do_not_overlap_and_an_open_end_overlaps_everything_after() {
        assert!(!overlaps(day(1), Some(day(10)), day(10), Some(day(20))));
        assert!(!overlaps(day(10), Some(day(20)), day(1), Some(day(10))));
        assert!(overlaps(day(1), Some(day(11)), day(10), Some(day(20))));
        assert!(overlaps(day(1), None, day(25), Some(day(30))));
        assert!(!overlaps(day(5), None, day(1), Some(day(5))));
        assert!(overlaps(day(5), None, day(1), None));
        assert!(
            overlaps(day(1), Some(day(30)), day(10), Some(day(20))),
            "inside"
        );
    }

    #[test]
    fn availability_against_a_table_of_cases() {
        let product = |p: Option<u32>| Product {
            id: "pr".into(),
            name: "Product".into(),
            tier_precedence: p,
        };
        let tier = |p: u32| TierRef {
            id: "ti".into(),
            name: "Tier".into(),
            precedence: p,
        };
        type Case = (
            Option<u32>,
            Option<u32>,
            Option<u32>,
            Result<(), Unavailable>,
        );
        let cases: &[Case] = &[
            // (product's tier_precedence, active tier's precedence, last expiry day, expected)
            (None, Some(4), None, Ok(())),
            (Some(2), Some(1), None, Ok(())),
            (Some(2), Some(2), None, Ok(())),
            (
                Some(2),
                Some(3),
                None,
                Err(Unavailable::PrecedenceTooLow {
                    tier_precedence: 3,
                    product_precedence: 2,
                }),
            ),
            (None, None, None, Err(Unavailable::NoActiveTier)),
            (
                Some(1),
                None,
                Some(3),
                Err(Unavailable::TierExpired { expired_at: day(3) }),
            ),
        ];
        for (p, t, expired, want) in cases {
            let active = t.map(tier);
            let got = availability(&product(*p), active.as_ref(), expired.map(day));
            assert_eq!(&got, want, "product {p:?}, tier {t:?}, expired {expired:?}");
        }
    }
}
