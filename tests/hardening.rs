//! What a hostile client tried against the server (issue 16), each on real sockets: raw
//! `TcpStream`s where the HTTP itself is the attack (half-sent requests, too many connections,
//! requests hyper cannot parse), reqwest where the request is well-formed but its content is
//! not.
#![cfg(feature = "server")]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use partner_console::domain::codes;
use partner_console::server::{ConnLimits, SeedSource};
use serde_json::{Value, json};
use support::{ServerProc, TempDir, TestServer, launch_with};

// ---- raw sockets ----------------------------------------------------------------------------

/// The server's `host:port`.
fn addr(url: &str) -> String {
    url.trim_start_matches("http://").to_string()
}

/// What a read on a connection found within `wait`.
#[derive(Debug, PartialEq)]
enum Seen {
    Closed,
    Data,
    Nothing,
}

fn read_within(conn: &mut TcpStream, wait: Duration) -> Seen {
    conn.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 4096];
    match conn.read(&mut buf) {
        Ok(0) => Seen::Closed,
        Ok(_) => Seen::Data,
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Seen::Nothing,
        // A reset is a close too.
        Err(_) => Seen::Closed,
    }
}

/// Sends `request` on a new connection and reads the answer until the server closes it (the
/// answers these tests expect all close the connection).
fn exchange(addr: &str, request: &[u8]) -> (u16, String, Value) {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.write_all(request).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut raw = Vec::new();
    let _ = conn.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {text:?}"));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, head.to_ascii_lowercase(), body)
}

/// `/healthz` answers 200 within a few seconds (a connection's slot is free an instant after
/// the client sees it closed).
fn healthz_comes_back(addr: &str) {
    let healthz = b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, _) = exchange(addr, healthz);
        if status == 200 {
            return;
        }
        assert!(Instant::now() < deadline, "healthz still answers {status}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn server_with(limits: ConnLimits) -> (TempDir, partner_console::server::RunningServer) {
    let dir = TempDir::new("hard");
    let server = launch_with(
        &dir.path().join("pc.db"),
        SeedSource::Demo { decided: Some(20) },
        Duration::from_secs(1800),
        limits,
    )
    .await
    .unwrap();
    (dir, server)
}

fn limits(header_ms: u64, idle_ms: u64, max: usize) -> ConnLimits {
    ConnLimits {
        header_timeout: Duration::from_millis(header_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        max_connections: max,
    }
}

/// Issue 16 #1: a request whose head never ends is closed after the header timeout, and so
/// is a connection that sends nothing at all.
#[tokio::test(flavor = "multi_thread")]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let (_dir, srv) = server_with(limits(1000, 30_000, 64)).await;
    let addr = addr(&srv.url());
    tokio::task::spawn_blocking(move || {
        let mut half = TcpStream::connect(&addr).unwrap();
        half.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let mut silent = TcpStream::connect(&addr).unwrap();
        let start = Instant::now();
        assert_eq!(read_within(&mut half, Duration::from_secs(5)), Seen::Closed);
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(800),
            "closed after {waited:?}"
        );
        assert_eq!(
            read_within(&mut silent, Duration::from_secs(5)),
            Seen::Closed
        );
    })
    .await
    .unwrap();
}

/// Issue 16 #1: a keep-alive connection is closed once idle for the idle timeout (which is
/// not the header timeout: it outlives it), and the event stream, a request being answered,
/// is not.
#[tokio::test(flavor = "multi_thread")]
async fn an_idle_connection_is_closed_but_an_event_stream_is_not() {
    let (_dir, srv) = server_with(limits(500, 2000, 64)).await;
    let addr = addr(&srv.url());
    tokio::task::spawn_blocking(move || {
        let mut idle = TcpStream::connect(&addr).unwrap();
        idle.write_all(b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        assert_eq!(read_within(&mut idle, Duration::from_secs(5)), Seen::Data);
        let mut events = TcpStream::connect(&addr).unwrap();
        events
            .write_all(
                b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-csr\r\n\r\n",
            )
            .unwrap();
        assert_eq!(read_within(&mut events, Duration::from_secs(5)), Seen::Data);

        // Past the header timeout, within the idle one: still open.
        assert_eq!(
            read_within(&mut idle, Duration::from_millis(1200)),
            Seen::Nothing
        );
        assert_eq!(read_within(&mut idle, Duration::from_secs(5)), Seen::Closed);
        // Long past both, the event stream is still there.
        assert_ne!(
            read_within(&mut events, Duration::from_millis(500)),
            Seen::Closed
        );
    })
    .await
    .unwrap();
}

/// Issue 16 #1: past the cap a new connection is answered 503 (problem+json), and once the
/// connections that held the server close, `/healthz` answers again.
#[tokio::test(flavor = "multi_thread")]
async fn past_the_cap_a_connection_gets_503_and_healthz_comes_back() {
    let (_dir, srv) = server_with(limits(30_000, 30_000, 20)).await;
    let addr = addr(&srv.url());
    tokio::task::spawn_blocking(move || {
        let holders: Vec<TcpStream> = (0..20)
            .map(|_| {
                let mut c = TcpStream::connect(&addr).unwrap();
                c.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n")
                    .unwrap();
                c
            })
            .collect();
        let healthz = b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        let (status, head, body) = exchange(&addr, healthz);
        assert_eq!(status, 503, "{head}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        assert_eq!(body["code"], codes::SERVER_BUSY);
        assert_eq!(body["status"], 503);

        drop(holders);
        healthz_comes_back(&addr);
    })
    .await
    .unwrap();
}

/// Issue 16 #1, against `partner-console serve` itself: its (hidden) flags set the limits,
/// and with them a half-sent request is closed and a connection past the cap gets 503.
#[test]
fn serve_closes_half_sent_requests_and_answers_503_past_its_cap() {
    let srv = ServerProc::start_with(&[
        "--seed",
        "demo",
        "--header-timeout-ms",
        "1000",
        "--max-connections",
        "3",
    ]);
    let addr = addr(&srv.url);
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut c = TcpStream::connect(&addr).unwrap();
            c.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            c
        })
        .collect();
    let healthz = b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let (status, _, body) = exchange(&addr, healthz);
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some(codes::SERVER_BUSY))
    );
    for c in &mut held {
        assert_eq!(read_within(c, Duration::from_secs(5)), Seen::Closed);
    }
    healthz_comes_back(&addr);
}

/// Issue 16 #10: the answers hyper gives by itself, to requests it cannot parse, are
/// problem+json like every other error.
#[tokio::test(flavor = "multi_thread")]
async fn hypers_own_errors_are_problem_json() {
    let srv = TestServer::demo().await;
    let addr = addr(&srv.url);
    let long_uri = format!(
        "GET /api/v1/healthz?{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let many_headers = format!(
        "GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..200)
            .map(|i| format!("x-h{i}: v\r\n"))
            .collect::<String>()
    );
    tokio::task::spawn_blocking(move || {
        for (request, status, code) in [
            (
                b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n".to_vec(),
                400,
                codes::MALFORMED_REQUEST,
            ),
            (long_uri.into_bytes(), 414, codes::URI_TOO_LONG),
            (many_headers.into_bytes(), 431, codes::HEADERS_TOO_LARGE),
        ] {
            let (got, head, body) = exchange(&addr, &request);
            assert_eq!(got, status, "{head}");
            assert!(
                head.contains("content-type: application/problem+json"),
                "{head}"
            );
            assert_eq!(body["status"], status);
            assert_eq!(body["code"], code);
        }
    })
    .await
    .unwrap();
}

// ---- well-formed HTTP, hostile content --------------------------------------------------------

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn code_of(req: reqwest::RequestBuilder) -> (u16, String) {
    let (status, body) = send(req).await;
    (status, body["code"].as_str().unwrap_or("").to_string())
}

/// Issue 16 #4: every call made with an impersonation token is audited with its method, path,
/// query and status, the refused ones too (403, 404, and 401 once it has ended).
#[tokio::test(flavor = "multi_thread")]
async fn every_impersonated_call_is_audited_with_its_query_and_status() {
    let srv = TestServer::demo().await;
    let http = srv.http();
    let (status, imp) = send(
        http.post(srv.api("/partners/pt_001/impersonations"))
            .bearer_auth("demo-csr")
            .json(&json!({"reason": "audit check"})),
    )
    .await;
    assert_eq!(status, 201);
    let (id, token) = (imp["id"].as_str().unwrap(), imp["token"].as_str().unwrap());
    for (path, status) in [
        ("/partner/channels?limit=1", 200),
        ("/summary", 403),
        ("/approvals?status=decided&q=x", 403),
        ("/nowhere?x=1", 404),
    ] {
        let res = http
            .get(srv.api(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{path}");
    }
    let res = http
        .delete(srv.api(&format!("/impersonations/{id}")))
        .bearer_auth("demo-csr")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = http
        .get(srv.api("/partner/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    let (_, audit) = send(
        http.get(srv.api("/audit?limit=100"))
            .bearer_auth("demo-admin"),
    )
    .await;
    let calls: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == id && e["action"] == "impersonation.call")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    for want in [
        "GET /api/v1/partner/channels?limit=1 → 200",
        "GET /api/v1/summary → 403",
        "GET /api/v1/approvals?status=decided&q=x → 403",
        "GET /api/v1/nowhere?x=1 → 404",
        "GET /api/v1/partner/me → 401",
    ] {
        assert!(calls.contains(&want), "{want:?} not in {calls:?}");
    }
}

/// Issue 16 #5: a cursor works only with the list and filters it came from, cannot be made by
/// hand, and (its key being in the database) survives a restart.
#[tokio::test(flavor = "multi_thread")]
async fn cursors_are_bound_to_their_list_and_cannot_be_forged() {
    let mut srv = TestServer::demo().await;
    let http = srv.http();
    let get = |url: String| http.get(url).bearer_auth("demo-csr");
    let (_, page) = send(get(srv.api("/approvals?status=pending&limit=1"))).await;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (status, next) = send(get(srv.api(&format!(
        "/approvals?status=pending&limit=1&cursor={cursor}"
    ))))
    .await;
    assert_eq!(status, 200);
    assert_ne!(next["items"][0]["id"], page["items"][0]["id"]);

    let refused = [
        format!("/approvals?status=decided&cursor={cursor}"),
        format!("/approvals?status=pending&kind=ad&cursor={cursor}"),
        format!("/approvals?status=pending&q=nova&cursor={cursor}"),
        format!("/partners?cursor={cursor}"),
        // Made by hand: the old, unsigned form of a pending cursor.
        format!(
            "/approvals?cursor={}",
            hex("2020-01-01T00:00:00.000Z\u{1f}ap_x")
        ),
        format!("/approvals?cursor={}", cursor.split('.').next().unwrap()),
        format!("/approvals?cursor={}0", cursor),
    ];
    for path in &refused {
        assert_eq!(
            code_of(get(srv.api(path))).await,
            (400, codes::INVALID_CURSOR.to_string()),
            "{path}"
        );
    }
    let (_, partners) = send(get(srv.api("/partners?limit=1&q=a"))).await;
    let pc = partners["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(
        code_of(get(srv.api(&format!("/partners?limit=1&q=b&cursor={pc}"))))
            .await
            .0,
        400
    );

    srv.restart().await;
    let http = srv.http();
    let res = http
        .get(srv.api(&format!(
            "/approvals?status=pending&limit=1&cursor={cursor}"
        )))
        .bearer_auth("demo-csr")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a cursor outlives a restart");
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Issue 16 #6: a body must be a JSON object.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_is_not_an_object_is_refused() {
    let srv = TestServer::demo().await;
    let http = srv.http();
    for (route, body) in [
        ("reject", "[\"reason\"]"),
        ("approve", "[]"),
        ("approve", "\"x\""),
        ("approve", "1"),
        ("approve", "null"),
    ] {
        let req = http
            .post(srv.api(&format!("/approvals/ap_p001/{route}")))
            .bearer_auth("demo-csr")
            .header("Idempotency-Key", format!("k-{route}-{body}"))
            .header("If-Match", "\"1\"")
            .header("content-type", "application/json")
            .body(body);
        assert_eq!(
            code_of(req).await,
            (400, codes::INVALID_BODY.into()),
            "{route} {body}"
        );
    }
    let req = http
        .post(srv.api("/partners/pt_001/impersonations"))
        .bearer_auth("demo-csr")
        .header("content-type", "application/json")
        .body("[\"reason\"]");
    assert_eq!(code_of(req).await, (400, codes::INVALID_BODY.into()));
    let (_, a) = send(
        http.get(srv.api("/approvals/ap_p001"))
            .bearer_auth("demo-csr"),
    )
    .await;
    assert_eq!(a["status"], "pending");
}

/// Issue 16 #7: duplicated headers are refused, the bearer scheme is case-insensitive, and
/// `If-Match: "01"` is not version 1.
#[tokio::test(flavor = "multi_thread")]
async fn duplicate_headers_are_refused_and_bearer_is_case_insensitive() {
    let srv = TestServer::demo().await;
    let http = srv.http();
    for scheme in ["BEARER", "bearer", "Bearer", "bEaReR"] {
        let res = http
            .get(srv.api("/me"))
            .header("Authorization", format!("{scheme} demo-csr"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{scheme}");
    }
    let twice = http
        .get(srv.api("/me"))
        .header("Authorization", "Bearer demo-viewer")
        .header("Authorization", "Bearer demo-admin");
    assert_eq!(code_of(twice).await, (400, codes::DUPLICATE_HEADER.into()));

    let decide = |extra: &[(&str, &str)]| {
        let mut req = http
            .post(srv.api("/approvals/ap_p001/approve"))
            .bearer_auth("demo-csr")
            .json(&json!({}));
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        code_of(req)
    };
    assert_eq!(
        decide(&[
            ("Idempotency-Key", "a"),
            ("Idempotency-Key", "b"),
            ("If-Match", "\"1\"")
        ])
        .await,
        (400, codes::DUPLICATE_HEADER.into())
    );
    assert_eq!(
        decide(&[
            ("Idempotency-Key", "a"),
            ("If-Match", "\"1\""),
            ("If-Match", "\"2\"")
        ])
        .await,
        (400, codes::DUPLICATE_HEADER.into())
    );
    assert_eq!(
        decide(&[("Idempotency-Key", "c"), ("If-Match", "\"01\"")]).await,
        (400, codes::INVALID_IF_MATCH.into())
    );
    let (_, a) = send(
        http.get(srv.api("/approvals/ap_p001"))
            .bearer_auth("demo-csr"),
    )
    .await;
    assert_eq!(a["status"], "pending");
    assert_eq!(
        decide(&[("Idempotency-Key", "d"), ("If-Match", "\"1\"")])
            .await
            .0,
        200
    );
}

/// Issue 16 #8: reasons, comments and impersonation reasons refuse control and bidi
/// characters, and a reason with nothing visible is blank; nothing of it reaches the outbox.
#[tokio::test(flavor = "multi_thread")]
async fn reasons_with_controls_or_nothing_visible_are_refused() {
    let srv = TestServer::demo().await;
    let http = srv.http();
    let decide = |route: &str, body: Value, key: String| {
        http.post(srv.api(&format!("/approvals/ap_p001/{route}")))
            .bearer_auth("demo-csr")
            .header("Idempotency-Key", key)
            .header("If-Match", "\"1\"")
            .json(&body)
    };
    let mut n = 0;
    let mut key = || {
        n += 1;
        format!("k{n}")
    };
    for blank in ["\u{200B}", " \u{200B}\u{FEFF} \n", "\u{2060}\t"] {
        let req = decide("reject", json!({ "reason": blank }), key());
        assert_eq!(
            code_of(req).await,
            (422, codes::REASON_REQUIRED.into()),
            "{blank:?}"
        );
    }
    for bad in [
        "a\0b",
        "pay \u{1b}]52;c;aGk=\u{7}",
        "gnp.exe\u{202E}",
        "x\u{85}",
    ] {
        let req = decide("reject", json!({ "reason": bad }), key());
        assert_eq!(
            code_of(req).await,
            (422, codes::INVALID_TEXT.into()),
            "{bad:?}"
        );
        let req = decide("approve", json!({ "comment": bad }), key());
        assert_eq!(
            code_of(req).await,
            (422, codes::INVALID_TEXT.into()),
            "{bad:?}"
        );
        let req = http
            .post(srv.api("/partners/pt_001/impersonations"))
            .bearer_auth("demo-csr")
            .json(&json!({ "reason": bad }));
        assert_eq!(
            code_of(req).await,
            (422, codes::INVALID_TEXT.into()),
            "{bad:?}"
        );
    }
    let (_, outbox) = send(
        http.get(srv.api("/outbox?limit=500"))
            .bearer_auth("demo-admin"),
    )
    .await;
    let text = outbox.to_string();
    for bad in ["\\u0000", "\\u001b", "\u{202E}", "\u{200B}"] {
        assert!(!text.contains(bad), "{bad:?} reached the outbox");
    }
    // Line breaks and tabs are text.
    let req = decide(
        "reject",
        json!({ "reason": "Line one\r\n\tLine two" }),
        key(),
    );
    assert_eq!(send(req).await.0, 200);
}

/// Issue 16 #9: a NUL in `q` (or any parameter) is a 400, not a match for everything.
#[tokio::test(flavor = "multi_thread")]
async fn a_nul_in_a_parameter_is_refused() {
    let srv = TestServer::demo().await;
    let http = srv.http();
    for path in [
        "/partners?q=%00",
        "/partners?q=nova%00",
        "/approvals?q=%00",
        "/approvals?status=decided&q=%00",
        "/approvals/export?q=%00",
        "/approvals/stats?q=%00",
        "/approvals?kind=ad%00",
        "/audit?cursor=%00",
    ] {
        let req = http.get(srv.api(path)).bearer_auth("demo-admin");
        assert_eq!(
            code_of(req).await,
            (400, codes::INVALID_PARAMETER.into()),
            "{path}"
        );
    }
}
