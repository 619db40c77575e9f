//! `GET /events`: the live update stream (server-sent events).
//!
//! A spawned task keeps one stream open, parses it with [`SseParser`] and hands decoded events to
//! an [`EventStream`] over a bounded channel. When the stream drops, the task reconnects by itself
//! with jittered backoff and `Last-Event-ID`, and says `Disconnected`/`Connected` so the UI can
//! show live/offline (and poll `/summary` meanwhile). Dropping the `EventStream` stops the task.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use tokio::sync::mpsc;

use super::ApiError;
use super::retry::{backoff_ceiling, jitter_full};
use super::transport::{self, StreamConnect};
use crate::domain::{
    ApprovalCreated, ApprovalDecided, EVENT_APPROVAL_CREATED, EVENT_APPROVAL_DECIDED,
    EVENT_PARTNER_UPDATED, EVENT_PRESENCE, EVENT_RECORD_CHANGED, PartnerUpdated, Presence,
    RecordChanged, ServerEvent,
};

/// What the live stream tells the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    /// One decoded event; `id` is the stream's last event id at that point, if the server sends ids.
    Event {
        id: Option<String>,
        event: ServerEvent,
    },
    /// The stream is (again) open: updates are live.
    Connected,
    /// The stream is down; the task is already trying to reconnect. `message` is for the CSR.
    Disconnected { message: String },
    /// The backend answered 401: it is reachable but refuses the token. The task keeps trying
    /// (at the longest interval), in case the token is fixed behind it.
    Refused { message: String },
}

/// The receiving end of the live stream. Dropping it stops the background task.
#[derive(Debug)]
pub struct EventStream {
    rx: mpsc::Receiver<StreamItem>,
    task: Option<tokio::task::AbortHandle>,
}

/// Events buffered between the task and a slow UI; the task waits when it is full.
const CHANNEL_CAPACITY: usize = 256;

impl EventStream {
    /// The next item; `None` once the stream has ended for good (the task stopped).
    pub async fn next(&mut self) -> Option<StreamItem> {
        self.rx.recv().await
    }

    /// An item if one is ready, without waiting (for draining in a render loop).
    pub fn try_next(&mut self) -> Option<StreamItem> {
        self.rx.try_recv().ok()
    }

    /// A stream fed by hand: for fake `Api` implementations in tests and demos.
    pub fn channel(capacity: usize) -> (mpsc::Sender<StreamItem>, EventStream) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (tx, EventStream { rx, task: None })
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Start the background task. Outside a tokio runtime there is nothing to run it on: the stream
/// then reports one `Disconnected` and ends, rather than panicking.
pub(super) fn spawn(connect: StreamConnect) -> EventStream {
    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            let task = handle.spawn(run(connect, tx));
            EventStream {
                rx,
                task: Some(task.abort_handle()),
            }
        }
        Err(_) => {
            let _ = tx.try_send(StreamItem::Disconnected {
                message: "Live updates are not available.".into(),
            });
            EventStream { rx, task: None }
        }
    }
}

/// First reconnect delay, and the ceiling (also for a server's `retry:`).
const RECONNECT_BASE: Duration = Duration::from_millis(500);
const RECONNECT_MAX: Duration = Duration::from_secs(10);
/// A connection that stayed up this long counts as healthy: the backoff starts over.
const HEALTHY_AFTER: Duration = Duration::from_secs(10);

enum Ended {
    /// The `EventStream` was dropped.
    ReceiverGone,
    /// The stream closed or never opened. `healthy` resets the backoff; `give_time` asks for
    /// the longest wait (the server refused us: retrying fast will not help).
    Lost {
        message: String,
        healthy: bool,
        give_time: bool,
        /// The answer was 401: the token is refused.
        refused: bool,
    },
}

struct State {
    last_event_id: Option<String>,
    retry_base: Duration,
    /// `None` before the first attempt, so the first failure is reported too.
    live: Option<bool>,
}

async fn run(connect: StreamConnect, tx: mpsc::Sender<StreamItem>) {
    let mut state = State {
        last_event_id: None,
        retry_base: RECONNECT_BASE,
        live: None,
    };
    let mut failures: u32 = 0;
    loop {
        match connect_once(&connect, &mut state, &tx).await {
            Ended::ReceiverGone => return,
            Ended::Lost {
                message,
                healthy,
                give_time,
                refused,
            } => {
                tracing::debug!(reason = %message, "event stream lost");
                // Only transitions are reported: an offline backend costs the UI nothing.
                if state.live != Some(false) {
                    state.live = Some(false);
                    let item = if refused {
                        StreamItem::Refused { message }
                    } else {
                        StreamItem::Disconnected { message }
                    };
                    if tx.send(item).await.is_err() {
                        return;
                    }
                }
                failures = if healthy {
                    1
                } else {
                    failures.saturating_add(1)
                };
                let delay = if give_time {
                    RECONNECT_MAX
                } else {
                    reconnect_delay(state.retry_base, failures)
                };
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = tx.closed() => return,
                }
            }
        }
    }
}

/// Equal jitter: half fixed, half random, so a reconnect never comes instantly (a server that
/// accepts and closes at once must not be hammered) yet clients spread out.
fn reconnect_delay(base: Duration, failures: u32) -> Duration {
    let ceiling = backoff_ceiling(base, RECONNECT_MAX, failures);
    ceiling / 2 + jitter_full(ceiling / 2)
}

async fn connect_once(
    connect: &StreamConnect,
    state: &mut State,
    tx: &mpsc::Sender<StreamItem>,
) -> Ended {
    let lost = |e: &ApiError, give_time: bool| Ended::Lost {
        message: e.user_message(),
        healthy: false,
        give_time,
        refused: e.status() == Some(401),
    };

    let mut rb = connect
        .client
        .get(&connect.url)
        .header(ACCEPT, "text/event-stream")
        .header(CACHE_CONTROL, "no-cache")
        .header(transport::CONSOLE_ID, connect.console_id.clone());
    if let Some(id) = &state.last_event_id
        && let Ok(v) = HeaderValue::from_str(id)
    {
        rb = rb.header("Last-Event-ID", v);
    }
    let rb = match connect.auth.apply(rb) {
        Ok(rb) => rb,
        Err(e) => return lost(&e, true),
    };

    let resp = tokio::select! {
        r = tokio::time::timeout(connect.open_timeout, rb.send()) => r,
        _ = tx.closed() => return Ended::ReceiverGone,
    };
    let mut resp = match resp {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return lost(&transport::map_reqwest_error(e), false),
        Err(_) => return lost(&ApiError::Timeout, false),
    };
    let status = resp.status();
    tracing::debug!(
        method = "GET",
        path = "/events",
        status = status.as_u16(),
        "event stream"
    );
    if !status.is_success() {
        let err = transport::error_from_response(resp).await;
        // 429/5xx: the server may come back soon; anything else (401, 403, 404) will not fix
        // itself quickly, so wait the longest.
        return lost(&err, !err.is_retryable());
    }
    let is_sse = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("text/event-stream")
        });
    if !is_sse {
        let err = ApiError::Decode {
            message: "the answer to /events is not an event stream".into(),
        };
        return lost(&err, true);
    }

    let opened = Instant::now();
    if state.live != Some(true) {
        state.live = Some(true);
        if tx.send(StreamItem::Connected).await.is_err() {
            return Ended::ReceiverGone;
        }
    }

    let mut parser = SseParser::with_last_event_id(state.last_event_id.as_deref());
    let mut got_event = false;
    let mut events = Vec::new();
    loop {
        let chunk = tokio::select! {
            c = resp.chunk() => c,
            _ = tx.closed() => return Ended::ReceiverGone,
        };
        let message = match chunk {
            Ok(Some(bytes)) => {
                parser.feed(&bytes, &mut events);
                if let Some(retry) = parser.retry() {
                    state.retry_base = retry.min(RECONNECT_MAX);
                }
                state.last_event_id = parser.last_event_id().map(str::to_owned);
                for raw in events.drain(..) {
                    got_event = true;
                    match decode_event(&raw) {
                        Ok(event) => {
                            let item = StreamItem::Event { id: raw.id, event };
                            if tx.send(item).await.is_err() {
                                return Ended::ReceiverGone;
                            }
                        }
                        Err(why) => tracing::warn!(event = %raw.event, "skipped event: {why}"),
                    }
                }
                continue;
            }
            Ok(None) => "The live update stream was closed by the backend.".to_string(),
            Err(e) => transport::map_reqwest_error(e).user_message(),
        };
        return Ended::Lost {
            message,
            healthy: got_event || opened.elapsed() >= HEALTHY_AFTER,
            give_time: false,
            refused: false,
        };
    }
}

/// Decode one raw event by its name. Unknown names are not an error of the server (a newer
/// server may send more), but the caller skips them all the same.
fn decode_event(raw: &SseEvent) -> Result<ServerEvent, String> {
    let bad = |e: serde_json::Error| format!("undecodable data ({})", e.classify_str());
    let event = match raw.event.as_str() {
        EVENT_APPROVAL_CREATED => serde_json::from_str::<ApprovalCreated>(&raw.data)
            .map(ServerEvent::ApprovalCreated)
            .map_err(bad),
        EVENT_APPROVAL_DECIDED => serde_json::from_str::<ApprovalDecided>(&raw.data)
            .map(ServerEvent::ApprovalDecided)
            .map_err(bad),
        EVENT_PARTNER_UPDATED => serde_json::from_str::<PartnerUpdated>(&raw.data)
            .map(ServerEvent::PartnerUpdated)
            .map_err(bad),
        EVENT_RECORD_CHANGED => serde_json::from_str::<RecordChanged>(&raw.data)
            .map(ServerEvent::RecordChanged)
            .map_err(bad),
        EVENT_PRESENCE => serde_json::from_str::<Presence>(&raw.data)
            .map(ServerEvent::Presence)
            .map_err(bad),
        _ => Err("unknown event name".into()),
    };
    // Cleaned for the terminal where it is decoded (QUALITY.md 1).
    event.map(crate::text::Clean::clean)
}

trait ClassifyStr {
    fn classify_str(&self) -> &'static str;
}

impl ClassifyStr for serde_json::Error {
    fn classify_str(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "wrong fields or types",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

/// One dispatched event, as the wire format has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` name, `"message"` when none was given.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last event id at dispatch (ids persist across events, as in the HTML standard).
    pub id: Option<String>,
}

/// Longest line, and largest `data` of one event, the parser buffers. A hostile or broken
/// server cannot make the client hold more; such an event is dropped whole.
const MAX_LINE_BYTES: usize = 256 * 1024;
const MAX_DATA_BYTES: usize = 1024 * 1024;

/// An incremental parser of the `text/event-stream` format (HTML standard, 9.2.6): feed it the
/// bytes as they arrive, in chunks cut anywhere, and it returns whole events.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The line in `line` is over `MAX_LINE_BYTES`: drop bytes until its end.
    discarding_line: bool,
    /// The last byte fed was `\r`: a `\n` first in the next chunk belongs to it.
    after_cr: bool,
    /// No line was completed yet: a leading BOM is still to be stripped.
    first_line: bool,
    event_type: String,
    data: String,
    /// The current event grew too large: drop it at its blank line.
    oversized: bool,
    /// `id:` as last seen; it becomes the last event id at the next blank line.
    id_buffer: String,
    last_event_id: String,
    retry: Option<Duration>,
}

impl SseParser {
    pub fn new() -> Self {
        SseParser {
            first_line: true,
            ..SseParser::default()
        }
    }

    /// The reconnection time the server asked for with `retry:`, if any.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Start from the id of the last event a previous connection delivered.
    pub fn with_last_event_id(id: Option<&str>) -> Self {
        let id = id.unwrap_or_default().to_string();
        SseParser {
            id_buffer: id.clone(),
            last_event_id: id,
            ..SseParser::new()
        }
    }

    /// The id of the last complete event, for `Last-Event-ID`: an id whose event was cut off
    /// by a dropped connection does not count, so that event is sent again.
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_event_id.is_empty()).then_some(self.last_event_id.as_str())
    }

    /// Parse `bytes`, appending every event they complete to `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<SseEvent>) {
        if bytes.is_empty() {
            return;
        }
        if self.after_cr {
            self.after_cr = false;
            if bytes[0] == b'\n' {
                bytes = &bytes[1..];
            }
        }
        while let Some(pos) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.push_partial(&bytes[..pos]);
            self.end_line(out);
            let skip = if bytes[pos] == b'\r' {
                match bytes.get(pos + 1) {
                    Some(b'\n') => 2,
                    Some(_) => 1,
                    None => {
                        self.after_cr = true;
                        1
                    }
                }
            } else {
                1
            };
            bytes = &bytes[pos + skip..];
        }
        self.push_partial(bytes);
    }

    /// Convenience for tests and one-shot use.
    pub fn feed_collect(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        self.feed(bytes, &mut out);
        out
    }

    fn push_partial(&mut self, bytes: &[u8]) {
        if self.discarding_line || bytes.is_empty() {
            return;
        }
        if self.line.len() + bytes.len() > MAX_LINE_BYTES {
            self.line.clear();
            self.discarding_line = true;
        } else {
            self.line.extend_from_slice(bytes);
        }
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let line = std::mem::take(&mut self.line);
        let first = std::mem::replace(&mut self.first_line, false);
        if std::mem::replace(&mut self.discarding_line, false) {
            tracing::warn!("event stream line too long; dropping the event");
            self.oversized = true;
            return;
        }
        let mut line: &[u8] = &line;
        if first {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return; // a comment (keep-alive)
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        let value = String::from_utf8_lossy(value);
        match field {
            b"event" => self.event_type = value.into_owned(),
            b"data" => {
                if self.data.len() + value.len() + 1 > MAX_DATA_BYTES {
                    self.oversized = true;
                    self.data.clear();
                } else if !self.oversized {
                    self.data.push_str(&value);
                    self.data.push('\n');
                }
            }
            // An id with NUL in it is ignored, as the standard says.
            b"id" if !value.contains('\0') => self.id_buffer = value.into_owned(),
            b"retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                let ms = value.parse::<u64>().unwrap_or(u64::MAX);
                self.retry = Some(Duration::from_millis(ms));
            }
            _ => {} // unknown fields are ignored, as the standard says
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        self.last_event_id.clone_from(&self.id_buffer);
        let event_type = std::mem::take(&mut self.event_type);
        let mut data = std::mem::take(&mut self.data);
        if std::mem::replace(&mut self.oversized, false) {
            tracing::warn!(event = %event_type, "event stream event too large; dropped");
            return;
        }
        if data.is_empty() {
            return;
        }
        data.pop(); // the trailing '\n'
        out.push(SseEvent {
            event: if event_type.is_empty() {
                "message".into()
            } else {
                event_type
            },
            data,
            id: self.last_event_id().map(str::to_owned),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::testserver::{Reply, json, problem, serve};
    use crate::client::{Api, HttpApi, HttpApiOptions};
    use crate::domain::{Kind, Status};
    use crate::secret::Secret;

    fn ev(event: &str, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    #[test]
    fn simple_event() {
        let mut p = SseParser::new();
        let out = p.feed_collect(b"event: approval.created\ndata: {\"a\":1}\nid: 7\n\n");
        assert_eq!(out, vec![ev("approval.created", "{\"a\":1}", Some("7"))]);
        assert_eq!(p.last_event_id(), Some("7"));
    }

    #[test]
    fn chunks_split_anywhere_give_the_same_events() {
        let wire: &[u8] =
            b"\xEF\xBB\xBF: hello\r\nevent: a\r\ndata: one\r\ndata: two\r\nid: 1\r\n\r\n\
              event: b\rdata:x\r\rdata: y\n\n";
        // A BOM and a comment first; CRLF, then lone CR, then LF line ends; one "event: b" with
        // "data:x" (no space) and one nameless "data: y".
        let expected_full = vec![
            ev("a", "one\ntwo", Some("1")),
            ev("b", "x", Some("1")),
            ev("message", "y", Some("1")),
        ];
        let events = SseParser::new().feed_collect(wire);
        assert_eq!(events, expected_full);
        for split in 0..=wire.len() {
            let mut p = SseParser::new();
            let mut out = p.feed_collect(&wire[..split]);
            out.extend(p.feed_collect(&wire[split..]));
            assert_eq!(out, expected_full, "split at {split}");
        }
        // One byte at a time.
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for b in wire {
            p.feed(std::slice::from_ref(b), &mut out);
        }
        assert_eq!(out, expected_full);
    }

    #[test]
    fn crlf_split_between_chunks_is_one_line_end() {
        let mut p = SseParser::new();
        let mut out = p.feed_collect(b"data: a\r");
        out.extend(p.feed_collect(b"\n"));
        assert!(
            out.is_empty(),
            "the \\n belongs to the \\r: no blank line yet"
        );
        out.extend(p.feed_collect(b"\r"));
        out.extend(p.feed_collect(b"\n"));
        assert_eq!(out, vec![ev("message", "a", None)]);
    }

    #[test]
    fn multi_line_data_and_empty_data_lines() {
        let mut p = SseParser::new();
        let out = p.feed_collect(b"data: line 1\ndata:\ndata:  indented\n\n");
        assert_eq!(out, vec![ev("message", "line 1\n\n indented", None)]);
        let out = p.feed_collect(b"data\n\n");
        assert_eq!(out, vec![ev("message", "", None)]);
    }

    #[test]
    fn comments_and_unknown_fields_are_ignored() {
        let mut p = SseParser::new();
        let out = p.feed_collect(b":keep-alive\n\n: another\nfoo: bar\ndata: x\n:mid\n\n");
        assert_eq!(out, vec![ev("message", "x", None)]);
    }

    #[test]
    fn blank_line_without_data_dispatches_nothing_and_resets_the_name() {
        let mut p = SseParser::new();
        let out = p.feed_collect(b"event: a\n\ndata: x\n\n");
        assert_eq!(out, vec![ev("message", "x", None)]);
    }

    #[test]
    fn ids_persist_and_can_be_reset() {
        let mut p = SseParser::new();
        let out =
            p.feed_collect(b"id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\0y\ndata: d\n\n");
        assert_eq!(
            out,
            vec![
                ev("message", "a", Some("5")),
                ev("message", "b", Some("5")),
                ev("message", "c", None),
                ev("message", "d", None),
            ]
        );
        // An id without data still moves the last event id, but only once its event is complete.
        p.feed_collect(b"id: 9\n");
        assert_eq!(p.last_event_id(), None);
        p.feed_collect(b"\n");
        assert_eq!(p.last_event_id(), Some("9"));
        let mut p = SseParser::with_last_event_id(Some("41"));
        assert_eq!(
            p.feed_collect(b"data: z\n\n"),
            vec![ev("message", "z", Some("41"))]
        );
    }

    #[test]
    fn retry_field() {
        let mut p = SseParser::new();
        p.feed_collect(b"retry: 1500\n");
        assert_eq!(p.retry(), Some(Duration::from_millis(1500)));
        p.feed_collect(b"retry: soon\nretry: -1\nretry:\n");
        assert_eq!(p.retry(), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn incomplete_event_at_the_end_is_not_dispatched() {
        let mut p = SseParser::new();
        assert!(p.feed_collect(b"data: half").is_empty());
        assert!(p.feed_collect(b"data: half\n").is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let mut p = SseParser::new();
        let out = p.feed_collect(b"data: a\xffb\n\n");
        assert_eq!(out, vec![ev("message", "a\u{fffd}b", None)]);
    }

    #[test]
    fn oversized_lines_and_events_are_dropped_whole() {
        let mut p = SseParser::new();
        let long = vec![b'x'; MAX_LINE_BYTES + 10];
        let mut out = p.feed_collect(b"data: ");
        out.extend(p.feed_collect(&long));
        out.extend(p.feed_collect(b"\ndata: tail\n\ndata: next\n\n"));
        assert_eq!(out, vec![ev("message", "next", None)]);
        assert!(p.line.capacity() <= MAX_LINE_BYTES + 16 || p.line.is_empty());

        let mut p = SseParser::new();
        let chunk = format!("data: {}\n", "y".repeat(200 * 1024));
        let mut out = Vec::new();
        for _ in 0..6 {
            p.feed(chunk.as_bytes(), &mut out);
        }
        p.feed(b"\ndata: ok\n\n", &mut out);
        assert_eq!(out, vec![ev("message", "ok", None)]);
    }

    #[test]
    fn decodes_known_events_and_skips_others() {
        let created = ev(
            EVENT_APPROVAL_CREATED,
            r#"{"id":"ap_1","kind":"ad"}"#,
            Some("1"),
        );
        assert_eq!(
            decode_event(&created),
            Ok(ServerEvent::ApprovalCreated(ApprovalCreated {
                id: "ap_1".into(),
                kind: Kind::Ad
            }))
        );
        let decided = ev(
            EVENT_APPROVAL_DECIDED,
            r#"{"id":"ap_1","kind":"addon","status":"rejected","decided_by":{"id":"u1","name":"Ann"}}"#,
            None,
        );
        match decode_event(&decided) {
            Ok(ServerEvent::ApprovalDecided(d)) => {
                assert_eq!(d.status, Status::Rejected);
                assert_eq!(d.decided_by.name, "Ann");
            }
            other => panic!("{other:?}"),
        }
        let updated = ev(EVENT_PARTNER_UPDATED, r#"{"id":"p_9"}"#, None);
        assert!(matches!(
            decode_event(&updated),
            Ok(ServerEvent::PartnerUpdated(_))
        ));
        assert!(decode_event(&ev("something.new", "{}", None)).is_err());
        assert!(decode_event(&ev(EVENT_APPROVAL_CREATED, "{\"id\":", None)).is_err());
        assert!(
            decode_event(&ev(EVENT_APPROVAL_CREATED, r#"{"id":1,"kind":"ad"}"#, None)).is_err()
        );
        assert!(
            decode_event(&ev(
                EVENT_APPROVAL_CREATED,
                r#"{"id":"a","kind":"nope"}"#,
                None
            ))
            .is_err()
        );
    }

    #[test]
    fn presence_events_decode_cleaned_and_keep_the_last_event_id() {
        let mut p = SseParser::new();
        let out = p.feed_collect(
            "id: 7\nevent: approval.created\ndata: {\"id\":\"ap_1\",\"kind\":\"ad\"}\n\n\
             event: presence\ndata: {\"approval_id\":\"ap_1\",\"viewers\":[{\"id\":\"u1\",\"name\":\"Dana\\u001b[2J \\u202eReyes\"}]}\n\n"
                .as_bytes(),
        );
        assert_eq!(out.len(), 2);
        // Presence has no id of its own: a reconnect resumes after the last stored event.
        assert_eq!(out[1].id.as_deref(), Some("7"));
        assert_eq!(p.last_event_id(), Some("7"));
        match decode_event(&out[1]) {
            Ok(ServerEvent::Presence(presence)) => {
                assert_eq!(presence.approval_id, "ap_1");
                assert_eq!(presence.viewers[0].name, "Dana[2J Reyes");
            }
            other => panic!("{other:?}"),
        }
        let empty = ev(
            EVENT_PRESENCE,
            r#"{"approval_id":"ap_1","viewers":[]}"#,
            None,
        );
        assert!(matches!(
            decode_event(&empty),
            Ok(ServerEvent::Presence(p)) if p.viewers.is_empty()
        ));
        assert!(decode_event(&ev(EVENT_PRESENCE, r#"{"approval_id":"ap_1"}"#, None)).is_err());
    }

    #[test]
    fn reconnect_delays_grow_with_jitter_and_stay_capped() {
        for _ in 0..200 {
            let d = reconnect_delay(RECONNECT_BASE, 1);
            assert!(d >= Duration::from_millis(250) && d <= Duration::from_millis(500));
            let d = reconnect_delay(RECONNECT_BASE, 3);
            assert!(d >= Duration::from_secs(1) && d <= Duration::from_secs(2));
            let d = reconnect_delay(RECONNECT_BASE, 50);
            assert!(d >= Duration::from_secs(5) && d <= RECONNECT_MAX);
            let d = reconnect_delay(Duration::from_secs(3), 1);
            assert!(d >= Duration::from_millis(1500) && d <= Duration::from_secs(3));
        }
    }

    fn sse_reply(body: &str) -> Reply {
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
        Reply::Raw(format!("{head}{body}").into_bytes())
    }

    fn test_api(base_url: &str) -> HttpApi {
        HttpApi::new(HttpApiOptions {
            base_url: base_url.into(),
            token: Some(Secret::new("stream-token")),
            ..HttpApiOptions::default()
        })
        .unwrap()
    }

    async fn next(stream: &mut EventStream) -> StreamItem {
        tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("an item within 5 s")
            .expect("the stream is still running")
    }

    #[tokio::test]
    async fn stream_decodes_reconnects_and_resumes_from_the_last_id() {
        let first = "retry: 40\n\n: hi\n\
            id: 1\nevent: approval.created\ndata: {\"id\":\"ap_1\",\"kind\":\"ad\"}\n\n\
            event: something.new\ndata: {}\n\n\
            event: approval.created\ndata: not json\n\n\
            id: 2\nevent: partner.updated\ndata: {\"id\":\"p_1\"}\n\n\
            id: 3\nevent: approval.created\ndata: {\"id\":";
        let second = "id: 4\r\nevent: partner.updated\r\ndata: {\"id\":\"p_2\"}\r\n\r\n";
        let server = serve(vec![sse_reply(first), sse_reply(second), Reply::Hang]).await;
        let mut stream = test_api(&server.base_url).events();
        assert_eq!(next(&mut stream).await, StreamItem::Connected);
        assert_eq!(
            next(&mut stream).await,
            StreamItem::Event {
                id: Some("1".into()),
                event: ServerEvent::ApprovalCreated(ApprovalCreated {
                    id: "ap_1".into(),
                    kind: Kind::Ad
                })
            }
        );
        assert_eq!(
            next(&mut stream).await,
            StreamItem::Event {
                id: Some("2".into()),
                event: ServerEvent::PartnerUpdated(PartnerUpdated { id: "p_1".into() })
            }
        );
        assert!(matches!(
            next(&mut stream).await,
            StreamItem::Disconnected { .. }
        ));
        assert_eq!(next(&mut stream).await, StreamItem::Connected);
        assert_eq!(
            next(&mut stream).await,
            StreamItem::Event {
                id: Some("4".into()),
                event: ServerEvent::PartnerUpdated(PartnerUpdated { id: "p_2".into() })
            }
        );
        let reqs = server.requests();
        assert_eq!(reqs[0].target, "/api/v1/events");
        assert_eq!(reqs[0].header("accept"), Some("text/event-stream"));
        assert_eq!(reqs[0].header("authorization"), Some("Bearer stream-token"));
        assert_eq!(reqs[0].header("last-event-id"), None);
        // Event 3 was cut off, so the stream resumes after 2.
        assert_eq!(reqs[1].header("last-event-id"), Some("2"));
    }

    #[tokio::test]
    async fn refused_or_wrong_streams_report_disconnected() {
        let server = serve(vec![problem(401, "unauthorized", "")]).await;
        let mut stream = test_api(&server.base_url).events();
        assert_eq!(
            next(&mut stream).await,
            StreamItem::Refused {
                message: "D unauthorized.".into()
            }
        );
        let server = serve(vec![problem(403, "forbidden", "")]).await;
        let mut stream = test_api(&server.base_url).events();
        assert!(matches!(
            next(&mut stream).await,
            StreamItem::Disconnected { .. }
        ));

        let server = serve(vec![json(200, "{}")]).await;
        let mut stream = test_api(&server.base_url).events();
        assert!(matches!(
            next(&mut stream).await,
            StreamItem::Disconnected { .. }
        ));
    }

    #[tokio::test]
    async fn a_silent_server_is_offline_not_connecting_forever() {
        let server = serve(vec![Reply::Hang, Reply::Hang]).await;
        let api = HttpApi::new(HttpApiOptions {
            base_url: server.base_url.clone(),
            connect_timeout: Duration::from_millis(100),
            read_timeout: Duration::from_millis(100),
            ..HttpApiOptions::default()
        })
        .unwrap();
        let mut stream = api.events();
        assert_eq!(
            next(&mut stream).await,
            StreamItem::Disconnected {
                message: "The backend did not answer in time.".into()
            }
        );
    }

    #[tokio::test]
    async fn dropping_the_stream_stops_reconnecting() {
        let script = (0..50).map(|_| sse_reply("retry: 10\n\n")).collect();
        let server = serve(script).await;
        let mut stream = test_api(&server.base_url).events();
        assert_eq!(next(&mut stream).await, StreamItem::Connected);
        assert!(matches!(
            next(&mut stream).await,
            StreamItem::Disconnected { .. }
        ));
        assert_eq!(next(&mut stream).await, StreamItem::Connected);
        drop(stream);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let n = server.requests().len();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(server.requests().len(), n, "no reconnects after drop");
    }

    #[test]
    fn outside_a_runtime_the_stream_just_reports_offline() {
        let mut stream = test_api("http://127.0.0.1:9").events();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            assert!(matches!(
                stream.next().await,
                Some(StreamItem::Disconnected { .. })
            ));
            assert_eq!(stream.next().await, None);
        });
    }

    #[test]
    fn channel_stream_for_fakes() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, mut stream) = EventStream::channel(4);
            tx.send(StreamItem::Connected).await.unwrap();
            assert_eq!(stream.next().await, Some(StreamItem::Connected));
            assert_eq!(stream.try_next(), None);
            drop(tx);
            assert_eq!(stream.next().await, None);
        });
    }
}
