//! The reference server under load at scale (QUALITY.md, Performance: "server: decisions/s,
//! page p99 at 1M rows", ≥ 2,000/s and ≤ 10 ms).
//!
//! Seeds a temporary database with `SERVER_BENCH_ROWS` decided approvals (default 1,000,000)
//! plus `SERVER_BENCH_DECISIONS` pending ones (default 10,000), starts the server in-process on
//! 127.0.0.1:0 and drives it over HTTP with the crate's own client (`HttpApi`, no retries):
//! history pages (the first, and deep ones via the cursor, all the way to the end), search,
//! stats, and decisions from 8 concurrent clients, each approving or rejecting its own pending
//! items; and record writes (issue 17): `PATCH /partners/{id}` with `If-Match` from 8
//! concurrent clients, each editing the notes of its own partners (`SERVER_BENCH_RECORD_WRITES`,
//! default 8,000); and partner requests (issue 21): `POST /partner/requests` from 8 concurrent
//! clients, each with an impersonation token of its own partner, submitting requests of every
//! kind in turn (`SERVER_BENCH_SUBMISSIONS`, default 10,000; the server's `--max-pending` is
//! lifted so that none is refused). Latencies are client-side round trips (request, JSON,
//! decoding). Prints a table.
//!
//! `cargo bench --bench server_load`; `SERVER_BENCH_DB=path` keeps (and on later runs reuses)
//! the SQLite database instead of a temporary one;
//! `SERVER_BENCH_ONLY=pages,search,stats,decisions,records,submissions` runs only those parts.
//!
//! PostgreSQL (issue 22): `SERVER_BENCH_BACKENDS=sqlite,postgres,postgres2` measures each in
//! turn, in one run, and ends with them side by side: SQLite, PostgreSQL with one replica, and
//! with two (two servers in this process on one database; the decision clients take turns
//! between them, the reads go to the first). PostgreSQL is the cluster at `PC_TEST_POSTGRES`
//! (or one the tests' support starts), each run on a new schema of its own.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use partner_console::client::{Api, DecisionKey, HttpApi, HttpApiOptions, RetryPolicy};
use partner_console::domain::*;
use partner_console::secret::Secret;
use partner_console::server::{Location, SeedSource, ServerOptions, Store, seed};
use support::{TempDir, launch_options};

/// The console's page size (`tui::app::PAGE_SIZE`).
const CONSOLE_PAGE: u32 = 200;
const PAGE_TARGET: Duration = Duration::from_millis(10);
const DECISIONS_TARGET: f64 = 2000.0;
/// Record writes per second, 8 clients (issue 17).
const RECORD_WRITES_TARGET: f64 = 1000.0;
/// Partner requests submitted per second, 8 clients (issue 21: like decisions).
const SUBMISSIONS_TARGET: f64 = 2000.0;

/// Whether `part` is to run (`SERVER_BENCH_ONLY`, all by default).
fn runs(part: &str) -> bool {
    std::env::var("SERVER_BENCH_ONLY")
        .map_or(true, |only| only.split(',').any(|p| p.trim() == part))
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

struct Row {
    what: String,
    samples: Vec<Duration>,
    note: String,
}

impl Row {
    fn new(what: &str, mut samples: Vec<Duration>) -> Row {
        samples.sort();
        Row {
            what: what.to_string(),
            samples,
            note: String::new(),
        }
    }

    fn pct(&self, p: f64) -> Duration {
        if self.samples.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.samples.len() as f64 * p).ceil() as usize).clamp(1, self.samples.len());
        self.samples[i - 1]
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn client(url: &str, token: &str) -> HttpApi {
    HttpApi::new(HttpApiOptions {
        base_url: url.to_string(),
        token: Some(Secret::new(token)),
        retry: RetryPolicy::none(),
        request_timeout: Duration::from_secs(60),
        read_timeout: Duration::from_secs(60),
        ..HttpApiOptions::default()
    })
    .expect("client")
}

fn history(kinds: &[Kind], limit: u32) -> ApprovalQuery {
    ApprovalQuery {
        kinds: kinds.to_vec(),
        status: Some(StatusFilter::Decided),
        limit: Some(limit),
        ..Default::default()
    }
}

/// `n` times the same query.
async fn repeat(api: &HttpApi, query: &ApprovalQuery, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let page = api.approvals(query).await.expect("page");
        out.push(t.elapsed());
        std::hint::black_box(page);
    }
    out
}

/// Follow the cursor for at most `pages` pages (all of them with `usize::MAX`); returns each
/// page's time and how many rows were seen.
async fn walk(api: &HttpApi, query: &ApprovalQuery, pages: usize) -> (Vec<Duration>, u64) {
    let mut q = query.clone();
    let mut out = Vec::new();
    let mut rows = 0u64;
    while out.len() < pages {
        let t = Instant::now();
        let page = api.approvals(&q).await.expect("page");
        out.push(t.elapsed());
        rows += page.items.len() as u64;
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    (out, rows)
}

fn main() {
    // BENCH_LOG=1: the servers' warnings and errors on stderr (a 500 says why).
    if std::env::var_os("BENCH_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter("warn")
            .init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

/// Where a run keeps its data, and how many servers it runs on it.
#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    Postgres { replicas: usize },
}

impl Backend {
    fn name(self) -> String {
        match self {
            Backend::Sqlite => "SQLite".into(),
            Backend::Postgres { replicas: 1 } => "PostgreSQL, 1 replica".into(),
            Backend::Postgres { replicas } => format!("PostgreSQL, {replicas} replicas"),
        }
    }
}

/// What the side-by-side table shows of one backend's run.
struct Summary {
    backend: Backend,
    decisions_per_s: f64,
    page_p99: Duration,
    search_p95: Duration,
    seeded_in: Duration,
}

async fn run() {
    let backends: Vec<Backend> = std::env::var("SERVER_BENCH_BACKENDS")
        .unwrap_or_else(|_| "sqlite".into())
        .split(',')
        .map(|b| match b.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres { replicas: 1 },
            "postgres2" => Backend::Postgres { replicas: 2 },
            other => {
                panic!("SERVER_BENCH_BACKENDS: {other:?} is not sqlite, postgres or postgres2")
            }
        })
        .collect();
    // The temporary directory, unless the database is kept (`SERVER_BENCH_DB`; on PostgreSQL
    // the schema named after it): removed when the run ends. One for every backend of the
    // run, so that one and two PostgreSQL replicas share one seeded database.
    let (db, _temp) = match std::env::var_os("SERVER_BENCH_DB") {
        Some(p) => (PathBuf::from(p), None),
        None => {
            let dir = TempDir::new("server-load");
            (dir.path().join("bench.db"), Some(dir))
        }
    };
    let mut summaries = Vec::new();
    for backend in backends {
        summaries.push(measure(backend, &db).await);
    }
    if summaries.len() > 1 {
        println!();
        println!(
            "side by side ({} decided approvals):",
            env_u64("SERVER_BENCH_ROWS", 1_000_000)
        );
        println!(
            "{:<26} {:>12} {:>14} {:>16} {:>10}",
            "backend", "decisions/s", "page p99 ms", "search p95 ms", "seed s"
        );
        for s in &summaries {
            println!(
                "{:<26} {:>12.0} {:>14} {:>16} {:>10.1}",
                s.backend.name(),
                s.decisions_per_s,
                ms(s.page_p99),
                ms(s.search_p95),
                s.seeded_in.as_secs_f64()
            );
        }
    }
}

/// One backend's run on the database `db` names (made and seeded if new).
async fn measure(backend: Backend, db: &std::path::Path) -> Summary {
    let rows = env_u64("SERVER_BENCH_ROWS", 1_000_000);
    let decisions = env_u64("SERVER_BENCH_DECISIONS", 10_000);
    let location = match backend {
        Backend::Sqlite => Location::Sqlite(db.to_path_buf()),
        Backend::Postgres { .. } => Location::parse(&support::postgres::schema_url(db)),
    };

    // Seed (timed), then the pending items the decision round will take.
    let started = Instant::now();
    // (A PostgreSQL schema already seeded is left as it is, and seeds in no time.)
    let fresh = backend != Backend::Sqlite || !db.exists();
    // On a blocking thread: the PostgreSQL client blocks, and may not inside the runtime.
    let at = location.clone();
    let (seed_time, added) = tokio::task::spawn_blocking(move || {
        let (store, seeded) = Store::open_at(&at, |c| {
            seed::apply(
                c,
                &SeedSource::Demo {
                    decided: Some(rows),
                },
            )
        })
        .expect("open the database");
        seeded.expect("seed");
        let seed_time = started.elapsed();
        let added = seed::add_pending(&store, decisions).expect("pending items");
        (seed_time, added)
    })
    .await
    .expect("seeding");
    // No limit on pending requests: the submissions round makes thousands per partner.
    let mut servers = Vec::new();
    let replicas = match backend {
        Backend::Sqlite => 1,
        Backend::Postgres { replicas } => replicas,
    };
    for _ in 0..replicas {
        servers.push(
            launch_options(ServerOptions {
                max_pending: 1_000_000,
                ..ServerOptions::new(location.clone(), SeedSource::None)
            })
            .await
            .expect("server starts"),
        );
    }
    let urls: Vec<String> = servers.iter().map(|s| s.url()).collect();
    let url = urls[0].clone();
    let api = client(&url, "demo-viewer");
    let mut table: Vec<Row> = Vec::new();

    // Warm up: a few of each kind of request, not counted.
    for q in [
        history(&[], 50),
        history(&[Kind::Partnership], 50),
        history(&[Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad], 50),
    ] {
        repeat(&api, &q, 20).await;
    }

    let newest = api.approvals(&history(&[], 1)).await.expect("page").items[0]
        .decided_at
        .expect("decided");

    // History pages: the console's page (200 rows), the API's default (50), the export's (500).
    let mut page_rows = Vec::new();
    if runs("pages") {
        let all = history(&[], CONSOLE_PAGE);
        page_rows.push(Row::new(
            "history, first page (200)",
            repeat(&api, &all, 300).await,
        ));
        let (whole, seen) = walk(&api, &all, usize::MAX).await;
        let mut row = Row::new("history, every page to the end (200)", whole);
        row.note = format!("{seen} rows");
        page_rows.push(row);
        let partnership = history(&[Kind::Partnership], CONSOLE_PAGE);
        page_rows.push(Row::new(
            "partnership history, first page (200)",
            repeat(&api, &partnership, 300).await,
        ));
        let (deep, _) = walk(&api, &partnership, 500).await;
        page_rows.push(Row::new("partnership history, 500 pages (200)", deep));
        let requests = history(
            &[Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad],
            CONSOLE_PAGE,
        );
        page_rows.push(Row::new(
            "requests history, first page (200)",
            repeat(&api, &requests, 300).await,
        ));
        let (deep, _) = walk(&api, &requests, 500).await;
        page_rows.push(Row::new("requests history, 500 pages (200)", deep));
        let window = ApprovalQuery {
            from: Some(newest - chrono::Duration::days(200)),
            to: Some(newest - chrono::Duration::days(100)),
            ..history(&[Kind::Addon], CONSOLE_PAGE)
        };
        let (w, _) = walk(&api, &window, 300).await;
        page_rows.push(Row::new("add-on history, from/to, 300 pages (200)", w));
        let small = history(&[], 50);
        page_rows.push(Row::new(
            "history, first page (50)",
            repeat(&api, &small, 300).await,
        ));
        let (deep, _) = walk(&api, &small, 2000).await;
        page_rows.push(Row::new("history, 2,000 pages (50)", deep));
        let (whole, seen) = walk(&api, &history(&[], 500), usize::MAX).await;
        let mut row = Row::new("history, every page to the end (500)", whole);
        row.note = format!("{seen} rows");
        table.push(row);
    }

    let mut search_p95 = Duration::ZERO;
    if runs("search") {
        // Search: partners (a few, many, none), titles (Requests), both; what a ticket
        // carries: an invoice ID, a run of them, an email, a package and an add-on (items and
        // titles of every kind).
        let mut search = Vec::new();
        let mut worst = (Duration::ZERO, String::new());
        for q in [
            "acme",
            "harbor",
            "radio",
            "media",
            "a",
            "zzz",
            "sale",
            "live",
            "pixel",
            "INV-2026-1091",
            "inv-2026-10",
            "kira@",
            "gold",
            "analytics pro",
        ] {
            for kinds in [
                &[][..],
                &[Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad][..],
                &[Kind::Partnership][..],
            ] {
                let query = ApprovalQuery {
                    q: Some(q.to_string()),
                    ..history(kinds, 50)
                };
                let t = repeat(&api, &query, 20).await;
                let (deeper, _) = walk(&api, &query, 10).await;
                for d in t.iter().chain(&deeper) {
                    if *d > worst.0 {
                        worst = (*d, format!("q={q} kinds={kinds:?}"));
                    }
                }
                search.extend(t);
                search.extend(deeper);
            }
        }
        let mut row = Row::new("search (q), first pages and 10 deep", search);
        row.note = format!("slowest: {}", worst.1);
        search_p95 = row.pct(0.95);
        table.push(row);
    }

    if runs("stats") {
        // Stats.
        let mut stats = Vec::new();
        let year = ApprovalQuery {
            from: Some(newest - chrono::Duration::days(365)),
            to: Some(newest),
            ..Default::default()
        };
        for (query, n) in [
            (ApprovalQuery::default(), 100),
            (history(&[Kind::Partnership], 50), 50),
            (
                history(&[Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad], 50),
                50,
            ),
            (
                ApprovalQuery {
                    q: Some("acme".into()),
                    ..Default::default()
                },
                50,
            ),
        ] {
            for _ in 0..n {
                let t = Instant::now();
                let s = api.approval_stats(&query).await.expect("stats");
                stats.push(t.elapsed());
                std::hint::black_box(s);
            }
        }
        table.push(Row::new(
            "stats, last 30 days (all, kind, requests, q)",
            stats,
        ));
        let mut year_stats = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let s = api.approval_stats(&year).await.expect("stats");
            year_stats.push(t.elapsed());
            assert_eq!(s.days.len(), 366);
        }
        table.push(Row::new("stats, 365 days", year_stats));
    }

    let mut decisions_line = String::new();
    let mut decisions_per_s = 0.0;
    if runs("decisions") {
        // Decisions: 8 clients, each its own pending items.
        let mut pending = Vec::new();
        let mut q = ApprovalQuery {
            status: Some(StatusFilter::Pending),
            limit: Some(500),
            ..Default::default()
        };
        loop {
            let page = api.approvals(&q).await.expect("pending");
            pending.extend(page.items.into_iter().map(|a| (a.id, a.version)));
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        pending.truncate(decisions as usize);
        let n_decisions = pending.len();
        let clients = env_u64("SERVER_BENCH_CLIENTS", 8).max(1) as usize;
        let shares: Vec<Vec<(String, i64)>> = (0..clients)
            .map(|i| pending.iter().skip(i).step_by(clients).cloned().collect())
            .collect();
        let started = Instant::now();
        let tasks: Vec<_> = shares
            .into_iter()
            .enumerate()
            .map(|(i, share)| {
                // With two replicas, the clients take turns between them.
                let csr = Arc::new(client(&urls[i % urls.len()], "demo-csr"));
                tokio::spawn(async move {
                    let mut times = Vec::with_capacity(share.len());
                    for (j, (id, version)) in share.into_iter().enumerate() {
                        let key = DecisionKey::new(version);
                        let t = Instant::now();
                        let decided = if (i + j) % 4 == 0 {
                            csr.reject(&id, &key, "Not in this quarter's budget.").await
                        } else {
                            csr.approve(&id, &key, &ApproveBody::default()).await
                        };
                        times.push(t.elapsed());
                        let decided = decided.expect("decision");
                        assert_ne!(decided.status, Status::Pending);
                    }
                    times
                })
            })
            .collect();
        let mut times = Vec::new();
        for t in tasks {
            times.extend(t.await.expect("client task"));
        }
        let wall = started.elapsed();
        let per_second = n_decisions as f64 / wall.as_secs_f64();
        decisions_per_s = per_second;
        let mut row = Row::new(&format!("decision, {clients} concurrent clients"), times);
        row.note = format!("{per_second:.0} decisions/s");
        decisions_line = format!(
            "decisions: {per_second:.0}/s ({n_decisions} in {:.2} s), target ≥ {DECISIONS_TARGET}/s: {} \
             (each 200 is sent after its commit was synced to disk)",
            wall.as_secs_f64(),
            if per_second >= DECISIONS_TARGET {
                "met"
            } else {
                "MISSED"
            }
        );
        table.push(row);
    }

    let mut records_line = String::new();
    if runs("records") {
        let (row, line) = record_writes(&url, env_u64("SERVER_BENCH_RECORD_WRITES", 8000)).await;
        table.push(row);
        records_line = line;
    }

    let mut submissions_line = String::new();
    if runs("submissions") {
        let (row, line) = submissions(&url, env_u64("SERVER_BENCH_SUBMISSIONS", 10_000)).await;
        table.push(row);
        submissions_line = line;
    }

    for srv in servers {
        srv.shutdown().await;
    }

    // The table.
    println!();
    // (`seeded in`: opening and seeding; next to nothing for a database already seeded.)
    println!(
        "server_load on {}: {rows} decided approvals, opened and seeded in {:.1} s{}, {added} pending added, release build, loopback",
        backend.name(),
        seed_time.as_secs_f64(),
        if fresh { "" } else { " (database reused)" }
    );
    println!(
        "{:<46} {:>6} {:>8} {:>8} {:>8} {:>8}  note",
        "what", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for r in page_rows.iter().chain(&table) {
        println!(
            "{:<46} {:>6} {:>8} {:>8} {:>8} {:>8}  {}",
            r.what,
            r.samples.len(),
            ms(r.pct(0.50)),
            ms(r.pct(0.95)),
            ms(r.pct(0.99)),
            ms(r.pct(1.0)),
            r.note
        );
    }
    println!();
    if let Some(worst) = page_rows.iter().max_by_key(|r| r.pct(0.99)) {
        let p99 = worst.pct(0.99);
        println!(
            "page p99 (pages of 200 and 50; worst: {}): {} ms, target ≤ {} ms: {}",
            worst.what,
            ms(p99),
            PAGE_TARGET.as_millis(),
            if p99 <= PAGE_TARGET { "met" } else { "MISSED" }
        );
    }
    if !decisions_line.is_empty() {
        println!("{decisions_line}");
    }
    if !records_line.is_empty() {
        println!("{records_line}");
    }
    if !submissions_line.is_empty() {
        println!("{submissions_line}");
    }
    Summary {
        backend,
        decisions_per_s,
        page_p99: page_rows
            .iter()
            .map(|r| r.pct(0.99))
            .max()
            .unwrap_or_default(),
        search_p95,
        seeded_in: seed_time,
    }
}

/// A request of `kind` that breaks no rule (broadcasts and ads start in three days).
fn new_request(kind: Kind, i: usize) -> NewRequest {
    let soon = chrono::Utc::now() + chrono::Duration::days(3);
    let mut details = Details::default();
    let item = |name: &str, amount| {
        Some(Item {
            name: name.into(),
            price: Money::new(amount, "EUR"),
        })
    };
    let (title, item) = match kind {
        Kind::Partnership => ("Gold package".to_string(), item("Gold", 4900)),
        Kind::Addon => ("Analytics Pro".to_string(), item("Analytics Pro", 1500)),
        Kind::AdvertisingPackage => {
            details.impressions = Some(50_000);
            (
                "Starter 50k".to_string(),
                item("Starter 50k impressions", 9900),
            )
        }
        Kind::Broadcast => {
            details.engagement_type = Some("Poll".into());
            details.preview = Some("Vote for the best episode!\nIt takes a minute.".into());
            details.starts_at = Some(soon);
            (format!("Weekend poll {i}"), None)
        }
        Kind::Ad => {
            details.headline = Some("Fresh bread, every morning".into());
            details.target_url = Some("https://bakery.example/offer".into());
            details.starts_at = Some(soon);
            details.ends_at = Some(soon + chrono::Duration::days(7));
            (format!("Fresh bread {i}"), None)
        }
    };
    NewRequest {
        kind,
        title,
        item,
        description: "We would like to reach more listeners.".into(),
        details,
    }
}

/// `n` submissions (`POST /partner/requests`, each under a new `Idempotency-Key`) from
/// `SERVER_BENCH_CLIENTS` (8) concurrent clients, each the owner of its own partner through an
/// impersonation, every kind in turn. Each 201 is a real write (the approval, its audit entry,
/// `approval.created`, the key's answer), sent after its commit was synced to disk. Returns the
/// table's row and the summary line.
async fn submissions(url: &str, n: u64) -> (Row, String) {
    let csr = client(url, "demo-csr");
    let clients = env_u64("SERVER_BENCH_CLIENTS", 8).max(1) as usize;
    // The first partners that may be impersonated (a suspended one may not).
    let mut owners = Vec::new();
    let page = csr
        .partners(&PartnerQuery {
            limit: Some(100),
            ..Default::default()
        })
        .await
        .expect("partners");
    for p in page.items {
        if owners.len() == clients {
            break;
        }
        if let Ok(imp) = csr.impersonate(&p.id, "submissions benchmark").await {
            owners.push(csr.with_token(Secret::new(imp.token)));
        }
    }
    let clients = owners.len();
    let per_client = (n as usize).div_ceil(clients.max(1));
    let started = Instant::now();
    let tasks: Vec<_> = owners
        .into_iter()
        .enumerate()
        .map(|(i, owner)| {
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(per_client);
                for j in 0..per_client {
                    let request = new_request(Kind::ALL[(i + j) % Kind::ALL.len()], j);
                    let key = uuid::Uuid::now_v7().to_string();
                    let t = Instant::now();
                    let made = owner.submit_request(&key, &request).await;
                    times.push(t.elapsed());
                    assert_eq!(made.expect("submitted").status, Status::Pending);
                }
                times
            })
        })
        .collect();
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await.expect("client task"));
    }
    let wall = started.elapsed();
    let per_second = times.len() as f64 / wall.as_secs_f64();
    let mut row = Row::new(&format!("partner request (POST), {clients} clients"), times);
    row.note = format!("{per_second:.0} submissions/s");
    let line = format!(
        "submissions: {per_second:.0}/s ({} in {:.2} s), target ≥ {SUBMISSIONS_TARGET}/s: {} \
         (POST /partner/requests with an Idempotency-Key; each 201 is sent after its commit was synced to disk)",
        row.samples.len(),
        wall.as_secs_f64(),
        if per_second >= SUBMISSIONS_TARGET {
            "met"
        } else {
            "MISSED"
        }
    );
    (row, line)
}

/// `n` profile edits (`PATCH /partners/{id}` with `If-Match`) from `SERVER_BENCH_CLIENTS` (8)
/// concurrent clients. Each client edits the notes of its own partners (every 8th), so none
/// gets a 412: each edit is a real write (new version, audit entry, events), answered after its
/// commit was synced to disk. Returns the table's row and the summary line.
async fn record_writes(url: &str, n: u64) -> (Row, String) {
    let api = client(url, "demo-viewer");
    let mut partners = Vec::new();
    let mut q = PartnerQuery {
        limit: Some(500),
        ..Default::default()
    };
    loop {
        let page = api.partners(&q).await.expect("partners");
        partners.extend(page.items.into_iter().map(|p| p.id));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    let clients = (env_u64("SERVER_BENCH_CLIENTS", 8).max(1) as usize).min(partners.len());
    let per_client = (n as usize).div_ceil(clients);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let mine: Vec<String> = partners.iter().skip(i).step_by(clients).cloned().collect();
            let csr = client(url, "demo-csr");
            tokio::spawn(async move {
                let mut versions = Vec::with_capacity(mine.len());
                for id in &mine {
                    versions.push(csr.partner(id).await.expect("partner").summary.version);
                }
                let mut times = Vec::with_capacity(per_client);
                for j in 0..per_client {
                    let k = j % mine.len();
                    let patch = PartnerPatch::default()
                        .set(ProfileField::Notes, format!("Bench note {i}.{j}"));
                    let t = Instant::now();
                    let saved = csr.update_partner(&mine[k], versions[k], &patch).await;
                    times.push(t.elapsed());
                    versions[k] = saved.expect("saved").record.summary.version;
                }
                times
            })
        })
        .collect();
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await.expect("client task"));
    }
    let wall = started.elapsed();
    let per_second = times.len() as f64 / wall.as_secs_f64();
    let mut row = Row::new(&format!("record write (PATCH), {clients} clients"), times);
    row.note = format!("{per_second:.0} writes/s");
    let line = format!(
        "record writes: {per_second:.0}/s ({} in {:.2} s), target ≥ {RECORD_WRITES_TARGET}/s: {} \
         (PATCH /partners/{{id}} with If-Match; each 200 is sent after its commit was synced to disk)",
        row.samples.len(),
        wall.as_secs_f64(),
        if per_second >= RECORD_WRITES_TARGET {
            "met"
        } else {
            "MISSED"
        }
    );
    (row, line)
}
