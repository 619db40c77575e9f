//! Data and a little driver for the console's unit tests: approvals, partners, a signed-in
//! CSR, and answering the page loads an `update` asks for, as a runtime would.

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::{
    Approval, ApprovalPartner, Details, Item, Kind, Me, Money, Page, PartnerStatus, PartnerSummary,
    Role, Status,
};
use crate::tui::app::effect::Effect;
use crate::tui::app::keymap::Keymap;
use crate::tui::app::msg::Msg;
use crate::tui::app::{App, Session};
use crate::tui::queue::tabs::{Row, SectionId, Source};

/// The time every test message comes with.
pub const T0: DateTime<Utc> = DateTime::UNIX_EPOCH;

/// Pending partnership `i` ("Partner i", Gold €49.00), at version `10 + i` so that every
/// row carries a version of its own.
pub fn approval(i: usize) -> Approval {
    Approval {
        id: format!("ap_{i}"),
        kind: Kind::Partnership,
        status: Status::Pending,
        version: 10 + i as i64,
        title: "Gold package".into(),
        partner: ApprovalPartner {
            id: format!("pt_{i}"),
            name: format!("Partner {i}"),
            status: PartnerStatus::Active,
            email: format!("p{i}@example.test"),
            phone: "+49 30 100 2000".into(),
            website: "https://example.test".into(),
            standing: Default::default(),
        },
        item: Some(Item {
            name: "Gold".into(),
            price: Money::new(4900, "EUR"),
        }),
        description: "We would like to reach your audience.".into(),
        requested_at: Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
        decided_at: None,
        decided_by: None,
        reason: None,
        details: Details::default(),
    }
}

pub fn partner(i: usize) -> PartnerSummary {
    PartnerSummary {
        id: format!("pt_{i}"),
        name: format!("Partner {i}"),
        status: PartnerStatus::Active,
        package: None,
        invoice_id: format!("INV-{i}"),
        contact_name: Default::default(),
        email: Default::default(),
        distributor: None,
        standing: Default::default(),
        tenant_count: 0,
        version: 0,
    }
}

pub fn me(role: Role) -> Me {
    Me {
        id: "us_me".into(),
        name: "demo-csr".into(),
        email: "demo-csr@example.test".into(),
        role,
        assignments: Vec::new(),
    }
}

/// `n` rows for `section`: approvals of its kind and status, or partners.
pub fn rows(section: SectionId, n: usize) -> Vec<Row> {
    match section.source() {
        Source::Partners => (0..n).map(|i| Row::Partner(partner(i))).collect(),
        Source::Hierarchy => Vec::new(),
        // Partner i's active Gold assignment, ending in 20 + i days.
        Source::Expiring => (0..n)
            .map(|i| {
                let mut a = tiers_data(i).assignments[0].clone();
                a.id = format!("ta_{i}");
                a.expires_at = Some(T0 + chrono::Duration::days(20 + i as i64));
                Row::Period(Box::new(crate::domain::Period::TierAssignment(a)))
            })
            .collect(),
        Source::Approvals { kinds, status } => (0..n)
            .map(|i| {
                let mut a = approval(i);
                a.kind = kinds.first().copied().unwrap_or(Kind::Partnership);
                a.status = match status {
                    crate::domain::StatusFilter::Pending => Status::Pending,
                    crate::domain::StatusFilter::Rejected => Status::Rejected,
                    _ => Status::Approved,
                };
                Row::Approval(Box::new(a))
            })
            .collect(),
    }
}

/// Answer every page load in `fx` with `n` rows, and what those answers ask for in turn.
pub fn answer_loads(app: &mut App, fx: Vec<Effect>, n: usize) {
    for e in fx {
        if let Effect::LoadPage {
            section,
            request,
            slot,
            query,
        } = e
        {
            let more = app.update(
                Msg::Page {
                    section,
                    request,
                    slot,
                    cursor: query.cursor(),
                    result: Ok(Page {
                        items: rows(section, n),
                        next_cursor: None,
                    }),
                },
                T0,
            );
            answer_loads(app, more, n);
        }
    }
}

/// A console signed in as `role`, its first list loaded with `n` rows.
pub fn signed_in(session: Session, role: Role, n: usize) -> App {
    let mut app = App::new(session, Keymap::default());
    let fx = app.init();
    answer_loads(&mut app, fx, n);
    app.update(Msg::Me(Ok(me(role))), T0);
    app
}

/// An impersonation of partner `i` started at `T0`, for 30 minutes.
pub fn impersonation(i: usize) -> crate::domain::Impersonation {
    crate::domain::Impersonation {
        id: "im_1".into(),
        token: "t".repeat(20),
        partner: crate::domain::PartnerRef {
            id: format!("pt_{i}"),
            name: format!("Partner {i}"),
        },
        role: Role::PartnerOwner,
        started_at: T0,
        expires_at: T0 + chrono::Duration::minutes(30),
    }
}

/// The whole of partner `i` (its summary as [`partner`] gives it), at `version`.
pub fn full_partner(i: usize, version: i64) -> crate::domain::Partner {
    crate::domain::Partner {
        summary: crate::domain::PartnerSummary {
            version,
            distributor: Some(crate::domain::PartnerRef {
                id: "di_0".into(),
                name: "Acme Distribution".into(),
            }),
            ..partner(i)
        },
        contact: crate::domain::Contact {
            name: "Anna Keller".into(),
            email: format!("p{i}@example.test"),
            phone: "+49 30 100 2000".into(),
            website: "https://example.test".into(),
            address: crate::domain::Address {
                line1: "Torstraße 1".into(),
                line2: String::new(),
                city: "Berlin".into(),
                region: String::new(),
                postal_code: "10119".into(),
                country: "DE".into(),
            },
            time_zone: "Europe/Berlin".into(),
        },
        channels: Vec::new(),
        addons: Vec::new(),
        notes: "Prefers email.".into(),
        created_at: T0,
        admins: Vec::new(),
    }
}

/// My Partners with partner `i`'s detail open (row `i` selected) and the partner loaded.
pub fn record_open(i: usize) -> App {
    let mut app = signed_in(Session::default(), Role::Csr, 5);
    let fx = app.update(key('4'), T0);
    answer_loads(&mut app, fx, 5);
    for _ in 0..i {
        app.update(key('j'), T0);
    }
    app.update(
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Enter,
            crossterm::event::KeyModifiers::NONE,
        )),
        T0,
    );
    app.update(
        Msg::Partner {
            id: format!("pt_{i}"),
            result: Ok(full_partner(i, 3)),
        },
        T0,
    );
    assert!(app.record_partner().is_some(), "the record is open");
    app
}

fn key(c: char) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

/// A partner's Tiers & campaigns page: tiers on, Gold active until `T0` + 20 days, Platinum
/// scheduled after it, one campaign link, and two products (one out of Gold's reach).
pub fn tiers_data(partner: usize) -> crate::tui::record::tiers::TiersData {
    use crate::domain::*;
    let day = |d: i64| T0 + chrono::Duration::days(d);
    let pref = crate::domain::PartnerRef {
        id: format!("pt_{partner}"),
        name: format!("Partner {partner}"),
    };
    let tier = |id: &str, name: &str, precedence| Tier {
        id: id.into(),
        name: name.into(),
        precedence,
    };
    let tref = |t: &Tier| TierRef {
        id: t.id.clone(),
        name: t.name.clone(),
        precedence: t.precedence,
    };
    let (platinum, gold) = (tier("ti_1", "Platinum", 1), tier("ti_2", "Gold", 2));
    let gold_now = TierAssignment {
        id: "ta_1".into(),
        partner: pref.clone(),
        tier: tref(&gold),
        starts_at: day(-10),
        expires_at: Some(day(20)),
        state: AssignmentState::Active,
        version: 1,
    };
    let platinum_next = TierAssignment {
        id: "ta_2".into(),
        tier: tref(&platinum),
        starts_at: day(20),
        expires_at: None,
        state: AssignmentState::Scheduled,
        ..gold_now.clone()
    };
    let spring = Campaign {
        id: "ca_1".into(),
        name: "Spring Sale".into(),
        starts_at: day(-30),
        expires_at: Some(day(60)),
    };
    let product = |id: &str, name: &str, p| Product {
        id: id.into(),
        name: name.into(),
        tier_precedence: p,
    };
    crate::tui::record::tiers::TiersData {
        settings: Settings {
            tiers_enabled: true,
            version: 1,
        },
        tiers: vec![platinum, gold],
        campaigns: vec![spring.clone()],
        assignments: vec![gold_now.clone(), platinum_next],
        links: vec![CampaignLink {
            id: "cl_1".into(),
            partner: pref,
            campaign: CampaignRef {
                id: spring.id.clone(),
                name: spring.name.clone(),
            },
            starts_at: day(-5),
            expires_at: Some(day(40)),
            state: AssignmentState::Active,
            version: 1,
        }],
        products: PartnerProducts {
            tier: Some(gold_now),
            products: vec![
                ProductAvailability {
                    product: product("pr_1", "Analytics", None),
                    available: true,
                    reason: None,
                },
                ProductAvailability {
                    product: product("pr_2", "White label", Some(1)),
                    available: false,
                    reason: Some(Unavailable::PrecedenceTooLow {
                        tier_precedence: 2,
                        product_precedence: 1,
                    }),
                },
            ],
        },
    }
}
