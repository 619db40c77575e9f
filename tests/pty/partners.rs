//! My Partners end to end: find a partner in a few keys, read its contact, copy its email
//! (OSC 52), impersonate it with a reason, see the banner and its channels, exit with the
//! confirmation; afterwards the server's audit log and database say what happened.

use std::time::Duration;

use crate::support::{Pty, ServerProc, keys, pty};
use partner_console::client::Api;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn find_read_copy_impersonate_and_come_back() {
    let server = ServerProc::start();
    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-csr")],
        120,
        40,
    );
    term.wait_for("● live", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));

    // Four keys: the finder, two letters of the name, Enter.
    term.send(":");
    term.wait_for("Find a partner", WAIT).unwrap();
    term.send("hv");
    term.wait_for("▶ Harborview Travel", WAIT).unwrap();
    term.send(keys::ENTER);
    term.wait_for("[Partners]", WAIT).unwrap();
    term.wait_for("Time zone", WAIT).unwrap();
    let screen = term.screen_text();
    assert!(
        screen.contains("America/New_York") || screen.contains("Europe/"),
        "{screen}"
    );
    // The detail's Email field (the list has an Email column too, whose header has no `@`).
    let email = screen
        .lines()
        .filter_map(|l| {
            l.split("Email").nth(1).map(|r| {
                r.trim_matches(|c: char| c == '│' || c.is_whitespace())
                    .to_string()
            })
        })
        .find(|e| e.contains('@') && !e.contains(' '))
        .expect("the email is shown");
    assert!(email.contains('@'), "{email}");

    // Copy the email: OSC 52 with the email in base64.
    term.mark();
    term.send("y");
    term.wait_for("Copy to the clipboard", WAIT).unwrap();
    term.send("e");
    term.wait_for("Sent the email", WAIT).unwrap();
    let b64 = partner_console::tui::platform::clipboard::base64(email.as_bytes());
    assert!(
        pty::contains(
            &term.bytes_since_mark(),
            format!("\x1b]52;c;{b64}\x07").as_bytes()
        ),
        "no OSC 52 for {email}"
    );

    // Impersonate with a reason.
    term.send("i");
    term.wait_for("Impersonate Harborview Travel", WAIT)
        .unwrap();
    term.send(keys::ENTER);
    term.wait_for("A reason is required", WAIT).unwrap();
    term.send("Partner cannot see their channels");
    term.wait_for("see their channels", WAIT).unwrap();
    term.send(keys::ENTER);
    term.wait_for("Impersonating Harborview Travel as Partner Owner", WAIT)
        .unwrap();
    term.wait_for("min left", WAIT).unwrap();
    term.wait_for("Channels (", WAIT).unwrap();
    term.wait_for("Harborview Travel Live", WAIT).unwrap();
    // The CSR's lists wait behind the partner's view.
    term.send("1");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        term.screen_text()
            .contains("Partner view: Harborview Travel")
    );

    // Exit, with the question of seed 001.
    term.send("X");
    term.wait_for(
        "You're about to exit impersonating Partner. Are you sure?",
        WAIT,
    )
    .unwrap();
    term.send("y");
    term.wait_for("You are back as demo-csr", WAIT).unwrap();
    term.wait_for("[Partners]", WAIT).unwrap();
    term.wait_gone("Impersonating Harborview", WAIT).unwrap();
    term.send("q");
    term.exit_status(Duration::from_secs(5)).unwrap();

    // The audit log names the CSR and the partner, start and end.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin = crate::support::client_for(&server.url, "demo-admin");
    let audit = rt.block_on(admin.audit(None, Some(100))).unwrap().items;
    let start = audit
        .iter()
        .find(|e| e.action == "impersonation.start")
        .expect("start audited");
    let end = audit
        .iter()
        .find(|e| e.action == "impersonation.end")
        .expect("end audited");
    for e in [start, end] {
        assert_eq!(e.actor, "demo-csr");
        assert_eq!(e.subject.as_deref(), Some("Harborview Travel"));
    }
    assert!(start.detail.contains("Partner cannot see their channels"));
    // And the session is over in the database: its token works no more.
    let db = rusqlite::Connection::open(&server.db).unwrap();
    let open: i64 = db
        .query_row(
            "SELECT count(*) FROM impersonations WHERE ended_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(open, 0);
}

#[test]
fn quitting_while_impersonating_ends_the_session() {
    let server = ServerProc::start();
    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-csr")],
        100,
        30,
    );
    term.wait_for("● live", WAIT).unwrap();
    term.send("4");
    term.wait_for("Invoice ID", WAIT).unwrap();
    term.send("i");
    term.wait_for("Impersonate ", WAIT).unwrap();
    term.send("Checking a billing question");
    term.wait_for("billing question", WAIT).unwrap();
    term.send(keys::ENTER);
    term.wait_for("as Partner Owner", WAIT).unwrap();
    term.send("q");
    term.exit_status(Duration::from_secs(8)).unwrap();
    let db = rusqlite::Connection::open(&server.db).unwrap();
    let (total, open): (i64, i64) = db
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE ended_at IS NULL) FROM impersonations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((total, open), (1, 0), "the session was ended on quit");
}

#[test]
fn the_directory_sorts_by_status_and_searches_as_you_type() {
    let server = ServerProc::start();
    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-viewer")],
        100,
        30,
    );
    term.wait_for("● live", WAIT).unwrap();
    term.send("4");
    term.wait_for("Invoice ID", WAIT).unwrap();
    term.wait_for("Acme Media", WAIT).unwrap();
    term.send("s");
    term.wait_for("by status", WAIT).unwrap();
    // Active partners come first, the inactive ones last.
    term.wait_until_text("active first", WAIT, |s| {
        let rows: Vec<&str> = s.lines().filter(|l| l.contains("INV-2026-")).collect();
        !rows.is_empty() && rows[0].contains("Active")
    })
    .unwrap();
    term.send("G");
    term.wait_until_text("inactive last", WAIT, |s| {
        s.lines()
            .rfind(|l| l.contains("INV-2026-"))
            .is_some_and(|l| l.contains("Inactive"))
    })
    .unwrap();
    term.send("/");
    term.send("cedar");
    term.wait_until_text("only Cedar", WAIT, |s| {
        let rows: Vec<&str> = s.lines().filter(|l| l.contains("INV-2026-")).collect();
        rows.len() == 1 && rows[0].contains("Cedar & Pine Publishing")
    })
    .unwrap();
    // While the search line has the focus, letters are text; Enter leaves it.
    term.send(keys::ENTER);
    term.send("q");
    term.exit_status(Duration::from_secs(5)).unwrap();
}
