//! The list and count queries against a plain reference (every row read, filtered and sorted
//! in Rust), and the query plans they get: each reads an index in its sort order.

use super::db::Connection;
use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::query::{Sql, list_sql, stats_sql};
use super::*;
use crate::config::test_support::TempDir;
use crate::domain::*;
use crate::server::SeedSource;

/// A store seeded with demo data in its own temporary directory (removed with it).
struct TempDb {
    store: Store,
    _dir: TempDir,
}

impl TempDb {
    fn demo(decided: u64) -> TempDb {
        let dir = TempDir::new("store-test");
        let seed = SeedSource::Demo {
            decided: Some(decided),
        };
        let (store, seeded) = Store::open_with(&dir.path().join("pc.db"), |c| {
            crate::server::seed::apply(c, &seed)
        })
        .expect("open");
        seeded.expect("seed");
        TempDb { store, _dir: dir }
    }
}

/// An approval with what `q` also matches that the approval does not carry: its partner's
/// invoice ID.
struct RefRow {
    approval: Approval,
    invoice_id: String,
}

impl std::ops::Deref for RefRow {
    type Target = Approval;
    fn deref(&self) -> &Approval {
        &self.approval
    }
}

fn all_rows(conn: &Connection) -> Vec<RefRow> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {}, p.invoice_id FROM approvals a {PARTNER_JOIN}",
            *APPROVAL_COLUMNS
        ))
        .unwrap();
    let mut rows = stmt.query(crate::server::store::db::params![]).unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        out.push(RefRow {
            approval: approval_from_row(&r).unwrap(),
            invoice_id: r.get(25).unwrap(),
        });
    }
    out
}

/// API.md's semantics, spelled out row by row.
fn matches(a: &RefRow, kinds: &[Kind], status: StatusFilter, q: Option<&str>) -> bool {
    let status_ok = match status {
        StatusFilter::Pending => a.status == Status::Pending,
        StatusFilter::Approved => a.status == Status::Approved,
        StatusFilter::Rejected => a.status == Status::Rejected,
        StatusFilter::Decided => a.status != Status::Pending,
    };
    let kind_ok = kinds.is_empty() || kinds.contains(&a.kind);
    let q_ok = match q.map(str::trim).filter(|q| !q.is_empty()) {
        None => true,
        Some(q) => {
            let q = q.to_lowercase();
            [
                Some(&a.partner.name),
                Some(&a.partner.email),
                Some(&a.invoice_id),
                Some(&a.title),
                a.item.as_ref().map(|i| &i.name),
            ]
            .into_iter()
            .flatten()
            .any(|field| field.to_lowercase().contains(&q))
        }
    };
    status_ok && kind_ok && q_ok
}

fn time_of(a: &Approval, status: StatusFilter) -> DateTime<Utc> {
    if status == StatusFilter::Pending {
        a.requested_at
    } else {
        a.decided_at.expect("decided")
    }
}

fn reference(rows: &[RefRow], f: &ApprovalFilter) -> Vec<String> {
    let mut hits: Vec<&RefRow> = rows
        .iter()
        .filter(|a| matches(a, &f.kinds, f.status, f.q.as_deref()))
        .filter(|a| f.from.is_none_or(|t| time_of(a, f.status) >= t))
        .filter(|a| f.to.is_none_or(|t| time_of(a, f.status) <= t))
        .filter(|a| f.partner_id.as_ref().is_none_or(|id| &a.partner.id == id))
        .collect();
    let price = |a: &RefRow| a.item.as_ref().map_or(-1, |i| i.price.amount_minor);
    hits.sort_by(|x, y| match f.order() {
        ApprovalSort::Oldest => (time_of(x, f.status), &x.id).cmp(&(time_of(y, f.status), &y.id)),
        ApprovalSort::Newest => (time_of(y, f.status), &y.id).cmp(&(time_of(x, f.status), &x.id)),
        ApprovalSort::Price => (price(y), &y.id).cmp(&(price(x), &x.id)),
    });
    hits.into_iter().map(|a| a.id.clone()).collect()
}

fn paged(conn: &Connection, f: &ApprovalFilter) -> Vec<String> {
    let mut f = f.clone();
    let mut out = Vec::new();
    loop {
        let page = list_approvals(conn, &f).unwrap();
        assert!(page.items.len() <= f.limit as usize);
        out.extend(page.items.into_iter().map(|a| a.id));
        match page.next_cursor {
            Some(c) => f.cursor = Some(c),
            None => return out,
        }
    }
}

const REQUEST_KINDS: [Kind; 3] = [Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad];

const KIND_SETS: &[&[Kind]] = &[
    &[],
    &[Kind::Partnership],
    &[Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad],
    &[Kind::Addon, Kind::Ad],
    &[Kind::Ad],
];
/// A few partners (merged ranges), a title only, partners and titles together, most partners
/// (the whole history walked), nothing at all, and a wildcard that must stay literal; what a
/// ticket carries: an invoice ID (one partner), a run of them (a dozen), an email, every
/// email's domain (the whole history walked), a package (item name and title, beside the
/// partners named Gold…), an add-on.
const QUERIES: &[Option<&str>] = &[
    None,
    Some("harbor"),
    Some("sale"),
    Some("LIVE"),
    Some("a"),
    Some("zzz"),
    Some("%"),
    Some(" media "),
    Some("INV-2026-1091"),
    Some("inv-2026-10"),
    Some("kira@"),
    Some(".example"),
    Some("gold"),
    Some("analytics pro"),
];

#[test]
fn pages_match_a_plain_reading_of_every_row() {
    let db = TempDb::demo(1500);
    db.store
        .read_now(|conn| -> StoreResult<()> {
            let rows = all_rows(conn);
            let newest = rows.iter().filter_map(|a| a.decided_at).max().unwrap();
            let windows = [
                (None, None),
                (
                    Some(newest - Duration::days(40)),
                    Some(newest - Duration::days(10)),
                ),
            ];
            let mut checked = 0;
            for status in [
                StatusFilter::Pending,
                StatusFilter::Decided,
                StatusFilter::Approved,
                StatusFilter::Rejected,
            ] {
                for kinds in KIND_SETS {
                    for q in QUERIES {
                        for (from, to) in windows {
                            for limit in [29, 500] {
                                let f = ApprovalFilter {
                                    kinds: kinds.to_vec(),
                                    status,
                                    q: q.map(str::to_string),
                                    from,
                                    to,
                                    cursor: None,
                                    limit,
                                    partner_id: None,
                                    sort: None,
                                };
                                let want = reference(&rows, &f);
                                assert_eq!(paged(conn, &f), want, "{f:?}");
                                checked += usize::from(!want.is_empty());
                            }
                        }
                    }
                }
            }
            assert!(
                checked > 200,
                "the filters should find something: {checked}"
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn sorts_and_one_partners_rows_match_a_plain_reading_and_cursors_keep_their_sort() {
    let db = TempDb::demo(1500);
    db.store
        .read_now(|conn| -> StoreResult<()> {
            let rows = all_rows(conn);
            // The partner with the most decisions, and one with a pending request.
            let mut counts = std::collections::HashMap::<&str, usize>::new();
            for a in rows.iter().filter(|a| a.status != Status::Pending) {
                *counts.entry(a.partner.id.as_str()).or_default() += 1;
            }
            let busiest = counts
                .iter()
                .max_by_key(|(id, n)| (**n, *id))
                .unwrap()
                .0
                .to_string();
            let pending = rows
                .iter()
                .find(|a| a.status == Status::Pending)
                .map(|a| a.partner.id.clone())
                .unwrap();
            let mut checked = 0;
            for status in [
                StatusFilter::Pending,
                StatusFilter::Decided,
                StatusFilter::Rejected,
            ] {
                let mut sorts = vec![None, Some(ApprovalSort::Oldest), Some(ApprovalSort::Newest)];
                if status == StatusFilter::Pending {
                    sorts.push(Some(ApprovalSort::Price));
                }
                for sort in sorts {
                    for partner_id in [None, Some(busiest.clone()), Some(pending.clone())] {
                        for q in [None, Some("gold"), Some("a")] {
                            for kinds in [&[][..], &[Kind::Partnership, Kind::Ad][..]] {
                                let f = ApprovalFilter {
                                    kinds: kinds.to_vec(),
                                    status,
                                    q: q.map(str::to_string),
                                    from: None,
                                    to: None,
                                    partner_id: partner_id.clone(),
                                    sort,
                                    cursor: None,
                                    limit: 7,
                                };
                                let want = reference(&rows, &f);
                                assert_eq!(paged(conn, &f), want, "{f:?}");
                                checked += usize::from(want.len() > 7);
                            }
                        }
                    }
                }
            }
            assert!(checked > 30, "the filters should find pages: {checked}");
            // A cursor made for one order is refused by another, not read as its own.
            let first = |sort| {
                list_approvals(
                    conn,
                    &ApprovalFilter {
                        kinds: vec![],
                        status: StatusFilter::Pending,
                        q: None,
                        from: None,
                        to: None,
                        partner_id: None,
                        sort: Some(sort),
                        cursor: None,
                        limit: 3,
                    },
                )
                .unwrap()
            };
            let oldest = first(ApprovalSort::Oldest).next_cursor.unwrap();
            let refused = list_approvals(
                conn,
                &ApprovalFilter {
                    kinds: vec![],
                    status: StatusFilter::Pending,
                    q: None,
                    from: None,
                    to: None,
                    partner_id: None,
                    sort: Some(ApprovalSort::Price),
                    cursor: Some(oldest),
                    limit: 3,
                },
            );
            assert!(refused.is_err(), "{refused:?}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn export_pages_end_early_when_large_and_lose_no_row() {
    let db = TempDb::demo(1500);
    db.store
        .read_now(|conn| -> StoreResult<()> {
            let f = ApprovalFilter {
                kinds: vec![],
                status: StatusFilter::Decided,
                q: None,
                from: None,
                to: None,
                cursor: None,
                limit: 1000,
                partner_id: None,
                sort: None,
            };
            let want = paged(
                conn,
                &ApprovalFilter {
                    limit: 500,
                    ..f.clone()
                },
            );
            for max_bytes in [EXPORT_PAGE_BYTES, 20_000, 1] {
                let mut f = f.clone();
                let (mut ids, mut pages) = (Vec::new(), 0);
                loop {
                    let body = export_approvals(conn, &f, max_bytes, str::to_string)?;
                    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    let rows = page["rows"].as_array().unwrap();
                    assert!(!rows.is_empty(), "no empty page before the end");
                    assert!(rows.len() <= 1000);
                    if max_bytes == 1 {
                        assert_eq!(rows.len(), 1, "one row past the size, then the page ends");
                    }
                    ids.extend(rows.iter().map(|r| r[0].as_str().unwrap().to_string()));
                    pages += 1;
                    match page["next_cursor"].as_str() {
                        Some(c) => f.cursor = Some(c.to_string()),
                        None => break,
                    }
                }
                assert_eq!(
                    ids, want,
                    "every row once, in order (max {max_bytes} bytes)"
                );
                let expected_pages = match max_bytes {
                    EXPORT_PAGE_BYTES => want.len().div_ceil(1000),
                    1 => want.len(),
                    _ => pages,
                };
                assert_eq!(pages, expected_pages);
                if max_bytes == 20_000 {
                    assert!(pages > want.len().div_ceil(1000), "20 kB pages end early");
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_deep_page_of_a_window_reads_no_more_than_the_first() {
    let db = TempDb::demo(1500);
    db.store
        .read_now(|conn| -> StoreResult<()> {
            let rows = all_rows(conn);
            let newest = rows.iter().filter_map(|a| a.decided_at).max().unwrap();
            let oldest = rows.iter().filter_map(|a| a.decided_at).min().unwrap();
            // SQLite's count of virtual machine steps for one page: the rows it walked.
            let steps = |f: &ApprovalFilter| -> StoreResult<i32> {
                let (text, sql) = list_sql(conn, f, &APPROVAL_COLUMNS)?.expect("a query");
                let mut stmt = conn.prepare(&text)?;
                let mut rows = stmt.query(sql.params().as_slice())?;
                while rows.next()?.is_some() {}
                drop(rows);
                Ok(stmt.vm_steps().expect("SQLite") as i32)
            };
            for (kinds, status) in [
                (vec![], StatusFilter::Decided),
                (vec![Kind::Addon], StatusFilter::Decided),
                (vec![], StatusFilter::Pending),
            ] {
                let times = |a: &RefRow| match status {
                    StatusFilter::Pending => Some(a.requested_at),
                    _ => a.decided_at,
                };
                let matching: Vec<DateTime<Utc>> = rows
                    .iter()
                    .filter(|a| (a.status == Status::Pending) == (status == StatusFilter::Pending))
                    .filter_map(times)
                    .collect();
                let (lo, hi) = (
                    *matching.iter().min().unwrap(),
                    *matching.iter().max().unwrap(),
                );
                let mut f = ApprovalFilter {
                    kinds,
                    status,
                    q: None,
                    from: Some(lo.min(oldest) - Duration::hours(1)),
                    to: Some(hi.max(newest) + Duration::hours(1)),
                    cursor: None,
                    // Nine pages of what there is (the queues are short).
                    limit: (matching.len() / 10).clamp(1, 10) as u32,
                    partner_id: None,
                    sort: None,
                };
                let first = steps(&f)?;
                for _ in 0..8 {
                    f.cursor = list_approvals(conn, &f)?.next_cursor;
                    assert!(f.cursor.is_some(), "{f:?} has nine pages");
                }
                let ninth = steps(&f)?;
                assert!(
                    ninth <= first * 2,
                    "page 9 took {ninth} steps, page 1 {first}: {f:?}"
                );
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn stats_match_a_plain_count_of_every_row() {
    let db = TempDb::demo(1500);
    db.store
        .read_now(|conn| -> StoreResult<()> {
            let rows = all_rows(conn);
            let newest = rows.iter().filter_map(|a| a.decided_at).max().unwrap();
            let oldest = rows.iter().filter_map(|a| a.decided_at).min().unwrap();
            let midnight = |t: DateTime<Utc>| t.date_naive().and_time(NaiveTime::MIN).and_utc();
            let windows = [
                (newest - Duration::days(30), newest),
                (
                    newest - Duration::days(200) + Duration::hours(5),
                    newest - Duration::days(20) - Duration::hours(3),
                ),
                // Whole days (from the day counts alone), and whole days but the last.
                (
                    midnight(newest) - Duration::days(40),
                    midnight(newest) + Duration::days(1) - Duration::milliseconds(1),
                ),
                (
                    midnight(newest) - Duration::days(9),
                    newest - Duration::hours(1),
                ),
                // Within one day.
                (newest - Duration::hours(20), newest - Duration::hours(2)),
                // Past the first and the last decision, cut days at both ends.
                (oldest - Duration::hours(30), newest + Duration::hours(1)),
            ];
            // One partner's decisions are counted from the rows, never from the day totals.
            let partner = rows
                .iter()
                .find(|a| a.status != Status::Pending)
                .map(|a| a.partner.id.clone());
            let narrowings: Vec<(Option<&str>, Option<String>)> = QUERIES
                .iter()
                .map(|q| (*q, None))
                .chain([(None, partner.clone()), (Some("gold"), partner)])
                .collect();
            for status in [
                StatusFilter::Decided,
                StatusFilter::Approved,
                StatusFilter::Rejected,
            ] {
                for kinds in KIND_SETS {
                    for (q, partner_id) in &narrowings {
                        for (from, to) in windows {
                            let f = StatsFilter {
                                kinds: kinds.to_vec(),
                                status,
                                q: q.map(str::to_string),
                                from,
                                to,
                                partner_id: partner_id.clone(),
                            };
                            let got = approval_stats(conn, &f).unwrap();
                            let days = (to.date_naive() - from.date_naive()).num_days() + 1;
                            assert_eq!(got.days.len() as i64, days);
                            let mut want = std::collections::BTreeMap::<String, (u64, u64)>::new();
                            let theirs = |a: &&RefRow| {
                                partner_id.as_ref().is_none_or(|id| &a.partner.id == id)
                            };
                            for a in rows
                                .iter()
                                .filter(|a| matches(a, kinds, status, *q))
                                .filter(theirs)
                            {
                                let t = a.decided_at.unwrap();
                                if t < from || t > to {
                                    continue;
                                }
                                let e = want.entry(t.format("%Y-%m-%d").to_string()).or_default();
                                match a.status {
                                    Status::Approved => e.0 += 1,
                                    Status::Rejected => e.1 += 1,
                                    Status::Pending => unreachable!(),
                                }
                            }
                            for d in &got.days {
                                let w = want.remove(&d.day).unwrap_or_default();
                                assert_eq!((d.approved, d.rejected), w, "{} {f:?}", d.day);
                            }
                            assert!(want.is_empty(), "days outside the window: {want:?}");
                            assert_eq!(
                                got.approved + got.rejected,
                                got.days
                                    .iter()
                                    .map(|d| d.approved + d.rejected)
                                    .sum::<u64>()
                            );
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

fn plan_of(conn: &Connection, text: &str, sql: &Sql) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {text}")).unwrap();
    let mut rows = stmt.query(sql.params().as_slice()).unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        out.push(r.get::<_, String>(3).unwrap());
    }
    out
}

/// Every line that reads `approvals` reads an index; nothing sorts more than a page (a sort is
/// allowed only inside a merge of ranges, each of which is cut at a page first).
fn assert_indexed(what: &str, plan: &[String]) {
    for line in plan {
        if line.starts_with("SCAN a") || line.starts_with("SEARCH a") {
            assert!(
                line.contains("INDEX") || line.contains("INTEGER PRIMARY KEY"),
                "{what}: {line}\n{plan:#?}"
            );
        }
        assert!(!line.starts_with("SCAN approvals"), "{what}: {line}");
    }
    if !plan.iter().any(|l| l.contains("UNION")) {
        assert!(
            !plan.iter().any(|l| l.contains("TEMP B-TREE FOR ORDER BY")),
            "{what} sorts:\n{plan:#?}"
        );
    }
}

#[test]
fn every_console_list_reads_an_index_in_order() {
    let db = TempDb::demo(600);
    db.store
        .read_now(|conn| -> StoreResult<()> {
            let cursor = {
                let page = list_approvals(
                    conn,
                    &ApprovalFilter {
                        kinds: vec![],
                        status: StatusFilter::Decided,
                        q: None,
                        from: None,
                        to: None,
                        cursor: None,
                        limit: 300,
                        partner_id: None,
                        sort: None,
                    },
                )?;
                page.next_cursor.unwrap()
            };
            let now = Utc::now();
            let cases: Vec<(&str, ApprovalFilter)> = vec![
                (
                    "history",
                    ApprovalFilter {
                        kinds: vec![],
                        status: StatusFilter::Decided,
                        q: None,
                        from: None,
                        to: None,
                        cursor: None,
                        limit: 50,
                        partner_id: None,
                        sort: None,
                    },
                ),
                (
                    "history deep",
                    ApprovalFilter {
                        cursor: Some(cursor.clone()),
                        ..base(vec![], StatusFilter::Decided)
                    },
                ),
                (
                    "partnership history",
                    base(vec![Kind::Partnership], StatusFilter::Decided),
                ),
                (
                    "requests history",
                    base(REQUEST_KINDS.to_vec(), StatusFilter::Decided),
                ),
                (
                    "requests history deep",
                    ApprovalFilter {
                        cursor: Some(cursor.clone()),
                        ..base(REQUEST_KINDS.to_vec(), StatusFilter::Decided)
                    },
                ),
                ("approved", base(vec![], StatusFilter::Approved)),
                ("rejected ads", base(vec![Kind::Ad], StatusFilter::Rejected)),
                (
                    "search partner",
                    ApprovalFilter {
                        q: Some("harbor".into()),
                        ..base(vec![], StatusFilter::Decided)
                    },
                ),
                (
                    "search partner deep",
                    ApprovalFilter {
                        q: Some("harbor".into()),
                        cursor: Some(cursor.clone()),
                        ..base(vec![Kind::Partnership], StatusFilter::Decided)
                    },
                ),
                (
                    "search requests",
                    ApprovalFilter {
                        q: Some("live".into()),
                        ..base(REQUEST_KINDS.to_vec(), StatusFilter::Decided)
                    },
                ),
                (
                    "search invoice",
                    ApprovalFilter {
                        q: Some("INV-2026-1091".into()),
                        ..base(vec![], StatusFilter::Decided)
                    },
                ),
                (
                    "search invoices and labels",
                    ApprovalFilter {
                        q: Some("gold".into()),
                        ..base(vec![Kind::Partnership], StatusFilter::Decided)
                    },
                ),
                (
                    "search add-on",
                    ApprovalFilter {
                        q: Some("analytics".into()),
                        ..base(vec![Kind::Addon], StatusFilter::Decided)
                    },
                ),
                (
                    "search most",
                    ApprovalFilter {
                        q: Some("a".into()),
                        ..base(vec![], StatusFilter::Decided)
                    },
                ),
                (
                    "window",
                    ApprovalFilter {
                        from: Some(now - Duration::days(20)),
                        to: Some(now - Duration::days(10)),
                        ..base(vec![], StatusFilter::Decided)
                    },
                ),
                (
                    "window one kind",
                    ApprovalFilter {
                        from: Some(now - Duration::days(20)),
                        to: Some(now - Duration::days(10)),
                        ..base(vec![Kind::Addon], StatusFilter::Decided)
                    },
                ),
                (
                    "queue",
                    base(vec![Kind::Partnership], StatusFilter::Pending),
                ),
                ("all queues", base(vec![], StatusFilter::Pending)),
                (
                    "queue search",
                    ApprovalFilter {
                        q: Some("acme".into()),
                        ..base(vec![Kind::Ad], StatusFilter::Pending)
                    },
                ),
            ];
            for (what, f) in &cases {
                let (text, sql) = list_sql(conn, f, &APPROVAL_COLUMNS)?.expect("a query");
                let plan = plan_of(conn, &text, &sql);
                if std::env::var_os("SHOW_PLANS").is_some() {
                    eprintln!("== {what}\n{}", plan.join("\n"));
                }
                assert_indexed(what, &plan);
            }
            for (what, f) in &cases {
                if f.status == StatusFilter::Pending {
                    continue;
                }
                let s = StatsFilter {
                    kinds: f.kinds.clone(),
                    status: f.status,
                    q: f.q.clone(),
                    from: now - Duration::days(30),
                    to: now,
                    partner_id: None,
                };
                let (text, sql) = stats_sql(conn, &s)?.expect("a query");
                let plan = plan_of(conn, &text, &sql);
                if std::env::var_os("SHOW_PLANS").is_some() {
                    eprintln!("== stats {what}\n{}", plan.join("\n"));
                }
                for line in &plan {
                    if line.starts_with("SCAN a") || line.starts_with("SEARCH a") {
                        assert!(
                            line.contains("INDEX") || line.contains("INTEGER PRIMARY KEY"),
                            "stats {what}: {line}"
                        );
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

fn base(kinds: Vec<Kind>, status: StatusFilter) -> ApprovalFilter {
    ApprovalFilter {
        kinds,
        status,
        q: None,
        from: None,
        to: None,
        cursor: None,
        limit: 50,
        partner_id: None,
        sort: None,
    }
}

/// What the triggers keep (and the import fills in bulk) equals a count of the rows.
#[test]
fn day_counts_and_titles_match_the_rows() {
    let db = TempDb::demo(2000);
    let check =
        |db: &TempDb| {
            db.store
                .read_now(|conn| -> StoreResult<()> {
                    let q = |sql: &str| -> Vec<(String, String, i64)> {
                        let mut stmt = conn.prepare(sql).unwrap();
                        stmt.query_map(crate::server::store::db::params![], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                        })
                        .unwrap()
                        .map(Result::unwrap)
                        .collect()
                    };
                    assert_eq!(
                    q("SELECT day || kind, status, n FROM decided_days WHERE n <> 0 ORDER BY 1, 2"),
                    q("SELECT substr(decided_at, 1, 10) || kind, status, count(*) FROM approvals
                        WHERE status <> 'pending' GROUP BY 1, 2 ORDER BY 1, 2")
                );
                    // Each label once (a NULL item too).
                    assert_eq!(
                        q(
                            "SELECT kind || '|' || title, ifnull(item, '<none>'), count(*)
                             FROM approval_labels GROUP BY kind, title, item ORDER BY 1, 2"
                        ),
                        q("SELECT kind || '|' || title, ifnull(item_name, '<none>'), 1
                             FROM approvals GROUP BY kind, title, item_name ORDER BY 1, 2")
                    );
                    Ok(())
                })
                .unwrap();
        };
    check(&db);
    // Decisions keep them (the triggers).
    let pending: Vec<(String, i64)> = db
        .store
        .read_now(|c| {
            let page = list_approvals(c, &base(vec![], StatusFilter::Pending))?;
            Ok::<_, StoreError>(page.items.into_iter().map(|a| (a.id, a.version)).collect())
        })
        .unwrap();
    let decider = Decider {
        id: "us_test".into(),
        name: "tester".into(),
    };
    for (i, (id, version)) in pending.iter().take(6).enumerate() {
        let decision = if i % 2 == 0 {
            Decision::Approve { comment: None }
        } else {
            Decision::Reject {
                reason: "no".into(),
            }
        };
        let key = IdempotencyKey {
            user_id: decider.id.clone(),
            key: format!("k{i}"),
            fingerprint: "f".into(),
        };
        let out = db
            .store
            .write_now(|c| {
                decide(
                    c,
                    DecideRequest {
                        approval_id: id,
                        decider: &decider,
                        decision,
                        idempotency: &key,
                        if_match: *version,
                        now: Utc::now(),
                    },
                )
            })
            .unwrap();
        assert_eq!(out.status, 200);
    }
    check(&db);
}

/// Group commit (`Writers`): writes queued behind a slow one share its successor's
/// transaction, a failing write rolls back only itself, and each caller is answered only once
/// its write is committed (a reader already sees it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_writes_share_one_commit_and_fail_alone() {
    let db = TempDb::demo(0);
    let store = db.store.clone();
    let audit_row = |target: String| {
        move |c: &Connection| -> StoreResult<i64> {
            c.query_row(
                "SELECT count(*) FROM audit WHERE action = 'group-commit-test' AND target = ?1",
                [target],
                |r| r.get(0),
            )
            .map_err(StoreError::from)
        }
    };
    // Holds the writer while the others queue up behind it.
    let slow = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .write(|_c| {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    Ok(())
                })
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;

    let writes = (0..40).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            let result = store
                .write(move |c| {
                    let in_batch = !c.sqlite().expect("SQLite").is_autocommit();
                    let sp = c.savepoint()?;
                    insert_audit(
                        &sp,
                        Utc::now(),
                        "tester",
                        None,
                        "group-commit-test",
                        &format!("w{i}"),
                        "",
                    )?;
                    if i % 2 == 1 {
                        // Written, then refused: the savepoint must take it back.
                        return Err(StoreError::Corrupt(format!("refused w{i}")));
                    }
                    sp.commit()?;
                    Ok(in_batch)
                })
                .await;
            (i, result)
        })
    });
    let results = futures_util::future::join_all(writes).await;
    slow.await.unwrap().unwrap();

    for joined in results {
        let (i, result) = joined.unwrap();
        let seen = store.read(audit_row(format!("w{i}"))).await.unwrap();
        if i % 2 == 1 {
            assert!(
                matches!(result, Err(StoreError::Corrupt(_))),
                "w{i}: {result:?}"
            );
            assert_eq!(seen, 0, "w{i} failed, so nothing of it stays");
        } else {
            assert!(result.unwrap(), "w{i} ran inside the batch's transaction");
            assert_eq!(seen, 1, "w{i} was answered after its commit");
        }
    }
}

/// Issue 16, point 12: the database holds contact data, the audit log and token hashes.
#[cfg(unix)]
#[test]
fn a_new_database_and_its_directory_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("store-modes");
    let db = dir.path().join("data").join("pc.db");
    let store = Store::open(&db).expect("open");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    assert_eq!(mode(&db), 0o600);
    let wal = db.with_extension("db-wal");
    assert!(wal.exists(), "the store runs in WAL mode");
    assert_eq!(
        mode(&wal),
        0o600,
        "SQLite gives the log the database's mode"
    );
    drop(store);
}

/// The hierarchy's lists (RECORDS.md §1) each read one range of their level's index in name
/// order, filters and all, and never sort: a node of 10,000 children opens in a page's time.
#[test]
fn every_tree_list_reads_an_index_in_order() {
    use super::hierarchy::{NodePage, node_page_sql};
    let db = TempDb::demo(0);
    db.store
        .read_now(|conn| -> StoreResult<()> {
            let partners = |distributor: Option<&str>, q: Option<&str>| PartnerFilter {
                q: q.map(str::to_string),
                status: None,
                sort: PartnerSort::Name,
                distributor_id: distributor.map(str::to_string),
                cursor: None,
                limit: 50,
            };
            let node = |level, parent, q| NodePage {
                level,
                columns: match level {
                    Level::Distributor => &super::distributors::COLUMNS,
                    _ => &super::tenants::COLUMNS,
                },
                parent,
                q,
                cursor: None,
                limit: 50,
            };
            let cases: Vec<(&str, &str, (String, Sql))> = vec![
                (
                    "one distributor's partners",
                    "partners_by_distributor",
                    super::partners::list_partners_sql(&partners(Some("ds_001"), None))?,
                ),
                (
                    "one distributor's partners, searched",
                    "partners_by_distributor",
                    super::partners::list_partners_sql(&partners(Some("ds_001"), Some("a")))?,
                ),
                (
                    "the directory",
                    "partners_by_name",
                    super::partners::list_partners_sql(&partners(None, Some("a")))?,
                ),
                (
                    "distributors",
                    "distributors_by_name",
                    node_page_sql(&node(Level::Distributor, None, Some("a")))?,
                ),
                (
                    "one partner's tenants",
                    "tenants_by_partner",
                    node_page_sql(&node(
                        Level::Tenant,
                        Some(("t.partner_id", "pt_001")),
                        Some("co"),
                    ))?,
                ),
                (
                    "every tenant",
                    "tenants_by_name",
                    node_page_sql(&node(Level::Tenant, None, None))?,
                ),
            ];
            for (what, index, (text, sql)) in &cases {
                // (parent, detail): a sort may only be a row's own few administrators, in a
                // subquery, never the page's rows (parent 0, the statement itself).
                let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {text}"))?;
                let plan: Vec<(i64, String)> = stmt
                    .query_map(sql.params().as_slice(), |r| Ok((r.get(1)?, r.get(3)?)))?
                    .collect::<Result<_, _>>()?;
                if std::env::var_os("SHOW_PLANS").is_some() {
                    eprintln!("== {what}\n{plan:#?}");
                }
                assert!(
                    plan.iter()
                        .any(|(_, l)| l.contains(&format!("INDEX {index} "))),
                    "{what} does not read {index}:\n{plan:#?}"
                );
                assert!(
                    !plan
                        .iter()
                        .any(|(parent, l)| *parent == 0 && l.contains("TEMP B-TREE")),
                    "{what} sorts:\n{plan:#?}"
                );
            }
            Ok(())
        })
        .unwrap();
}
