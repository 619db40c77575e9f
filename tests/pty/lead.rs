//! Lead exchange end to end, as demo-csr at 80×24: limits that cannot both be reached (1 a day,
//! 50 a month) are warned about in the form, saved anyway, shown with their warning on the
//! page, and read back from the API.

use std::time::Duration;

use crate::support::{ServerProc, keys};
use partner_console::client::Api;
use partner_console::domain::PartnerQuery;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn daily_1_and_monthly_50_are_warned_about_saved_and_read_back() {
    let server = ServerProc::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = crate::support::client_for(&server.url, "demo-csr");
    // A partner nobody has set up yet: its form has the defaults' fields in view.
    let partners = rt
        .block_on(api.partners(&PartnerQuery {
            limit: Some(100),
            ..Default::default()
        }))
        .unwrap()
        .items;
    let partner = partners
        .iter()
        .filter(|p| !p.standing.suspended())
        .find(|p| {
            rt.block_on(api.lead_settings(&p.id))
                .unwrap()
                .record
                .version
                == 1
        })
        .expect("a partner with the default lead settings")
        .clone();

    let mut term = crate::steps::open_record(&server, &partner.name, 80, 24);
    term.send("<");
    term.wait_for("[Lead exchange]", WAIT).unwrap();
    term.wait_for("Type and prices", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));

    term.send("E");
    term.wait_for("Lead exchange of", WAIT).unwrap();
    // Partner type, currency, lead cost, portal access, require accept, status updates,
    // billing, by email, by internet: the daily limit is the tenth field in view.
    for _ in 0..9 {
        term.send(keys::TAB);
    }
    term.wait_for("▶ Daily limit", WAIT).unwrap();
    term.send(&keys::ctrl('u'));
    term.send("1");
    term.send(keys::TAB);
    term.send(&keys::ctrl('u'));
    term.send("50");
    term.send(keys::TAB);
    term.wait_for("never reached", WAIT).unwrap();
    term.send(&keys::ctrl('s'));
    term.wait_for("Saved. Note:", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    // The page heads its groups with the warning.
    term.wait_for("Warnings", WAIT).unwrap();

    let read = rt.block_on(api.lead_settings(&partner.id)).unwrap();
    assert_eq!(read.record.record.daily_limit, 1);
    assert_eq!(read.record.record.monthly_limit, 50);
    assert_eq!(read.record.version, 2);
    assert!(
        read.warnings
            .iter()
            .any(|w| w.code == "unreachable_monthly_limit" && w.field == "/monthly_limit"),
        "{:?}",
        read.warnings
    );
    term.send("q");
}
