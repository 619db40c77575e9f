//! The queue while partners submit and other CSRs look, end to end: a console sits on
//! Partnership; a partner's request submitted through the API (with an impersonation token)
//! shows as a new row with its count within a second, the selection unchanged; a second console
//! opening the same item shows in the first as that CSR's initials and "also open".

use std::time::{Duration, Instant};

use crate::support::{Pty, ServerProc, keys};
use partner_console::client::Api;
use partner_console::domain::*;
use partner_console::secret::Secret;

const WAIT: Duration = Duration::from_secs(20);

/// The text of the selected row (`▶`), from the list's first column on.
fn selected_line(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains("│▶"))
        .map(|l| l.trim().to_string())
        .unwrap_or_default()
}

/// The count the Partnership tab shows.
fn partnership_count(screen: &str) -> Option<u32> {
    let at = screen.find("1 Partnership (")? + "1 Partnership (".len();
    screen[at..].split(')').next()?.parse().ok()
}

#[test]
fn a_submitted_request_appears_at_once_and_another_csr_shows_on_its_row() {
    let server = ServerProc::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = crate::support::client_for(&server.url, "demo-csr");
    let spawn = |token: &str| {
        Pty::spawn(
            &["--url", &server.url],
            &[("PARTNER_CONSOLE_TOKEN", token)],
            120,
            40,
        )
    };

    let mut first = spawn("demo-csr");
    first
        .wait_for("● live", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    first.wait_for("Requested", WAIT).unwrap();
    first.send("j");
    first.send(keys::ENTER);
    first.wait_for("Description", WAIT).unwrap();
    first.wait_quiet(Duration::from_millis(300), WAIT).unwrap();
    let before = first.screen_text();
    let selected = selected_line(&before);
    let count = partnership_count(&before).expect("the tab's count");

    // A partner (not suspended, with nothing pending of this kind yet) submits.
    let partners = rt
        .block_on(api.partners(&PartnerQuery {
            limit: Some(100),
            ..Default::default()
        }))
        .unwrap()
        .items;
    let partner = partners
        .iter()
        .find(|p| !p.standing.suspended() && !before.contains(&p.name))
        .expect("a partner to submit")
        .clone();
    let imp = rt
        .block_on(api.impersonate(&partner.id, "pty test: submit on the partner's behalf"))
        .unwrap();
    let as_partner = api.with_partner_token(Secret::new(&imp.token));
    let request = NewRequest {
        kind: Kind::Partnership,
        title: format!("{} asks for Gold", partner.name),
        item: Some(Item {
            name: "Gold".into(),
            price: Money::new(4900, "EUR"),
        }),
        description: "Growing fast; Gold's reach fits.".into(),
        details: Details::default(),
    };
    let sent = Instant::now();
    let made = rt
        .block_on(as_partner.submit_request(&uuid::Uuid::now_v7().to_string(), &request))
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    assert_eq!(made.status, Status::Pending);

    let row = format!("● new {}", partner.name);
    let want = format!("1 Partnership ({})", count + 1);
    first
        .wait_until_text("the new row and its count", Duration::from_secs(5), |t| {
            t.contains(&row) && t.contains(&want)
        })
        .unwrap();
    let took = sent.elapsed();
    assert!(
        took <= Duration::from_secs(1),
        "the row and the count took {took:?}"
    );
    let after = first.screen_text();
    assert_eq!(
        selected_line(&after),
        selected,
        "the selection did not move"
    );

    // A second CSR opens the same item (the second row): the first console shows who.
    let mut second = spawn("demo-admin");
    second.wait_for("● live", WAIT).unwrap();
    second.wait_for("Requested", WAIT).unwrap();
    second.send("j");
    first
        .wait_for("also open: demo-admin", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    first.wait_for("◉DA", WAIT).unwrap();
    // It leaves: the first console forgets it.
    second.send("q");
    first.wait_gone("also open: demo-admin", WAIT).unwrap();
    first.send("q");
}
