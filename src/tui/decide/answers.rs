//! What the server answered to each decision of a batch: success, decided elsewhere first (409),
//! changed under the CSR (412, asked again), or not sent (kept, with its key, for a retry). One
//! report per finished batch.

use crate::client::ApiError;
use crate::domain::{Approval, Kind, codes};
use crate::tui::app::effect::{Effect, Verdict};
use crate::tui::app::focus::Layer;
use crate::tui::app::{App, Load};
use crate::tui::queue::detail::changes;
use crate::tui::queue::tabs::{Row, SectionId};

use super::confirm::Confirm;
use super::{Batch, Target, is_history, pending_sections, what};

impl App {
    pub(in crate::tui) fn on_decided(
        &mut self,
        batch_id: u64,
        id: String,
        result: Result<Approval, ApiError>,
    ) -> Vec<Effect> {
        let Some(batch) = self.decide.batches.get_mut(&batch_id) else {
            return vec![];
        };
        let Some(target) = batch.targets.iter().find(|t| t.id() == id).cloned() else {
            return vec![];
        };
        let approve = !matches!(batch.verdict, Verdict::Reject { .. });
        let mut fx = Vec::new();
        let mut reask: Option<Approval> = None;
        match result {
            Ok(decided) => {
                batch.succeeded.push(target.label());
                self.decide.retry_keys.remove(&(id.clone(), approve));
                self.forget_pending(&decided.id, decided.kind);
            }
            Err(e) => match (e.code(), e.current_approval().cloned()) {
                (Some(codes::ALREADY_DECIDED), Some(current)) => {
                    let batch = self.decide.batches.get_mut(&batch_id).expect("present");
                    batch.refused.push(already_decided_words(&current));
                    self.decide.retry_keys.remove(&(id.clone(), approve));
                    self.forget_pending(&current.id, current.kind);
                    fx.extend(self.reload_pending(current.kind));
                }
                (Some(codes::VERSION_MISMATCH), Some(current)) => {
                    let batch = self.decide.batches.get_mut(&batch_id).expect("present");
                    let what = changes(&target.approval, &current).join(", ");
                    batch.refused.push(format!(
                        "{} changed since you saw it ({what})",
                        target.label()
                    ));
                    batch.reasked.push(id.clone());
                    self.decide.retry_keys.remove(&(id.clone(), approve));
                    reask = Some(current);
                }
                _ => {
                    let batch = self.decide.batches.get_mut(&batch_id).expect("present");
                    batch.failed.push((target.clone(), e.user_message()));
                    // A retry of this decision must carry the same key.
                    if e.code().is_none()
                        || e.is_retryable()
                        || e.code() == Some(codes::REQUEST_IN_FLIGHT)
                    {
                        self.decide
                            .retry_keys
                            .insert((id.clone(), approve), target.key.clone());
                    }
                }
            },
        }
        if let Some(current) = reask {
            fx.extend(self.reask(batch_id, target, current));
        }
        let batch = self.decide.batches.get(&batch_id).expect("present");
        if batch.answered() == batch.targets.len() {
            let batch = self.decide.batches.remove(&batch_id).expect("present");
            fx.extend(self.finish(batch));
        }
        fx
    }

    /// The item changed under the CSR (412): show what changed and ask again with its new
    /// version and a new key (it is a new decision).
    fn reask(&mut self, batch_id: u64, old: Target, current: Approval) -> Vec<Effect> {
        let from_dialog = self
            .decide
            .batches
            .get(&batch_id)
            .is_some_and(|b| b.from_dialog);
        let what = changes(&old.approval, &current);
        self.replace_row(&current);
        let renewed = Target::new(current.clone(), self.keys.next(current.version, self.now));
        if from_dialog {
            if let Some(d) = self.reason_dialog_mut() {
                for t in d.targets.iter_mut().filter(|t| t.id() == renewed.id()) {
                    *t = renewed.clone();
                }
                d.error = Some(format!(
                    "{} changed since you saw it: {}. Enter rejects it as it is now.",
                    renewed.label(),
                    what.join(", ")
                ));
            }
            return vec![];
        }
        let effect = self.decide_effect(Verdict::Approve, vec![renewed.clone()], false);
        self.focus.push(Layer::Confirm(Confirm::new(
            "Changed since you saw it",
            format!(
                "{} changed: {}.\nApprove it as it is now?",
                renewed.label(),
                what.join(", ")
            ),
            effect,
        )));
        vec![]
    }

    /// Report a finished batch: one toast for what went through, one per failure; a reason
    /// dialog closes only when nothing is left to send.
    fn finish(&mut self, batch: Batch) -> Vec<Effect> {
        let verb = match batch.verdict {
            Verdict::Approve | Verdict::ApproveWithComment { .. } => "Approved",
            Verdict::Reject { .. } => "Rejected",
        };
        let mut fx = vec![Effect::LoadSummary];
        fx.extend(self.invalidate_histories());
        match batch.succeeded.as_slice() {
            [] => {}
            [one] => fx.extend(self.toast(format!("{verb} {one}"))),
            many => fx.extend(self.toast(format!("{verb} {}: {}", many.len(), many.join(", ")))),
        }
        for words in &batch.refused {
            fx.extend(self.error_toast(words.clone()));
        }
        for (t, why) in &batch.failed {
            fx.extend(self.error_toast(format!("Not sent: {} – {why}", t.label())));
        }
        if batch.from_dialog
            && let Some(d) = self.reason_dialog_mut()
        {
            d.sending = false;
            // Keep what still needs sending: failures (with their keys) and changed items.
            let keep = |id: &str| {
                batch.reasked.iter().any(|r| r == id)
                    || batch.failed.iter().any(|(t, _)| t.id() == id)
            };
            d.targets.retain(|t| keep(t.id()));
            if d.targets.is_empty() {
                self.close_reason_dialog();
            } else if let Some((_, why)) = batch.failed.first() {
                d.error = Some(format!(
                    "Not sent: {why} Your text is kept; Enter tries again."
                ));
            }
        }
        fx
    }

    pub(super) fn forget_pending(&mut self, id: &str, kind: Kind) {
        for section in pending_sections(kind) {
            self.section_mut(section).remove(id);
        }
    }

    /// Reload the queues that list `kind`, those that have been loaded (its own is always).
    pub(super) fn reload_pending(&mut self, kind: Kind) -> Vec<Effect> {
        let [own, all] = pending_sections(kind);
        let mut fx = self.reload(own);
        if self.section(all).load == Load::Loaded {
            fx.extend(self.reload(all));
        }
        fx
    }

    fn replace_row(&mut self, current: &Approval) {
        for section in pending_sections(current.kind) {
            let s = self.section_mut(section);
            for r in s.rows.iter_mut() {
                if r.id() == current.id {
                    *r = Row::Approval(Box::new(current.clone()));
                }
            }
            s.rows_changed();
        }
    }

    /// Histories changed: reload the one in view, forget the others until shown.
    pub(super) fn invalidate_histories(&mut self) -> Vec<Effect> {
        let active = self.active_section_id();
        let mut fx = self.stats_effect();
        for id in SectionId::ALL.into_iter().filter(|s| is_history(*s)) {
            if id == active {
                fx.extend(self.reload(id));
            } else if self.section(id).load == Load::Loaded {
                self.section_mut(id).load = Load::NotLoaded;
            }
        }
        fx
    }
}

/// Words for a 409: "Acme Media – Gold: already rejected by demo-admin at 14:02 – list refreshed".
fn already_decided_words(current: &Approval) -> String {
    let who = current
        .decided_by
        .as_ref()
        .map(|u| u.name.as_str())
        .unwrap_or("someone");
    let when = current
        .decided_at
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default();
    format!(
        "{} – {}: already {} by {who} at {when} – list refreshed",
        current.partner.name,
        what(current),
        current.status.as_str()
    )
}
