//! API.md, "Past one machine": several `partner-console serve` processes on one PostgreSQL
//! database act as one service. Each test starts real replicas (child processes) on a schema
//! of its own in the test cluster (`PC_TEST_POSTGRES`, or one the tests start themselves:
//! `support::postgres`); none is skipped without PostgreSQL.
//!
//! The race of eight CSRs over 200 items across two replicas is in `tests/concurrency.rs`.
#![cfg(feature = "server")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_console::client::{Api, ApiError, DecisionKey, EventStream, HttpApi, StreamItem};
use partner_console::domain::*;
use support::{ServerProc, TempDir, client_for};

/// Two replicas of the demo on one new database: `a` made and seeded it, `b` found it so.
fn two_replicas(label: &str) -> (TempDir, ServerProc, ServerProc) {
    let dir = TempDir::new(label);
    let url = support::postgres::schema_url(&dir.path().join("shared.db"));
    let a = ServerProc::start_at(&url, &["--seed", "demo"]);
    let b = ServerProc::start_at(&url, &["--seed", "demo"]);
    (dir, a, b)
}

async fn pending(api: &HttpApi, n: usize) -> Vec<Approval> {
    let items = api
        .approvals(&ApprovalQuery {
            status: Some(StatusFilter::Pending),
            limit: Some(n as u32),
            ..Default::default()
        })
        .await
        .expect("the pending list")
        .items;
    assert_eq!(items.len(), n, "the demo has {n} pending items");
    items
}

/// The `Last-Event-ID` just before event `id`, so that a stream resumed from it sends `id`.
fn before(id: Option<&str>) -> String {
    let id: i64 = id
        .expect("stored events carry an id")
        .parse()
        .expect("a number");
    (id - 1).to_string()
}

/// demo-csr's event stream on the replica at `url`, once it says it is connected.
async fn open_stream(url: &str) -> EventStream {
    let mut events = client_for(url, "demo-csr").events();
    let connected = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(item) = events.next().await {
            if matches!(item, StreamItem::Connected) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(connected, Ok(true), "the stream at {url} opens");
    events
}

fn problem_code(e: &ApiError) -> Option<&str> {
    e.code()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decision_on_one_replica_reaches_a_console_on_the_other_within_a_second() {
    let (_dir, a, b) = two_replicas("rep-events");
    let mut events = open_stream(&b.url).await;

    let on_a = client_for(&a.url, "demo-admin");
    let item = pending(&on_a, 1).await.remove(0);
    on_a.approve(
        &item.id,
        &DecisionKey::new(item.version),
        &ApproveBody::default(),
    )
    .await
    .expect("approved on A");
    let decided = std::time::Instant::now();
    let heard = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            match events.next().await {
                Some(StreamItem::Event {
                    id,
                    event: ServerEvent::ApprovalDecided(d),
                }) if d.id == item.id => return (id, d),
                Some(_) => {}
                None => panic!("the stream on B ended"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the decision made on A did not reach B within 1 s"));
    eprintln!("A's decision reached B's stream in {:?}", decided.elapsed());
    assert_eq!(heard.1.decided_by.name, "demo-admin");

    // Last-Event-ID resumes on either replica: the event id B sent is A's event too.
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/events", a.url))
        .bearer_auth("demo-csr")
        .header("Last-Event-ID", before(heard.0.as_deref()))
        .send()
        .await
        .unwrap();
    let mut res = res;
    let mut text = String::new();
    while !text.contains("approval.decided") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await
            .expect("A replays the event")
            .unwrap()
            .expect("more of the stream");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains(&item.id), "{text}");
}

/// While one replica keeps deciding, a console on the other sees each decision within a
/// second, not only once the first replica falls quiet.
#[tokio::test(flavor = "multi_thread")]
async fn decisions_made_one_after_another_reach_the_other_replica_as_they_are_made() {
    let (_dir, a, b) = two_replicas("rep-steady");
    let mut events = open_stream(&b.url).await;
    let (heard_tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(item) = events.next().await {
            if let StreamItem::Event {
                event: ServerEvent::ApprovalDecided(d),
                ..
            } = item
            {
                let _ = heard_tx.send((d.id, std::time::Instant::now()));
            }
        }
    });

    let on_a = client_for(&a.url, "demo-admin");
    let items = pending(&on_a, 20).await;
    let mut decided = std::collections::HashMap::new();
    for item in &items {
        on_a.reject(
            &item.id,
            &DecisionKey::new(item.version),
            "Not this quarter",
        )
        .await
        .expect("rejected on A");
        decided.insert(item.id.clone(), std::time::Instant::now());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..items.len() {
        let (id, at) = tokio::time::timeout(Duration::from_secs(5), heard.recv())
            .await
            .expect("every decision reaches B")
            .expect("B's stream stays open");
        let lag = at.saturating_duration_since(decided[&id]);
        slowest = slowest.max(lag);
    }
    eprintln!("the slowest of 20 decisions reached B in {slowest:?}");
    assert!(
        slowest < Duration::from_secs(1),
        "a decision reached B {slowest:?} after it was made on A"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idempotent_retry_at_the_other_replica_replays_the_stored_answer() {
    let (_dir, a, b) = two_replicas("rep-replay");
    let item = pending(&client_for(&a.url, "demo-csr"), 1).await.remove(0);
    let send = |url: String| {
        let id = item.id.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{url}/api/v1/approvals/{id}/reject"))
                .bearer_auth("demo-csr")
                .header("Idempotency-Key", "retry-across-replicas")
                .header("If-Match", "\"1\"")
                .json(&serde_json::json!({"reason": "Not a fit for the programme"}))
                .send()
                .await
                .expect("an answer")
        }
    };
    let first = send(a.url.clone()).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = first.text().await.unwrap();

    let again = send(b.url.clone()).await;
    assert_eq!(
        again.status(),
        200,
        "the retry at B is not a second decision"
    );
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.text().await.unwrap(),
        first,
        "the stored answer, as it was"
    );

    let admin = client_for(&b.url, "demo-admin");
    let now = admin.approval(&item.id).await.unwrap();
    assert_eq!((now.status, now.version), (Status::Rejected, 2));
    let mails = admin.outbox(None, Some(100)).await.unwrap().items;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.body.contains("Not a fit for the programme"))
            .count(),
        1,
        "one email for one rejection"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_impersonation_ended_on_one_replica_is_refused_at_once_on_the_other() {
    let (_dir, a, b) = two_replicas("rep-imp");
    let csr_a = client_for(&a.url, "demo-csr");
    let imp = csr_a
        .impersonate("pt_002", "Partner cannot see their channels")
        .await
        .expect("impersonating on A");
    let owner_b = client_for(&b.url, &imp.token);
    let me = owner_b.partner_me().await.expect("the token works on B");
    assert_eq!(me.summary.id, "pt_002");

    csr_a.end_impersonation(&imp.id).await.expect("ended on A");
    let err = owner_b.partner_me().await.unwrap_err();
    assert_eq!(
        (err.status(), problem_code(&err)),
        (Some(401), Some(codes::IMPERSONATION_ENDED)),
        "B refuses the ended impersonation at once"
    );
}

/// A replica killed with SIGKILL in the middle of a burst of decisions: every decision either
/// replica acknowledged is in the database, and the other replica goes on serving.
#[tokio::test(flavor = "multi_thread")]
async fn killing_one_replica_mid_burst_loses_no_acknowledged_decision() {
    let (_dir, mut a, b) = two_replicas("rep-kill");
    let items = pending(&client_for(&b.url, "demo-csr"), 30).await;
    let (to_a, to_b) = (
        client_for(&a.url, "demo-csr"),
        client_for(&b.url, "demo-admin"),
    );
    let mut acknowledged = Vec::new();
    let mut refused_after_kill = 0;
    for (n, item) in items.iter().enumerate() {
        if n == 12 {
            let status = a.kill();
            assert!(!status.success(), "killed, not exited: {status:?}");
        }
        let api = if n % 2 == 0 { &to_a } else { &to_b };
        let key = DecisionKey::new(item.version);
        match api.approve(&item.id, &key, &ApproveBody::default()).await {
            Ok(done) => acknowledged.push(done),
            Err(e) => {
                assert!(n >= 12 && n % 2 == 0, "only the dead replica fails: {e:?}");
                refused_after_kill += 1;
            }
        }
    }
    assert_eq!(refused_after_kill, 9, "A stopped answering when killed");
    assert_eq!(acknowledged.len(), 21);
    for done in &acknowledged {
        let now = to_b.approval(&done.id).await.expect("B still serves");
        assert_eq!(
            (now.status, now.version),
            (Status::Approved, 2),
            "{} was acknowledged",
            done.id
        );
    }
    // B goes on deciding.
    let rest = pending(&to_b, 1).await.remove(0);
    to_b.approve(
        &rest.id,
        &DecisionKey::new(rest.version),
        &ApproveBody::default(),
    )
    .await
    .expect("B decides after A died");
}

/// A replica older than the database's schema refuses to start, saying so in one line.
#[test]
fn a_replica_refuses_a_schema_newer_than_it_knows() {
    let dir = TempDir::new("rep-newer");
    let path = dir.path().join("shared.db");
    let url = support::postgres::schema_url(&path);
    drop(ServerProc::start_at(&url, &["--seed", "none"]));
    support::postgres::SideDb::new_at(&url).execute("UPDATE schema_version SET version = 9999");
    let home = support::TestHome::new();
    let out = home
        .command(&["serve", "--listen", "127.0.0.1:0", "--db", &url])
        .output()
        .expect("serve runs");
    assert!(!out.status.success(), "a newer schema is refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("schema is version 9999, newer than this partner-console knows"),
        "{stderr}"
    );
    assert!(!stderr.contains("BACKTRACE"), "one clear message: {stderr}");
}

/// Who has what open is one picture across replicas: a console that opens an item through A
/// is seen by a console whose stream is on B.
#[tokio::test(flavor = "multi_thread")]
async fn a_console_on_one_replica_sees_who_has_an_item_open_through_the_other() {
    let (_dir, a, b) = two_replicas("rep-presence");
    let item = pending(&client_for(&a.url, "demo-csr"), 1).await.remove(0);
    let http = reqwest::Client::new();
    let mut stream = http
        .get(format!("{}/api/v1/events", b.url))
        .bearer_auth("demo-admin")
        .header("Console-Id", "console-on-b")
        .send()
        .await
        .expect("B's stream");
    assert_eq!(stream.status(), 200);
    let posted = http
        .post(format!("{}/api/v1/presence", a.url))
        .bearer_auth("demo-csr")
        .header("Console-Id", "console-on-a")
        .json(&serde_json::json!({"approval_id": item.id}))
        .send()
        .await
        .expect("A answers");
    assert_eq!(posted.status(), 204);
    let mut text = String::new();
    let seen = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            let chunk = stream.chunk().await.unwrap().expect("more of the stream");
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.split("\n\n").any(|e| {
                e.contains("event: presence") && e.contains(&item.id) && e.contains("demo-csr")
            }) {
                return;
            }
        }
    })
    .await;
    assert!(
        seen.is_ok(),
        "B's console did not see demo-csr on {}: {text}",
        item.id
    );
}

/// A TCP proxy in front of the test cluster that the test can cut (every connection dropped,
/// new ones refused) and restore: a database that dies and comes back on the same address.
struct CuttableProxy {
    port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    live: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl CuttableProxy {
    async fn start(upstream: String) -> CuttableProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let live: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (up2, live2) = (Arc::clone(&up), Arc::clone(&live));
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                live2.lock().unwrap().push(task.abort_handle());
            }
        });
        CuttableProxy { port, up, live }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The database going away while a replica serves: each request is a quick 503 `server_busy`
/// with `Retry-After` (the console's client retries those), not a hang or a crash; once the
/// database is back, the same replica serves again without a restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_database_is_a_503_to_retry_and_the_replica_recovers_when_it_returns() {
    let dir = TempDir::new("rep-lost-db");
    let url = support::postgres::schema_url(&dir.path().join("shared.db"));
    // postgres://USER@HOST:PORT/DB?options… → the same through the proxy's port.
    let (head, rest) = url.split_once('@').unwrap();
    let (hostport, tail) = rest.split_once('/').unwrap();
    let proxy = CuttableProxy::start(hostport.to_string()).await;
    let via_proxy = format!("{head}@127.0.0.1:{}/{tail}", proxy.port);
    let server = ServerProc::start_at(&via_proxy, &["--seed", "demo"]);
    let http = reqwest::Client::new();
    let summary = || {
        http.get(format!("{}/api/v1/summary", server.url))
            .bearer_auth("demo-csr")
            .send()
    };
    assert_eq!(summary().await.unwrap().status(), 200);

    proxy.cut();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let res = summary().await.unwrap();
        assert_eq!(res.status(), 503, "{:?}", res.text().await);
        assert_eq!(res.headers()["retry-after"], "1");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "server_busy");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "answered, not hung"
        );
    }

    proxy.restore();
    let back = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if summary().await.unwrap().status() == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        back.is_ok(),
        "the replica serves again once the database is back"
    );
}

/// A database made by the partner-console before (schema 13, whose day totals were one row
/// per day, kind and status) is migrated by the first replica to start, keeps its totals,
/// and counts decisions made at once on several connections of both replicas exactly: each
/// connection adds to a slot of its own (schema 14), the totals are the slots' sums.
#[tokio::test(flavor = "multi_thread")]
async fn a_schema_13_database_migrates_and_counts_concurrent_decisions_once_each() {
    let dir = TempDir::new("rep-migrate");
    let url = support::postgres::schema_url(&dir.path().join("shared.db"));
    let side = support::postgres::SideDb::new_at(&url);
    side.execute(include_str!("../src/server/store/schema_pg.sql"));
    side.execute("INSERT INTO decided_days VALUES ('2026-01-05', 'partnership', 'approved', 7)");
    assert_eq!(side.number("SELECT max(version) FROM schema_version"), 13);

    let a = ServerProc::start_at(&url, &["--seed", "demo"]);
    let b = ServerProc::start_at(&url, &["--seed", "demo"]);
    assert_eq!(side.number("SELECT max(version) FROM schema_version"), 14);
    assert_eq!(
        side.number("SELECT sum(n) FROM decided_days WHERE day = '2026-01-05'"),
        7,
        "the totals of schema 13 are kept"
    );

    let (on_a, on_b) = (
        client_for(&a.url, "demo-csr"),
        client_for(&b.url, "demo-admin"),
    );
    let window = ApprovalQuery::default();
    let before = on_a.approval_stats(&window).await.expect("stats");
    let items = pending(&on_a, 12).await;
    let deciders = items.iter().enumerate().map(|(n, item)| {
        let api = if n % 2 == 0 {
            on_a.clone()
        } else {
            on_b.clone()
        };
        let item = item.clone();
        async move {
            let key = DecisionKey::new(item.version);
            if n % 3 == 0 {
                api.reject(&item.id, &key, "Not this quarter.").await
            } else {
                api.approve(&item.id, &key, &ApproveBody::default()).await
            }
        }
    });
    let decided = futures_util::future::join_all(deciders).await;
    assert!(decided.iter().all(Result::is_ok), "{decided:?}");

    let after = on_b.approval_stats(&window).await.expect("stats");
    assert_eq!(
        (
            after.approved - before.approved,
            after.rejected - before.rejected
        ),
        (8, 4),
        "each decision counted once"
    );
    assert_eq!(
        side.number(
            "SELECT (SELECT sum(n) FROM decided_days) - 7
                  - (SELECT count(*) FROM approvals WHERE status <> 'pending')"
        ),
        0,
        "the day totals are the decided approvals"
    );
}
