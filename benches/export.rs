//! CSV/JSON export throughput against the reference server on loopback, release build.
//!
//! `cargo bench --bench export` (harness = false: a plain program, not a timed test). Starts the
//! server in-process on a temporary database seeded with `EXPORT_BENCH_ROWS` decided approvals
//! (default 200,000), exports the whole history through the real HTTP client to a buffered file
//! under the temp dir, once as CSV and once as JSON, and prints rows, seconds, rows/s and the
//! peak RSS of the export (VmHWM, reset before each run) and the anonymous RSS before and after
//! it. The server runs in the same process, so the RSS includes its side of the work too,
//! and the pages of the database file it maps. Last, the same pages are only fetched, to show
//! how much of the time is the export's own. QUALITY.md's target: at least 100k rows/s, flat
//! memory.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use partner_console::client::{Api, HttpApi};
use partner_console::domain::{ApprovalQuery, StatusFilter};
use partner_console::export::{Format, PAGE_LIMIT, WRITE_BUFFER, export_history};
use partner_console::server::SeedSource;
use support::{TempDir, client_for, launch};

/// A `/proc/self/status` field in kB (Linux), e.g. `VmHWM`.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Start a new peak: writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or("n/a".into(), |kb| format!("{:.1} MB", kb as f64 / 1024.0))
}

async fn run_once(api: &HttpApi, format: Format, out: &Path, expected: u64) {
    let peak_reset = reset_peak_rss();
    let rss_before = status_kb("VmRSS");
    // The server maps its database file (SQLite mmap): the pages of it the export reads count
    // in RSS as file-backed, shared with the OS page cache. The anonymous part is the
    // process's own memory, the one that must stay flat.
    let anon_before = status_kb("RssAnon");
    let file = std::fs::File::create(out).expect("create the output file");
    let writer = BufWriter::with_capacity(WRITE_BUFFER, file);
    let started = Instant::now();
    let rows = export_history(
        api,
        ApprovalQuery::default(),
        format,
        writer,
        |_| {},
        &AtomicBool::new(false),
    )
    .await
    .expect("export");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(rows, expected, "every decided approval exported");
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!(
        "export {:<4} rows {rows:>9}  {secs:>7.3} s  {:>9.0} rows/s  {:>6.1} MB written  \
         RSS before {}  peak during export {}{}  anonymous before {} after {}",
        format!("{format:?}").to_lowercase(),
        rows as f64 / secs,
        bytes as f64 / 1e6,
        mb(rss_before),
        mb(status_kb("VmHWM")),
        if peak_reset {
            ""
        } else {
            " (peak since start: clear_refs unavailable)"
        },
        mb(anon_before),
        mb(status_kb("RssAnon")),
    );
}

/// The ceiling: the same pages fetched and decoded by the client, nothing written.
async fn fetch_only(api: &HttpApi, expected: u64) {
    let mut query = ApprovalQuery {
        status: Some(StatusFilter::Decided),
        limit: Some(PAGE_LIMIT),
        ..ApprovalQuery::default()
    };
    let started = Instant::now();
    let mut rows = 0u64;
    loop {
        let page = api.export_rows(&query).await.expect("page");
        rows += page.items.len() as u64;
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(rows, expected);
    println!(
        "fetch only  rows {rows:>9}  {secs:>7.3} s  {:>9.0} rows/s  (pages fetched and decoded, \
         nothing written: the ceiling the server and client set)",
        rows as f64 / secs
    );
}

fn main() {
    let rows: u64 = std::env::var("EXPORT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(200_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let dir = TempDir::new("bench-export");

        let started = Instant::now();
        let srv = launch(
            &dir.path().join("bench.db"),
            SeedSource::Demo {
                decided: Some(rows),
            },
            Duration::from_secs(1800),
        )
        .await
        .expect("server starts");
        println!(
            "seeded {rows} decided approvals in {:.1} s; RSS {}",
            started.elapsed().as_secs_f64(),
            mb(status_kb("VmRSS"))
        );

        let api = client_for(&srv.url(), "demo-viewer");
        run_once(&api, Format::Csv, &dir.path().join("export.csv"), rows).await;
        run_once(&api, Format::Json, &dir.path().join("export.json"), rows).await;
        fetch_only(&api, rows).await;
        srv.shutdown().await;
    });
}
