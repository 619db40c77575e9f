//! QUALITY.md 3: decisions are exactly-once under retries, timeouts, dropped connections and
//! several CSRs deciding the same items at once.
//!
//! Eight real `HttpApi` clients (retries on, short timeouts), each a different CSR, try to
//! decide the same 200 pending approvals at once, through a fault-injecting proxy that, for a
//! seeded-random share of requests, drops the answer after the server has committed, holds it
//! past the client's timeout, or cuts the connection before the request reaches the server.
//! Each decision keeps its `DecisionKey` across every retry (the client's own, and the test's
//! "press retry" when the client gives up). Afterwards, asked directly (not through the proxy):
//! every item is decided exactly once, one email per rejection, one audit row per decision, and
//! every client that did not win an item was told, with a 409 `already_decided`, who did.
#![cfg(feature = "server")]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use partner_console::client::{Api, ApiError, DecisionKey, HttpApi, HttpApiOptions, RetryPolicy};
use partner_console::domain::*;
use partner_console::secret::Secret;
use partner_console::server::SeedSource;
use support::{ServerProc, TempDir, TestServer, client_for};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CLIENTS: usize = 8;
const ITEMS: usize = 200;
const SEED: u64 = 0x5EED_0003;
const ADMIN_TOKEN: &str = "tok-admin-conc";

fn csr_name(c: usize) -> String {
    format!("csr-{c}")
}

fn csr_token(c: usize) -> String {
    format!("tok-csr-{c}-conc")
}

fn item_id(i: usize) -> String {
    format!("ap_{i:03}")
}

fn seed_json() -> String {
    let mut users: Vec<String> = (0..CLIENTS)
        .map(|c| {
            format!(
                r#"{{"name": "{}", "email": "{}@example.com", "role": "csr", "token": "{}"}}"#,
                csr_name(c),
                csr_name(c),
                csr_token(c)
            )
        })
        .collect();
    users.push(format!(
        r#"{{"name": "admin", "email": "admin@example.com", "role": "admin", "token": "{ADMIN_TOKEN}"}}"#
    ));
    let partners: Vec<String> = (0..10)
        .map(|p| {
            format!(
                r#"{{"id": "p{p}", "name": "Partner {p}", "status": "active", "contact": {{"email": "p{p}@partner.example"}}}}"#
            )
        })
        .collect();
    let approvals: Vec<String> = (0..ITEMS)
        .map(|i| {
            let kind = if i % 2 == 0 { "partnership" } else { "addon" };
            format!(
                r#"{{"id": "{}", "kind": "{kind}", "title": "Package {i:03}", "partner": "p{}",
                    "requested_at": "2026-10-01T{:02}:{:02}:00Z",
                    "item": {{"name": "Pkg-{i:03}", "price": {{"amount_minor": {}, "currency": "EUR"}}}}}}"#,
                item_id(i),
                i % 10,
                i / 60,
                i % 60,
                1000 + i
            )
        })
        .collect();
    format!(
        r#"{{"users": [{}], "partners": [{}], "approvals": [{}]}}"#,
        users.join(",\n"),
        partners.join(",\n"),
        approvals.join(",\n")
    )
}

// ---------------------------------------------------------------------------------------------
// The fault-injecting proxy: HTTP/1.1 aware (Content-Length framing), one upstream connection
// per client connection, one fate per request.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Pass,
    /// The server got the request and answered (committed); the client sees the connection close.
    DropAnswer,
    /// The server answered; the answer is held past the client's timeout.
    Delay,
    /// The connection is cut before the request reaches the server.
    CutBefore,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    dropped: AtomicU64,
    delayed: AtomicU64,
    cut: AtomicU64,
}

struct Proxy {
    url: String,
    counters: Arc<Counters>,
}

/// How long a delayed answer is held: well past the clients' request timeout.
const HOLD: Duration = Duration::from_millis(900);
const CLIENT_TIMEOUT: Duration = Duration::from_millis(400);

fn fate_of(n: u64) -> Fate {
    // Deterministic per request number: the same run of fates every time.
    let mut rng = fastrand::Rng::with_seed(SEED ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    match rng.u32(0..100) {
        0..=7 => Fate::DropAnswer,
        8..=11 => Fate::Delay,
        12..=14 => Fate::CutBefore,
        _ => Fate::Pass,
    }
}

/// A proxy in front of `upstreams`, each connection to the next in turn (as a load balancer
/// spreads them over replicas): a retry after a cut connection reaches another replica.
async fn start_proxy(upstreams: &[String]) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counters = Arc::new(Counters::default());
    let c = counters.clone();
    let addrs: Vec<String> = upstreams
        .iter()
        .map(|u| u.trim_start_matches("http://").to_string())
        .collect();
    tokio::spawn(async move {
        for n in 0.. {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let (c, addr) = (c.clone(), addrs[n % addrs.len()].clone());
            tokio::spawn(async move {
                let _ = proxy_connection(client, &addr, &c).await;
            });
        }
    });
    Proxy { url, counters }
}

/// One HTTP message (head and Content-Length body) from `sock`, or `None` at EOF.
async fn read_message(sock: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<Vec<u8>>> {
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    assert!(
        !head.contains("transfer-encoding: chunked"),
        "the proxy frames by Content-Length only:\n{head}"
    );
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse::<usize>().unwrap())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    let rest = buf.split_off(head_end + len);
    Ok(Some(std::mem::replace(buf, rest)))
}

async fn proxy_connection(
    mut client: TcpStream,
    upstream: &str,
    counters: &Counters,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    let (mut cbuf, mut sbuf) = (Vec::new(), Vec::new());
    while let Some(request) = read_message(&mut client, &mut cbuf).await? {
        let n = counters.requests.fetch_add(1, Ordering::SeqCst);
        let fate = fate_of(n);
        if fate == Fate::CutBefore {
            counters.cut.fetch_add(1, Ordering::SeqCst);
            return Ok(());
        }
        server.write_all(&request).await?;
        let Some(answer) = read_message(&mut server, &mut sbuf).await? else {
            return Ok(());
        };
        match fate {
            Fate::Pass => client.write_all(&answer).await?,
            Fate::DropAnswer => {
                counters.dropped.fetch_add(1, Ordering::SeqCst);
                return Ok(());
            }
            Fate::Delay => {
                counters.delayed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(HOLD).await;
                // The client has given up by now; this write goes nowhere (or fails).
                let _ = client.write_all(&answer).await;
                return Ok(());
            }
            Fate::CutBefore => unreachable!(),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------

/// What one client finally heard about one item.
struct Outcome {
    reject: bool,
    reason: String,
    result: Result<Approval, ApiError>,
    /// How often the test had to press "retry" (with the same key) after the client gave up.
    resends: u32,
}

async fn decide_all(c: usize, proxy_url: String) -> HashMap<String, Outcome> {
    let api = HttpApi::new(HttpApiOptions {
        base_url: proxy_url,
        token: Some(Secret::new(csr_token(c))),
        connect_timeout: Duration::from_secs(2),
        read_timeout: CLIENT_TIMEOUT,
        request_timeout: CLIENT_TIMEOUT,
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(40),
        },
        ..HttpApiOptions::default()
    })
    .unwrap();
    let mut rng = fastrand::Rng::with_seed(SEED + c as u64);
    let mut order: Vec<usize> = (0..ITEMS).collect();
    rng.shuffle(&mut order);
    let mut out = HashMap::new();
    for i in order {
        let id = item_id(i);
        let reject = rng.bool();
        let reason = format!("Rejected {id} by {}", csr_name(c));
        // One key per decision, kept for every retry, as the console keeps it.
        let key = DecisionKey::new(1);
        let mut resends = 0;
        let result = loop {
            let r = if reject {
                api.reject(&id, &key, &reason).await
            } else {
                api.approve(&id, &key, &ApproveBody::default()).await
            };
            match r {
                Err(e) if e.is_retryable() && resends < 30 => resends += 1,
                other => break other,
            }
        };
        out.insert(
            id,
            Outcome {
                reject,
                reason,
                result,
                resends,
            },
        );
    }
    out
}

async fn all_pages<T, F, Fut>(mut fetch: F) -> Vec<T>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Page<T>>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = fetch(cursor).await;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_csrs_deciding_the_same_200_items_through_a_faulty_network() {
    let dir = TempDir::new("conc-seed");
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, seed_json()).unwrap();
    let server = TestServer::start(SeedSource::File(seed), Duration::from_secs(1800)).await;
    race_and_check(std::slice::from_ref(&server.url)).await;
}

/// API.md, "Past one machine": two `serve` processes on one PostgreSQL database act as one
/// service. The same race, the proxy sending each connection to the next replica, so that a
/// retry after a dropped answer or a cut connection usually reaches the other one: each item
/// is still decided once, the loser told who won, one email per rejection.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_csrs_deciding_the_same_200_items_across_two_replicas() {
    let dir = TempDir::new("conc-replicas");
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, seed_json()).unwrap();
    let url = support::postgres::schema_url(&dir.path().join("shared.db"));
    let seed = seed.display().to_string();
    let a = ServerProc::start_at(&url, &["--seed", &seed]);
    let b = ServerProc::start_at(&url, &["--seed", &seed]);
    race_and_check(&[a.url.clone(), b.url.clone()]).await;
}

/// Eight clients decide the same 200 items through the faulty proxy in front of `servers`;
/// then, asked directly, each item was decided exactly once.
async fn race_and_check(servers: &[String]) {
    let admin = client_for(&servers[0], ADMIN_TOKEN);
    let before = admin
        .approvals(&ApprovalQuery {
            status: Some(StatusFilter::Pending),
            limit: Some(500),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(before.len(), ITEMS);
    assert!(before.iter().all(|a| a.version == 1));

    let proxy = start_proxy(servers).await;
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| tokio::spawn(decide_all(c, proxy.url.clone())))
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.expect("a client task panicked"));
    }
    let took = started.elapsed();

    let k = &proxy.counters;
    let (requests, dropped, delayed, cut) = (
        k.requests.load(Ordering::SeqCst),
        k.dropped.load(Ordering::SeqCst),
        k.delayed.load(Ordering::SeqCst),
        k.cut.load(Ordering::SeqCst),
    );
    eprintln!(
        "{requests} requests through the proxy: {dropped} answers dropped, {delayed} delayed, \
         {cut} cut before the server; {took:?}"
    );
    assert!(
        dropped > 20 && delayed > 10 && cut > 10,
        "the faults happened"
    );
    assert!(
        requests > (CLIENTS * ITEMS) as u64,
        "faults caused retries ({requests} requests)"
    );

    // Ask the server directly.
    let audit = all_pages(|cursor| {
        let admin = admin.clone();
        async move { admin.audit(cursor.as_deref(), Some(500)).await.unwrap() }
    })
    .await;
    let outbox = all_pages(|cursor| {
        let admin = admin.clone();
        async move { admin.outbox(cursor.as_deref(), Some(500)).await.unwrap() }
    })
    .await;

    let mut rejected = 0;
    let mut losers_told = 0;
    for i in 0..ITEMS {
        let id = item_id(i);
        let now = admin.approval(&id).await.unwrap();
        assert_ne!(now.status, Status::Pending, "{id} was never decided");
        assert_eq!(now.version, 2, "{id} was decided exactly once");
        let winner = now.decided_by.as_ref().expect("decided_by").name.clone();
        let w: usize = winner.strip_prefix("csr-").unwrap().parse().unwrap();

        // The winner heard 200 (first time or as a replay of its own committed decision).
        let mine = &outcomes[w][&id];
        let won = mine
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{winner} won {id} but heard {e:?}"));
        assert_eq!(won.id, id);
        assert_eq!(won.version, 2);
        assert_eq!(won.decided_by.as_ref().unwrap().name, winner);
        assert_eq!(won.status, now.status);
        let expected = if mine.reject {
            Status::Rejected
        } else {
            Status::Approved
        };
        assert_eq!(now.status, expected, "{id}: the winner's verdict stands");
        if mine.reject {
            rejected += 1;
            assert_eq!(now.reason.as_deref(), Some(mine.reason.as_str()));
        }

        // Every other client was told who won.
        for (c, theirs) in outcomes.iter().enumerate() {
            if c == w {
                continue;
            }
            let o = &theirs[&id];
            let err = match &o.result {
                Ok(a) => panic!("{} also 'won' {id}: {a:?}", csr_name(c)),
                Err(e) => e,
            };
            assert_eq!(
                err.code(),
                Some(codes::ALREADY_DECIDED),
                "{} on {id} (after {} resends): {err:?}",
                csr_name(c),
                o.resends
            );
            assert_eq!(err.status(), Some(409));
            let current = err
                .current_approval()
                .expect("the 409 carries the approval");
            assert_eq!(current.decided_by.as_ref().unwrap().name, winner);
            assert_eq!(current.status, now.status);
            assert!(
                err.user_message().contains(&winner),
                "the message names the winner: {}",
                err.user_message()
            );
            losers_told += 1;
        }

        // One audit row for the decision, by the winner.
        let rows: Vec<&AuditEntry> = audit
            .iter()
            .filter(|a| a.target == id && a.action.starts_with("approval."))
            .collect();
        assert_eq!(rows.len(), 1, "{id}: {rows:?}");
        assert_eq!(rows[0].actor, winner);
        assert_eq!(rows[0].action, format!("approval.{}", now.status.as_str()));

        // One email per rejection, none for an approval.
        let item_name = format!("\"Pkg-{i:03}\"");
        let mails: Vec<&OutboxEmail> = outbox
            .iter()
            .filter(|m| m.subject.contains(&item_name))
            .collect();
        if now.status == Status::Rejected {
            assert_eq!(mails.len(), 1, "{id}: {mails:?}");
            assert!(mails[0].body.contains(&mines_reason(&outcomes[w], &id)));
            assert_eq!(mails[0].to, format!("p{}@partner.example", i % 10));
        } else {
            assert!(mails.is_empty(), "{id} was approved but mailed: {mails:?}");
        }
    }
    assert_eq!(outbox.len(), rejected, "no stray emails");
    assert_eq!(losers_told, ITEMS * (CLIENTS - 1));
    assert!(rejected > 50 && rejected < 150, "both verdicts were tested");
    let decisions = audit
        .iter()
        .filter(|a| a.action.starts_with("approval."))
        .count();
    assert_eq!(decisions, ITEMS, "no stray audit rows");
}

fn mines_reason(outcomes: &HashMap<String, Outcome>, id: &str) -> String {
    outcomes[id].reason.clone()
}
