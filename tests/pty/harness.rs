//! Self-test of the pty harness (`tests/support/pty/`), independent of the console's screens:
//! a real server process, `partner-console info` in a pseudo-terminal, its output on the parsed
//! screen, its exit status.

use std::time::Duration;

use crate::support::{Pty, ServerProc, TestHome, keys, pty};

#[test]
fn info_in_a_pty_against_a_server_process() {
    let server = ServerProc::start();
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );

    let mut term = Pty::spawn(
        &["info", "--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-csr")],
        100,
        30,
    );
    term.wait_for("demo-csr", Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.stderr_text()));
    let status = term.exit_status(Duration::from_secs(10)).unwrap();
    assert!(status.success(), "{status:?}\n{}", term.screen_text());

    let screen = term.screen_text();
    assert!(screen.contains("backend: reachable"), "{screen}");
    assert!(screen.contains("user: demo-csr (csr)"), "{screen}");
    // The per-test home is what the child saw, not the developer's.
    let home = term.dir().display().to_string();
    assert!(
        screen.contains(&home) || screen.contains("pc-pty-home"),
        "{screen}"
    );
    // The token is never printed.
    assert!(!screen.contains("token: demo-csr"), "{screen}");
    assert!(term.total_bytes() > 0);
    assert_eq!(term.bytes_since_mark(), term.bytes());
}

#[test]
fn bytes_marks_signals_and_a_dropped_master() {
    // `serve` in a pty: prints its address, then sits idle until a signal ends it.
    let home = TestHome::new();
    let db = home.path().join("pc.db");
    let db = db.to_str().expect("utf-8 temp path").to_string();
    let mut term = Pty::spawn_in(
        home,
        &["serve", "--listen", "127.0.0.1:0", "--db", &db],
        &[],
        80,
        24,
    );
    term.wait_for("listening on http://127.0.0.1:", Duration::from_secs(30))
        .unwrap();
    term.wait_quiet(Duration::from_millis(300), Duration::from_secs(10))
        .unwrap();

    // Idle: nothing arrives.
    term.mark();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(term.bytes_since_mark(), b"", "bytes while idle");

    // Keys go through the line discipline (echoed: serve does not use raw mode).
    term.send("abc");
    term.wait_for("abc", Duration::from_secs(5)).unwrap();
    assert!(pty::contains(&term.bytes_since_mark(), b"abc"));
    assert_eq!(keys::ctrl('c'), "\x03");
    assert_eq!(pty::key_ctrl('z'), "\x1a");

    // SIGTERM ends it cleanly.
    term.send_signal(libc::SIGTERM);
    let status = term.exit_status(Duration::from_secs(10)).unwrap();
    assert!(status.success(), "{status:?}\n{}", term.screen_text());
}

#[test]
fn closing_the_master_hangs_up_the_child() {
    // The kernel sends the session leader SIGHUP when the last master descriptor closes;
    // `serve` leaves SIGHUP at its default, so it ends (whatever it does, it must end).
    let home = TestHome::new();
    let db = home
        .path()
        .join("pc.db")
        .to_str()
        .expect("utf-8")
        .to_string();
    let mut term = Pty::spawn_in(
        home,
        &["serve", "--listen", "127.0.0.1:0", "--db", &db],
        &[],
        80,
        24,
    );
    term.wait_for("listening on", Duration::from_secs(30))
        .unwrap();
    term.close_master();
    term.exit_status(Duration::from_secs(5)).unwrap();
    assert!(term.screen_text().contains("listening on"));
}
