//! Deciding the queues end to end: the console in a pty against a server process; afterwards
//! the server is asked (as admin, over HTTP) what really happened.

use std::time::Duration;

use crate::support::{Pty, ServerProc, keys};
use partner_console::client::{Api, DecisionKey, HttpApi};
use partner_console::domain::*;

const WAIT: Duration = Duration::from_secs(20);

struct Backend {
    rt: tokio::runtime::Runtime,
    api: HttpApi,
}

impl Backend {
    fn admin(server: &ServerProc) -> Backend {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let api = crate::support::client_for(&server.url, "demo-admin");
        Backend { rt, api }
    }

    fn pending(&self, kind: Kind) -> Vec<Approval> {
        let q = ApprovalQuery {
            kinds: vec![kind],
            status: Some(StatusFilter::Pending),
            limit: Some(100),
            ..Default::default()
        };
        self.rt.block_on(self.api.approvals(&q)).unwrap().items
    }

    fn get(&self, id: &str) -> Approval {
        self.rt.block_on(self.api.approval(id)).unwrap()
    }

    fn outbox(&self) -> Vec<OutboxEmail> {
        self.rt
            .block_on(self.api.outbox(None, Some(500)))
            .unwrap()
            .items
    }
}

fn console(server: &ServerProc) -> Pty {
    let term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-csr")],
        120,
        40,
    );
    term.wait_for("● live", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    term.wait_for("Requested", WAIT).unwrap();
    term
}

/// Type text one key at a time, as a person does (a burst can read as a paste).
fn type_text(term: &mut Pty, text: &str) {
    term.send(text);
    std::thread::sleep(Duration::from_millis(50));
}

#[test]
fn approve_a_partnership_and_reject_an_ad_with_a_two_line_reason() {
    let server = ServerProc::start();
    let backend = Backend::admin(&server);
    let first = backend.pending(Kind::Partnership).remove(0);
    let mut term = console(&server);

    term.send("a");
    term.wait_for(&format!("Approve {}", first.partner.name), WAIT)
        .unwrap();
    term.send("y");
    term.wait_for(&format!("Approved {}", first.partner.name), WAIT)
        .unwrap();
    term.wait_for("1 Partnership (11)", WAIT).unwrap();

    let ad = backend.pending(Kind::Ad).remove(0);
    term.send("3");
    term.wait_for("[Broadcasts]", WAIT).unwrap();
    term.send("]]");
    term.wait_for("[Ads]", WAIT).unwrap();
    term.wait_for(&ad.title, WAIT).unwrap();
    term.send("r");
    term.wait_for("The reason is emailed to the partner at", WAIT)
        .unwrap();
    type_text(&mut term, "The landing page does not match the ad.");
    term.send(keys::ALT_ENTER);
    type_text(&mut term, "Please fix the link and ask again.");
    term.wait_for("Please fix the link and ask again.", WAIT)
        .unwrap();
    term.send(keys::ENTER);
    term.wait_for(&format!("Rejected {}", ad.partner.name), WAIT)
        .unwrap();

    // What the server holds.
    let approved = backend.get(&first.id);
    assert_eq!(approved.status, Status::Approved);
    assert_eq!(approved.decided_by.unwrap().name, "demo-csr");
    let rejected = backend.get(&ad.id);
    assert_eq!(rejected.status, Status::Rejected);
    assert_eq!(rejected.decided_by.unwrap().name, "demo-csr");
    let reason = "The landing page does not match the ad.\nPlease fix the link and ask again.";
    assert_eq!(rejected.reason.as_deref(), Some(reason));
    let mail = backend.outbox();
    assert_eq!(mail.len(), 1, "one email: the rejection");
    assert_eq!(mail[0].to, ad.partner.email);
    assert!(mail[0].body.contains(reason), "{}", mail[0].body);

    term.send("q");
    term.exit_status(Duration::from_secs(5)).unwrap();
}

#[test]
fn another_csr_deciding_first_is_reported_with_who_and_when() {
    let server = ServerProc::start();
    let backend = Backend::admin(&server);
    let first = backend.pending(Kind::Partnership).remove(0);
    let mut term = console(&server);
    term.send("a");
    term.wait_for("y/N", WAIT).unwrap();
    // Meanwhile, an admin rejects the very item.
    backend
        .rt
        .block_on(backend.api.reject(
            &first.id,
            &DecisionKey::new(first.version),
            "Duplicate request",
        ))
        .unwrap();
    // The question closes at once, saying who decided first (issue 15 #11), rather than after
    // a `y` that the server would refuse.
    term.wait_for("already rejected by demo-admin at", WAIT)
        .unwrap();
    term.wait_for("Nothing was sent", WAIT).unwrap();
    assert!(!term.screen_text().contains("y/N"), "the question is gone");
    term.send("y");
    assert_eq!(
        backend.get(&first.id).reason.as_deref(),
        Some("Duplicate request"),
        "the first decision stands"
    );
    assert_eq!(backend.outbox().len(), 1);
}

#[test]
fn a_bulk_reject_of_three_sends_three_emails() {
    let server = ServerProc::start();
    let backend = Backend::admin(&server);
    let three: Vec<Approval> = backend
        .pending(Kind::Partnership)
        .into_iter()
        .take(3)
        .collect();
    let mut term = console(&server);
    term.send(" ");
    term.send(" ");
    term.send(" ");
    term.wait_for("3 marked", WAIT).unwrap();
    term.send("r");
    term.wait_for("Reject 3 items", WAIT).unwrap();
    type_text(&mut term, "We are not taking new partners this quarter.");
    term.send(keys::ENTER);
    term.wait_for("Rejected 3", WAIT).unwrap();
    let mail = backend.outbox();
    assert_eq!(mail.len(), 3);
    for a in &three {
        assert_eq!(backend.get(&a.id).status, Status::Rejected);
        assert!(
            mail.iter().any(|m| m.to == a.partner.email),
            "no email to {}",
            a.partner.email
        );
    }
}

#[test]
fn a_reason_survives_a_failed_send() {
    let server = ServerProc::start();
    let mut term = console(&server);
    term.send("r");
    term.wait_for("The reason is emailed", WAIT).unwrap();
    type_text(&mut term, "Text that must not be lost");
    term.wait_for("Text that must not be lost", WAIT).unwrap();
    drop(server);
    term.send(keys::ENTER);
    term.wait_for("Your text is kept", Duration::from_secs(60))
        .unwrap();
    let screen = term.screen_text();
    assert!(screen.contains("Text that must not be lost"), "{screen}");
    assert!(
        screen.contains("Reject"),
        "the dialog is still open:\n{screen}"
    );
    term.send(&keys::ctrl('c'));
    term.exit_status(Duration::from_secs(5)).unwrap();
}
