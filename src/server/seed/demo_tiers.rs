//! The demo's tiers and campaigns (RECORDS.md §3): four tiers, twenty products, six campaigns
//! (past, current, future, one without expiry), and for each demo partner a pattern of tier
//! assignments and campaign links, past, current and scheduled, dated in whole days around the
//! day the demo is seeded. Several end within the next two weeks, so a CSR's Expiring list is
//! never empty in a demo; one partner has no tier at all and one a tier that expired, so every
//! reason a product is unavailable shows. Tiers are enabled.

use chrono::{DateTime, Duration, Utc};

use super::file::{
    SeedCampaign, SeedCampaignLink, SeedPartner, SeedProduct, SeedSettings, SeedTier,
    SeedTierAssignment, SeedTiers,
};

/// (id, name, precedence): 1 is the highest.
const TIERS: [(&str, &str, u32); 4] = [
    ("ti_platinum", "Platinum", 1),
    ("ti_gold", "Gold", 2),
    ("ti_silver", "Silver", 3),
    ("ti_bronze", "Bronze", 4),
];

/// (name, tier_precedence): null is every tier; N the tiers of precedence N or higher.
const PRODUCTS: [(&str, Option<u32>); 20] = [
    ("Analytics Dashboard", None),
    ("Brand Kit", None),
    ("Co-branded Trade Show Kit", Some(1)),
    ("Co-marketing Newsletter", Some(3)),
    ("Community Forum Access", None),
    ("Conference Booth", Some(1)),
    ("Custom Landing Page", Some(2)),
    ("Dedicated Account Manager", Some(1)),
    ("Demo Environment", Some(4)),
    ("Early Access Program", Some(2)),
    ("Featured Listing", Some(2)),
    ("Joint Webinar", Some(3)),
    ("Lead Referral Program", Some(3)),
    ("Market Development Funds", Some(1)),
    ("Not-for-resale Licences", Some(4)),
    ("Partner Portal", None),
    ("Priority Support", Some(2)),
    ("Sales Training", Some(4)),
    ("Sponsored Newsletter Slot", Some(3)),
    ("Technical Certification", Some(3)),
];

/// (id, name, start, end) in days from the demo's day; no end: it runs for ever.
const CAMPAIGNS: [(&str, &str, i64, Option<i64>); 6] = [
    ("cp_spring", "Spring Launch", -120, Some(-60)),
    ("cp_summer", "Summer Roadshow", -60, Some(-10)),
    ("cp_holiday", "Holiday Promotion", -20, Some(10)),
    ("cp_week", "Partner Week", -5, Some(40)),
    ("cp_newyear", "New Year Kickoff", 25, Some(60)),
    ("cp_referral", "Always-on Referral", -365, None),
];

/// A partner's tier assignments by its place among the demo partners: (tier, start, end) in
/// days from the demo's day. Six patterns, in turn.
fn assignments(i: usize) -> Vec<(&'static str, i64, Option<i64>)> {
    // 0, 1 or 2: partners of one pattern end on different days, all within two weeks.
    let round = ((i / 6) % 3) as i64;
    match i % 6 {
        // Gold, ending within days, then Gold again (renewed); Silver before it.
        0 => vec![
            ("ti_silver", -200, Some(-30)),
            ("ti_gold", -30, Some(2 + round * 5)),
            ("ti_gold", 2 + round * 5, Some(180)),
        ],
        // Platinum without expiry.
        1 => vec![("ti_platinum", -90, None)],
        // Bronze, expired five days ago: its products say when.
        2 => vec![("ti_bronze", -300, Some(-5))],
        // No tier at all.
        3 => vec![],
        // Silver ending within days, Bronze scheduled after a gap.
        4 => vec![
            ("ti_silver", -10, Some(4 + round * 4)),
            ("ti_bronze", 30, Some(120)),
        ],
        // Silver, then Bronze from the very day Silver ended (touching periods do not overlap).
        _ => vec![("ti_silver", -100, Some(-40)), ("ti_bronze", -40, Some(80))],
    }
}

/// A partner's campaign links, likewise: (campaign, start, end), inside each campaign's dates.
fn links(i: usize) -> Vec<(&'static str, i64, Option<i64>)> {
    match i % 3 {
        0 => vec![
            ("cp_spring", -110, Some(-70)),
            ("cp_holiday", -20, Some(10)),
        ],
        1 => vec![
            ("cp_week", -5, Some(6 + (i % 5) as i64)),
            ("cp_newyear", 25, Some(60)),
        ],
        _ => vec![("cp_summer", -50, Some(-20)), ("cp_referral", -100, None)],
    }
}

/// The demo's tiers and campaigns for `partners`, dated around `day` (midnight of the day the
/// demo is seeded).
pub fn tiers(partners: &[SeedPartner], day: DateTime<Utc>) -> SeedTiers {
    let at = |days: i64| day + Duration::days(days);
    let partner = |p: &SeedPartner| p.id.clone().unwrap_or_else(|| p.name.clone());
    let mut tier_assignments = Vec::new();
    let mut campaign_links = Vec::new();
    for (i, p) in partners.iter().enumerate() {
        for (tier, start, end) in assignments(i) {
            tier_assignments.push(SeedTierAssignment {
                id: Some(format!("ta_{:03}", tier_assignments.len() + 1)),
                partner: partner(p),
                tier: tier.into(),
                starts_at: at(start),
                expires_at: end.map(at),
            });
        }
        for (campaign, start, end) in links(i) {
            campaign_links.push(SeedCampaignLink {
                id: Some(format!("cl_{:03}", campaign_links.len() + 1)),
                partner: partner(p),
                campaign: campaign.into(),
                starts_at: at(start),
                expires_at: end.map(at),
            });
        }
    }
    SeedTiers {
        settings: Some(SeedSettings {
            tiers_enabled: true,
        }),
        tiers: TIERS
            .iter()
            .map(|(id, name, precedence)| SeedTier {
                id: Some(id.to_string()),
                name: name.to_string(),
                precedence: *precedence,
            })
            .collect(),
        products: PRODUCTS
            .iter()
            .enumerate()
            .map(|(i, (name, tier_precedence))| SeedProduct {
                id: Some(format!("pr_{:02}", i + 1)),
                name: name.to_string(),
                tier_precedence: *tier_precedence,
            })
            .collect(),
        campaigns: CAMPAIGNS
            .iter()
            .map(|(id, name, start, end)| SeedCampaign {
                id: Some(id.to_string()),
                name: name.to_string(),
                starts_at: at(*start),
                expires_at: end.map(at),
            })
            .collect(),
        tier_assignments,
        campaign_links,
    }
}
