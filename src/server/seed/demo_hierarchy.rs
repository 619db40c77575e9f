//! The demo's hierarchy (RECORDS.md §1): five distributors with the demo partners spread under
//! them, 0 to 20 tenants a partner, a suspended distributor (and, among the partners' own
//! statuses, suspended partners under active ones), and two users who administer part of the
//! tree. And the large set (`--seed large`): the demo grown to 100 distributors, 100,000
//! partners and 1,000,000 tenants, one distributor holding 10,000 partners, streamed into the
//! import rather than held in memory. Drawn from generators of their own, so the rest of the
//! demo data (which tests name) stays as it was.

use chrono::{DateTime, Duration, Utc};

use super::demo::{FIRST, LAST, Rng, slug};
use super::file::*;
use crate::domain::{AssignmentRole, NodeContact, NodeStatus, PartnerStatus};

const DISTRIBUTORS: &[&str] = &[
    "Acme Distribution",
    "Northwind Channel Partners",
    "Bluewave Networks",
    "Summit Resellers",
    "Harbor & Co Distribution",
];
/// The demo distributor that is suspended (its partners and their tenants with it).
pub const SUSPENDED_DISTRIBUTOR: usize = 3;

const CUSTOMERS: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Wingtip",
    "Litware",
    "Proseware",
    "Adatum",
    "Coho",
    "Lucerne",
    "Margie's",
    "Fourth Coffee",
    "Alpine Ski",
    "Trey Research",
    "Woodgrove",
    "Relecloud",
    "Northwind Traders",
];
const UNITS: &[&str] = &[
    "Head Office",
    "Sales",
    "Support",
    "Marketing",
    "Studio",
    "Berlin",
    "Lisbon",
    "Boston",
    "Academy",
    "Events",
];

fn distributor_id(i: usize) -> String {
    format!("ds_{:03}", i + 1)
}

fn contact(rng: &mut Rng, domain: &str, phone: bool) -> NodeContact {
    let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
    NodeContact {
        name: format!("{first} {last}"),
        email: format!("{}@{domain}", first.to_lowercase()),
        phone: if phone {
            format!("+1 555 {:04}", rng.below(10_000))
        } else {
            String::new()
        },
    }
}

fn distributor(rng: &mut Rng, i: usize, name: String, now: DateTime<Utc>) -> SeedDistributor {
    let domain = format!("{}.example", slug(&name));
    SeedDistributor {
        id: Some(distributor_id(i)),
        contact: contact(rng, &domain, true),
        name,
        status: if i == SUSPENDED_DISTRIBUTOR {
            NodeStatus::Suspended
        } else {
            NodeStatus::Active
        },
        created_at: Some(now - Duration::days(1000 + 17 * i as i64)),
    }
}

/// The demo's five distributors.
pub fn distributors(now: DateTime<Utc>) -> Vec<SeedDistributor> {
    let mut rng = Rng(0xd157_0001);
    DISTRIBUTORS
        .iter()
        .enumerate()
        .map(|(i, name)| distributor(&mut rng, i, name.to_string(), now))
        .collect()
}

/// Each demo partner under a distributor, in turn.
pub fn spread(partners: &mut [SeedPartner]) {
    for (i, p) in partners.iter_mut().enumerate() {
        p.distributor_id = Some(distributor_id(i % DISTRIBUTORS.len()));
    }
}

fn tenant(rng: &mut Rng, id: String, partner: &str, now: DateTime<Utc>) -> SeedTenant {
    let customer = *rng.pick(CUSTOMERS);
    let name = format!("{customer} {}", rng.pick(UNITS));
    let c = contact(rng, &format!("{}.example", slug(customer)), false);
    SeedTenant {
        id: Some(id),
        name,
        partner: partner.to_string(),
        // One in fifteen is suspended by its own status.
        status: if rng.below(15) == 0 {
            NodeStatus::Suspended
        } else {
            NodeStatus::Active
        },
        contact: SeedTenantContact {
            name: c.name,
            email: c.email,
        },
        created_at: Some(now - Duration::days(rng.below(700) as i64)),
    }
}

/// 0 to 20 tenants for each demo partner.
pub fn tenants(partners: &[SeedPartner], now: DateTime<Utc>) -> Vec<SeedTenant> {
    let mut rng = Rng(0x7e4a_4750);
    let mut out = Vec::new();
    for (i, p) in partners.iter().enumerate() {
        let pid = p.id.clone().unwrap_or_default();
        for j in 0..rng.below(21) {
            out.push(tenant(
                &mut rng,
                format!("tn_{:03}_{j:02}", i + 1),
                &pid,
                now,
            ));
        }
    }
    out
}

/// The users who administer part of the tree, with public tokens like the other demo users:
/// `demo-distributor` (a CSR, administrator of the first distributor) and
/// `demo-partner-admin` (a CSR, administrator of the first active partner of the second).
pub fn admin_users(partners: &[SeedPartner]) -> Vec<SeedUser> {
    let partner = partners
        .iter()
        .find(|p| p.distributor_id == Some(distributor_id(1)) && p.status == PartnerStatus::Active)
        .or_else(|| partners.first())
        .and_then(|p| p.id.clone())
        .unwrap_or_default();
    let user = |name: &str, role: AssignmentRole, scope: String| SeedUser {
        name: name.into(),
        email: format!("{name}@partner-console.example"),
        role: SeedRole::Csr,
        token: name.into(),
        assignments: vec![SeedAssignment { role, scope }],
    };
    vec![
        user(
            "demo-distributor",
            AssignmentRole::DistributorAdmin,
            distributor_id(0),
        ),
        user("demo-partner-admin", AssignmentRole::PartnerAdmin, partner),
    ]
}

/// The large set's size.
pub const LARGE_DISTRIBUTORS: usize = 100;
pub const LARGE_PARTNERS: usize = 100_000;
pub const LARGE_TENANTS: usize = 1_000_000;
/// The partners of the large set's biggest distributor (`ds_006`): a node of 10,000 children.
pub const LARGE_BIGGEST: usize = 10_000;

const REGIONS: &[&str] = &[
    "Nordics",
    "Iberia",
    "Benelux",
    "DACH",
    "Baltics",
    "Balkans",
    "Andes",
    "Pacific",
    "Great Lakes",
    "Gulf",
    "Maghreb",
    "Levant",
];
const WORDS: &[&str] = &[
    "Apex", "Beacon", "Cascade", "Delta", "Ember", "Falcon", "Granite", "Horizon", "Indigo",
    "Juniper", "Keystone", "Lattice", "Meridian", "Nimbus", "Onyx", "Prism", "Quartz", "Radiant",
    "Sierra", "Tundra",
];
const TRADES: &[&str] = &[
    "Media",
    "Studios",
    "Radio",
    "Publishing",
    "Podcasts",
    "Sports",
    "Learning",
    "Games",
    "Travel",
    "News",
];

/// The large set's distributors: the demo's five, then 95 more (the first of them the one of
/// 10,000 partners).
pub fn large_distributors(now: DateTime<Utc>) -> Vec<SeedDistributor> {
    let mut out = distributors(now);
    let mut rng = Rng(0x1a49_0001);
    for i in DISTRIBUTORS.len()..LARGE_DISTRIBUTORS {
        let name = format!(
            "{} {} Distribution",
            WORDS[i % WORDS.len()],
            REGIONS[(i / WORDS.len()) % REGIONS.len()]
        );
        out.push(distributor(&mut rng, i, name, now));
    }
    out
}

/// The large set's partners past the demo's (`have` of them): plain ones, no channels or
/// history. The first `LARGE_BIGGEST` go under `ds_006`, the rest in turn under the 94 after it.
pub fn large_partners(have: usize, now: DateTime<Utc>) -> Vec<SeedPartner> {
    let mut rng = Rng(0x1a49_0002);
    let rest = LARGE_DISTRIBUTORS - DISTRIBUTORS.len() - 1;
    (0..LARGE_PARTNERS.saturating_sub(have))
        .map(|k| {
            let distributor = if k < LARGE_BIGGEST {
                DISTRIBUTORS.len()
            } else {
                DISTRIBUTORS.len() + 1 + (k % rest)
            };
            let name = format!("{} {} {}", rng.pick(WORDS), rng.pick(TRADES), k + 1);
            let c = contact(&mut rng, &format!("p{}.example", k + 1), true);
            SeedPartner {
                id: Some(format!("pt_{:06}", k + 1)),
                distributor_id: Some(distributor_id(distributor)),
                name,
                status: if rng.below(40) == 0 {
                    PartnerStatus::Suspended
                } else {
                    PartnerStatus::Active
                },
                invoice_id: Some(format!("INV-L-{:06}", k + 1)),
                package: None,
                contact: SeedContact {
                    name: c.name,
                    email: c.email,
                    phone: c.phone,
                    website: String::new(),
                    address: SeedAddress::default(),
                    time_zone: "UTC".into(),
                },
                channels: Vec::new(),
                engagements: Vec::new(),
                members: Vec::new(),
                notes: String::new(),
                lead_settings: None,
                created_at: Some(now - Duration::days(rng.below(900) as i64)),
            }
        })
        .collect()
}

/// The large set's tenants past the demo's (`have` of them), made as the import takes them,
/// in turn under the large set's own partners (`partners` of them).
pub fn large_tenants(
    have: usize,
    partners: usize,
    now: DateTime<Utc>,
) -> impl Iterator<Item = SeedTenant> + Send {
    let mut rng = Rng(0x1a49_0003);
    (0..LARGE_TENANTS.saturating_sub(have)).map(move |k| {
        let partner = format!("pt_{:06}", k % partners.max(1) + 1);
        tenant(&mut rng, format!("tn_{:07}", k + 1), &partner, now)
    })
}
