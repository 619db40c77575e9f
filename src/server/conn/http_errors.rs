//! Problem bodies for the errors hyper answers by itself.
//!
//! A request hyper cannot parse never reaches the router: hyper answers it with 400 (a
//! malformed request line or header), 414 (a URI too long) or 431 (a head too large) and an
//! empty body, and offers no hook to change that. The contract says every error is
//! problem+json, so [`ProblemBodies`] sits between hyper and the socket and swaps such an
//! answer, as hyper writes it, for the same status and headers with a problem body.
//!
//! It recognises hyper's answer by what only hyper writes: a complete response head, as the
//! first bytes of a write, with one of those statuses, `content-length: 0` and no
//! `content-type`. Every error the router sends is problem+json with a body (`problem.rs`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::domain::codes;
use crate::server::problem::{ApiProblem, PROBLEM_JSON};

pub struct ProblemBodies<T> {
    inner: T,
    /// A replacement response still to be written, and how much of it is.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> ProblemBodies<T> {
    pub fn new(inner: T) -> Self {
        ProblemBodies {
            inner,
            pending: None,
        }
    }
}

impl<T: AsyncWrite + Unpin> ProblemBodies<T> {
    /// Writes what is left of a replacement; ready when nothing is.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = &mut self.pending {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
            if *done == bytes.len() {
                self.pending = None;
            }
        }
        Poll::Ready(Ok(()))
    }

    /// If `head` is hyper's own error answer, takes its place (all of `len` bytes count as
    /// written) and starts writing the replacement.
    fn replace(&mut self, cx: &mut Context<'_>, head: &[u8], len: usize) -> Option<usize> {
        let replacement = with_problem_body(head)?;
        self.pending = Some((replacement, 0));
        // What is not written now is written before the next write, flush or shutdown.
        if let Poll::Ready(Err(e)) = self.poll_pending(cx) {
            tracing::debug!("writing a problem for hyper's error: {e}");
            self.pending = None;
        }
        Some(len)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemBodies<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemBodies<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(n) = this.replace(cx, buf, buf.len()) {
            return Poll::Ready(Ok(n));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        // hyper queues a response's head as the first slice of its own.
        if let Some(head) = bufs.iter().find(|b| !b.is_empty()) {
            let total = bufs.iter().map(|b| b.len()).sum();
            if let Some(n) = this.replace(cx, head, total) {
                return Poll::Ready(Ok(n));
            }
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// `head` with a problem body, if it is one of hyper's own error answers.
fn with_problem_body(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let lines = text.strip_suffix("\r\n\r\n")?.split("\r\n");
    let mut lines = lines.peekable();
    let status_line = lines.next()?;
    let (status, code, detail) = match status_line.split(' ').nth(1)? {
        "400" => (
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_REQUEST,
            "The request is not valid HTTP/1.1.",
        ),
        "414" => (
            StatusCode::URI_TOO_LONG,
            codes::URI_TOO_LONG,
            "The request's URI is too long.",
        ),
        "431" => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            codes::HEADERS_TOO_LARGE,
            "The request's headers are too large or too many.",
        ),
        _ => return None,
    };
    if !status_line.starts_with("HTTP/1.") {
        return None;
    }
    let headers: Vec<&str> = lines.collect();
    let has = |name: &str| {
        headers.iter().any(|h| {
            h.split_once(':')
                .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        })
    };
    let empty = headers
        .iter()
        .any(|h| h.replace(' ', "").eq_ignore_ascii_case("content-length:0"));
    if !empty || has("content-type") {
        return None;
    }
    let body = ApiProblem::new(status, code, detail).body();
    let mut out = String::with_capacity(head.len() + body.len() + 64);
    out.push_str(status_line);
    out.push_str("\r\n");
    for h in headers.iter().filter(|h| {
        !h.split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
    }) {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "content-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    ));
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYPER_431: &str = "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 01:00:00 GMT\r\n\r\n";

    #[test]
    fn hypers_own_answers_get_a_problem_body() {
        let out = String::from_utf8(with_problem_body(HYPER_431.as_bytes()).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("\r\ndate: Mon, 07 Dec 2026 01:00:00 GMT"));
        assert!(head.contains("\r\ncontent-type: application/problem+json"));
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
        assert!(!head.contains("content-length: 0"));
        let p: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(p["status"], 431);
        assert_eq!(p["code"], codes::HEADERS_TOO_LARGE);
        for (status, code) in [
            ("400 Bad Request", "malformed_request"),
            ("414 URI Too Long", "uri_too_long"),
        ] {
            let head = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
            let out = String::from_utf8(with_problem_body(head.as_bytes()).unwrap()).unwrap();
            assert!(out.contains(&format!("\"code\":\"{code}\"")), "{out}");
        }
    }

    #[test]
    fn everything_else_is_left_alone() {
        for other in [
            // The router's own errors: a problem body already.
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 120\r\n\r\n",
            "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            // Not a whole head, or a body.
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            "{\"items\": []}",
        ] {
            assert!(with_problem_body(other.as_bytes()).is_none(), "{other:?}");
        }
    }

    #[tokio::test]
    async fn a_replaced_answer_is_written_whole_and_counted_as_written() {
        use tokio::io::AsyncWriteExt;
        let mut out = ProblemBodies::new(Vec::new());
        out.write_all(HYPER_431.as_bytes()).await.unwrap();
        out.write_all(b"HTTP/1.1 200 OK\r\n").await.unwrap();
        out.flush().await.unwrap();
        let written = String::from_utf8(out.inner).unwrap();
        assert!(
            written.contains("\"code\":\"headers_too_large\"}HTTP/1.1 200 OK\r\n"),
            "{written}"
        );
    }
}
