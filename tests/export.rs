//! History exports against the reference server over real HTTP: the export holds exactly what
//! the API lists for the same filters, CSV is RFC 4180 and formula-safe (QUALITY.md 2), JSON has
//! the same rows, a cancelled export leaves no file, and the `export history` command writes to
//! stdout or a file and nothing else.
#![cfg(feature = "server")]

mod support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use partner_console::client::{Api, DecisionKey};
use partner_console::domain::*;
use partner_console::export::{
    COLUMNS, ExportError, ExportedFile, Format, PAGE_LIMIT, export_history, export_history_to_dir,
    export_history_to_file,
};
use partner_console::server::SeedSource;
use support::{TempDir, TestHome, TestServer, client_for, launch};
use tokio::io::AsyncReadExt;

/// Decided approvals in the demo history: three export pages (`PAGE_LIMIT` twice, the rest).
const HISTORY: u64 = 2 * PAGE_LIMIT as u64 + 345;
const PAGE: u64 = PAGE_LIMIT as u64;

async fn demo_server() -> TestServer {
    TestServer::start(
        SeedSource::Demo {
            decided: Some(HISTORY),
        },
        Duration::from_secs(1800),
    )
    .await
}

/// Everything the API lists for `query`, paged with a page size unlike the export's.
async fn listed(api: &dyn Api, query: &ApprovalQuery) -> Vec<Approval> {
    let mut query = ApprovalQuery {
        status: Some(query.status.unwrap_or(StatusFilter::Decided)),
        limit: Some(97),
        cursor: None,
        ..query.clone()
    };
    let mut all = Vec::new();
    loop {
        let page = api.approvals(&query).await.expect("list approvals");
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => return all,
        }
    }
}

/// The export of `query` into memory, with the rows counts `progress` saw.
async fn export(api: &dyn Api, query: &ApprovalQuery, format: Format) -> (Vec<u8>, Vec<u64>) {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let rows = export_history(
        api,
        query.clone(),
        format,
        &mut out,
        |n| seen.push(n),
        &AtomicBool::new(false),
    )
    .await
    .expect("export");
    assert_eq!(Some(&rows), seen.last().or(Some(&0)));
    (out, seen)
}

/// The CSV parsed back: the header and the records.
fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let records = reader
        .records()
        .map(|r| {
            r.expect("a valid record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    (header, records)
}

/// RFC 4180 framing: every record (the header included) ends with CRLF, and no CR appears
/// anywhere else (values never hold one); and, whatever the data, no control char but those
/// line ends and the LF kept inside quoted values, no DEL, no C1, no bidi or invisible char.
fn assert_clean_csv(bytes: &[u8], records: usize) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.ends_with("\r\n"));
    let crs = text.matches('\r').count();
    assert_eq!(crs, records + 1, "one CR per record, each before LF");
    assert_eq!(text.matches("\r\n").count(), crs);
    assert_no_unsafe_chars(text);
}

fn assert_no_unsafe_chars(text: &str) {
    for (i, c) in text.char_indices() {
        let ok = matches!(c, '\r' | '\n') || !partner_console::text::is_unsafe(c);
        assert!(ok, "unsafe char {:#06x} at byte {i}", c as u32);
    }
}

/// What a spreadsheet would evaluate: a cell starting (after spaces) with one of these.
fn looks_like_formula(cell: &str) -> bool {
    cell.trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r', '\n', '\0'])
}

/// The cells the test expects for `a`, worked out here, independently of the exporter, for the
/// well-behaved values of the demo data (already cleaned by the client).
fn expected_cells(a: &Approval) -> Vec<String> {
    let g = |s: &str| {
        if looks_like_formula(s) {
            format!("'{s}")
        } else {
            s.to_string()
        }
    };
    let t = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let price = |m: &Money| {
        if ["JPY", "KRW", "VND", "CLP", "ISK", "HUF"].contains(&m.currency.as_str()) {
            m.amount_minor.to_string()
        } else {
            let sign = if m.amount_minor < 0 { "-" } else { "" };
            let abs = m.amount_minor.unsigned_abs();
            format!("{sign}{}.{:02}", abs / 100, abs % 100)
        }
    };
    vec![
        g(&a.id),
        a.kind.as_str().into(),
        g(&a.title),
        g(&a.partner.name),
        g(&a.partner.email),
        a.item.as_ref().map(|i| g(&i.name)).unwrap_or_default(),
        a.item
            .as_ref()
            .map(|i| g(&price(&i.price)))
            .unwrap_or_default(),
        a.item
            .as_ref()
            .map(|i| i.price.currency.clone())
            .unwrap_or_default(),
        a.status.as_str().into(),
        a.decided_by
            .as_ref()
            .map(|u| g(&u.name))
            .unwrap_or_default(),
        a.decided_at.map(t).unwrap_or_default(),
        t(a.requested_at),
        a.reason.as_deref().map(g).unwrap_or_default(),
    ]
}

/// The CSV of `query` holds exactly the approvals the API lists, in the same order, each once,
/// with the expected cells. Returns the number of rows.
async fn assert_export_matches_listing(api: &dyn Api, query: &ApprovalQuery) -> usize {
    let expected = listed(api, query).await;
    let (bytes, progress) = export(api, query, Format::Csv).await;
    let (header, records) = parse_csv(&bytes);
    assert_eq!(header, COLUMNS);
    assert_clean_csv(&bytes, records.len());
    let ids: Vec<&str> = records.iter().map(|r| r[0].as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "an approval exported twice");
    let want: Vec<&str> = expected.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, want, "the export lists what the API lists, in order");
    for (row, a) in records.iter().zip(&expected) {
        assert_eq!(row, &expected_cells(a), "row of {}", a.id);
    }
    // One progress call per page.
    let n = records.len() as u64;
    let pages = n.div_ceil(PAGE).max(1);
    assert_eq!(progress.len() as u64, pages, "{progress:?}");
    assert_eq!(progress.last().copied(), Some(n));
    records.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_holds_every_decision_exactly_once() {
    let srv = demo_server().await;
    let csr = srv.client("demo-csr");
    // Decide some more in the test: three approvals and two rejections, one with a reason that
    // needs quoting.
    let mut decided_now = Vec::new();
    for kind in [Kind::Partnership, Kind::Addon, Kind::Ad] {
        let item = first_pending(&csr, kind).await;
        csr.approve(
            &item.id,
            &DecisionKey::new(item.version),
            &ApproveBody::default(),
        )
        .await
        .expect("approve");
        decided_now.push(item.id);
    }
    for (kind, reason) in [
        (
            Kind::Broadcast,
            "Not a fit, \"sorry\".\nTry again in spring.",
        ),
        (Kind::AdvertisingPackage, "Budget exceeded"),
    ] {
        let item = first_pending(&csr, kind).await;
        csr.reject(&item.id, &DecisionKey::new(item.version), reason)
            .await
            .expect("reject");
        decided_now.push(item.id);
    }

    let viewer = srv.client("demo-viewer");
    let rows = assert_export_matches_listing(&viewer, &ApprovalQuery::default()).await;
    assert_eq!(rows as u64, HISTORY + 5);

    let (bytes, _) = export(&viewer, &ApprovalQuery::default(), Format::Csv).await;
    let (_, records) = parse_csv(&bytes);
    for id in &decided_now {
        assert_eq!(
            records.iter().filter(|r| &r[0] == id).count(),
            1,
            "{id} exactly once"
        );
    }
    let rejected = records
        .iter()
        .find(|r| r[12] == "Not a fit, \"sorry\".\nTry again in spring.")
        .expect("the reason round-trips through the quoting");
    assert_eq!(rejected[8], "rejected");
    assert_eq!(rejected[9], "demo-csr");
    // Newest decision first: the five just made lead.
    let first_five: HashSet<&String> = records[..5].iter().map(|r| &r[0]).collect();
    assert_eq!(first_five, decided_now.iter().collect());
}

async fn first_pending(api: &dyn Api, kind: Kind) -> Approval {
    api.approvals(&ApprovalQuery {
        kinds: vec![kind],
        status: Some(StatusFilter::Pending),
        limit: Some(1),
        ..Default::default()
    })
    .await
    .expect("pending list")
    .items
    .into_iter()
    .next()
    .expect("a pending item")
}

/// A seed whose strings are out to get a spreadsheet or a terminal.
fn hostile_seed() -> serde_json::Value {
    serde_json::json!({
        "users": [
            {"name": "ana", "email": "ana@example.com", "role": "csr", "token": "ana-token-123"},
            {"name": "=cmd|' /C calc'!A0", "email": "evil@example.com", "role": "csr",
             "token": "evil-token-456"}
        ],
        "partners": [
            {"id": "p1", "name": "=HYPERLINK(\"http://evil.example\",\"click\")", "status": "active",
             "contact": {"email": "-x@evil.example"}},
            {"id": "p2", "name": "\u{FEFF}=1+1", "status": "active",
             "contact": {"email": "ok@example.com"}},
            {"id": "p3", "name": "Bidi \u{202E}gnp.exe\u{202C} Ltd, \"quoted\"", "status": "active",
             "contact": {"email": "z\u{200B}w@example.com"}}
        ],
        "approvals": [
            {"id": "h1", "kind": "addon", "status": "approved", "title": "@SUM(A1)", "partner": "p1",
             "item": {"name": "-2+3", "price": {"amount_minor": 1500, "currency": "JPY"}},
             "requested_at": "2026-11-01T10:00:00Z", "decided_at": "2026-11-05T10:00:00Z",
             "decided_by": "=cmd|' /C calc'!A0"},
            {"id": "h2", "kind": "ad", "status": "rejected",
             "title": "Ad \u{1b}]8;;http://evil.example\u{7}click\u{1b}]8;;\u{7}",
             "partner": "p2",
             "reason": "Line one,\r\nline \"two\"\u{1b}[2J\rthree\u{202E}\u{200B}",
             "requested_at": "2026-11-01T10:00:00Z", "decided_at": "2026-11-04T10:00:00Z",
             "decided_by": "ana"},
            {"id": "h3", "kind": "partnership", "status": "rejected", "title": "\tTab",
             "partner": "p3", "reason": "\u{0}=NUL first\u{9b}31m",
             "item": {"name": "Gold", "price": {"amount_minor": -250, "currency": "EUR"}},
             "requested_at": "2026-11-01T10:00:00Z", "decided_at": "2026-11-03T10:00:00Z",
             "decided_by": "ana"},
            {"id": "h4", "kind": "broadcast", "status": "approved", "title": "plain", "partner": "p3",
             "requested_at": "2026-11-01T10:00:00Z", "decided_at": "2026-11-02T10:00:00Z",
             "decided_by": "ana"},
            {"id": "h5", "kind": "addon", "title": "still pending", "partner": "p1",
             "requested_at": "2026-11-01T10:00:00Z"}
        ]
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_are_exported_inert() {
    let dir = TempDir::new("export-hostile");
    let seed = dir.path().join("hostile.json");
    std::fs::write(&seed, hostile_seed().to_string()).unwrap();
    let srv = launch(
        &dir.path().join("h.db"),
        SeedSource::File(seed),
        Duration::from_secs(60),
    )
    .await
    .expect("the hostile seed imports");
    let api = client_for(&srv.url(), "ana-token-123");

    let (bytes, _) = export(&api, &ApprovalQuery::default(), Format::Csv).await;
    let (header, records) = parse_csv(&bytes);
    assert_eq!(header, COLUMNS);
    assert_clean_csv(&bytes, records.len());
    let by_id: HashMap<&str, &Vec<String>> = records.iter().map(|r| (r[0].as_str(), r)).collect();
    assert_eq!(records.len(), 4, "the pending one is not history");
    let ids: Vec<&str> = records.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["h1", "h2", "h3", "h4"], "newest decision first");

    let h1 = by_id["h1"];
    assert_eq!(h1[2], "'@SUM(A1)");
    assert_eq!(h1[3], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(h1[4], "'-x@evil.example");
    assert_eq!(h1[5], "'-2+3");
    assert_eq!((h1[6].as_str(), h1[7].as_str()), ("1500", "JPY"));
    assert_eq!(h1[9], "'=cmd|' /C calc'!A0");

    let h2 = by_id["h2"];
    assert_eq!(h2[3], "'=1+1", "a BOM does not hide the formula");
    assert_eq!(h2[2], "Ad ]8;;http://evil.exampleclick]8;;");
    assert_eq!(h2[12], "Line one,\nline \"two\"[2J\nthree");

    let h3 = by_id["h3"];
    assert_eq!(h3[3], "Bidi gnp.exe Ltd, \"quoted\"");
    assert_eq!(h3[4], "zw@example.com");
    assert_eq!(h3[2], " Tab");
    assert_eq!(h3[12], "'=NUL first31m");
    assert_eq!(
        h3[6], "'-2.50",
        "every cell is guarded, a negative price too"
    );

    for r in &records {
        for cell in r {
            assert!(
                !looks_like_formula(cell),
                "{cell:?} would be evaluated (row {})",
                r[0]
            );
        }
    }
    // The raw bytes of the quoted cells, as RFC 4180 writes them.
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\","),
        "{text}"
    );
    assert!(text.contains(",\"Line one,\nline \"\"two\"\"[2J\nthree\"\r\n"));

    // JSON: the same guarded values, parsed by serde_json, nothing unsafe in the raw text.
    let (json, _) = export(&api, &ApprovalQuery::default(), Format::Json).await;
    let json = String::from_utf8(json).unwrap();
    assert_no_unsafe_chars(&json);
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&json).unwrap();
    assert_same_rows(&rows, &records);
    srv.shutdown().await;
}

/// Each JSON object has the CSV row's values (`null` where the CSV cell is empty).
fn assert_same_rows(json: &[serde_json::Map<String, serde_json::Value>], csv: &[Vec<String>]) {
    assert_eq!(json.len(), csv.len());
    for (obj, row) in json.iter().zip(csv) {
        assert_eq!(obj.len(), COLUMNS.len());
        for (col, cell) in COLUMNS.iter().zip(row) {
            let v = &obj[*col];
            match v {
                serde_json::Value::Null => assert_eq!(cell, "", "{col} of {}", row[0]),
                serde_json::Value::String(s) => assert_eq!(s, cell, "{col} of {}", row[0]),
                other => panic!("{col} is {other:?}, not a string"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_apply() {
    let srv = demo_server().await;
    let api = srv.client("demo-viewer");
    let all = listed(&api, &ApprovalQuery::default()).await;
    assert_eq!(all.len() as u64, HISTORY);

    let kinds = ApprovalQuery {
        kinds: vec![Kind::Ad, Kind::Addon],
        ..Default::default()
    };
    let n = assert_export_matches_listing(&api, &kinds).await;
    assert!(n > 0 && n < all.len(), "{n}");
    let (bytes, _) = export(&api, &kinds, Format::Csv).await;
    assert!(
        parse_csv(&bytes)
            .1
            .iter()
            .all(|r| r[1] == "ad" || r[1] == "addon")
    );

    for (status, word) in [
        (StatusFilter::Rejected, "rejected"),
        (StatusFilter::Approved, "approved"),
    ] {
        let q = ApprovalQuery {
            status: Some(status),
            ..Default::default()
        };
        let n = assert_export_matches_listing(&api, &q).await;
        assert!(n > 0 && n < all.len(), "{word}: {n}");
        let (bytes, _) = export(&api, &q, Format::Csv).await;
        assert!(parse_csv(&bytes).1.iter().all(|r| r[8] == word));
    }

    // q: a partner's name, in other case.
    let name = all[0].partner.name.clone();
    let q = ApprovalQuery {
        q: Some(name.to_uppercase()),
        ..Default::default()
    };
    let n = assert_export_matches_listing(&api, &q).await;
    assert!(n > 0 && n < all.len(), "{n}");

    // from/to: inclusive bounds on decided_at.
    let to = all[100].decided_at.unwrap();
    let from = all[700].decided_at.unwrap();
    let window = ApprovalQuery {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    let n = assert_export_matches_listing(&api, &window).await;
    let expected = all
        .iter()
        .filter(|a| (from..=to).contains(&a.decided_at.unwrap()))
        .count();
    assert_eq!(n, expected);
    assert!(n >= 601, "{n}");

    // Everything at once.
    let combined = ApprovalQuery {
        kinds: vec![Kind::Partnership, Kind::Broadcast],
        status: Some(StatusFilter::Approved),
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    assert_export_matches_listing(&api, &combined).await;

    // Nothing matches: a header only, one progress call.
    let none = ApprovalQuery {
        q: Some("no partner is called this".into()),
        ..Default::default()
    };
    assert_eq!(assert_export_matches_listing(&api, &none).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_has_the_same_rows_as_csv() {
    let srv = demo_server().await;
    let api = srv.client("demo-viewer");
    let (csv_bytes, _) = export(&api, &ApprovalQuery::default(), Format::Csv).await;
    let (_, records) = parse_csv(&csv_bytes);
    let (json, progress) = export(&api, &ApprovalQuery::default(), Format::Json).await;
    assert_eq!(progress, [PAGE, 2 * PAGE, HISTORY]);
    let text = String::from_utf8(json).unwrap();
    // One object per line between the brackets.
    assert_eq!(text.lines().count() as u64, HISTORY + 2);
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&text).unwrap();
    assert_same_rows(&rows, &records);

    // An empty export is an empty array.
    let none = ApprovalQuery {
        q: Some("no partner is called this".into()),
        ..Default::default()
    };
    let (json, _) = export(&api, &none, Format::Json).await;
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v, serde_json::json!([]));
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// No part file is left in `dir`.
fn assert_no_part_files(dir: &Path) {
    let parts: Vec<String> = entries(dir)
        .into_iter()
        .filter(|name| name.ends_with(".part"))
        .collect();
    assert!(parts.is_empty(), "left behind: {parts:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_and_failure_leave_no_file() {
    let srv = demo_server().await;
    let api = srv.client("demo-viewer");
    let dir = TempDir::new("export-cancel");
    let cancel = AtomicBool::new(false);

    // Cancelled after the first page, into a directory: nothing is left there.
    let out_dir = dir.path().join("exports");
    let err = export_history_to_dir(
        &api,
        ApprovalQuery::default(),
        Format::Csv,
        &out_dir,
        |_| cancel.store(true, Ordering::Relaxed),
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ExportError::Cancelled { rows: PAGE }),
        "{err:?}"
    );
    assert_eq!(
        err.user_message(),
        "Export cancelled after 1,000 rows; nothing was saved."
    );
    assert_eq!(entries(&out_dir), Vec::<String>::new());

    // Cancelled, to a named JSON file: neither it nor its part file exists.
    cancel.store(false, Ordering::Relaxed);
    let path = dir.path().join("history.json");
    let err = export_history_to_file(
        &api,
        ApprovalQuery::default(),
        Format::Json,
        &path,
        |rows| {
            if rows >= 1000 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ExportError::Cancelled { rows: 1000 }),
        "{err:?}"
    );
    assert!(!path.exists());
    assert_no_part_files(dir.path());

    // Cancelled while streaming to a writer: the JSON array is still closed and parses.
    cancel.store(false, Ordering::Relaxed);
    let mut out = Vec::new();
    let err = export_history(
        &api,
        ApprovalQuery::default(),
        Format::Json,
        &mut out,
        |_| cancel.store(true, Ordering::Relaxed),
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExportError::Cancelled { rows: PAGE }));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    assert_eq!(rows.len() as u64, PAGE);

    // The backend refuses midway (a token it does not know): no file either.
    cancel.store(false, Ordering::Relaxed);
    let stranger = srv.client("nobody-has-this-token");
    let err = export_history_to_file(
        &stranger,
        ApprovalQuery::default(),
        Format::Csv,
        &path,
        |_| {},
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExportError::Api(_)), "{err:?}");
    assert!(err.user_message().starts_with("Export failed: "), "{err}");
    assert!(!path.exists());
    assert_no_part_files(dir.path());

    // A directory that cannot be written: the error names it.
    let blocked = dir.path().join("file-not-dir");
    std::fs::write(&blocked, "x").unwrap();
    let err = export_history_to_dir(
        &api,
        ApprovalQuery::default(),
        Format::Csv,
        &blocked.join("sub"),
        |_| {},
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(
        err.user_message().contains("file-not-dir"),
        "{}",
        err.user_message()
    );

    // And when it completes: the final name, no part file, owner-only, every row.
    let done = export_history_to_dir(
        &api,
        ApprovalQuery::default(),
        Format::Csv,
        &out_dir,
        |_| {},
        &cancel,
    )
    .await
    .unwrap();
    assert_eq!(done.rows, HISTORY);
    let name = done
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("partner-console-history-") && name.ends_with(".csv"),
        "{name}"
    );
    assert_eq!(entries(&out_dir), [name]);
    let (_, records) = parse_csv(&std::fs::read(&done.path).unwrap());
    assert_eq!(records.len() as u64, HISTORY);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&done.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // The directory it made for them is the user's alone too (issue 16, point 12).
        let mode = std::fs::metadata(&out_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    // A second export in the same second does not replace the first.
    let again = export_history_to_dir(
        &api,
        ApprovalQuery::default(),
        Format::Csv,
        &out_dir,
        |_| {},
        &cancel,
    )
    .await
    .unwrap();
    assert_ne!(again.path, done.path);
    assert_eq!(entries(&out_dir).len(), 2);
}

/// The binary in a home of its own (config, data and state dirs), with only the environment
/// given.
fn cli(home: &TestHome, token: Option<&str>) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::from(home.command(&[]));
    cmd.kill_on_drop(true);
    if let Some(token) = token {
        cmd.env("PARTNER_CONSOLE_TOKEN", token);
    }
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_writes_to_stdout_or_a_file_and_nothing_else() {
    let srv = demo_server().await;
    let api = srv.client("demo-viewer");
    let home = TestHome::new();

    // stdout, with stderr not a terminal: the same bytes as the library writes, stderr empty.
    let out = cli(&home, Some("demo-viewer"))
        .args(["export", "history", "--url", &srv.url])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let (expected, _) = export(&api, &ApprovalQuery::default(), Format::Csv).await;
    assert!(out.stdout == expected, "stdout is the export");

    // Filters and JSON to a file: nothing on stdout or stderr.
    let file = home.path().join("rejected.json");
    let out = cli(&home, Some("demo-viewer"))
        .args(["export", "history", "--url", &srv.url])
        .args(["--kind", "ad,addon", "--kind", "broadcast"])
        .args(["--decision", "rejected", "--format", "json"])
        .args(["--from", "2000-01-01", "--to", "2999-12-31"])
        .arg("--out")
        .arg(&file)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    assert_no_part_files(home.path());
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let want = listed(
        &api,
        &ApprovalQuery {
            kinds: vec![Kind::Ad, Kind::Addon, Kind::Broadcast],
            status: Some(StatusFilter::Rejected),
            ..Default::default()
        },
    )
    .await;
    assert!(!want.is_empty());
    let got: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = want.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(got, want);

    // `--out /dev/stdout` into a pipe: the export on stdout, the link left as it is. Through a
    // link of our own to what /dev/stdout points at: a regression run as root would otherwise
    // replace the machine's /dev/stdout with a file.
    #[cfg(target_os = "linux")]
    {
        let stdout_link = home.path().join("stdout");
        std::os::unix::fs::symlink("/proc/self/fd/1", &stdout_link).unwrap();
        let out = cli(&home, Some("demo-viewer"))
            .args(["export", "history", "--url", &srv.url, "--out"])
            .arg(&stdout_link)
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(out.stdout == expected, "stdout is the export");
        assert!(
            std::fs::symlink_metadata(&stdout_link)
                .unwrap()
                .is_symlink()
        );
    }

    // `| head`: the reader goes away after the first line; the export ends quietly with 0.
    let mut child = cli(&home, Some("demo-viewer"))
        .args(["export", "history", "--url", &srv.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let n = stdout.read(&mut first).await.unwrap();
    assert!(first[..n].starts_with(b"id,kind,"));
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status:?} {stderr}");
    assert_eq!(stderr, "");

    // No token: a clear error, nothing on stdout.
    let out = cli(&home, None)
        .args(["export", "history", "--url", &srv.url])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no token") && err.contains("PARTNER_CONSOLE_TOKEN"),
        "{err}"
    );

    // A kind the API does not have, a date that is not one: usage errors naming the choices.
    let out = cli(&home, Some("demo-viewer"))
        .args(["export", "history", "--url", &srv.url, "--kind", "adds"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("advertising_package"), "{err}");
    let out = cli(&home, Some("demo-viewer"))
        .args([
            "export",
            "history",
            "--url",
            &srv.url,
            "--from",
            "yesterday",
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));

    // The backend refuses the token: an error on stderr, the --out file not created.
    let refused = home.path().join("refused.csv");
    let out = cli(&home, Some("nobody-has-this-token"))
        .args(["export", "history", "--url", &srv.url])
        .arg("--out")
        .arg(&refused)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Export failed"), "{err}");
    assert!(!refused.exists());
    assert_no_part_files(home.path());
}

// ---------------------------------------------------------------------------------------------
// Issue 16, points 2 and 3: what `--out PATH` does to PATH and to the files beside it.

/// A small history: these tests are about files, not rows.
async fn small_server() -> TestServer {
    TestServer::start(
        SeedSource::Demo { decided: Some(40) },
        Duration::from_secs(1800),
    )
    .await
}

async fn export_to(api: &dyn Api, path: &Path) -> Result<ExportedFile, ExportError> {
    let cancel = AtomicBool::new(false);
    let query = ApprovalQuery::default();
    export_history_to_file(api, query, Format::Csv, path, |_| {}, &cancel).await
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).unwrap().ino()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
    let rc = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_gets_the_export_and_stays_a_fifo() {
    let srv = small_server().await;
    let api = srv.client("demo-viewer");
    let (expected, _) = export(&api, &ApprovalQuery::default(), Format::Csv).await;
    let dir = TempDir::new("export-fifo");
    let fifo = dir.path().join("report.csv");
    mkfifo(&fifo);
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();

    for path in [&fifo, &link] {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        let done = export_to(&api, path).await.unwrap();
        assert_eq!(&done.path, path);
        // Checked before joining: a reader of a FIFO that was replaced would wait forever.
        assert!(is_fifo(&fifo), "--out {} replaced the FIFO", path.display());
        let got = reader.join().unwrap();
        assert!(got == expected, "the reader got {} bytes", got.len());
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(entries(dir.path()), ["link.csv", "report.csv"]);
}

#[cfg(unix)]
fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

/// A null device that a regression (the bug these tests pin) may replace without harm: as
/// root, a copy of `/dev/null` made in `dir` (replacing the real one would break the machine);
/// otherwise `/dev/null` itself, which a user cannot replace.
#[cfg(unix)]
fn null_device(dir: &Path) -> Option<std::path::PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return is_char_device(Path::new("/dev/null")).then(|| "/dev/null".into());
    }
    let copy = dir.join("null");
    let c_path = std::ffi::CString::new(copy.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; (1, 3) is /dev/null's device number on Linux.
    let rc = unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    (rc == 0).then_some(copy)
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_device_is_written_into_and_stays_a_device() {
    let dir = TempDir::new("export-device");
    let Some(null) = null_device(dir.path()) else {
        eprintln!("skipped: no null device to write to here");
        return;
    };
    let srv = small_server().await;
    let api = srv.client("demo-viewer");
    let done = export_to(&api, &null).await.unwrap();
    assert_eq!(done.rows, 40);
    assert!(is_char_device(&null), "{} was replaced", null.display());
    assert_no_part_files(dir.path());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_to_a_regular_file_is_refused_and_left_alone() {
    let srv = small_server().await;
    let api = srv.client("demo-viewer");
    let dir = TempDir::new("export-link");
    let victim = dir.write("victim.txt", "not yours");
    let link = dir.path().join("report.csv");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let err = export_to(&api, &link).await.unwrap_err();
    let msg = err.user_message();
    assert!(
        msg.contains("symbolic link to a regular file") && msg.contains("standard output"),
        "{msg}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(entries(dir.path()), ["report.csv", "victim.txt"]);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn planted_part_files_are_never_used() {
    use std::os::unix::fs::PermissionsExt;
    let srv = small_server().await;
    let api = srv.client("demo-viewer");
    let (expected, _) = export(&api, &ApprovalQuery::default(), Format::Csv).await;
    let dir = TempDir::new("export-planted");

    // Another user's symlink where the old part file went, pointing at a file of ours.
    let victim = dir.write("victim.txt", "not yours");
    let report = dir.path().join("report.csv");
    std::os::unix::fs::symlink(&victim, dir.path().join("report.csv.part")).unwrap();
    export_to(&api, &report).await.unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours");
    assert_eq!(
        std::fs::read_link(dir.path().join("report.csv.part")).unwrap(),
        victim
    );
    assert!(std::fs::read(&report).unwrap() == expected);
    assert_eq!(mode(&report), 0o600);

    // A world-writable file planted under the old part file's name does not become the export.
    let other = dir.path().join("other.csv");
    let planted = dir.write("other.csv.part", "planted");
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o666)).unwrap();
    export_to(&api, &other).await.unwrap();
    assert_ne!(inode(&other), inode(&planted));
    assert_eq!(std::fs::read_to_string(&planted).unwrap(), "planted");
    assert!(std::fs::read(&other).unwrap() == expected);
    assert_eq!(mode(&other), 0o600);

    // A readable regular file that is replaced becomes owner-only too.
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
    export_to(&api, &report).await.unwrap();
    assert_eq!(mode(&report), 0o600);
    assert_eq!(
        entries(dir.path()),
        [
            "other.csv",
            "other.csv.part",
            "report.csv",
            "report.csv.part",
            "victim.txt"
        ]
    );
}
