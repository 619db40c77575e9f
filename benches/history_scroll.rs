//! Scroll the History tab from the top to the end of a million decisions, in a pty, with the
//! built binary against a reference server process; report the time taken and the console's
//! peak RSS (VmHWM). Not a timed test: run with `cargo bench --bench history_scroll`.
//!
//! `HISTORY_BENCH_ROWS` sets the size (default 1,000,000); seeding that many rows is part of the
//! set-up and is reported separately.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::{Pty, ServerProc, pty};

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// The "N of M" position on screen, as numbers (M without its "+").
fn position(screen: &str) -> Option<(u64, u64, bool)> {
    let line = screen
        .lines()
        .find(|l| l.starts_with('└') && l.contains(" of "))?;
    let tail = line.trim_end_matches(['┘', ' ']);
    let (a, b) = tail.rsplit_once(" of ")?;
    let a = a.rsplit(' ').next()?.replace(',', "").parse().ok()?;
    let more = b.ends_with('+');
    let b = b.trim_end_matches('+').replace(',', "").parse().ok()?;
    Some((a, b, more))
}

fn main() {
    let rows: u64 = std::env::var("HISTORY_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let t = Instant::now();
    let server = ServerProc::start_with(&["--seed", "demo", "--seed-size", &rows.to_string()]);
    println!(
        "server with {rows} decided approvals ready in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // `HISTORY_BENCH_MALLOC_ARENA_MAX` passes glibc's arena limit to the console, to compare.
    let arenas = std::env::var("HISTORY_BENCH_MALLOC_ARENA_MAX").unwrap_or_default();
    let mut env = vec![("PARTNER_CONSOLE_TOKEN", "demo-viewer")];
    if !arenas.is_empty() {
        env.push(("MALLOC_ARENA_MAX", arenas.as_str()));
    }
    let mut term = Pty::spawn(&["--url", &server.url], &env, 120, 40);
    term.wait_for("● live", Duration::from_secs(60))
        .expect("console up");
    term.send("5");
    term.wait_for("Decision", Duration::from_secs(60))
        .expect("history shown");
    let pid = term.pid();
    let start_rss = vm_hwm_kb(pid).unwrap_or(0);

    let t = Instant::now();
    let mut last_report = Instant::now();
    loop {
        // `G` goes to the last loaded row; the console fetches the next page and drops pages
        // far behind. Pressing it again while a page is on its way does nothing.
        term.send("G");
        std::thread::sleep(Duration::from_millis(3));
        if last_report.elapsed() > Duration::from_millis(250) {
            last_report = Instant::now();
            if let Some((at, of, more)) = term.with_screen(|s| position(&pty::screen_to_text(s)))
                && !more
                && at == of
                && of >= rows
            {
                break;
            }
            if t.elapsed() > Duration::from_secs(1800) {
                panic!(
                    "did not reach the end in 30 minutes:\n{}",
                    term.screen_text()
                );
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let peak = vm_hwm_kb(pid).unwrap_or(0);
    println!(
        "scrolled to the end of {rows} rows in {secs:.1} s ({:.0} rows/s)",
        rows as f64 / secs
    );
    println!(
        "console peak RSS: {:.1} MB (at the start: {:.1} MB)",
        peak as f64 / 1024.0,
        start_rss as f64 / 1024.0
    );
    term.send("q");
    let _ = term.exit_status(Duration::from_secs(5));
}
