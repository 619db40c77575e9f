//! What the app asks of the world, as data. `update` returns these; the runtime (`runtime.rs`)
//! performs them on tokio tasks and answers with `Msg`s, so `update` never waits.

use std::time::Duration;

use super::msg::Msg;
use super::tabs::SectionId;

#[derive(Debug)]
pub enum Effect {
    LoadMe,
    LoadSummary,
    LoadPage {
        section: SectionId,
        request: u64,
        cursor: Option<String>,
    },
    /// Send `msg` back after `delay` (toasts fading, offline polling). Nothing is scheduled
    /// while idle, so an idle console wakes for nothing.
    After {
        delay: Duration,
        msg: Msg,
    },
    /// Ctrl-Z: give the terminal back until `fg`.
    Suspend,
    Quit,
}
