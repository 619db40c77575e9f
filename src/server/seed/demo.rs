//! The demo data set: deterministic (a fixed-seed generator; times relative to today), realistic
//! enough to work with, and scalable (`--seed-size N` decided approvals) for benchmarks.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::demo_hierarchy;
use super::demo_records::DEMO_BATCHES;
use super::file::*;
use crate::domain::{Details, Item, Kind, Money, PartnerStatus, Status};

pub const DEFAULT_DECIDED: u64 = 300;

pub struct DemoData {
    pub users: Vec<SeedUser>,
    pub distributors: Vec<SeedDistributor>,
    pub partners: Vec<SeedPartner>,
    pub tenants: Box<dyn Iterator<Item = SeedTenant> + Send>,
    pub voucher_batches: Vec<SeedVoucherBatch>,
    pub tiers: super::SeedTiers,
    pub approvals: Box<dyn Iterator<Item = SeedApproval> + Send>,
}

impl DemoData {
    /// Everything but the approvals, as the import takes it.
    pub fn records(
        self,
    ) -> (
        super::SeedRecords,
        Box<dyn Iterator<Item = SeedApproval> + Send>,
    ) {
        (
            super::SeedRecords {
                users: self.users,
                distributors: self.distributors,
                partners: self.partners,
                tenants: self.tenants,
                voucher_batches: self.voucher_batches,
                tiers: self.tiers,
            },
            self.approvals,
        )
    }
}

/// splitmix64: tiny, fast, and the same sequence on every machine.
#[derive(Clone)]
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(super) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const PARTNERS: &[&str] = &[
    "Acme Media",
    "Northwind Studios",
    "Blue Harbor Radio",
    "Pixel Forge",
    "Lumen Sports",
    "Cedar & Pine Publishing",
    "Orbit Podcasts",
    "Velvet Room Music",
    "Brightside News",
    "Kestrel Outdoors",
    "Maple Street Kitchen",
    "Nova Fitness",
    "Ironclad Gaming",
    "Sunny Day Kids",
    "Harborview Travel",
    "Quantum Tech Review",
    "Golden Gate Comedy",
    "Riverbend Community Radio",
    "Atlas Education",
    "Coral Reef Films",
    "Summit Finance Daily",
    "Evergreen Garden Club",
    "Skyline Architecture",
    "Wildflower Wellness",
    "Copperleaf Crafts",
    "Midnight Jazz FM",
    "Polar Star Esports",
    "Urban Canvas Art",
    "Tidewater Fishing",
    "Redwood Hiking Co",
    "Silverline Motors",
    "Bluebird Bakery",
    "Granite Peak Climbing",
    "Crescent Moon Yoga",
    "Fable & Folk Stories",
    "Zephyr Weather",
    "Lighthouse Literacy",
    "Amberwood Antiques",
    "Pinnacle Pets",
    "Echo Valley Choir",
    "Driftwood Surf",
    "Saffron Spice Cooking",
    "Meridian Science",
    "Starling Fashion",
    "Oakridge Local News",
    "Verdant Farms",
    "Cobalt Cyber Security",
    "Juniper Jobs Board",
];

pub(super) const FIRST: &[&str] = &[
    "Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Luca", "Maya", "Noah", "Olga", "Priya",
];
pub(super) const LAST: &[&str] = &[
    "Keller",
    "Okafor",
    "Novak",
    "Garcia",
    "Lindqvist",
    "Tanaka",
    "Dubois",
    "Schmidt",
    "Rossi",
    "Murphy",
    "Haddad",
    "Silva",
];

/// (region, currency, time zone, phone prefix, address)
const REGIONS: &[(&str, &str, &str, &str)] = &[
    (
        "EUR",
        "Europe/Berlin",
        "+49 30",
        "Torstraße 12, 10119 Berlin, Germany",
    ),
    (
        "EUR",
        "Europe/Paris",
        "+33 1",
        "18 Rue de Rivoli, 75004 Paris, France",
    ),
    (
        "USD",
        "America/New_York",
        "+1 212",
        "350 5th Ave, New York, NY 10118, USA",
    ),
    (
        "USD",
        "America/Los_Angeles",
        "+1 415",
        "500 Howard St, San Francisco, CA 94105, USA",
    ),
    (
        "GBP",
        "Europe/London",
        "+44 20",
        "1 Poultry, London EC2R 8EJ, United Kingdom",
    ),
];

const PACKAGES: &[(&str, i64)] = &[
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
const CHANNEL_KINDS: &[&str] = &["video", "podcast", "news", "radio", "community"];
const ENGAGEMENT_TYPES: &[&str] = &["Poll", "Quiz", "Announcement", "Live stream", "Coupon"];
const BROADCASTS: &[&str] = &[
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
const REASONS: &[&str] = &[
    "The requested package is not available in your region yet.",
    "Your profile is missing a verified business address. Please add it and apply again.",
    "The ad creative links to a page that does not match the advertised offer.",
    "Broadcasts to non-followers need at least 30 days of partnership history.",
    "The image does not meet our content guidelines (text covers more than 20% of it).",
    "Payment details could not be verified; please update them in your account.",
];
const DECIDERS: &[&str] = &["alex.morgan", "sam.lee", "demo-admin", "demo-csr"];

pub(super) fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c)
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect::<String>()
        .replace("--", "-")
}

/// Midnight (UTC) of `clock`'s day: the demo's dates are whole days around it.
fn anchor(clock: DateTime<Utc>) -> DateTime<Utc> {
    let today = clock.date_naive();
    Utc.from_utc_datetime(&today.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// How long a demo engagement runs after its start.
const ENGAGEMENT_HOURS: i64 = 3;

/// An engagement's status as its dates make it at `clock`: scheduled before its start, live
/// for [`ENGAGEMENT_HOURS`], ended after.
fn engagement_status(starts_at: DateTime<Utc>, clock: DateTime<Utc>) -> &'static str {
    if starts_at > clock {
        "scheduled"
    } else if clock < starts_at + Duration::hours(ENGAGEMENT_HOURS) {
        "live"
    } else {
        "ended"
    }
}

/// The demo data, dated around `clock` (the server's now), with statuses that follow the dates
/// as they are then.
pub fn generate_at(decided: u64, clock: DateTime<Utc>) -> DemoData {
    let now = anchor(clock);
    let mut rng = Rng(0x005e_ed0f_d3a0);
    let user = |name: &str, role: SeedRole, token: String| SeedUser {
        name: name.into(),
        email: format!("{name}@partner-console.example"),
        role,
        token,
        assignments: Vec::new(),
    };
    let mut users = vec![
        user("demo-admin", SeedRole::Admin, "demo-admin".into()),
        user("demo-csr", SeedRole::Csr, "demo-csr".into()),
        user("demo-viewer", SeedRole::Viewer, "demo-viewer".into()),
        // Colleagues who decided the history; their tokens are random, so nobody can use them.
        user(
            "alex.morgan",
            SeedRole::Csr,
            uuid::Uuid::new_v4().to_string(),
        ),
        user("sam.lee", SeedRole::Csr, uuid::Uuid::new_v4().to_string()),
    ];

    let statuses = [
        PartnerStatus::Active,
        PartnerStatus::Active,
        PartnerStatus::Active,
        PartnerStatus::Pending,
        PartnerStatus::Suspended,
        PartnerStatus::Inactive,
    ];
    let partners: Vec<SeedPartner> = PARTNERS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (cur, tz, phone, address) = *rng.pick(REGIONS);
            let s = slug(name);
            let status = *rng.pick(&statuses);
            let package = (status != PartnerStatus::Pending).then(|| {
                let (p, price) = *rng.pick(PACKAGES);
                Item {
                    name: p.into(),
                    price: Money::new(price, cur),
                }
            });
            let channels = (0..1 + rng.below(4))
                .map(|j| SeedChannel {
                    id: Some(format!("ch_{:03}_{j}", i + 1)),
                    name: match j {
                        0 => name.to_string(),
                        1 => format!("{name} Live"),
                        2 => format!("{name} Extra"),
                        _ => format!("{name} Archive"),
                    },
                    kind: rng.pick(CHANNEL_KINDS).to_string(),
                    followers: (rng.below(250) as i64 + 1) * 137,
                })
                .collect();
            let engagements = (0..2 + rng.below(4))
                .map(|j| {
                    let id = Some(format!("en_{:03}_{j}", i + 1));
                    let title = rng.pick(BROADCASTS).to_string();
                    let engagement_type = rng.pick(ENGAGEMENT_TYPES).to_string();
                    // A draw that once picked the status: kept, so every later draw (and the
                    // demo partners the tests name) stays as it was.
                    let _ = rng.below(3);
                    let starts_at = now + Duration::hours(rng.below(24 * 30) as i64 - 24 * 15);
                    SeedEngagement {
                        id,
                        title,
                        engagement_type,
                        status: engagement_status(starts_at, clock).to_string(),
                        starts_at,
                    }
                })
                .collect();
            let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
            SeedPartner {
                id: Some(format!("pt_{:03}", i + 1)),
                distributor_id: None,
                name: name.to_string(),
                status,
                invoice_id: Some(format!("INV-2026-{:04}", 1000 + i * 7)),
                package,
                contact: SeedContact {
                    name: format!("{first} {last}"),
                    email: format!("{}@{s}.example", first.to_lowercase()),
                    phone: format!("{phone} {:03} {:04}", rng.below(1000), rng.below(10000)),
                    website: format!("https://{s}.example"),
                    address: SeedAddress::Line(address.to_string()),
                    time_zone: tz.to_string(),
                },
                channels,
                engagements,
                members: Vec::new(),
                notes: String::new(),
                lead_settings: None,
                created_at: Some(now - Duration::days(30 + rng.below(900) as i64)),
            }
        })
        .collect();

    let mut partners = partners;
    super::demo_records::add_members(&mut partners);
    super::demo_leads::add_lead_settings(&mut partners);
    demo_hierarchy::spread(&mut partners);
    users.extend(demo_hierarchy::admin_users(&partners));
    let tenants = demo_hierarchy::tenants(&partners, now);
    let voucher_batches = super::demo_records::voucher_batches(&partners, now, DEMO_BATCHES);
    let pending = pending_items(&mut rng, &partners, now);
    let history = DecidedGen {
        rng: rng.clone(),
        partners: partners.clone(),
        now,
        n: decided,
        i: 0,
    };
    let tiers = super::demo_tiers::tiers(&partners, now);
    DemoData {
        users,
        distributors: demo_hierarchy::distributors(now),
        partners,
        tenants: Box::new(tenants.into_iter()),
        voucher_batches,
        tiers,
        approvals: Box::new(pending.into_iter().chain(history)),
    }
}

/// The demo grown to the large set's tree (`--seed large`): 100 distributors, 100,000 partners
/// (10,000 under one), 1,000,000 tenants; the demo's users, partners, approvals and batches
/// among them.
pub fn generate_large(decided: u64, clock: DateTime<Utc>) -> DemoData {
    let mut data = generate_at(decided, clock);
    let now = anchor(clock);
    let demo_tenants: Vec<SeedTenant> = data.tenants.collect();
    let more = demo_hierarchy::large_partners(data.partners.len(), now);
    let tenants = demo_hierarchy::large_tenants(demo_tenants.len(), more.len(), now);
    data.partners.extend(more);
    data.distributors = demo_hierarchy::large_distributors(now);
    data.tenants = Box::new(demo_tenants.into_iter().chain(tenants));
    data
}

/// One approval of `kind` for `partner`, requested at `requested_at`, still pending.
fn approval(
    rng: &mut Rng,
    kind: Kind,
    partner: &SeedPartner,
    requested_at: DateTime<Utc>,
) -> SeedApproval {
    let cur = partner
        .package
        .as_ref()
        .map(|p| p.price.currency.clone())
        .unwrap_or_else(|| "EUR".into());
    let mut details = Details::default();
    let (title, item) = match kind {
        Kind::Partnership => {
            let (p, price) = *rng.pick(PACKAGES);
            (
                format!("{p} package"),
                Some(Item {
                    name: p.into(),
                    price: Money::new(price, &cur),
                }),
            )
        }
        Kind::Addon => {
            let (a, price) = *rng.pick(ADDONS);
            (
                a.to_string(),
                Some(Item {
                    name: a.into(),
                    price: Money::new(price, &cur),
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
                    price: Money::new(price, &cur),
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
                "{kind} from {}: {title}.\nTap to join — it only takes a minute.",
                partner.name
            ));
            details.engagement_type = Some(kind);
            (title, None)
        }
        Kind::Ad => {
            let (headline, body) = *rng.pick(ADS);
            let starts = requested_at + Duration::days(2 + rng.below(10) as i64);
            details.headline = Some(headline.into());
            details.body = Some(body.into());
            details.image_url = Some(format!(
                "{}/ads/banner-{}.png",
                partner.contact.website,
                rng.below(90) + 10
            ));
            details.target_url = Some(format!("{}/offer", partner.contact.website));
            details.impressions = Some((rng.below(40) as i64 + 1) * 5000);
            details.starts_at = Some(starts);
            details.ends_at = Some(starts + Duration::days(7 + rng.below(21) as i64));
            (headline.to_string(), None)
        }
    };
    SeedApproval {
        id: None,
        kind,
        status: Status::Pending,
        title,
        partner: partner.id.clone().unwrap_or_default(),
        item,
        description: rng.pick(DESCRIPTIONS).to_string(),
        requested_at,
        decided_at: None,
        decided_by: None,
        reason: None,
        details,
    }
}

fn pending_items(rng: &mut Rng, partners: &[SeedPartner], now: DateTime<Utc>) -> Vec<SeedApproval> {
    let counts = [
        (Kind::Partnership, 12),
        (Kind::Addon, 6),
        (Kind::Broadcast, 5),
        (Kind::AdvertisingPackage, 4),
        (Kind::Ad, 6),
    ];
    let mut out = Vec::new();
    let mut n = 0;
    for (kind, count) in counts {
        for _ in 0..count {
            let p = rng.pick(partners);
            let at = now - Duration::minutes(30 + rng.below(60 * 24 * 9) as i64);
            let mut a = approval(rng, kind, p, at);
            n += 1;
            a.id = Some(format!("ap_p{n:03}"));
            out.push(a);
        }
    }
    out
}

/// The decided history, generated lazily so a million rows never sit in memory at once.
struct DecidedGen {
    rng: Rng,
    partners: Vec<SeedPartner>,
    now: DateTime<Utc>,
    n: u64,
    i: u64,
}

impl Iterator for DecidedGen {
    type Item = SeedApproval;

    fn next(&mut self) -> Option<SeedApproval> {
        if self.i >= self.n {
            return None;
        }
        self.i += 1;
        let rng = &mut self.rng;
        // About six hours apart, newest first, at most two years back (a big set packs
        // closer); one hour at least between now and the newest.
        let span_minutes = (self.n * 60 * 6).min(60 * 24 * 730);
        let step = (span_minutes as f64 / self.n as f64).max(0.001);
        let decided_at = self.now
            - Duration::minutes(60)
            - Duration::seconds((self.i as f64 * step * 60.0) as i64);
        let kind = *rng.pick(&Kind::ALL);
        let p = rng.pick(&self.partners);
        let requested_at = decided_at - Duration::minutes(10 + rng.below(60 * 72) as i64);
        let mut a = approval(rng, kind, p, requested_at);
        let rejected = rng.below(4) == 0;
        a.id = Some(format!("ap_h{:07}", self.i));
        a.status = if rejected {
            Status::Rejected
        } else {
            Status::Approved
        };
        a.decided_at = Some(decided_at);
        a.decided_by = Some(rng.pick(DECIDERS).to_string());
        a.reason = rejected.then(|| rng.pick(REASONS).to_string());
        Some(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_engagements_status_agrees_with_its_dates() {
        let clock = anchor(Utc::now()) + Duration::hours(14);
        let data = generate_at(0, clock);
        let mut seen = std::collections::BTreeSet::new();
        for e in data.partners.iter().flat_map(|p| &p.engagements) {
            let expected = if e.starts_at > clock {
                "scheduled"
            } else if e.starts_at + Duration::hours(ENGAGEMENT_HOURS) > clock {
                "live"
            } else {
                "ended"
            };
            assert_eq!(e.status, expected, "{} starting {}", e.title, e.starts_at);
            seen.insert(e.status.clone());
        }
        assert!(
            seen.contains("scheduled") && seen.contains("ended"),
            "{seen:?}"
        );
    }
}
