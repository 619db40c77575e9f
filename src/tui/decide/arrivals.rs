//! New requests as they arrive (`approval.created`): partners submit all day, several a second
//! at busy times, so arrivals are gathered for a moment and answered together: the open queues
//! read once, the tab counts once, one toast for the burst ("3 new partnership requests") that
//! grows while it is on screen rather than one per request. The new rows carry `● new` until
//! the CSR's selection visits them; the selection and the scroll stay where they were.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::domain::{ApprovalCreated, Kind};
use crate::tui::app::effect::Effect;
use crate::tui::app::msg::Msg;
use crate::tui::app::{App, Load};

use super::pending_sections;

/// How long arrivals are gathered before the queues are read: well inside the second in which
/// the counts must show them, long enough to answer a burst once.
pub const GATHER: Duration = Duration::from_millis(250);

/// Arrivals not yet answered, and the toast that tells of the current burst.
#[derive(Debug, Default)]
pub struct Arrivals {
    /// New requests by kind since the last answer.
    waiting: BTreeMap<Kind, usize>,
    /// An answer is scheduled (`Msg::ArrivalsSettled`).
    scheduled: bool,
    /// The burst's toast while it is on screen, with what it has counted so far.
    toast: Option<(u64, BTreeMap<Kind, usize>)>,
}

/// "3 new partnership requests", or "4 new requests: 3 partnership, 1 ad" across kinds.
pub fn burst_text(counts: &BTreeMap<Kind, usize>) -> String {
    let noun = |k: &Kind| k.label().to_lowercase();
    let total: usize = counts.values().sum();
    match counts.iter().collect::<Vec<_>>().as_slice() {
        [(kind, n)] => format!(
            "{n} new {} request{}",
            noun(kind),
            if **n == 1 { "" } else { "s" }
        ),
        many => {
            let parts: Vec<String> = many
                .iter()
                .map(|(k, n)| format!("{n} {}", noun(k)))
                .collect();
            format!("{total} new requests: {}", parts.join(", "))
        }
    }
}

impl App {
    /// `approval.created`: the row is new where its queues are loaded; the answer waits for
    /// the burst to settle.
    pub(in crate::tui) fn on_approval_created(&mut self, c: &ApprovalCreated) -> Vec<Effect> {
        for section in pending_sections(c.kind) {
            let s = self.section_mut(section);
            if s.load == Load::Loaded {
                s.fresh.insert(c.id.clone());
            }
        }
        *self.decide.arrivals.waiting.entry(c.kind).or_default() += 1;
        if self.decide.arrivals.scheduled {
            return Vec::new();
        }
        self.decide.arrivals.scheduled = true;
        vec![Effect::After {
            delay: GATHER,
            msg: Msg::ArrivalsSettled,
        }]
    }

    /// The burst so far is answered: its queues read again (the selection kept on its item),
    /// the counts read, and the burst's toast shown or grown.
    pub(in crate::tui) fn on_arrivals_settled(&mut self) -> Vec<Effect> {
        let arrivals = &mut self.decide.arrivals;
        arrivals.scheduled = false;
        let waiting = std::mem::take(&mut arrivals.waiting);
        if waiting.is_empty() {
            return Vec::new();
        }
        let mut fx = vec![Effect::LoadSummary];
        let mut reload: Vec<_> = waiting
            .keys()
            .flat_map(|k| pending_sections(*k))
            .filter(|s| self.section(*s).load == Load::Loaded)
            .collect();
        reload.sort_by_key(|s| *s as usize);
        reload.dedup();
        for s in reload {
            fx.extend(self.reload(s));
        }
        // The burst's toast, while it is still shown, counts on; else a new one starts.
        let live = self
            .decide
            .arrivals
            .toast
            .take()
            .filter(|(id, _)| self.toasts.iter().any(|t| t.id == *id));
        match live {
            Some((id, mut counts)) => {
                for (k, n) in waiting {
                    *counts.entry(k).or_default() += n;
                }
                let text = burst_text(&counts);
                if let Some(t) = self.toasts.iter_mut().find(|t| t.id == id) {
                    t.text = text;
                }
                self.decide.arrivals.toast = Some((id, counts));
            }
            None => {
                fx.extend(self.note(burst_text(&waiting)));
                if let Some(t) = self.toasts.last() {
                    self.decide.arrivals.toast = Some((t.id, waiting));
                }
            }
        }
        fx
    }

    /// The selection is on a row: it is no longer new (called after every message).
    pub(in crate::tui) fn visit_selected(&mut self) {
        let id = self.active_section_id();
        let s = self.section_mut(id);
        if s.fresh.is_empty() {
            return;
        }
        if let Some(sel) = s.selected_row().map(|r| r.id().to_string()) {
            s.fresh.remove(&sel);
        }
    }
}
