//! How the client reaches a backend in a company's network (issue 16, points 13 and 14), with
//! the built binary's `partner-console info` (which asks `/healthz`, then `/me`):
//!
//! - TLS trusts the system's store, `SSL_CERT_FILE`, and a profile's `ca_file` (a CA this test
//!   makes with rcgen, for a backend that serves a certificate it signed);
//! - `HTTPS_PROXY` is used (a CONNECT proxy of a few lines here) and `NO_PROXY` respected;
//! - a backend on this machine is never reached through a proxy, since plain HTTP to it would
//!   carry the token across the network.
//!
//! The backend is a few canned answers over rustls or plain TCP, on threads: what is tested is
//! the way there, not the API.
#![cfg(unix)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Output;
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use support::TestHome;

/// The backend's host name in the certificate; `localhost` is also in it.
const HOST: &str = "partners.test";

// ---------------------------------------------------------------------------------------------
// A CA, and a backend with a certificate it signed.

struct Pki {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "partner-console test CA");
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec![HOST.to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    Pki {
        ca_pem,
        server: Arc::new(server),
    }
}

/// Reads an HTTP request's head (up to the blank line); returns its first line.
fn read_head(reader: &mut impl BufRead) -> Option<String> {
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" || line == "\n" {
            return Some(first.trim_end().to_string());
        }
    }
}

/// One canned answer per connection: `/healthz` and `/me`, then the connection is closed.
fn answer(stream: impl Read + Write) {
    let mut reader = BufReader::new(stream);
    let Some(request) = read_head(&mut reader) else {
        return;
    };
    let body = if request.contains(" /api/v1/healthz ") {
        r#"{"status":"ok"}"#
    } else if request.contains(" /api/v1/me ") {
        r#"{"id":"u1","name":"Tess Tls","email":"tess@example.com","role":"csr"}"#
    } else {
        "{}"
    };
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

/// Serves each connection on a thread of its own, through `serve`; returns the address.
fn listen(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = Arc::new(serve);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let serve = Arc::clone(&serve);
            std::thread::spawn(move || serve(stream));
        }
    });
    addr
}

/// The backend over TLS with the certificate the CA signed.
fn tls_backend(config: Arc<rustls::ServerConfig>) -> SocketAddr {
    listen(move |tcp| {
        let Ok(tls) = rustls::ServerConnection::new(Arc::clone(&config)) else {
            return;
        };
        let mut stream = rustls::StreamOwned::new(tls, tcp);
        answer(&mut stream);
        stream.conn.send_close_notify();
        let _ = stream.flush();
    })
}

/// The backend over plain HTTP.
fn plain_backend() -> SocketAddr {
    listen(answer)
}

// ---------------------------------------------------------------------------------------------
// A CONNECT proxy that sends every tunnel to one address, whatever host it names, and records
// the first line of each request it gets.

struct Proxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start(upstream: SocketAddr) -> Proxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let addr = listen(move |client| {
            let mut reader = BufReader::new(client);
            let Some(request) = read_head(&mut reader) else {
                return;
            };
            log.lock().unwrap().push(request.clone());
            let mut client = reader.into_inner();
            if !request.starts_with("CONNECT ") {
                let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
                return;
            }
            let Ok(server) = TcpStream::connect(upstream) else {
                return;
            };
            let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            pipe(client, server);
        });
        Proxy { addr, seen }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Copies bytes both ways until either side closes.
fn pipe(a: TcpStream, b: TcpStream) {
    let (mut a_read, mut b_write) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    let upstream = std::thread::spawn(move || {
        let _ = std::io::copy(&mut a_read, &mut b_write);
        let _ = b_write.shutdown(Shutdown::Write);
    });
    let (mut b_read, mut a_write) = (b, a);
    let _ = std::io::copy(&mut b_read, &mut a_write);
    let _ = a_write.shutdown(Shutdown::Write);
    let _ = upstream.join();
}

// ---------------------------------------------------------------------------------------------
// The console.

/// A home whose config has one profile on `url`, and the CA's PEM file in it, which the
/// profile names as its `ca_file` when `with_ca_file`.
fn home(pki: &Pki, url: &str, with_ca_file: bool) -> (TestHome, PathBuf) {
    let home = TestHome::new();
    let ca = home.path().join("company-ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let ca_line = if with_ca_file {
        format!("ca_file = \"{}\"\n", ca.display())
    } else {
        String::new()
    };
    home.write_config(&format!(
        "[profiles.default]\nurl = \"{url}\"\nconnect_timeout_secs = 2\n{ca_line}"
    ));
    (home, ca)
}

/// `partner-console info` with a token and the variables given.
fn info(home: &TestHome, env: &[(&str, &str)]) -> String {
    let mut cmd = home.command(&["info"]);
    cmd.env("PARTNER_CONSOLE_TOKEN", "tok-tls-test");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let out: Output = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

fn reached(text: &str) -> bool {
    text.contains("backend: reachable") && text.contains("user: Tess Tls (csr)")
}

#[test]
fn a_private_ca_is_trusted_from_ca_file_or_ssl_cert_file_and_not_otherwise() {
    let pki = pki();
    let url = format!(
        "https://localhost:{}",
        tls_backend(Arc::clone(&pki.server)).port()
    );

    // Neither: the system does not know the test's CA.
    let (plain, ca) = home(&pki, &url, false);
    let text = info(&plain, &[]);
    assert!(text.contains("backend: unreachable"), "{text}");

    // The profile's ca_file.
    let (with_ca, _) = home(&pki, &url, true);
    let text = info(&with_ca, &[]);
    assert!(reached(&text), "{text}");
    assert!(text.contains("ca file: "), "{text}");

    // SSL_CERT_FILE, as OpenSSL and curl read it.
    let text = info(&plain, &[("SSL_CERT_FILE", ca.to_str().unwrap())]);
    assert!(reached(&text), "{text}");
}

#[test]
fn https_goes_through_https_proxy_unless_no_proxy_names_the_host() {
    let pki = pki();
    let backend = tls_backend(Arc::clone(&pki.server));
    let proxy = Proxy::start(backend);
    // partners.test does not resolve: only the proxy can get there.
    let (home, _) = home(&pki, &format!("https://{HOST}"), true);

    let text = info(&home, &[("HTTPS_PROXY", &proxy.url())]);
    assert!(reached(&text), "{text}");
    let seen = proxy.seen();
    assert!(!seen.is_empty(), "the proxy saw nothing");
    assert!(
        seen.iter()
            .all(|r| r.starts_with(&format!("CONNECT {HOST}:443 "))),
        "{seen:?}"
    );

    // NO_PROXY names the host: straight there, which does not resolve.
    let before = proxy.seen().len();
    let text = info(
        &home,
        &[
            ("HTTPS_PROXY", &proxy.url()),
            ("NO_PROXY", "example.com,.test"),
        ],
    );
    assert!(text.contains("backend: unreachable"), "{text}");
    assert_eq!(proxy.seen().len(), before);
}

#[test]
fn a_backend_on_this_machine_is_never_reached_through_a_proxy() {
    let pki = pki();
    // A proxy that would answer every plain request 502 and tunnel anything to nowhere useful.
    let proxy = Proxy::start(plain_backend());
    let all = [
        ("HTTP_PROXY", proxy.url()),
        ("HTTPS_PROXY", proxy.url()),
        ("ALL_PROXY", proxy.url()),
    ];
    let env: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let url = format!("http://127.0.0.1:{}", plain_backend().port());
    let (plain_home, _) = home(&pki, &url, false);
    let text = info(&plain_home, &env);
    assert!(reached(&text), "{text}");

    let url = format!(
        "https://localhost:{}",
        tls_backend(Arc::clone(&pki.server)).port()
    );
    let (tls_home, _) = home(&pki, &url, true);
    let text = info(&tls_home, &env);
    assert!(reached(&text), "{text}");

    assert_eq!(proxy.seen(), Vec::<String>::new());
}
