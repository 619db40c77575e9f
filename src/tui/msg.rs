//! What can happen to the app: keys (raw; the app maps them through the keymap, so modals can
//! read text), API results, live events, timers.

use crossterm::event::KeyEvent;

use super::section::Slot;
use super::tabs::{Row, SectionId};
use crate::client::{ApiError, StreamItem};
use crate::domain::{Approval, Me, Page, Summary};

// Short-lived values, one or a few at a time: boxing the big variants buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// The terminal changed size; the next frame is drawn at the new size.
    Resize,
    Me(Result<Me, ApiError>),
    Summary(Result<Summary, ApiError>),
    /// A page for a section; `request` tells a stale answer from the current one.
    Page {
        section: SectionId,
        request: u64,
        slot: Slot,
        /// The cursor that fetched it (kept, so a dropped page can be fetched again).
        cursor: Option<String>,
        result: Result<Page<Row>, ApiError>,
    },
    Stream(StreamItem),
    /// The answer to one decision of a batch.
    Decided {
        batch: u64,
        id: String,
        result: Result<Approval, ApiError>,
    },
    ExpireToast(u64),
    /// An export has written this many rows so far.
    ExportProgress(u64),
    /// The export ended: the file and its rows, or what went wrong (or that it was cancelled).
    ExportDone(Result<(std::path::PathBuf, u64), String>),
    /// Typing in a search paused; `generation` tells the newest text from older ones.
    SearchSettled {
        section: SectionId,
        generation: u64,
    },
    /// Offline: time to poll `/summary` again.
    PollSummary,
    /// SIGINT / SIGTERM / SIGHUP: leave now.
    Shutdown,
}
