//! A scripted HTTP/1.1 server for the client's tests: each connection gets the next reply of
//! the script, exactly as written (so it can lie, stall, trickle or hang up). Also the client
//! the tests point at it (fast retries) and an approval as the contract writes it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{HttpApi, HttpApiOptions, RetryPolicy};
use crate::secret::Secret;

pub const APPROVAL: &str = r#"{"id":"ap_1","kind":"addon","status":"pending","version":3,"title":"Gold add-on",
    "partner":{"id":"p_1","name":"Acme","status":"active","email":"a@example.com","phone":"1","website":"https://acme.example"},
    "item":{"name":"Gold","price":{"amount_minor":4900,"currency":"EUR"}},"description":"please",
    "requested_at":"2025-01-02T03:04:05Z","decided_at":null,"decided_by":null,"reason":null,"details":{}}"#;

/// A client for `base_url` that retries up to 3 attempts with millisecond waits.
pub fn api(base_url: &str, token: Option<&str>) -> HttpApi {
    HttpApi::new(HttpApiOptions {
        base_url: base_url.into(),
        token: token.map(Secret::new),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
        },
        ..HttpApiOptions::default()
    })
    .unwrap()
}

pub enum Reply {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Write each piece after its pause, then close.
    Paced(Vec<(Duration, Vec<u8>)>),
    /// Read the request and never answer.
    Hang,
}

/// A complete response with `Connection: close`.
pub fn reply(status: u16, content_type: &str, extra: &[(&str, &str)], body: &str) -> Reply {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    Reply::Raw(head.into_bytes())
}

pub fn json(status: u16, body: &str) -> Reply {
    reply(status, "application/json", &[], body)
}

pub fn problem(status: u16, code: &str, extra: &str) -> Reply {
    let body = format!(
        r#"{{"type":"about:blank","title":"T {code}","status":{status},"detail":"D {code}","code":"{code}"{extra}}}"#
    );
    reply(status, "application/problem+json", &[], &body)
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Server {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

pub async fn serve(script: Vec<Reply>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let recorded = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let recorded = recorded.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let Some(req) = read_request(&mut sock).await else {
                    return;
                };
                recorded.lock().unwrap().push(req);
                let next = script.lock().unwrap().pop_front();
                match next.unwrap_or_else(|| json(500, "{}")) {
                    Reply::Raw(bytes) => {
                        let _ = sock.write_all(&bytes).await;
                    }
                    Reply::Paced(pieces) => {
                        for (pause, bytes) in pieces {
                            tokio::time::sleep(pause).await;
                            if sock.write_all(&bytes).await.is_err() {
                                return;
                            }
                            let _ = sock.flush().await;
                        }
                    }
                    Reply::Hang => tokio::time::sleep(Duration::from_secs(120)).await,
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    Server { base_url, requests }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Recorded> {
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
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}
