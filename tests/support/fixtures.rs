//! Fixed data for the rendering tests and the render benchmark: the same rows and the same "now"
//! on every run, so snapshots hold still.

use chrono::{DateTime, Duration, Utc};
use partner_console::domain::*;

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

const NAMES: &[&str] = &[
    "Acme Media",
    "Blue Harbor Radio",
    "Cedar & Pine Publishing",
    "Driftwood Surf",
    "Evergreen Garden Club",
    "Fable & Folk Stories",
    "Golden Gate Comedy",
    "Harborview Travel",
    "Ironclad Gaming",
    "Juniper Jobs Board",
    "Kestrel Outdoors",
    "Lumen Sports",
    "Midnight Jazz FM",
    "Nova Fitness",
    "Orbit Podcasts",
];

pub fn partner_ref(i: usize) -> ApprovalPartner {
    let name = NAMES[i % NAMES.len()];
    let slug: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    ApprovalPartner {
        id: format!("pt_{i:03}"),
        name: name.into(),
        status: [
            PartnerStatus::Active,
            PartnerStatus::Pending,
            PartnerStatus::Suspended,
        ][i % 3],
        email: format!("hello@{slug}.example"),
        phone: format!("+49 30 {:03} {:04}", 100 + i, 2000 + i * 7),
        website: format!("https://{slug}.example"),
        standing: Default::default(),
    }
}

pub fn approval(kind: Kind, i: usize, status: Status) -> Approval {
    let requested_at = now() - Duration::hours(3 + 17 * i as i64);
    let mut details = Details::default();
    let (title, item) = match kind {
        Kind::Partnership => (
            "Gold package".to_string(),
            Some(Item {
                name: "Gold".into(),
                price: Money::new(4900, "EUR"),
            }),
        ),
        Kind::Addon => (
            "Analytics Pro".to_string(),
            Some(Item {
                name: "Analytics Pro".into(),
                price: Money::new(1500, "USD"),
            }),
        ),
        Kind::AdvertisingPackage => {
            details.impressions = Some(250_000);
            (
                "Growth 250k impressions".to_string(),
                Some(Item {
                    name: "Growth 250k impressions".into(),
                    price: Money::new(39_900, "GBP"),
                }),
            )
        }
        Kind::Broadcast => {
            details.engagement_type = Some("Poll".into());
            details.starts_at = Some(now() + Duration::days(3));
            details.audience = Some("Non-followers aged 18–34".into());
            details.estimated_reach = Some(12_000);
            details.preview = Some("Which episode was the best?\nVote now.".into());
            ("Weekend poll: best episode".to_string(), None)
        }
        Kind::Ad => {
            details.headline = Some("Train smarter".into());
            details.body = Some("Personal plans from certified coaches.".into());
            details.image_url = Some("https://nova.example/ads/1.png".into());
            details.target_url = Some("https://nova.example/offer".into());
            details.impressions = Some(50_000);
            details.starts_at = Some(now() + Duration::days(2));
            details.ends_at = Some(now() + Duration::days(16));
            ("Train smarter".to_string(), None)
        }
    };
    let decided = status != Status::Pending;
    Approval {
        id: format!("ap_{}_{i}", kind.as_str()),
        kind,
        status,
        version: if decided { 2 } else { 1 },
        title,
        partner: partner_ref(i),
        item,
        description: "We publish three shows a week and would like to reach your audience.".into(),
        requested_at,
        decided_at: decided.then(|| requested_at + Duration::hours(2)),
        decided_by: decided.then(|| UserRef {
            id: "us_1".into(),
            name: "alex.morgan".into(),
        }),
        reason: (status == Status::Rejected).then(|| "Not available in your region yet.".into()),
        details,
    }
}

pub fn approvals(kind: Kind, n: usize, status: Status) -> Vec<Approval> {
    (0..n).map(|i| approval(kind, i, status)).collect()
}

/// The `i`-th of a list of any length (the render benchmark loads a million): the kinds in
/// turn, 48 partners, each row an hour older than the one before.
pub fn numbered_approval(i: usize, status: Status) -> Approval {
    let kind = Kind::ALL[i % 5];
    Approval {
        id: format!("ap_{i:07}"),
        kind,
        status,
        version: 2,
        title: format!("Request number {i}"),
        partner: ApprovalPartner {
            id: format!("pt_{}", i % 48),
            name: format!("Partner {}", i % 48),
            status: PartnerStatus::Active,
            email: format!("hello{}@partner.example", i % 48),
            phone: "+49 30 100 2000".into(),
            website: "https://partner.example".into(),
            standing: Default::default(),
        },
        item: Some(Item {
            name: "Gold".into(),
            price: Money::new(4900, "EUR"),
        }),
        description: "We publish three shows a week.".into(),
        requested_at: now() - Duration::hours(i as i64 + 5),
        decided_at: (status != Status::Pending).then(|| now() - Duration::hours(i as i64)),
        decided_by: (status != Status::Pending).then(|| UserRef {
            id: "us_1".into(),
            name: "alex.morgan".into(),
        }),
        reason: (status == Status::Rejected).then(|| "Not in your region.".into()),
        details: Details::default(),
    }
}

pub fn partner_summary(i: usize) -> PartnerSummary {
    let r = partner_ref(i);
    PartnerSummary {
        id: r.id,
        name: r.name,
        status: r.status,
        package: (i % 4 != 3).then(|| Item {
            name: ["Bronze", "Silver", "Gold"][i % 3].into(),
            price: Money::new(1900 + 1000 * (i as i64 % 3), "EUR"),
        }),
        invoice_id: format!("INV-2026-{:04}", 1000 + i * 7),
        contact_name: ["Anna Keller", "Ravi Menon", "Lena Fischer-Baumgartner"][i % 3].into(),
        email: r.email,
        distributor: None,
        standing: Default::default(),
        tenant_count: 0,
        version: 0,
    }
}

pub fn counts() -> PendingCounts {
    PendingCounts {
        partnership: 12,
        addon: 3,
        broadcast: 2,
        advertising_package: 1,
        ad: 4,
    }
}

pub fn csr() -> Me {
    Me {
        id: "us_2".into(),
        name: "demo-csr".into(),
        email: "demo-csr@example".into(),
        role: Role::Csr,
        assignments: Vec::new(),
    }
}

pub fn partner(i: usize) -> Partner {
    let s = partner_summary(i);
    let r = partner_ref(i);
    Partner {
        contact: Contact {
            name: "Anna Keller".into(),
            email: r.email.clone(),
            phone: r.phone.clone(),
            website: r.website.clone(),
            // Kept whole, as the migration keeps a line it cannot split: the pane shows it as
            // it was written.
            address: Address {
                line1: "Torstraße 12, 10119 Berlin, Germany".into(),
                ..Address::default()
            },
            time_zone: "Europe/Berlin".into(),
        },
        channels: vec![
            Channel {
                id: "ch_1".into(),
                name: format!("{} TV", s.name),
                kind: "video".into(),
                followers: 12_345,
            },
            Channel {
                id: "ch_2".into(),
                name: format!("{} Live", s.name),
                kind: "podcast".into(),
                followers: 987,
            },
        ],
        addons: vec![PartnerAddon {
            name: "Analytics Pro".into(),
            price: Some(Money::new(1900, "EUR")),
            approval_id: "ap_h0000042".into(),
            added_at: now() - Duration::days(30),
        }],
        notes: String::new(),
        created_at: now() - Duration::days(400),
        summary: PartnerSummary { version: 1, ..s },
        admins: Vec::new(),
    }
}

pub fn impersonation(i: usize) -> Impersonation {
    let r = partner_ref(i);
    Impersonation {
        id: "im_1".into(),
        token: "imp_secret".into(),
        partner: PartnerRef {
            id: r.id,
            name: r.name,
        },
        role: Role::PartnerOwner,
        started_at: now(),
        expires_at: now() + Duration::minutes(30),
    }
}

pub fn engagements() -> Vec<Engagement> {
    vec![
        Engagement {
            id: "en_1".into(),
            title: "Quiz night".into(),
            engagement_type: "Quiz".into(),
            status: "scheduled".into(),
            starts_at: now() + Duration::days(2),
        },
        Engagement {
            id: "en_2".into(),
            title: "Holiday schedule".into(),
            engagement_type: "Announcement".into(),
            status: "ended".into(),
            starts_at: now() - Duration::days(5),
        },
    ]
}

/// Fourteen days of decisions, a few each day.
pub fn stats() -> ApprovalStats {
    let days: Vec<DayCount> = (0..14)
        .map(|i| DayCount {
            day: (now() - Duration::days(13 - i))
                .format("%Y-%m-%d")
                .to_string(),
            approved: [3, 5, 2, 8, 6, 1, 0, 4, 7, 9, 5, 3, 2, 6][i as usize],
            rejected: [1, 0, 2, 1, 0, 0, 0, 1, 3, 0, 1, 2, 0, 1][i as usize],
        })
        .collect();
    ApprovalStats {
        approved: days.iter().map(|d| d.approved).sum(),
        rejected: days.iter().map(|d| d.rejected).sum(),
        days,
    }
}

fn node_ref(kind: Level, id: &str, name: &str) -> NodeRef {
    NodeRef {
        kind,
        id: id.into(),
        name: name.into(),
    }
}

fn standing(by: Option<NodeRef>, own: bool) -> Standing {
    Standing {
        effective_status: if by.is_some() || own {
            NodeStatus::Suspended
        } else {
            NodeStatus::Active
        },
        suspended_by: by,
    }
}

/// The hierarchy the snapshots show: three distributors (Borealis suspended, Cobalt suspended
/// and empty), Acme's partners (Nova suspended, Orbit pending) and Pixel Forge's tenants.
pub fn nodes(query: &NodeQuery) -> Vec<Node> {
    let distributor = |id: &str, name: &str, suspended: bool, partners: u64| {
        let status = if suspended {
            NodeStatus::Suspended
        } else {
            NodeStatus::Active
        };
        Node::Distributor(Distributor {
            id: id.into(),
            name: name.into(),
            status,
            contact: NodeContact {
                name: "Ines Moreau".into(),
                email: "ines@acme-distribution.example".into(),
                phone: "+33 1 23 45 67 89".into(),
            },
            partner_count: partners,
            admins: Vec::new(),
            standing: standing(None, suspended),
            version: 1,
            created_at: now(),
        })
    };
    let partner =
        |i: usize, d: (&str, &str), status: PartnerStatus, tenants: u64, by: Option<NodeRef>| {
            let mut p = partner_summary(i);
            p.status = status;
            p.distributor = Some(PartnerRef {
                id: d.0.into(),
                name: d.1.into(),
            });
            p.tenant_count = tenants;
            p.standing = standing(by, status == PartnerStatus::Suspended);
            Node::Partner(p)
        };
    let tenant = |id: &str, name: &str, suspended: bool| {
        Node::Tenant(Tenant {
            id: id.into(),
            name: name.into(),
            status: if suspended {
                NodeStatus::Suspended
            } else {
                NodeStatus::Active
            },
            partner: PartnerRef {
                id: "pt_0".into(),
                name: "Acme Media".into(),
            },
            contact: NodeContact::default(),
            admins: Vec::new(),
            standing: standing(None, suspended),
            version: 1,
            created_at: now(),
        })
    };
    let acme = ("di_acme", "Acme Distribution");
    let borealis = ("di_borealis", "Borealis Partners");
    match (query.level, query.parent.as_deref()) {
        (Level::Distributor, _) => vec![
            distributor(acme.0, acme.1, false, 3),
            distributor(borealis.0, borealis.1, true, 1),
            distributor("di_cobalt", "Cobalt Channel Group", true, 0),
        ],
        (Level::Partner, Some("di_acme")) => vec![
            partner(0, acme, PartnerStatus::Active, 2, None),
            partner(1, acme, PartnerStatus::Suspended, 0, None),
            partner(2, acme, PartnerStatus::Pending, 12, None),
        ],
        (Level::Partner, Some("di_borealis")) => {
            let by = node_ref(Level::Distributor, borealis.0, borealis.1);
            vec![partner(3, borealis, PartnerStatus::Active, 0, Some(by))]
        }
        (Level::Tenant, Some(_)) => vec![
            tenant("te_1", "Acme Media EU", false),
            tenant("te_2", "Acme Media US", true),
        ],
        _ => Vec::new(),
    }
}

/// The Tiers & campaigns page of partner `id`: tiers on, Gold active for 9 more days, Platinum
/// scheduled after it, an expired Silver, a campaign link, and products in and out of reach.
pub fn tiers_data(id: &str) -> partner_console::tui::record::tiers::TiersData {
    let day = |d: i64| now() + Duration::days(d);
    let pref = PartnerRef {
        id: id.into(),
        name: "Acme Media".into(),
    };
    let tier = |id: &str, name: &str, precedence| Tier {
        id: id.into(),
        name: name.into(),
        precedence,
    };
    let tiers = vec![
        tier("ti_1", "Platinum", 1),
        tier("ti_2", "Gold", 2),
        tier("ti_3", "Silver", 3),
        tier("ti_4", "Bronze", 4),
    ];
    let assignment = |id: &str, t: &Tier, from: i64, to: Option<i64>, state| TierAssignment {
        id: id.into(),
        partner: pref.clone(),
        tier: TierRef {
            id: t.id.clone(),
            name: t.name.clone(),
            precedence: t.precedence,
        },
        starts_at: day(from),
        expires_at: to.map(day),
        state,
        version: 1,
    };
    let gold = assignment("ta_2", &tiers[1], -21, Some(9), AssignmentState::Active);
    let assignments = vec![
        assignment("ta_3", &tiers[0], 9, None, AssignmentState::Scheduled),
        gold.clone(),
        assignment("ta_1", &tiers[2], -90, Some(-21), AssignmentState::Expired),
    ];
    let campaign = Campaign {
        id: "ca_1".into(),
        name: "Winter Sale".into(),
        starts_at: day(-10),
        expires_at: Some(day(50)),
    };
    let product = |name: &str, p: Option<u32>, reason: Option<Unavailable>| ProductAvailability {
        product: Product {
            id: format!("pr_{name}"),
            name: name.into(),
            tier_precedence: p,
        },
        available: reason.is_none(),
        reason,
    };
    partner_console::tui::record::tiers::TiersData {
        settings: Settings {
            tiers_enabled: true,
            version: 1,
        },
        tiers,
        campaigns: vec![campaign.clone()],
        links: vec![CampaignLink {
            id: "cl_1".into(),
            partner: pref.clone(),
            campaign: CampaignRef {
                id: campaign.id.clone(),
                name: campaign.name.clone(),
            },
            starts_at: day(-10),
            expires_at: Some(day(50)),
            state: AssignmentState::Active,
            version: 1,
        }],
        assignments,
        products: PartnerProducts {
            tier: Some(gold),
            products: vec![
                product("Analytics", None, None),
                product("Priority support", Some(2), None),
                product(
                    "White label",
                    Some(1),
                    Some(Unavailable::PrecedenceTooLow {
                        tier_precedence: 2,
                        product_precedence: 1,
                    }),
                ),
            ],
        },
    }
}

/// Expiring: the tier assignments and links of three partners that end within a month.
pub fn expiring() -> Vec<Period> {
    (0..3)
        .flat_map(|i| {
            let mut d = tiers_data(&format!("pt_{i}"));
            let name = partner_summary(i).name;
            for a in &mut d.assignments {
                a.id = format!("{}_{i}", a.id);
                a.partner.name = name.clone();
                a.expires_at = a.expires_at.map(|e| e + Duration::days(i as i64 * 2));
            }
            for l in &mut d.links {
                l.id = format!("{}_{i}", l.id);
                l.partner.name = name.clone();
                l.expires_at = Some(now() + Duration::days(20 + i as i64));
            }
            d.assignments
                .into_iter()
                .filter(|a| a.state == AssignmentState::Active)
                .map(Period::TierAssignment)
                .chain(d.links.into_iter().map(Period::CampaignLink))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Acme Media's lead-exchange settings: both ways, post-pay, XML delivery with a header, a
/// night window on Fridays, Saturdays all day, and limits that cannot both be reached (1 a
/// day, 50 a month), with the warnings the rules give them.
pub fn lead_record() -> Saved<Versioned<LeadSettings>> {
    let mut s = LeadSettings::defaults(
        "EUR",
        "Europe/Berlin",
        "leads@acmemedia.example",
        "+49 30 1234 5678",
    );
    s.partner_type = LeadPartnerType::Both;
    s.lead_cost = Some(Money::new(1250, "EUR"));
    s.lead_value = Some(Money::new(3900, "EUR"));
    s.portal_access = PortalAccess::SearchViewReports;
    s.require_accept = true;
    s.billing = Billing::Postpay;
    s.credit_limit = Some(Money::new(500_000, "EUR"));
    s.email_delivery = EmailDelivery {
        enabled: true,
        address: "leads@acmemedia.example".into(),
    };
    s.internet_delivery = InternetDelivery {
        enabled: true,
        method: DeliveryMethod::Xml,
        url: "https://api.acmemedia.example/leads".into(),
        body_template: "<lead>\n  <id>{{lead_id}}</id>\n  <name>{{first_name}} {{last_name}}</name>\n  <email>{{email}}</email>\n</lead>".into(),
        headers: vec![DeliveryHeader {
            name: "X-Api-Key".into(),
            value: "acme-7f3a".into(),
        }],
    };
    s.daily_limit = 1;
    s.monthly_limit = 50;
    s.schedule.days.fri = DayWindow::new(true, "18:00", "00:00");
    s.schedule.days.sat = DayWindow::new(true, "00:00", "00:00");
    s.contact.mobile = "+49 151 2345 6789".into();
    s.text_alerts = TextAlerts {
        on_referral: true,
        on_low_funds: true,
    };
    s.low_funds_threshold = Some(Money::new(10_000, "EUR"));
    let warnings = lead_rules::check(&s).warnings;
    Saved {
        record: Versioned {
            record: s,
            version: 3,
        },
        warnings,
    }
}
