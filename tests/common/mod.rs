//! Shared by the integration tests: a reference server on 127.0.0.1:0 in a temporary directory,
//! and clients for it.
#![allow(dead_code)]

pub mod fixtures;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use partner_console::client::{HttpApi, HttpApiOptions, RetryPolicy};
use partner_console::secret::Secret;
use partner_console::server::{self, RunningServer, SeedSource, ServerOptions};

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "pc-test-{label}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct TestServer {
    pub dir: TempDir,
    pub db: PathBuf,
    server: Option<RunningServer>,
    pub url: String,
}

impl TestServer {
    pub async fn demo() -> TestServer {
        Self::start(
            SeedSource::Demo { decided: None },
            Duration::from_secs(1800),
        )
        .await
    }

    pub async fn start(seed: SeedSource, ttl: Duration) -> TestServer {
        let dir = TempDir::new("srv");
        let db = dir.path().join("pc.db");
        let server = launch(&db, seed, ttl).await.expect("server starts");
        TestServer {
            url: server.url(),
            dir,
            db,
            server: Some(server),
        }
    }

    /// A client with `token`, without retries unless asked, so tests see each response.
    pub fn client(&self, token: &str) -> HttpApi {
        client_for(&self.url, token)
    }

    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    /// Stop the server and start another on the same database (and a new port).
    /// Shuts the server down gracefully, as SIGTERM does (`restart` starts it again).
    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }

    pub async fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        let server = launch(
            &self.db,
            SeedSource::Demo { decided: None },
            Duration::from_secs(1800),
        )
        .await
        .expect("server restarts");
        self.url = server.url();
        self.server = Some(server);
    }
}

pub async fn launch(
    db: &Path,
    seed: SeedSource,
    ttl: Duration,
) -> color_eyre::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    server::start(
        ServerOptions {
            db: db.to_path_buf(),
            seed,
            impersonation_ttl: ttl,
        },
        listener,
    )
    .await
}

pub fn client_for(url: &str, token: &str) -> HttpApi {
    HttpApi::new(HttpApiOptions {
        base_url: url.to_string(),
        token: Some(Secret::new(token)),
        retry: RetryPolicy::none(),
        ..HttpApiOptions::default()
    })
    .expect("client builds")
}
