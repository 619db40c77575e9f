//! What partners ask for, realistically: a request of each kind with its title, item, text and
//! details, as the demo's queues and history hold them and as the simulation (`serve
//! --simulate`) submits them. One generator for both, so the simulated requests look like the
//! demo's and pass the rules of a new request (`domain::check_request`) when dated from now.

use chrono::{DateTime, Duration, Utc};

use super::demo::Rng;
use crate::domain::{Details, Item, Kind, Money, NewRequest};

pub(super) const PACKAGES: &[(&str, i64)] = &[
    ("Bronze", 1900),
    ("Silver", 2900),
    ("Gold", 4900),
    ("Platinum", 9900),
];
const ADDONS: &[(&str, i64)] = &[
    ("Extra channel", 900),
    ("Analytics Pro", 1500),
    ("Priority support", 2900),
    ("Custom domain", 500),
    ("Push notifications", 1200),
    ("Ad-free player", 700),
];
const AD_PACKAGES: &[(&str, i64, i64)] = &[
    ("Starter 50k impressions", 50_000, 9900),
    ("Growth 250k impressions", 250_000, 39900),
    ("Reach 1M impressions", 1_000_000, 129_900),
];
pub(super) const ENGAGEMENT_TYPES: &[&str] =
    &["Poll", "Quiz", "Announcement", "Live stream", "Coupon"];
pub(super) const BROADCASTS: &[&str] = &[
    "Spring sale announcement",
    "Live Q&A tonight",
    "New season premiere",
    "Members-only coupon",
    "Weekend poll: best episode",
    "Charity stream",
    "Holiday schedule",
    "Quiz night",
];
const AUDIENCES: &[&str] = &[
    "All end-users in Germany",
    "Non-followers aged 18–34",
    "Sports fans, EU",
    "Everyone who watched last month",
    "New users of the last 30 days",
];
const ADS: &[(&str, &str)] = &[
    (
        "Fresh bread, every morning",
        "Order before 9 and pick it up warm. 10% off your first order.",
    ),
    (
        "Train smarter",
        "Personal plans from certified coaches. Two weeks free.",
    ),
    (
        "Your next adventure",
        "Guided hikes for every level. Book the summer season now.",
    ),
    (
        "Protect what matters",
        "Security audits for small businesses, fixed price.",
    ),
    (
        "Learn a language in 10 minutes a day",
        "Short daily lessons that fit your commute.",
    ),
];
const DESCRIPTIONS: &[&str] = &[
    "We publish three shows a week and would like to reach your audience with our back catalogue.",
    "Local community station looking to bring our live programme to your app.",
    "We are expanding into new markets and want a package that grows with us.",
    "Our followers asked for exclusive content; this package lets us deliver it.",
    "Existing partner upgrading after a strong quarter.",
];

/// A request of `kind` from the partner `partner` (its `website`, its package's `currency`:
/// EUR without one), made at `requested_at`: broadcasts and ads start days after it.
pub(crate) fn request(
    rng: &mut Rng,
    kind: Kind,
    partner: &str,
    website: &str,
    currency: Option<&str>,
    requested_at: DateTime<Utc>,
) -> NewRequest {
    let cur = currency.unwrap_or("EUR");
    let mut details = Details::default();
    let (title, item) = match kind {
        Kind::Partnership => {
            let (p, price) = *rng.pick(PACKAGES);
            (
                format!("{p} package"),
                Some(Item {
                    name: p.into(),
                    price: Money::new(price, cur),
                }),
            )
        }
        Kind::Addon => {
            let (a, price) = *rng.pick(ADDONS);
            (
                a.to_string(),
                Some(Item {
                    name: a.into(),
                    price: Money::new(price, cur),
                }),
            )
        }
        Kind::AdvertisingPackage => {
            let (a, impressions, price) = *rng.pick(AD_PACKAGES);
            details.impressions = Some(impressions);
            (
                a.to_string(),
                Some(Item {
                    name: a.into(),
                    price: Money::new(price, cur),
                }),
            )
        }
        Kind::Broadcast => {
            let title = rng.pick(BROADCASTS).to_string();
            let kind = rng.pick(ENGAGEMENT_TYPES).to_string();
            details.starts_at = Some(requested_at + Duration::days(3 + rng.below(14) as i64));
            details.audience = Some(rng.pick(AUDIENCES).to_string());
            details.estimated_reach = Some((rng.below(500) as i64 + 10) * 100);
            details.preview = Some(format!(
                "{kind} from {partner}: {title}.\nTap to join — it only takes a minute."
            ));
            details.engagement_type = Some(kind);
            (title, None)
        }
        Kind::Ad => {
            let (headline, body) = *rng.pick(ADS);
            let starts = requested_at + Duration::days(2 + rng.below(10) as i64);
            details.headline = Some(headline.into());
            details.body = Some(body.into());
            details.image_url = Some(format!("{website}/ads/banner-{}.png", rng.below(90) + 10));
            details.target_url = Some(format!("{website}/offer"));
            details.impressions = Some((rng.below(40) as i64 + 1) * 5000);
            details.starts_at = Some(starts);
            details.ends_at = Some(starts + Duration::days(7 + rng.below(21) as i64));
            (headline.to_string(), None)
        }
    };
    NewRequest {
        kind,
        title,
        item,
        description: rng.pick(DESCRIPTIONS).to_string(),
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::check_request;

    #[test]
    fn every_kind_passes_the_rules_of_a_new_request() {
        let mut rng = Rng(7);
        let now = Utc::now();
        for i in 0..200 {
            let kind = Kind::ALL[i % Kind::ALL.len()];
            let r = request(
                &mut rng,
                kind,
                "Acme Media",
                "https://acme.example",
                None,
                now,
            );
            assert_eq!(check_request(&r.clone().normalized(), now), vec![], "{r:?}");
        }
    }
}
