//! The partner record end to end: a CSR edits a partner's city and time zone in the form and
//! saves; the API has both. A second console editing the same partner meanwhile keeps its own
//! text, is shown what the first saved (live, from `record.changed`), and saves over it only
//! when asked.

use std::time::Duration;

use crate::support::{Pty, ServerProc, keys};
use partner_console::client::Api;
use partner_console::domain::PartnerQuery;

const WAIT: Duration = Duration::from_secs(20);

/// A console on `server` with Harborview Travel's record open.
fn on_harborview(server: &ServerProc) -> Pty {
    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-csr")],
        120,
        40,
    );
    term.wait_for("● live", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    term.send(":");
    term.wait_for("Find a partner", WAIT).unwrap();
    term.send("hv");
    term.wait_for("▶ Harborview Travel", WAIT).unwrap();
    term.send(keys::ENTER);
    term.wait_for("[Overview]", WAIT).unwrap();
    term.wait_for("there now", WAIT).unwrap();
    term
}

/// `E`, then the city (the 8th field) replaced by `city`.
fn edit_city(term: &mut Pty, city: &str) {
    term.send("E");
    term.wait_for("Edit Harborview Travel", WAIT).unwrap();
    for _ in 0..7 {
        term.send(keys::TAB);
    }
    term.send(&keys::ctrl('u'));
    term.send(city);
    term.wait_for(&format!("{city}▏"), WAIT).unwrap();
}

#[test]
fn edit_city_and_time_zone_and_a_second_console_keeps_its_text_over_the_first_save() {
    let server = ServerProc::start();
    let mut first = on_harborview(&server);
    let mut second = on_harborview(&server);

    // The second console starts editing first, and does not save yet.
    edit_city(&mut second, "Munich");

    // The first changes the city and picks a time zone by typing part of its name.
    edit_city(&mut first, "Hamburg");
    for _ in 0..4 {
        first.send(keys::TAB);
    }
    first.send(keys::ENTER);
    first.wait_for("Choose:", WAIT).unwrap();
    first.send("tokyo");
    first.wait_for("▶ Asia/Tokyo", WAIT).unwrap();
    first.send(keys::ENTER);
    first.wait_for("‹ Asia/Tokyo ›", WAIT).unwrap();
    first.send(&keys::ctrl('s'));
    first.wait_for("Saved Harborview Travel.", WAIT).unwrap();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = crate::support::client_for(&server.url, "demo-csr");
    let read = || {
        rt.block_on(async {
            let id = api
                .partners(&PartnerQuery {
                    q: Some("Harborview".into()),
                    ..Default::default()
                })
                .await
                .unwrap()
                .items[0]
                .id
                .clone();
            api.partner(&id).await.unwrap()
        })
    };
    let saved = read();
    assert_eq!(saved.contact.address.city, "Hamburg");
    assert_eq!(saved.contact.time_zone, "Asia/Tokyo");

    // The second console learns of it at once (record.changed; a save of its own would have
    // met the same through a 412, which `record::tests` pins): it keeps "Munich", shows the
    // city saved meanwhile, and takes the new time zone it did not touch.
    second
        .wait_for("saved meanwhile: Hamburg", WAIT)
        .unwrap_or_else(|e| panic!("{e}"));
    second.wait_for("Munich▏", WAIT).unwrap();
    second.wait_for("‹ Asia/Tokyo ›", WAIT).unwrap();
    second
        .wait_for("Someone else saved this record first", WAIT)
        .unwrap();
    // Saving, as asked, puts the second CSR's city over the first's.
    second.send(&keys::ctrl('s'));
    second.wait_for("Saved Harborview Travel.", WAIT).unwrap();
    second.wait_gone("Edit Harborview Travel", WAIT).unwrap();
    let after = read();
    assert_eq!(after.contact.address.city, "Munich");
    assert_eq!(
        after.contact.time_zone, "Asia/Tokyo",
        "the first's zone is kept"
    );
    first.send("q");
    second.send("q");
}
