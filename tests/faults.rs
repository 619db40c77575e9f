//! QUALITY.md 5, 6 and 7 against a scripted faulty server: 500s (problem and plain text),
//! malformed JSON, JSON of the wrong types, a connection closed mid-body, a slow trickle of bytes
//! and a hang that never answers.
//!
//! (a) The real `HttpApi`: each fault is a typed `ApiError` with a plain `user_message`, within
//! the configured timeouts, never a panic; only what may be retried is retried.
//! (b) The real console binary in a pty: each fault on `/me`, `/summary` and `/approvals` gives a
//! clear message while the rest of the app keeps working; while `/approvals` hangs, keys are
//! handled and `q` quits at once; a reject reason whose request hangs or fails stays in its
//! dialog and is sent again, with the same idempotency key, when the server recovers.
#![cfg(unix)]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use partner_console::client::{Api, ApiError, DecisionKey, HttpApi, HttpApiOptions, RetryPolicy};
use partner_console::domain::*;
use partner_console::secret::Secret;
use support::{Pty, TestHome, keys, pty};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------------------------------------
// The scripted faulty server

/// What the server does with a request to one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// A correct answer (see [`good`]).
    Good,
    /// 500 with an `application/problem+json` body.
    Problem500,
    /// 500 with a plain-text body (a stack trace, say).
    Plain500,
    /// 200 with JSON that does not parse.
    Malformed,
    /// 200 with JSON of the wrong types for every field.
    WrongTypes,
    /// 200, Content-Length 4000, a few bytes, then the connection is closed.
    CloseMidBody,
    /// 200 and a body that comes one byte every 150 ms, for ever.
    Trickle,
    /// The request is read and never answered.
    Hang,
}

const ALL_FAULTS: [Fault; 7] = [
    Fault::Problem500,
    Fault::Plain500,
    Fault::Malformed,
    Fault::WrongTypes,
    Fault::CloseMidBody,
    Fault::Trickle,
    Fault::Hang,
];

const ME: &str = r#"{"id":"u1","name":"Ann Faulty","email":"ann@example.com","role":"csr"}"#;
const SUMMARY: &str =
    r#"{"pending":{"partnership":1,"addon":0,"broadcast":0,"advertising_package":0,"ad":0}}"#;
const PARTNER: &str = r#"{"id":"p_1","name":"Acme Faulty","status":"active","email":"a@acme.example","phone":"1","website":"https://acme.example"}"#;
const PARTNERS: &str = r#"{"items":[{"id":"p_1","name":"Acme Faulty","status":"active","package":null,"invoice_id":"INV-FAULT-1"}],"next_cursor":null}"#;

fn approval(status: &str, version: i64) -> String {
    let decided = if status == "pending" {
        r#""decided_at":null,"decided_by":null,"reason":null"#.to_string()
    } else {
        r#""decided_at":"2026-01-02T03:04:05Z","decided_by":{"id":"u1","name":"Ann Faulty"},"reason":"kept text""#.to_string()
    };
    format!(
        r#"{{"id":"ap_1","kind":"partnership","status":"{status}","version":{version},"title":"Gold package",
        "partner":{PARTNER},"item":{{"name":"Gold","price":{{"amount_minor":4900,"currency":"EUR"}}}},
        "description":"please","requested_at":"2026-01-01T03:04:05Z",{decided},"details":{{}}}}"#
    )
}

/// The correct answer for a path (without its query), if the server knows it.
fn good(path: &str) -> Option<String> {
    Some(match path {
        "/api/v1/healthz" => r#"{"status":"ok"}"#.to_string(),
        "/api/v1/me" => ME.to_string(),
        "/api/v1/summary" => SUMMARY.to_string(),
        "/api/v1/approvals" => format!(
            r#"{{"items":[{}],"next_cursor":null}}"#,
            approval("pending", 1)
        ),
        "/api/v1/approvals/ap_1" => approval("pending", 1),
        "/api/v1/approvals/ap_1/reject" => approval("rejected", 2),
        "/api/v1/approvals/ap_1/approve" => approval("approved", 2),
        "/api/v1/partners" => PARTNERS.to_string(),
        _ => return None,
    })
}

#[derive(Debug, Clone)]
struct Hit {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Hit {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The faulty server on 127.0.0.1:0, on a runtime of its own (so sync pty tests can use it).
struct Faulty {
    url: String,
    script: Arc<Mutex<HashMap<String, Fault>>>,
    hits: Arc<Mutex<Vec<Hit>>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Faulty {
    fn start() -> Faulty {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let script: Arc<Mutex<HashMap<String, Fault>>> = Arc::default();
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let (s, h) = (script.clone(), hits.clone());
        rt.spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (s, h) = (s.clone(), h.clone());
                tokio::spawn(async move {
                    serve_one(sock, &s, &h).await;
                });
            }
        });
        Faulty {
            url,
            script,
            hits,
            rt: Some(rt),
        }
    }

    /// From now on, requests to `path` (e.g. "/approvals") get `fault`.
    fn set(&self, path: &str, fault: Fault) {
        self.script
            .lock()
            .unwrap()
            .insert(format!("/api/v1{path}"), fault);
    }

    fn hits(&self, method: &str, path: &str) -> Vec<Hit> {
        let path = format!("/api/v1{path}");
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.method == method && h.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for Faulty {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

async fn serve_one(
    mut sock: TcpStream,
    script: &Mutex<HashMap<String, Fault>>,
    hits: &Mutex<Vec<Hit>>,
) {
    let Some(hit) = read_request(&mut sock).await else {
        return;
    };
    hits.lock().unwrap().push(hit.clone());
    if hit.path == "/api/v1/events" {
        // An event stream that opens and then stays quiet.
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n: hello\n\n";
        let _ = sock.write_all(head.as_bytes()).await;
        let _ = sock.flush().await;
        tokio::time::sleep(Duration::from_secs(300)).await;
        return;
    }
    let fault = script
        .lock()
        .unwrap()
        .get(&hit.path)
        .copied()
        .unwrap_or(Fault::Good);
    let full = |status: &str, ct: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let response = match fault {
        Fault::Good => match good(&hit.path) {
            Some(body) => full("200 OK", "application/json", &body),
            None => full(
                "404 Not Found",
                "application/problem+json",
                r#"{"type":"about:blank","title":"Not found","status":404,"detail":"No such thing here.","code":"not_found"}"#,
            ),
        },
        Fault::Problem500 => full(
            "500 Internal Server Error",
            "application/problem+json",
            r#"{"type":"about:blank","title":"Internal error","status":500,"detail":"The database is on fire","code":"internal"}"#,
        ),
        Fault::Plain500 => full(
            "500 Internal Server Error",
            "text/plain",
            "Internal Server Error\nthread 'main' panicked at src/db.rs:12\n",
        ),
        Fault::Malformed => full("200 OK", "application/json", r#"{"items": ]oops"#),
        Fault::WrongTypes => full(
            "200 OK",
            "application/json",
            r#"{"id":1,"name":["x"],"email":true,"role":5,"items":"many","next_cursor":7,"pending":"lots","status":3,"version":"two"}"#,
        ),
        Fault::CloseMidBody => {
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"items\": [{\"id\""
                .to_string()
        }
        Fault::Trickle => {
            let head = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..2000 {
                tokio::time::sleep(Duration::from_millis(150)).await;
                if sock.write_all(b" ").await.is_err() || sock.flush().await.is_err() {
                    return;
                }
            }
            return;
        }
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(300)).await;
            return;
        }
    };
    let _ = sock.write_all(response.as_bytes()).await;
    let _ = sock.flush().await;
    let _ = sock.shutdown().await;
}

async fn read_request(sock: &mut TcpStream) -> Option<Hit> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut have = buf.len() - head_end - 4;
    while have < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        have += n;
    }
    let path = target.split('?').next().unwrap_or("").to_string();
    Some(Hit {
        method,
        path,
        headers,
    })
}

// ---------------------------------------------------------------------------------------------
// (a) The real client

const READ_TIMEOUT: Duration = Duration::from_millis(400);
const REQUEST_TIMEOUT: Duration = Duration::from_millis(700);

fn client(url: &str) -> HttpApi {
    HttpApi::new(HttpApiOptions {
        base_url: url.to_string(),
        token: Some(Secret::new("tok-fault-123")),
        connect_timeout: Duration::from_secs(1),
        read_timeout: READ_TIMEOUT,
        request_timeout: REQUEST_TIMEOUT,
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        },
        ..HttpApiOptions::default()
    })
    .unwrap()
}

/// What each fault must come out as, and the sentence the CSR reads.
fn expect(what: &str, fault: Fault, err: &ApiError) {
    let msg = err.user_message();
    let ok = match fault {
        Fault::Problem500 => {
            err.code() == Some("internal")
                && err.status() == Some(500)
                && msg == "The database is on fire."
        }
        Fault::Plain500 => {
            matches!(err, ApiError::Http { status: 500, message } if message.starts_with("Internal Server Error"))
                && msg == "The backend failed to handle this (error 500)."
        }
        Fault::Malformed | Fault::WrongTypes => {
            matches!(err, ApiError::Decode { .. })
                && msg == "The backend sent an answer this console cannot read."
        }
        Fault::CloseMidBody => {
            matches!(err, ApiError::Unreachable { .. } | ApiError::Decode { .. }) && !msg.is_empty()
        }
        Fault::Trickle | Fault::Hang => {
            *err == ApiError::Timeout && msg == "The backend did not answer in time."
        }
        Fault::Good => false,
    };
    assert!(ok, "{what} under {fault:?}: {err:?} / {msg:?}");
    // Nothing of the server's raw text or of the token in what the CSR reads.
    assert!(
        !msg.contains("panicked") && !msg.contains("tok-fault"),
        "{msg}"
    );
    assert!(
        !msg.chars().any(char::is_control),
        "{fault:?}: controls in {msg:?}"
    );
}

/// How many attempts a call with this fault makes: retryable faults use every attempt.
fn attempts(fault: Fault) -> usize {
    match fault {
        Fault::CloseMidBody | Fault::Trickle | Fault::Hang => 3,
        _ => 1,
    }
}

#[test]
fn the_client_turns_every_fault_into_a_typed_error_in_time() {
    let server = Faulty::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = client(&server.url);
    // The reads the loop below makes, and the decision.
    let gets = [
        "/me",
        "/summary",
        "/approvals",
        "/approvals/export",
        "/partners",
    ];
    let reject = "/approvals/ap_1/reject";
    for fault in ALL_FAULTS {
        for path in gets.iter().chain([&reject]) {
            server.set(path, fault);
        }
        let t = Instant::now();
        let errors: Vec<(&str, ApiError)> = rt.block_on(async {
            let key = DecisionKey::new(1);
            vec![
                ("me", api.me().await.unwrap_err()),
                ("summary", api.summary().await.unwrap_err()),
                (
                    "approvals",
                    api.approvals(&ApprovalQuery::default()).await.unwrap_err(),
                ),
                (
                    "export rows",
                    api.export_rows(&ApprovalQuery::default())
                        .await
                        .unwrap_err(),
                ),
                (
                    "partners",
                    api.partners(&PartnerQuery::default()).await.unwrap_err(),
                ),
                ("reject", api.reject("ap_1", &key, "no").await.unwrap_err()),
            ]
        });
        let took = t.elapsed();
        for (what, err) in &errors {
            expect(what, fault, err);
        }
        // Timeouts honoured: per attempt at most the request timeout (plus slack), six calls.
        let bound = REQUEST_TIMEOUT * attempts(fault) as u32 * 6 + Duration::from_secs(2);
        assert!(took < bound, "{fault:?} took {took:?} (bound {bound:?})");
        for path in gets {
            let n = server.hits("GET", path).len();
            assert_eq!(n, attempts(fault), "{fault:?}: attempts on GET {path}");
        }
        let posts = server.hits("POST", reject);
        assert_eq!(posts.len(), attempts(fault), "{fault:?}: decision attempts");
        let keys: Vec<Option<&str>> = posts.iter().map(|h| h.header("idempotency-key")).collect();
        assert!(
            keys.iter().all(|k| k.is_some() && *k == keys[0]),
            "one key for every attempt: {keys:?}"
        );
        server.hits.lock().unwrap().clear();
    }

    // And the server recovered: the same client works again.
    for path in ["/me", "/summary", "/approvals"] {
        server.set(path, Fault::Good);
    }
    rt.block_on(async {
        assert_eq!(api.me().await.unwrap().name, "Ann Faulty");
        assert_eq!(api.summary().await.unwrap().pending.partnership, 1);
        assert_eq!(
            api.approvals(&ApprovalQuery::default())
                .await
                .unwrap()
                .items[0]
                .id,
            "ap_1"
        );
    });
}

#[test]
fn a_slow_trickle_is_cut_by_the_total_timeout_not_only_the_read_timeout() {
    // Each byte arrives well within the read timeout; only the whole-request limit can end it.
    let server = Faulty::start();
    server.set("/summary", Fault::Trickle);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = HttpApi::new(HttpApiOptions {
        base_url: server.url.clone(),
        read_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_millis(600),
        retry: RetryPolicy::none(),
        ..HttpApiOptions::default()
    })
    .unwrap();
    let t = Instant::now();
    let err = rt.block_on(api.summary()).unwrap_err();
    assert_eq!(err, ApiError::Timeout);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}

// ---------------------------------------------------------------------------------------------
// (b) The console in a pty

const WAIT: Duration = Duration::from_secs(20);

/// The console against `server`, with the request timeout of its profile set to `timeout_secs`
/// (`None`: the default 30 s).
fn console(server: &Faulty, timeout_secs: Option<u64>) -> Pty {
    let home = TestHome::new();
    let timeout = timeout_secs
        .map(|s| format!("timeout_secs = {s}\n"))
        .unwrap_or_default();
    home.write_config(&format!(
        "[profiles.default]\nurl = \"{}\"\n{timeout}",
        server.url
    ));
    Pty::spawn_in(
        home,
        &[],
        &[("PARTNER_CONSOLE_TOKEN", "tok-fault-123")],
        120,
        32,
    )
}

/// The terminal was handed back: alternate screen left, cursor shown.
fn assert_restored(term: &Pty) {
    let bytes = term.bytes();
    let left = pty::rfind(&bytes, b"\x1b[?1049l").expect("left the alternate screen");
    let entered = pty::rfind(&bytes, b"\x1b[?1049h").expect("entered the alternate screen");
    assert!(left > entered);
    assert!(!term.alternate_screen() && term.cursor_visible());
}

fn quit_promptly(term: &mut Pty) {
    let t = Instant::now();
    term.send("q");
    let status = term.exit_status(Duration::from_secs(5)).unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "quitting took {:?}",
        t.elapsed()
    );
    assert!(status.success(), "{status:?}");
    assert_restored(term);
    let log = term.home().log_text();
    assert!(!log.contains("panicked"), "{log}");
}

/// The words on screen for a failed list load under `fault`.
fn screen_words(fault: Fault) -> &'static str {
    match fault {
        Fault::Problem500 => "The database is on fire",
        Fault::Plain500 => "(error 500)",
        Fault::Malformed | Fault::WrongTypes => "cannot read",
        Fault::CloseMidBody => "Could not load",
        Fault::Trickle | Fault::Hang => "did not answer in time",
        Fault::Good => unreachable!(),
    }
}

fn faults_on_startup(faults: &[Fault]) {
    for &fault in faults {
        let server = Faulty::start();
        for path in ["/me", "/summary", "/approvals"] {
            server.set(path, fault);
        }
        // 1 s per attempt: a hang or trickle shows its message after about three attempts.
        let mut term = console(&server, Some(1));
        term.wait_for("Could not load", WAIT)
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        term.wait_for(screen_words(fault), WAIT)
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert!(!term.has_exited(), "{fault:?}: the console ended");
        let screen = term.screen_text();
        assert!(!screen.contains("panicked"), "{fault:?}:\n{screen}");
        assert!(
            screen.contains("Partnership"),
            "{fault:?}: tabs still drawn:\n{screen}"
        );

        // The app keeps working: another tab loads from a healthy endpoint.
        term.send("4");
        term.wait_for("INV-FAULT-1", WAIT)
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        // And once the server is well again, a retry of the failed list works.
        for path in ["/me", "/summary", "/approvals"] {
            server.set(path, Fault::Good);
        }
        term.send("1");
        term.wait_for("Could not load this list", WAIT).unwrap();
        term.wait_for("Press R to try again", WAIT).unwrap();
        term.send("R");
        term.wait_for("Gold (€49.00)", WAIT)
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        quit_promptly(&mut term);
    }
}

#[test]
fn startup_faults_problem_and_plain_500() {
    faults_on_startup(&[Fault::Problem500, Fault::Plain500]);
}

#[test]
fn startup_faults_malformed_and_wrong_types() {
    faults_on_startup(&[Fault::Malformed, Fault::WrongTypes]);
}

#[test]
fn startup_faults_closed_connection_trickle_and_hang() {
    faults_on_startup(&[Fault::CloseMidBody, Fault::Trickle, Fault::Hang]);
}

#[test]
fn keys_work_while_the_list_hangs_and_q_quits_at_once() {
    let server = Faulty::start();
    server.set("/approvals", Fault::Hang);
    // The default timeouts: the request stays hung for the whole test.
    let mut term = console(&server, None);
    term.wait_for("Ann Faulty", WAIT).unwrap();
    term.wait_for("Loading", WAIT).unwrap();
    let t = Instant::now();

    term.send("?");
    term.wait_for("Help ·", WAIT).unwrap();
    term.send(keys::ESC);
    term.wait_gone("Help ·", WAIT).unwrap();
    term.send("4");
    term.wait_for("INV-FAULT-1", WAIT).unwrap();
    term.send("1");
    term.wait_for("Loading", WAIT).unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "keys were handled while the request hung ({:?})",
        t.elapsed()
    );
    assert!(
        !server.hits("GET", "/approvals").is_empty(),
        "the list request is out"
    );
    quit_promptly(&mut term);
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

fn reason_survives(fault: Fault, timeout_secs: Option<u64>) {
    let server = Faulty::start();
    server.set("/approvals/ap_1/reject", fault);
    let mut term = console(&server, timeout_secs);
    term.wait_for("Gold (€49.00)", WAIT).unwrap();
    term.send("r");
    term.wait_for("The reason is emailed", WAIT).unwrap();
    let text = "Nothing typed is lost here";
    term.send(text);
    term.wait_for(text, WAIT).unwrap();
    term.send(keys::ENTER);
    if fault == Fault::Hang {
        // While it hangs, the app still answers keys (Ctrl-C asks before dropping a decision).
        std::thread::sleep(Duration::from_millis(300));
        assert!(term.screen_text().contains(text));
    }
    // The dialog wraps its message: compare without spaces and borders.
    term.wait_until_text("Your text is kept", Duration::from_secs(30), |t| {
        squash(t).contains("Yourtextiskept;Entertriesagain")
    })
    .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
    let screen = term.screen_text();
    assert!(screen.contains(text), "{fault:?}:\n{screen}");
    assert!(!term.has_exited());

    // The server recovers; Enter sends the same decision again, with the same key.
    server.set("/approvals/ap_1/reject", Fault::Good);
    term.send(keys::ENTER);
    term.wait_for("Rejected Acme Faulty", WAIT)
        .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
    let posts = server.hits("POST", "/approvals/ap_1/reject");
    assert!(posts.len() >= 2, "{posts:?}");
    let first = posts[0].header("idempotency-key").expect("a key");
    assert!(
        posts
            .iter()
            .all(|p| p.header("idempotency-key") == Some(first)),
        "every attempt of the one decision carries the same key: {posts:?}"
    );
    assert!(posts.iter().all(|p| p.header("if-match") == Some("\"1\"")));
    quit_promptly(&mut term);
}

#[test]
fn a_reason_survives_a_500_and_a_garbled_answer() {
    reason_survives(Fault::Problem500, Some(1));
    reason_survives(Fault::Malformed, Some(1));
}

#[test]
fn a_reason_survives_a_hung_decision() {
    reason_survives(Fault::Hang, Some(1));
}
