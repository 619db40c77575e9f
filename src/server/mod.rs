//! The reference backend: axum + SQLite, every endpoint of API.md for real.
//!
//! Handlers are thin (`routes/`, one module per resource): they authenticate (`auth.rs`),
//! validate, and call the store (`store/`), which does the SQL in transactions on a blocking
//! thread. Live events fan out from `events.rs`. Everything the server answers with on error is
//! problem+json (`problem.rs`).

mod auth;
mod call_audit;
mod clock;
mod conn;
mod cursor;
mod events;
mod headers;
mod presence;
mod problem;
mod replicas;
mod routes;
pub mod seed;
mod simulate;
mod store;
mod submit;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Context, Result};
use tokio::net::TcpListener;

pub use clock::Clock;
pub use conn::ConnLimits;
pub use presence::PRESENCE_TTL;
pub use replicas::Announcer;
pub use simulate::{MAX_PER_MINUTE, Simulation, max_pending_from_arg};
pub use store::{Location, Store};

/// Every route the server serves, relative to `/api/v1`. The router is built from the same
/// handlers; `tests/openapi_routes.rs` checks this list against `assets/openapi.yaml`, and
/// `tests/api.rs` checks that each one is really served.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/me"),
    ("GET", "/summary"),
    ("GET", "/events"),
    ("GET", "/approvals"),
    ("GET", "/approvals/stats"),
    ("GET", "/approvals/export"),
    ("GET", "/approvals/{id}"),
    ("POST", "/approvals/{id}/approve"),
    ("POST", "/approvals/{id}/reject"),
    ("GET", "/distributors"),
    ("POST", "/distributors"),
    ("GET", "/distributors/{id}"),
    ("PATCH", "/distributors/{id}"),
    ("DELETE", "/distributors/{id}"),
    ("POST", "/distributors/{id}/suspend"),
    ("POST", "/distributors/{id}/enable"),
    ("GET", "/distributors/{id}/admins"),
    ("POST", "/distributors/{id}/admins"),
    ("DELETE", "/distributors/{id}/admins/{user_id}"),
    ("GET", "/partners"),
    ("POST", "/partners"),
    ("GET", "/partners/{id}"),
    ("PATCH", "/partners/{id}"),
    ("DELETE", "/partners/{id}"),
    ("POST", "/partners/{id}/suspend"),
    ("POST", "/partners/{id}/enable"),
    ("GET", "/partners/{id}/admins"),
    ("POST", "/partners/{id}/admins"),
    ("DELETE", "/partners/{id}/admins/{user_id}"),
    ("GET", "/partners/{id}/members"),
    ("PUT", "/partners/{id}/voucher_batches/{batch_id}"),
    ("DELETE", "/partners/{id}/voucher_batches/{batch_id}"),
    ("GET", "/voucher_batches"),
    ("GET", "/tenants"),
    ("POST", "/tenants"),
    ("GET", "/tenants/{id}"),
    ("PATCH", "/tenants/{id}"),
    ("DELETE", "/tenants/{id}"),
    ("POST", "/tenants/{id}/suspend"),
    ("POST", "/tenants/{id}/enable"),
    ("GET", "/tenants/{id}/admins"),
    ("POST", "/tenants/{id}/admins"),
    ("DELETE", "/tenants/{id}/admins/{user_id}"),
    ("POST", "/partners/{id}/impersonations"),
    ("DELETE", "/impersonations/{id}"),
    ("GET", "/partner/me"),
    ("GET", "/partner/channels"),
    ("GET", "/partner/engagements"),
    ("GET", "/partner/requests"),
    ("POST", "/partner/requests"),
    ("POST", "/presence"),
    ("GET", "/settings"),
    ("PATCH", "/settings"),
    ("GET", "/tiers"),
    ("POST", "/tiers"),
    ("PATCH", "/tiers/{id}"),
    ("DELETE", "/tiers/{id}"),
    ("GET", "/products"),
    ("POST", "/products"),
    ("PATCH", "/products/{id}"),
    ("DELETE", "/products/{id}"),
    ("GET", "/campaigns"),
    ("POST", "/campaigns"),
    ("PATCH", "/campaigns/{id}"),
    ("DELETE", "/campaigns/{id}"),
    ("GET", "/partners/{id}/tier_assignments"),
    ("POST", "/partners/{id}/tier_assignments"),
    ("PATCH", "/tier_assignments/{id}"),
    ("DELETE", "/tier_assignments/{id}"),
    ("GET", "/partners/{id}/campaign_links"),
    ("POST", "/partners/{id}/campaign_links"),
    ("PATCH", "/campaign_links/{id}"),
    ("DELETE", "/campaign_links/{id}"),
    ("GET", "/partners/{id}/products"),
    ("GET", "/expiring"),
    ("GET", "/partners/{id}/lead_settings"),
    ("PATCH", "/partners/{id}/lead_settings"),
    ("POST", "/partners/{id}/lead_settings/preview"),
    ("POST", "/partners/{id}/portal_invite"),
    ("GET", "/audit"),
    ("GET", "/outbox"),
    ("GET", "/users"),
];

/// The most an impersonation may last (API.md).
pub const MAX_IMPERSONATION: Duration = Duration::from_secs(30 * 60);
/// The most pending requests a partner may have of one kind, unless `--max-pending` says
/// otherwise (RECORDS.md §5).
pub const DEFAULT_MAX_PENDING: u32 = 20;

/// What data an empty database starts with.
#[derive(Debug, Clone, PartialEq)]
pub enum SeedSource {
    None,
    /// The deterministic demo set; `decided` overrides how many decided approvals it holds.
    Demo {
        decided: Option<u64>,
    },
    /// The demo grown to a tree of 100 distributors, 100,000 partners and 1,000,000 tenants
    /// (one distributor of 10,000 partners), to measure the hierarchy at scale.
    Large {
        decided: Option<u64>,
    },
    File(PathBuf),
}

impl SeedSource {
    pub fn parse(seed: &str, seed_size: Option<u64>) -> SeedSource {
        match seed {
            "none" => SeedSource::None,
            "demo" => SeedSource::Demo { decided: seed_size },
            "large" => SeedSource::Large { decided: seed_size },
            path => SeedSource::File(PathBuf::from(path)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub db: store::Location,
    pub seed: SeedSource,
    pub impersonation_ttl: Duration,
    pub limits: ConnLimits,
    /// The time tiers and campaigns are read at, and presence expires by (`clock`): the
    /// system's, or one a test sets.
    pub clock: Clock,
    /// The most pending requests a partner may have of one kind (`--max-pending`).
    pub max_pending: u32,
    /// Partners played by the server (`--simulate`); none by default.
    pub simulate: Option<Simulation>,
}

impl ServerOptions {
    /// The options `serve` has by default, on the database `db` seeded with `seed`: tests and
    /// the demo change what they need with `..ServerOptions::new(db, seed)`.
    pub fn new(db: impl Into<store::Location>, seed: SeedSource) -> ServerOptions {
        ServerOptions {
            db: db.into(),
            seed,
            impersonation_ttl: MAX_IMPERSONATION,
            limits: ConnLimits::default(),
            clock: Clock::system(),
            max_pending: DEFAULT_MAX_PENDING,
            simulate: None,
        }
    }
}

/// Shared by every handler.
pub(crate) struct AppState {
    pub store: Store,
    pub events: events::Hub,
    pub impersonation_ttl: Duration,
    /// Users by token hash, so most requests authenticate without a read (`auth`).
    pub user_tokens: auth::UserTokens,
    /// Seals and opens list cursors (`cursor`).
    pub cursors: cursor::CursorKey,
    /// What the tier and campaign routes and presence take as now (`clock`).
    pub clock: Clock,
    /// Who has which approval open (`POST /presence`).
    pub presence: Arc<presence::PresenceBoard>,
    /// `--max-pending`.
    pub max_pending: u32,
}

/// A server running on a tokio task: dropping the handle does not stop it; `shutdown` does.
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    /// Housekeeping, presence expiry, the simulation: stopped with the server.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting, finish what is in flight, and wait.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
        for task in &self.background {
            task.abort();
        }
    }
}

/// Open (and migrate, and seed) the database, then serve on `listener`.
pub async fn start(opts: ServerOptions, listener: TcpListener) -> Result<RunningServer> {
    let ttl = opts.impersonation_ttl.min(MAX_IMPERSONATION);
    let db = opts.db.clone();
    let seed = opts.seed.clone();
    // The demo's tier assignments and campaign links are dated around the server's now, so
    // that a fixed clock sees them scheduled, active and expiring as the system's would.
    let seeded_at = opts.clock.now();
    let store = tokio::task::spawn_blocking(move || -> Result<Store> {
        let (store, seeded) =
            match Store::open_at(&db, |conn| seed::apply_at(conn, &seed, seeded_at)) {
                // The user's to fix (the URL, the server, the version): one sentence.
                Err(store::StoreError::Setup(why)) => {
                    return Err(color_eyre::eyre::eyre!(crate::cli::UserError::new(why)));
                }
                other => other.wrap_err_with(|| format!("opening the database {db}"))?,
            };
        seeded?;
        Ok(store)
    })
    .await??;
    let cursor_key = store.write(|c| store::cursor_key(c)).await?;
    let presence = Arc::new(presence::PresenceBoard::default());
    let state = Arc::new(AppState {
        events: events::Hub::new(store.clone(), Arc::clone(&presence)),
        store,
        impersonation_ttl: ttl,
        user_tokens: auth::UserTokens::default(),
        cursors: cursor::CursorKey::new(cursor_key),
        clock: opts.clock.clone(),
        presence,
        max_pending: opts.max_pending.max(1),
    });
    let mut background = vec![
        spawn_housekeeping(state.store.clone()),
        spawn_presence_expiry(Arc::clone(&state.presence), opts.clock),
    ];
    if let Some(sim) = opts.simulate {
        background.push(simulate::spawn(Arc::clone(&state), sim));
    }
    let events = state.events.clone();
    let router = routes::router(state);
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(conn::serve(listener, router, opts.limits, async move {
        let _ = rx.await;
        // Event streams never finish by themselves: end them, or the graceful shutdown would
        // wait for every connected console to quit.
        events.close();
    }));
    Ok(RunningServer {
        addr,
        shutdown: Some(tx),
        task,
        background,
    })
}

/// Forgets the consoles not heard from for a minute (`presence`), looking every second: a
/// viewer leaves at most a second late, and a test that moves the clock sees it within one.
fn spawn_presence_expiry(
    board: Arc<presence::PresenceBoard>,
    clock: Clock,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            board.expire(clock.now());
        }
    })
}

/// Forget idempotency keys after 48 h (API.md promises at least 24), once an hour.
fn spawn_housekeeping(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let cutoff = chrono::Utc::now() - chrono::Duration::hours(48);
            match store
                .write(move |c| store::purge_idempotency(c, cutoff))
                .await
            {
                Ok(n) if n > 0 => tracing::info!("forgot {n} idempotency keys older than 48 h"),
                Ok(_) => {}
                Err(e) => tracing::warn!("idempotency housekeeping failed: {e}"),
            }
        }
    })
}

/// `partner-console serve`: bind, print the address as the first line of stdout, serve until
/// Ctrl-C / SIGTERM.
pub async fn serve(opts: ServerOptions, listen: SocketAddr) -> Result<()> {
    // Address in use, a port that needs privileges: the user picks another --listen.
    let listener = TcpListener::bind(listen).await.map_err(|e| {
        crate::cli::UserError::new(format!(
            "could not listen on {listen}: {e}; pick another address with --listen"
        ))
    })?;
    let server = start(opts, listener).await?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", server.url())?;
        out.flush()?;
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// `partner-console serve ARGS`: logs to stderr, the database in the data dir unless `--db`.
pub async fn run_cli(args: &crate::cli::ServeArgs) -> Result<()> {
    crate::logging::to_stderr();
    let db = match &args.db {
        Some(p) => store::Location::parse(&p.to_string_lossy()),
        None => store::Location::Sqlite(crate::config::Paths::discover(None)?.database_file()),
    };
    // The user's mistakes in the simulation's flags, before anything is opened or bound.
    let simulate = Simulation::from_args(args.simulate.as_deref(), args.simulate_seed.as_deref())?;
    let max_pending = max_pending_from_arg(&args.max_pending)?;
    let opts = ServerOptions {
        impersonation_ttl: Duration::from_secs(args.impersonation_ttl),
        limits: conn_limits(args),
        clock: args.clock.map(Clock::fixed).unwrap_or_default(),
        max_pending,
        simulate,
        ..ServerOptions::new(db, SeedSource::parse(&args.seed, args.seed_size))
    };
    serve(opts, args.listen).await
}

/// The defaults of [`ConnLimits`], with what the hidden `serve` flags change.
fn conn_limits(args: &crate::cli::ServeArgs) -> ConnLimits {
    let mut limits = ConnLimits::default();
    if let Some(ms) = args.header_timeout_ms {
        limits.header_timeout = Duration::from_millis(ms);
    }
    if let Some(ms) = args.idle_timeout_ms {
        limits.idle_timeout = Duration::from_millis(ms);
    }
    if let Some(n) = args.max_connections {
        limits.max_connections = n.clamp(1, conn::MAX_CONNECTIONS);
    }
    limits
}
