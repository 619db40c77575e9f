//! The Hierarchy tree at scale, in a pty at 120×40 against a reference server seeded with
//! `--seed large` (100 distributors, 100,000 partners, 1,000,000 tenants; release build):
//! `l` on the distributor of 10,000 partners → the frame with its first partners (p50/p99 over
//! 20 openings), then every one of the 10,000 scrolled through with PgDn: the time per page and
//! the console's memory (VmRSS) before and after, which the bounded window keeps flat. Run
//! with `cargo bench --bench tree_open`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use partner_console::client::Api;
use partner_console::domain::{Level, NodeQuery};
use support::{Pty, ServerProc, keys, pty};

const END_FRAME: &[u8] = b"\x1b[?2026l";

/// The console's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Send `key`; the time until a frame that holds `needle` has fully arrived.
fn key_until(term: &mut Pty, key: &str, needle: &str) -> Duration {
    term.mark();
    let t = Instant::now();
    term.send(key);
    let (_, arrived) = term
        .wait_bytes_since_mark(Duration::from_secs(10), |b| {
            pty::contains(b, needle.as_bytes())
                && pty::rfind(b, END_FRAME) > pty::rfind(b, needle.as_bytes())
        })
        .unwrap_or_else(|e| panic!("no frame with {needle:?} after {key:?}: {e}"));
    arrived.duration_since(t)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let t = Instant::now();
    let server = ServerProc::start_with(&["--seed", "large"]);
    println!(
        "serve --seed large: ready in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = support::client_for(&server.url, "demo-admin");
    let top = rt
        .block_on(api.nodes(&NodeQuery {
            level: Level::Distributor,
            parent: None,
            q: None,
            cursor: None,
            limit: Some(100),
        }))
        .unwrap();
    let big = top
        .items
        .iter()
        .max_by_key(|d| d.child_count().unwrap_or(0))
        .unwrap()
        .clone();
    let first = rt
        .block_on(api.nodes(&NodeQuery {
            level: Level::Partner,
            parent: Some(big.id().to_string()),
            q: None,
            cursor: None,
            limit: Some(1),
        }))
        .unwrap()
        .items[0]
        .name()
        .to_string();
    println!(
        "{} has {} partners; the first is {first}",
        big.name(),
        big.child_count().unwrap_or(0)
    );

    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-admin")],
        120,
        40,
    );
    term.wait_for("● live", Duration::from_secs(30)).unwrap();
    term.send("4");
    term.send("]");
    term.wait_for("[Hierarchy]", Duration::from_secs(10))
        .unwrap();
    term.send("/");
    term.send(big.name());
    term.send(keys::ENTER);
    term.wait_for("1 of 1 lines", Duration::from_secs(10))
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let mut opens = Vec::new();
    for _ in 0..20 {
        opens.push(key_until(&mut term, "l", &first));
        term.send("h");
        term.wait_for("1 of 1 lines", Duration::from_secs(10))
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    opens.sort();
    println!(
        "l on a node of 10,000 children → its first rows drawn: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(opens[opens.len() / 2]),
        ms(opens[(opens.len() - 1) * 99 / 100]),
        ms(*opens.last().unwrap())
    );

    // Every child, a page at a time.
    term.send("l");
    term.wait_for(&first, Duration::from_secs(10)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let before = rss_kib(term.pid());
    let mut most = before;
    let mut pages = Vec::new();
    // Until the distributor's last partner is selected (its name from the API, page by page).
    let mut last = String::new();
    let mut cursor = None;
    loop {
        let page = rt
            .block_on(api.nodes(&NodeQuery {
                level: Level::Partner,
                parent: Some(big.id().to_string()),
                q: None,
                cursor: cursor.take(),
                limit: Some(200),
            }))
            .unwrap();
        if let Some(n) = page.items.last() {
            last = n.name().to_string();
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let at_end = format!("▶    ▸ {last}");
    for _ in 0..5_000 {
        if term.screen_text().contains(&at_end) {
            break;
        }
        term.mark();
        let t0 = Instant::now();
        term.send(keys::PAGE_DOWN);
        // At the window's last line while its next page is on its way, PgDn may draw nothing.
        let Ok((_, arrived)) =
            term.wait_bytes_since_mark(Duration::from_secs(1), |b| pty::contains(b, END_FRAME))
        else {
            continue;
        };
        pages.push(arrived.duration_since(t0));
        most = most.max(rss_kib(term.pid()));
    }
    let end = term.screen_text();
    assert!(
        !end.contains("more below"),
        "stopped before the end:\n{end}"
    );
    let scrolled: Duration = pages.iter().sum();
    pages.sort();
    println!(
        "PgDn through all 10,000: {} pages in {:.1} s, p50 {:.1} ms, p99 {:.1} ms per page",
        pages.len(),
        scrolled.as_secs_f64(),
        ms(pages[pages.len() / 2]),
        ms(pages[(pages.len() - 1) * 99 / 100])
    );
    println!(
        "console VmRSS: {} KiB before, {} KiB at most while scrolling, {} KiB at the end",
        before,
        most,
        rss_kib(term.pid())
    );
    term.send("q");
    let _ = term.exit_status(Duration::from_secs(5));
}
