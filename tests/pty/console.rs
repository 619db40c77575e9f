//! The console end to end: the built binary in a pseudo-terminal against a reference server
//! process on 127.0.0.1:0, keys in, the screen read back (vt100), the terminal checked after.

use std::time::{Duration, Instant};

use crate::support::{Pty, ServerProc, keys, pty};

const WAIT: Duration = Duration::from_secs(20);

fn console(server: &ServerProc, cols: u16, rows: u16, extra_env: &[(&str, &str)]) -> Pty {
    let mut env = vec![("PARTNER_CONSOLE_TOKEN", "demo-csr")];
    env.extend_from_slice(extra_env);
    let term = Pty::spawn(&["--url", &server.url], &env, cols, rows);
    term.wait_for("Requested", WAIT)
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.stderr_text()));
    term
}

/// The terminal was handed back: alternate screen left, cursor shown, raw-mode extras off.
fn assert_restored(term: &Pty) {
    let bytes = term.bytes();
    let left = pty::rfind(&bytes, b"\x1b[?1049l").expect("left the alternate screen");
    let shown = pty::rfind(&bytes, b"\x1b[?25h").expect("cursor shown again");
    let entered = pty::rfind(&bytes, b"\x1b[?1049h").expect("entered the alternate screen");
    assert!(
        left > entered && shown > entered,
        "restore comes after the last enter"
    );
    assert!(!term.alternate_screen(), "still on the alternate screen");
    assert!(term.cursor_visible(), "cursor hidden");
}

#[test]
fn a_new_user_tours_every_tab_opens_help_and_quits_cleanly() {
    let server = ServerProc::start();
    let mut term = console(&server, 120, 40, &[]);
    term.wait_for("1 Partnership (12)", WAIT).unwrap();
    term.wait_for("● live", WAIT).unwrap();
    term.wait_for("demo-csr (csr)", WAIT).unwrap();
    let screen = term.screen_text();
    assert!(
        screen.contains("2 Add-ons (6)") && screen.contains("3 Requests (15)"),
        "{screen}"
    );
    assert!(screen.contains("[Pending] ─ History"), "{screen}");

    term.send("3");
    term.wait_for("[Broadcasts]", WAIT).unwrap();
    term.wait_for("Engagement", WAIT).unwrap();
    term.send("]");
    term.wait_for("[Advertising packages]", WAIT).unwrap();
    term.wait_for("impressions", WAIT).unwrap();
    term.send("]");
    term.wait_for("[Ads]", WAIT).unwrap();
    term.send("]");
    term.wait_for("[History]", WAIT).unwrap();
    term.wait_for("Approved", WAIT).unwrap();
    term.send("4");
    term.wait_for("Invoice ID", WAIT).unwrap();
    term.wait_for("INV-2026-", WAIT).unwrap();
    term.send("5");
    // The list's header and position (the chart above says "Decisions per day" at once).
    term.wait_for("1 of 200+", WAIT).unwrap();
    // Moving shows the position in the list.
    term.send("jjj");
    term.wait_for("4 of 200+", WAIT).unwrap();
    term.send(keys::TAB);
    term.wait_for("[Pending] ─ History", WAIT).unwrap();

    term.send("?");
    term.wait_for("Help ·", WAIT).unwrap();
    term.wait_for("previous section", WAIT).unwrap();
    term.send("sect");
    term.wait_for("filter: sect", WAIT).unwrap();
    term.wait_gone("Add-ons tab", WAIT).unwrap();
    assert!(term.screen_text().contains("next section"));
    // Esc on its own (a terminal cannot tell a lone Esc from the start of a sequence at once).
    term.send(keys::ESC);
    term.wait_for("filter: ▏", WAIT).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    term.send(keys::ESC);
    term.wait_gone("Help ·", WAIT).unwrap();

    term.send("q");
    let status = term.exit_status(Duration::from_secs(5)).unwrap();
    assert!(status.success(), "{status:?}");
    assert_restored(&term);
    // Nothing was printed on the terminal around the TUI, and the log went to its file.
    assert!(
        term.home().log_text().contains("partner_console"),
        "the log file has the session"
    );
}

#[test]
fn idle_sends_nothing_and_a_move_costs_few_bytes() {
    let server = ServerProc::start();
    let mut term = console(&server, 120, 40, &[]);
    term.wait_for("● live", WAIT).unwrap();
    term.wait_quiet(Duration::from_millis(500), WAIT).unwrap();
    term.mark();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        term.bytes_since_mark().len(),
        0,
        "idle wrote to the terminal"
    );
    term.mark();
    term.send("j");
    term.wait_for("2 of 12", WAIT).unwrap();
    term.wait_quiet(Duration::from_millis(300), WAIT).unwrap();
    let frame = term.bytes_since_mark();
    assert!(
        frame.len() < 1000,
        "a selection move wrote {} bytes",
        frame.len()
    );
    assert!(
        pty::contains(&frame, b"\x1b[?2026h"),
        "frames use synchronized output"
    );
    term.send("q");
    term.exit_status(Duration::from_secs(5)).unwrap();
}

#[test]
fn sigterm_restores_the_terminal() {
    let server = ServerProc::start();
    let mut term = console(&server, 100, 30, &[]);
    term.send_signal(libc::SIGTERM);
    term.exit_status(Duration::from_secs(5)).unwrap();
    assert_restored(&term);
}

#[test]
fn sigint_restores_the_terminal() {
    let server = ServerProc::start();
    let mut term = console(&server, 100, 30, &[]);
    term.send_signal(libc::SIGINT);
    term.exit_status(Duration::from_secs(5)).unwrap();
    assert_restored(&term);
}

#[test]
fn a_dropped_ssh_session_ends_the_process_within_two_seconds() {
    let server = ServerProc::start();
    let mut term = console(&server, 100, 30, &[]);
    term.close_master();
    term.send_signal(libc::SIGHUP);
    let start = Instant::now();
    let status = term.exit_status(Duration::from_secs(5));
    assert!(status.is_ok(), "still running after a hangup");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn a_panic_restores_the_terminal_before_the_report() {
    let server = ServerProc::start();
    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[
            ("PARTNER_CONSOLE_TOKEN", "demo-csr"),
            ("PARTNER_CONSOLE_DEBUG_PANIC", "1"),
        ],
        100,
        30,
    );
    let status = term.exit_status(WAIT).unwrap();
    assert!(!status.success());
    let bytes = term.bytes();
    let left = pty::rfind(&bytes, b"\x1b[?1049l").expect("left the alternate screen");
    let report = pty::rfind(&bytes, b"a deliberate panic").expect("the panic report is printed");
    assert!(left < report, "the report comes after the restore");
    assert!(!term.alternate_screen() && term.cursor_visible());
}

#[test]
fn small_windows_and_a_vanishing_server() {
    let server = ServerProc::start();
    let mut term = console(&server, 80, 24, &[("NO_COLOR", "1")]);
    term.wait_for("5 History", WAIT).unwrap();
    term.resize(70, 20);
    term.wait_for("3 Req (15)", WAIT).unwrap();
    term.resize(50, 14);
    term.wait_for("Make the window larger", WAIT).unwrap();
    term.resize(80, 24);
    term.wait_for("1 Partnership (12)", WAIT).unwrap();
    // No colour escapes when NO_COLOR is set (SGR 3x/4x foreground/background).
    assert!(!sends_colour(&term.bytes()), "colour sent under NO_COLOR");

    drop(server);
    term.wait_for("offline", WAIT).unwrap();
    // Keys still work, and a refresh says what went wrong instead of hanging.
    term.send("4");
    term.wait_for("[Partners]", WAIT).unwrap();
    term.wait_for("could not be reached", WAIT).unwrap();
    term.send("q");
    term.exit_status(Duration::from_secs(5)).unwrap();
    assert_restored(&term);
}

/// Does the output set a colour (SGR 30–37, 40–47, 90–97, 100–107, 38;…, 48;…)? Resets to the
/// default colour (39, 49) are not colours.
fn sends_colour(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.split("\x1b[").skip(1).any(|seq| {
        let Some(end) = seq.find(|c: char| c.is_ascii_alphabetic()) else {
            return false;
        };
        if &seq[end..=end] != "m" {
            return false;
        }
        seq[..end].split(';').any(|p| {
            matches!(
                p.parse::<u16>(),
                Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
            )
        })
    })
}

#[test]
fn ctrl_z_gives_the_terminal_back_and_continuing_redraws() {
    // The pty's child leads its own session, so the kernel discards its SIGTSTP (POSIX: an
    // orphaned process group is never stopped) and `raise` returns at once. What the console
    // does around the stop is all visible: give the terminal back, take it again, redraw all.
    let server = ServerProc::start();
    let mut term = console(&server, 100, 30, &[]);
    term.wait_for("● live", WAIT).unwrap();
    term.wait_quiet(Duration::from_millis(300), WAIT).unwrap();
    term.mark();
    term.send(&keys::ctrl('z'));
    poll_bytes(&term, "taken back", |b| {
        pty::rfind(b, b"\x1b[?1049h")
            .is_some_and(|h| pty::rfind(b, b"\x1b[?1049l").is_some_and(|l| l < h))
    });
    term.wait_until_text("redrawn after Ctrl-Z", WAIT, |s| {
        s.contains("1 Partnership (12)") && s.contains("Requested")
    })
    .unwrap();
    assert!(term.alternate_screen());
    // `fg` sends SIGCONT: the console re-enters its screen and redraws everything.
    term.wait_quiet(Duration::from_millis(300), WAIT).unwrap();
    term.mark();
    term.send_signal(libc::SIGCONT);
    poll_bytes(&term, "redrawn after SIGCONT", |b| {
        pty::contains(b, b"\x1b[?1049h") && pty::contains(b, "1 Partnership (12)".as_bytes())
    });
    term.send("q");
    term.exit_status(Duration::from_secs(5)).unwrap();
    assert_restored(&term);
}

/// Wait until the bytes written since the mark satisfy `done`.
fn poll_bytes(term: &Pty, what: &str, done: impl Fn(&[u8]) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done(&term.bytes_since_mark()) {
        assert!(
            Instant::now() < deadline,
            "{what}: not within {WAIT:?}\n{}",
            term.screen_text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue 15, point 9: a wrong token against a running server reads "token refused (401)" and
/// names `partner-console info`, never "offline".
#[test]
fn a_wrong_token_reads_token_refused_not_offline() {
    let server = ServerProc::start();
    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "not-a-token")],
        120,
        40,
    );
    term.wait_for("token refused (401)", WAIT)
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.stderr_text()));
    term.wait_for("partner-console info", WAIT).unwrap();
    assert!(
        !term.screen_text().contains("offline"),
        "{}",
        term.screen_text()
    );
    term.send("q");
    term.exit_status(Duration::from_secs(5)).unwrap();
    assert_restored(&term);
}
