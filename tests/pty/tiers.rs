//! Tiers end to end, as demo-csr at 120×40: a tier assigned from a partner's Tiers & campaigns
//! page is in the API; extended from My Partners › Expiring, its new expiry is in the API too.

use std::time::Duration;

use crate::support::{ServerProc, keys};
use partner_console::client::Api;
use partner_console::domain::{PartnerQuery, Period, PeriodKind};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn assign_a_tier_and_extend_it_from_expiring() {
    let server = ServerProc::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = crate::support::client_for(&server.url, "demo-csr");
    // A partner with no tier assignment yet, so a new one overlaps nothing.
    let partners = rt
        .block_on(api.partners(&PartnerQuery {
            limit: Some(100),
            ..Default::default()
        }))
        .unwrap()
        .items;
    let tiers_of = |id: &str| {
        rt.block_on(api.periods(PeriodKind::TierAssignment, id))
            .unwrap()
            .items
    };
    let partner = partners
        .iter()
        .filter(|p| !p.standing.suspended())
        .find(|p| tiers_of(&p.id).is_empty())
        .expect("a partner without a tier assignment")
        .clone();

    let mut term = crate::steps::open_record(&server, &partner.name, 120, 40);
    term.send(">");
    term.wait_for("[Tiers & campaigns]", WAIT).unwrap();
    term.wait_for("Current tier", WAIT).unwrap();

    // A tier (the first choice) from today for ten days.
    term.send("n");
    term.wait_for("Add a tier or campaign", WAIT).unwrap();
    term.send(keys::TAB);
    term.send(keys::TAB);
    term.send("+10d");
    term.send(&keys::ctrl('s'));
    term.wait_for(" tier.", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    let made = tiers_of(&partner.id);
    assert_eq!(made.len(), 1, "the API has it");
    let Period::TierAssignment(a) = &made[0] else {
        panic!("a tier assignment");
    };
    let ends = a.expires_at.expect("an expiry");

    // My Partners › Expiring: its row, selected, extended by the default +30d.
    term.send(keys::ESC);
    term.send("4");
    for _ in 0..2 {
        term.send("]");
    }
    term.wait_for("[Expiring]", WAIT).unwrap();
    term.wait_for(" of ", WAIT).unwrap();
    let row = format!("▶  {}", partner.name);
    let on_it = |text: &str| {
        text.lines()
            .any(|l| l.contains(&row) && l.contains(" tier "))
    };
    for _ in 0..200 {
        if on_it(&term.screen_text()) {
            break;
        }
        term.send("j");
        std::thread::sleep(Duration::from_millis(20));
    }
    term.wait_until_text("the new tier selected", WAIT, on_it)
        .unwrap();
    term.send("x");
    term.wait_for("Extend by", WAIT).unwrap();
    term.send(&keys::ctrl('s'));
    term.wait_for("Extend 1 item by +30d?", WAIT).unwrap();
    term.send("y");
    term.wait_for("Extended 1 item.", WAIT).unwrap();
    let after = tiers_of(&partner.id);
    let Period::TierAssignment(a) = &after[0] else {
        panic!("a tier assignment");
    };
    assert_eq!(a.expires_at, Some(ends + chrono::Duration::days(30)));
    term.send("q");
}
