//! What the command line prints, with the built binary (issue 15, point 13): a user's mistake
//! is one plain line with its fix, never a backtrace, even with `RUST_BACKTRACE=1`; colour goes
//! only to a terminal and never with `NO_COLOR`, for errors and for `serve`'s log alike.
#![cfg(all(unix, feature = "server"))]

mod support;

use std::process::Output;
use std::time::Duration;

use support::{Pty, ServerProc, TempDir, TestHome};

const ESC: u8 = 0x1b;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One line, `error: …`, no escape byte, no backtrace, a failing exit status.
fn assert_one_plain_line(out: &Output, says: &str) {
    let err = stderr(out);
    assert!(!out.status.success(), "{err}");
    assert!(!out.stderr.contains(&ESC), "colour into a pipe: {err:?}");
    assert!(
        !err.to_lowercase().contains("backtrace") && !err.contains("Location"),
        "a backtrace for a user's mistake: {err}"
    );
    assert_eq!(err.lines().count(), 1, "more than one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(says), "{err}");
}

#[test]
fn a_missing_token_is_one_line_with_its_fix_even_with_rust_backtrace() {
    let home = TestHome::new();
    let out = home
        .command(&["--url", "http://127.0.0.1:9"])
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "full")
        .output()
        .unwrap();
    assert_one_plain_line(&out, "no token for profile");
    assert!(stderr(&out).contains("PARTNER_CONSOLE_TOKEN"));
    assert!(stderr(&out).contains("partner-console info"));
}

#[test]
fn a_config_mistake_is_one_line() {
    let home = TestHome::new();
    home.write_config("[profiles.default]\nurl = 3\n");
    let out = home
        .command(&["export", "history"])
        .env("RUST_BACKTRACE", "1")
        .env("PARTNER_CONSOLE_TOKEN", "tok")
        .output()
        .unwrap();
    assert_one_plain_line(&out, "config.toml");
}

#[test]
fn a_refused_url_and_swapped_dates_are_one_line() {
    let home = TestHome::new();
    let out = home
        .command(&["export", "history", "--url", "http://example.com"])
        .env("RUST_BACKTRACE", "1")
        .env("PARTNER_CONSOLE_TOKEN", "tok")
        .output()
        .unwrap();
    assert_one_plain_line(&out, "http://example.com");
    let out = home
        .command(&[
            "export",
            "history",
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-01",
        ])
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_one_plain_line(&out, "swap them");
}

#[test]
fn a_bad_seed_file_is_one_line() {
    let home = TestHome::new();
    let dir = TempDir::new("bad-seed");
    let seed = dir.write("seed.json", "{\"users\": [");
    let db = home.path().join("pc.db");
    let out = home
        .command(&["serve", "--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .arg("--db")
        .arg(&db)
        // The log's info lines (migrations) are not the error; warnings would be.
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_one_plain_line(&out, "seed.json");
}

#[test]
fn a_bad_simulation_rate_or_limit_is_one_line() {
    let home = TestHome::new();
    let db = home.path().join("pc.db");
    for (args, says) in [
        (
            &["--simulate", "-5"][..],
            "--simulate takes requests per minute",
        ),
        (
            &["--simulate", "1e9"][..],
            "--simulate takes requests per minute",
        ),
        (&["--max-pending", "0"][..], "--max-pending takes"),
        (&["--simulate-seed", "3"][..], "add --simulate"),
    ] {
        let out = home
            .command(&["serve", "--listen", "127.0.0.1:0"])
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("RUST_LOG", "warn")
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        assert_one_plain_line(&out, says);
    }
    let out = home
        .command(&["demo", "--simulate", "many"])
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_one_plain_line(&out, "--simulate takes requests per minute");
}

#[test]
fn serve_logs_into_a_pipe_without_colour() {
    let mut server = ServerProc::start_with(&["--seed", "demo", "--seed-size", "10"]);
    let log = server.stderr_text();
    assert!(log.contains("demo data loaded"), "{log}");
    assert!(!log.contains('\x1b'), "colour in a redirected log: {log:?}");
    server.kill();
}

/// `serve` in a terminal: coloured log lines, none with `NO_COLOR`.
fn serve_log_in_a_terminal(env: &[(&str, &str)]) -> Vec<u8> {
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--seed",
        "demo",
        "--seed-size",
        "10",
    ];
    let mut pty = Pty::spawn(&args, env, 200, 30);
    let seen = pty.wait_for("listening on", Duration::from_secs(60));
    let bytes = pty.bytes();
    pty.kill();
    seen.unwrap_or_else(|e| panic!("{e}"));
    bytes
}

#[test]
fn serve_colours_a_terminal_unless_no_color() {
    let coloured = serve_log_in_a_terminal(&[]);
    assert!(coloured.contains(&ESC), "no colour on a terminal");
    let plain = serve_log_in_a_terminal(&[("NO_COLOR", "1")]);
    assert!(
        !plain.contains(&ESC),
        "colour with NO_COLOR: {:?}",
        String::from_utf8_lossy(&plain)
    );
}
