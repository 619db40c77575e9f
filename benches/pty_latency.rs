//! The console as a user feels it, in a pty at 120×40 against a reference server process on
//! loopback (release build): start → first frame with data, key → frame latency over 500
//! selection moves (p50/p99), bytes per move / half-page scroll / page, frames per key, and
//! bytes and CPU over an idle minute, and key → frame while partners submit 10 requests a
//! second (`serve --simulate 600`). Run with `cargo bench --bench pty_latency`
//! (`PTY_BENCH_IDLE_SECS` shortens the idle minute).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::{Pty, ServerProc, TestHome, keys, pty};

const END_FRAME: &[u8] = b"\x1b[?2026l";

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat; after the `)` they are at 11 and 12.
    fields
        .get(11)
        .and_then(|u| u.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
}

/// Send `key` and wait for the end of the frame it causes; the time from the key to the arrival
/// of the frame's last byte, and the bytes written. The wait blocks on the pty reader's signal:
/// a spinning wait would take one of the machine's cores from the app being measured.
fn key_to_frame(term: &mut Pty, key: &str) -> (Duration, Vec<u8>) {
    term.mark();
    let t = Instant::now();
    term.send(key);
    let (bytes, arrived) = term
        .wait_bytes_since_mark(Duration::from_secs(5), |b| pty::contains(b, END_FRAME))
        .unwrap_or_else(|e| panic!("no frame after {key:?}: {e}"));
    (arrived.duration_since(t), bytes)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Key → frame latency and bytes of 500 alternating moves (no scrolling).
fn moves(term: &mut Pty) -> (Vec<Duration>, Vec<usize>) {
    let mut lat = Vec::new();
    let mut bytes = Vec::new();
    for i in 0..500 {
        let key = if i % 2 == 0 { "j" } else { "k" };
        let (d, b) = key_to_frame(term, key);
        assert_eq!(
            b.windows(END_FRAME.len())
                .filter(|w| *w == END_FRAME)
                .count(),
            1,
            "one frame per key"
        );
        lat.push(d);
        bytes.push(b.len());
    }
    lat.sort();
    bytes.sort();
    (lat, bytes)
}

/// Key → frame of 500 alternating moves while requests arrive, 20 ms apart (10 s in all, some
/// 100 arrivals and 40 answers to them): the frame a key is measured to is the first after it
/// that redraws the selection (`▶`), not one an arrival drew meanwhile.
fn moves_under_arrivals(term: &mut Pty) -> Vec<Duration> {
    let mut lat = Vec::new();
    for i in 0..500 {
        let key = if i % 2 == 0 { "j" } else { "k" };
        term.mark();
        let t = Instant::now();
        term.send(key);
        let (_, arrived) = term
            .wait_bytes_since_mark(Duration::from_secs(5), |b| {
                pty::rfind(b, "▶".as_bytes()).is_some_and(|at| pty::contains(&b[at..], END_FRAME))
            })
            .unwrap_or_else(|e| panic!("no frame after {key:?}: {e}"));
        lat.push(arrived.duration_since(t));
        std::thread::sleep(Duration::from_millis(20));
    }
    lat.sort();
    lat
}

/// The bare ratatui table app of `examples/bare_table.rs`, built with the bench profile (the
/// one `cargo bench` just used, so nothing is rebuilt) for the baseline.
fn bare_app() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--profile", "bench", "--example", "bare_table"])
        .current_dir(root)
        .status()
        .expect("cargo build the bare app");
    assert!(status.success(), "building examples/bare_table failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join("release").join("examples").join("bare_table")
}

fn main() {
    let server = ServerProc::start_with(&["--seed", "demo", "--seed-size", "20000"]);
    let t = Instant::now();
    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-viewer")],
        120,
        40,
    );
    term.wait_until_text("first frame with data", Duration::from_secs(30), |s| {
        s.contains("Requested") && s.contains("▶")
    })
    .unwrap();
    let first = t.elapsed();
    println!(
        "start → first frame with data: {:.1} ms (process start included)",
        first.as_secs_f64() * 1e3
    );
    term.send("5");
    term.wait_for("1 of 200+", Duration::from_secs(10)).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let (lat, move_bytes) = moves(&mut term);
    println!(
        "key → frame over 500 moves: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3
    );
    println!(
        "bytes per selection move: median {} B, max {} B",
        move_bytes[move_bytes.len() / 2],
        move_bytes.last().unwrap()
    );
    // A move past the bottom edge scrolls every visible row by one.
    term.send("G");
    std::thread::sleep(Duration::from_millis(300));
    term.send("g");
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..40 {
        key_to_frame(&mut term, "j");
    }
    let (_, scroll) = key_to_frame(&mut term, "j");
    println!(
        "bytes per one-row scroll (j at the bottom edge): {} B",
        scroll.len()
    );
    let (_, half) = key_to_frame(&mut term, &keys::ctrl('d'));
    println!("bytes per half-page scroll (Ctrl-d): {} B", half.len());
    let (_, page) = key_to_frame(&mut term, keys::PAGE_DOWN);
    println!("bytes per page (PgDn): {} B", page.len());

    let idle: u64 = std::env::var("PTY_BENCH_IDLE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    std::thread::sleep(Duration::from_millis(500));
    term.mark();
    let cpu0 = cpu_ticks(term.pid());
    std::thread::sleep(Duration::from_secs(idle));
    let cpu1 = cpu_ticks(term.pid());
    println!(
        "idle {idle} s: {} B written, {} CPU ticks (1 tick = 10 ms)",
        term.bytes_since_mark().len(),
        cpu1.saturating_sub(cpu0)
    );
    term.send("q");
    let _ = term.exit_status(Duration::from_secs(5));

    // Partners submitting 10 requests a second to the queue in view.
    let busy = ServerProc::start_with(&["--seed", "demo", "--simulate", "600"]);
    let mut live = Pty::spawn(
        &["--url", &busy.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-viewer")],
        120,
        40,
    );
    live.wait_until_text("the queue", Duration::from_secs(30), |s| {
        s.contains("Requested") && s.contains("▶")
    })
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let arriving = moves_under_arrivals(&mut live);
    println!(
        "key → frame over 500 moves while 10 requests/s arrive: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&arriving, 0.5).as_secs_f64() * 1e3,
        percentile(&arriving, 0.99).as_secs_f64() * 1e3,
        arriving.last().unwrap().as_secs_f64() * 1e3
    );
    live.send("q");
    let _ = live.exit_status(Duration::from_secs(5));
    drop(busy);

    // The same moves in a bare ratatui table app, on the same machine at the same time: the
    // ratio holds when the machine is noisy.
    let bare = bare_app();
    let mut base = Pty::spawn_program(&bare, TestHome::new(), &[], &[], 120, 40);
    base.wait_for("bare ratatui", Duration::from_secs(10))
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (blat, bbytes) = moves(&mut base);
    let (p50, bp50) = (percentile(&lat, 0.5), percentile(&blat, 0.5));
    let (p99, bp99) = (percentile(&lat, 0.99), percentile(&blat, 0.99));
    println!(
        "bare ratatui table: p50 {:.2} ms, p99 {:.2} ms, {} B per move; console / bare: p50 ×{:.2}, p99 ×{:.2}, bytes ×{:.2}",
        bp50.as_secs_f64() * 1e3,
        bp99.as_secs_f64() * 1e3,
        bbytes[bbytes.len() / 2],
        p50.as_secs_f64() / bp50.as_secs_f64(),
        p99.as_secs_f64() / bp99.as_secs_f64(),
        move_bytes[move_bytes.len() / 2] as f64 / bbytes[bbytes.len() / 2] as f64
    );
    base.send("q");
    let _ = base.exit_status(Duration::from_secs(5));
}
