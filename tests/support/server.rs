//! The reference server in-process, on 127.0.0.1:0 with its database in a temporary directory,
//! and clients for it without retries (so a test sees each response).
//!
//! For `partner-console serve` as a process of its own, see [`super::server_process`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use partner_console::client::{HttpApi, HttpApiOptions, RetryPolicy};
use partner_console::secret::Secret;
use partner_console::server::{self, Clock, ConnLimits, RunningServer, SeedSource, ServerOptions};

use super::TempDir;

/// The server running in this process on a database of its own, until [`TestServer::stop`] or
/// the end of the test's runtime.
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

    /// Shuts the server down gracefully, as SIGTERM does ([`TestServer::restart`] starts it
    /// again).
    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }

    /// Stops the server and starts another on the same database (and a new port).
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

/// The reference server on 127.0.0.1:0 with its database at `db`: the one way tests and
/// benchmarks start it in-process.
pub async fn launch(
    db: &Path,
    seed: SeedSource,
    ttl: Duration,
) -> color_eyre::Result<RunningServer> {
    launch_with(db, seed, ttl, ConnLimits::default()).await
}

/// [`launch`] with connection limits of the test's choosing (small timeouts, a small cap).
pub async fn launch_with(
    db: &Path,
    seed: SeedSource,
    ttl: Duration,
    limits: ConnLimits,
) -> color_eyre::Result<RunningServer> {
    start(db, seed, ttl, limits, Clock::system()).await
}

/// [`launch`] with the server's clock in the test's hands (`Clock::set` moves it).
pub async fn launch_at(
    db: &Path,
    seed: SeedSource,
    clock: Clock,
) -> color_eyre::Result<RunningServer> {
    start(
        db,
        seed,
        Duration::from_secs(1800),
        ConnLimits::default(),
        clock,
    )
    .await
}

async fn start(
    db: &Path,
    seed: SeedSource,
    ttl: Duration,
    limits: ConnLimits,
    clock: Clock,
) -> color_eyre::Result<RunningServer> {
    launch_options(ServerOptions {
        impersonation_ttl: ttl,
        limits,
        clock,
        ..ServerOptions::new(db.to_path_buf(), seed)
    })
    .await
}

/// The reference server on 127.0.0.1:0 with options of the test's choosing (start from
/// `ServerOptions::new(db, seed)`): a small `max_pending`, a set clock, a simulation.
/// On PostgreSQL (`PC_TEST_DB=postgres`) the SQLite file becomes a schema of its own
/// ([`super::postgres`]).
pub async fn launch_options(mut opts: ServerOptions) -> color_eyre::Result<RunningServer> {
    if let server::Location::Sqlite(path) = &opts.db {
        opts.db = server::Location::parse(&super::postgres::db_arg(path));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    server::start(opts, listener).await
}

/// A client of the server at `url` with `token`, without retries.
pub fn client_for(url: &str, token: &str) -> HttpApi {
    HttpApi::new(HttpApiOptions {
        base_url: url.to_string(),
        token: Some(Secret::new(token)),
        retry: RetryPolicy::none(),
        ..HttpApiOptions::default()
    })
    .expect("client builds")
}
