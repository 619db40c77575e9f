//! The two timeouts of a connection, and what they need to know of it.
//!
//! - **Header timeout**: a request's head must arrive within `header` of its first byte (of
//!   the connection's start, for its first request). Without it a client that sends half a
//!   request and waits holds a connection, a file descriptor and its buffers for ever.
//! - **Idle timeout**: a keep-alive connection with no request for `idle` after the last
//!   response is closed.
//!
//! While a request is being answered neither runs: a slow handler is not the client's fault,
//! and the event stream (`GET /events`) is one answer that lasts as long as the console is
//! open, its heartbeat keeping proxies in between from closing it.
//!
//! hyper has a header timeout of its own, but it starts as soon as hyper waits for a request,
//! so it would also be the idle timeout, and at 10 s it would close the idle connections the
//! console keeps for its next call. Hence [`ConnClock`]: [`TimedIo`] sees the bytes arrive and
//! ends the connection with `TimedOut` past a deadline, and [`ClockedService`] marks when a
//! request is being answered (from the call to the end of its response's body).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use hyper::body::{Frame, Incoming, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// What a connection is doing, as the timeouts see it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Reading a request's head, since its first byte (or since the connection began).
    Head(Instant),
    /// No request since the last response ended, at that instant.
    Idle(Instant),
    /// Answering this many requests (one at a time on HTTP/1, but a late drop of the last
    /// response's body must not end the next one's answer).
    Busy(u32),
}

/// The phase of one connection, shared by its I/O and its service.
pub struct ConnClock {
    header: Duration,
    idle: Duration,
    state: Mutex<(Phase, Option<Waker>)>,
}

impl ConnClock {
    pub fn new(header: Duration, idle: Duration) -> Arc<ConnClock> {
        Arc::new(ConnClock {
            header,
            idle,
            state: Mutex::new((Phase::Head(Instant::now()), None)),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Phase, &mut Option<Waker>) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (phase, waker) = &mut *state;
        f(phase, waker)
    }

    /// Bytes arrived: after an idle spell they are the start of the next request's head.
    fn bytes_read(&self) {
        self.with(|phase, _| {
            if let Phase::Idle(_) = phase {
                *phase = Phase::Head(Instant::now());
            }
        });
    }

    fn request_started(&self) {
        self.with(|phase, _| {
            *phase = match *phase {
                Phase::Busy(n) => Phase::Busy(n + 1),
                _ => Phase::Busy(1),
            }
        });
    }

    /// A response ended (its body was sent, or dropped). The reader may be parked without a
    /// deadline since the request began: wake it so that it arms the idle one.
    fn response_ended(&self) {
        let waker = self.with(|phase, waker| {
            *phase = match *phase {
                Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
                _ => Phase::Idle(Instant::now()),
            };
            waker.take()
        });
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// When the connection is to be closed if nothing arrives; `None` while answering (then
    /// `cx`'s waker is kept, to be woken when the answer ends).
    fn deadline(&self, cx: &Context<'_>) -> Option<Instant> {
        self.with(|phase, waker| match *phase {
            Phase::Head(since) => Some(since + self.header),
            Phase::Idle(since) => Some(since + self.idle),
            Phase::Busy(_) => {
                *waker = Some(cx.waker().clone());
                None
            }
        })
    }
}

/// A connection's I/O that fails reads with `TimedOut` once its [`ConnClock`] says so.
pub struct TimedIo<T> {
    inner: T,
    clock: Arc<ConnClock>,
    sleep: Pin<Box<Sleep>>,
    armed_for: Option<Instant>,
}

impl<T> TimedIo<T> {
    pub fn new(inner: T, clock: Arc<ConnClock>) -> Self {
        TimedIo {
            inner,
            clock,
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed_for: None,
        }
    }

    /// Nothing to read: `Pending` until the deadline, then the error that ends the connection.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(deadline) = self.clock.deadline(cx) else {
            return Poll::Pending;
        };
        if self.armed_for != Some(deadline) {
            self.sleep.as_mut().reset(deadline);
            self.armed_for = Some(deadline);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no request within the connection's timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TimedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.clock.bytes_read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.poll_deadline(cx),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TimedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A hyper service around `inner` that tells the clock when each request is being answered.
pub struct ClockedService<S> {
    inner: S,
    clock: Arc<ConnClock>,
}

impl<S> ClockedService<S> {
    pub fn new(inner: S, clock: Arc<ConnClock>) -> Self {
        ClockedService { inner, clock }
    }
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> hyper::service::Service<hyper::Request<Incoming>> for ClockedService<S>
where
    S: hyper::service::Service<hyper::Request<Incoming>, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, req: hyper::Request<Incoming>) -> ResponseFuture {
        self.clock.request_started();
        // Made now, so that the answer also ends if its future is dropped half-way.
        let answering = Answering(Arc::clone(&self.clock));
        let res = self.inner.call(req);
        Box::pin(async move {
            let res = res.await?;
            Ok(res.map(|inner| {
                Body::new(ClockedBody {
                    inner,
                    _answering: answering,
                })
            }))
        })
    }
}

/// Ends the answer to one request when dropped.
struct Answering(Arc<ConnClock>);

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.response_ended();
    }
}

/// A response body that keeps its request "being answered" until hyper drops it, after
/// sending its last byte (or when the connection ends).
struct ClockedBody {
    inner: Body,
    _answering: Answering,
}

impl hyper::body::Body for ClockedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop_cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    #[test]
    fn the_deadline_follows_the_phase() {
        let (header, idle) = (Duration::from_secs(10), Duration::from_secs(60));
        let start = Instant::now();
        let clock = ConnClock::new(header, idle);
        let cx = noop_cx();
        let first = clock.deadline(&cx).unwrap();
        assert!(first >= start + header && first <= Instant::now() + header);
        // Bytes of a head do not move the header deadline: it counts from the first.
        clock.bytes_read();
        assert_eq!(clock.deadline(&cx), Some(first));

        clock.request_started();
        assert_eq!(clock.deadline(&cx), None, "no deadline while answering");
        let before_end = Instant::now();
        clock.response_ended();
        let idle_deadline = clock.deadline(&cx).unwrap();
        assert!(idle_deadline >= before_end + idle && idle_deadline <= Instant::now() + idle);

        // The next request's head has its header timeout from its first byte.
        let before_bytes = Instant::now();
        clock.bytes_read();
        let head_deadline = clock.deadline(&cx).unwrap();
        assert!(head_deadline >= before_bytes + header && head_deadline <= Instant::now() + header);
    }

    #[test]
    fn an_answer_ends_only_with_the_last_of_overlapping_ones() {
        let clock = ConnClock::new(Duration::from_secs(1), Duration::from_secs(2));
        let cx = noop_cx();
        clock.request_started();
        clock.request_started();
        clock.response_ended();
        assert_eq!(clock.deadline(&cx), None);
        clock.response_ended();
        assert!(clock.deadline(&cx).is_some());
    }
}
