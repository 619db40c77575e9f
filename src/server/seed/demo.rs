//! The demo data set: deterministic (a fixed-seed generator; times relative to today), realistic
//! enough to work with, and scalable (`--seed-size N` decided approvals) for benchmarks.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::demo_hierarchy;
use super::demo_records::DEMO_BATCHES;
use super::demo_requests::{self, BROADCASTS, ENGAGEMENT_TYPES, PACKAGES};
use super::file::*;
use crate::domain::{Item, Kind, Money, PartnerStatus, Status};

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
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
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

const CHANNEL_KINDS: &[&str] = &["video", "podcast", "news", "radio", "community"];
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

/// One approval of `kind` for `partner`, requested at `requested_at`, still pending: what
/// such a partner would ask for (`demo_requests`, which the simulation plays too).
fn approval(
    rng: &mut Rng,
    kind: Kind,
    partner: &SeedPartner,
    requested_at: DateTime<Utc>,
) -> SeedApproval {
    let currency = partner.package.as_ref().map(|p| p.price.currency.as_str());
    let r = demo_requests::request(
        rng,
        kind,
        &partner.name,
        &partner.contact.website,
        currency,
        requested_at,
    );
    SeedApproval {
        id: None,
        kind,
        status: Status::Pending,
        title: r.title,
        partner: partner.id.clone().unwrap_or_default(),
        item: r.item,
        description: r.description,
        requested_at,
        decided_at: None,
        decided_by: None,
        reason: None,
        details: r.details,
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
