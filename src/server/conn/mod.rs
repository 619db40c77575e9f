//! The server's accept loop: HTTP/1.1 over hyper, with the limits `axum::serve` does not have.
//!
//! - a header timeout and an idle timeout on every connection (`clock`);
//! - a cap on the connections being served. Past it a connection is still accepted and read,
//!   and answered 503 `server_busy` (problem+json) and closed, up to a smaller second cap;
//!   past that one it is closed at once. Either way the server stops taking file descriptors
//!   long before the process runs out of them, and `/healthz` answers again as soon as
//!   connections close;
//! - problem+json bodies on the errors hyper answers by itself (`http_errors`).
//!
//! Shutting down stops accepting, lets each connection finish the request it is answering
//! (hyper's graceful shutdown), and waits for all of them.

mod clock;
mod http_errors;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use super::problem::ApiProblem;
use crate::domain::codes;
use clock::{ClockedService, ConnClock, TimedIo};
use http_errors::ProblemBodies;

/// How long connections may wait, and how many may be open.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnLimits {
    /// From a request's first byte (or the connection's start) to the end of its head.
    pub header_timeout: Duration,
    /// From the end of a response to the first byte of the next request.
    pub idle_timeout: Duration,
    /// Connections served at once. As many again as a quarter of this are answered 503.
    pub max_connections: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(),
        }
    }
}

impl ConnLimits {
    /// Connections answered 503 at once, past `max_connections`.
    fn max_refused(&self) -> usize {
        self.max_connections / 4 + 1
    }
}

/// The most `max_connections` may be (a semaphore's permits, counted in a `u32` on shutdown).
pub const MAX_CONNECTIONS: usize = 1_000_000;

/// Most connections the process's file-descriptor limit leaves room for: all but 128 (the
/// database's files, the log, the runtime's own), shared by the connections served and the
/// ones answered 503; at least 16, at most 16,384.
fn default_max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur
    } else {
        1024
    };
    let budget = usize::try_from(soft)
        .unwrap_or(usize::MAX)
        .saturating_sub(128);
    (budget / 5 * 4).clamp(16, 16_384)
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then waits for the
/// connections to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) {
    let limits = ConnLimits {
        max_connections: limits.max_connections.clamp(1, MAX_CONNECTIONS),
        ..limits
    };
    let served = Arc::new(Semaphore::new(limits.max_connections));
    let refused = Arc::new(Semaphore::new(limits.max_refused()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut http = http1::Builder::new();
    // The timeouts are `clock`'s; hyper's own header timeout would also close idle
    // connections after it.
    http.header_read_timeout(None).keep_alive(true);
    let mut busy = http.clone();
    busy.keep_alive(false);
    tokio::pin!(shutdown);
    let mut turned_away = 0u64;
    loop {
        let tcp = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    pause_after_accept_error(e).await;
                    continue;
                }
            },
        };
        if let Err(e) = tcp.set_nodelay(true) {
            // A response or an event is sent as soon as it is written, never held back by
            // Nagle's algorithm until the peer acknowledges the last one.
            tracing::debug!("cannot set TCP_NODELAY on a connection: {e}");
        }
        let clock = ConnClock::new(limits.header_timeout, limits.idle_timeout);
        let io = TokioIo::new(ProblemBodies::new(TimedIo::new(tcp, Arc::clone(&clock))));
        if let Ok(permit) = Arc::clone(&served).try_acquire_owned() {
            let svc = ClockedService::new(TowerToHyperService::new(router.clone()), clock);
            spawn(http.serve_connection(io, svc), stop_rx.clone(), permit);
            continue;
        }
        turned_away += 1;
        // Logged at the first and then ever more rarely: under a flood, a line per connection
        // would be a flood of its own.
        if turned_away.is_power_of_two() {
            tracing::warn!(
                "{turned_away} connections past the cap of {} so far",
                limits.max_connections
            );
        }
        if let Ok(permit) = Arc::clone(&refused).try_acquire_owned() {
            let svc = ClockedService::new(hyper::service::service_fn(answer_busy), clock);
            spawn(busy.serve_connection(io, svc), stop_rx.clone(), permit);
        }
        // Past both caps the connection is closed unanswered, here, as `io` is dropped.
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every permit back: every connection has ended.
    let _ = served.acquire_many(limits.max_connections as u32).await;
    let _ = refused.acquire_many(limits.max_refused() as u32).await;
}

/// Runs one connection on a task of its own, holding `permit` (its place under a cap) until it
/// ends, or until shutdown and the end of what it is answering.
fn spawn<S>(
    conn: http1::Connection<TokioIo<Io>, S>,
    mut stop: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
) where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = axum::body::Body>
        + Send
        + 'static,
    S::Future: Send,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::spawn(async move {
        run(conn, &mut stop).await;
        drop(permit);
    });
}

async fn run<S>(conn: http1::Connection<TokioIo<Io>, S>, stop: &mut watch::Receiver<bool>)
where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = axum::body::Body>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::pin!(conn);
    let ended = tokio::select! {
        ended = conn.as_mut() => ended,
        // (The guard `wait_for` returns is not `Send`: dropped inside.)
        _ = async { drop(stop.wait_for(|stop| *stop).await) } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = ended {
        // Timeouts, resets, requests hyper could not parse: the client's business.
        tracing::debug!("connection ended: {e}");
    }
}

type Io = ProblemBodies<TimedIo<TcpStream>>;

async fn answer_busy(_req: hyper::Request<hyper::body::Incoming>) -> Result<Response, Infallible> {
    // (A 503 carries `Retry-After: 1`: `ApiProblem::into_response`.)
    Ok(ApiProblem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::SERVER_BUSY,
        "The server has too many connections open; try again shortly.",
    )
    .into_response())
}

/// After a failed accept. Out of file descriptors (EMFILE, ENFILE) the same error comes back at
/// once until one is freed, so wait a little instead of spinning; a connection reset before it
/// was accepted is no reason to.
async fn pause_after_accept_error(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused
    ) {
        return;
    }
    tracing::warn!("accepting a connection failed: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
