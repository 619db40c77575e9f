//! What other CSRs did, as the event stream tells it: a decided item leaves its queue (with a
//! toast if it was the one selected), a new request reloads its queue.

use crate::domain::{ApprovalDecided, ServerEvent, Status};
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Layer;
use crate::tui::app::{App, Load};
use crate::tui::queue::tabs::SectionId;

use super::{as_approval, pending_sections, what};

impl App {
    pub(in crate::tui) fn on_live_event(&mut self, event: ServerEvent) -> Vec<Effect> {
        // New requests are gathered and their counts read together (`arrivals`).
        if let ServerEvent::ApprovalCreated(c) = &event {
            return self.on_approval_created(c);
        }
        let mut fx = vec![Effect::LoadSummary];
        match event {
            ServerEvent::ApprovalDecided(d) => {
                let active = self.active_section_id();
                // The item as the CSR sees it, when it is the one selected in view.
                let selected = pending_sections(d.kind)
                    .into_iter()
                    .filter(|s| *s == active)
                    .find_map(|s| {
                        self.section(s)
                            .selected_row()
                            .filter(|r| r.id() == d.id)
                            .and_then(as_approval)
                            .cloned()
                    });
                let by_me = self
                    .user
                    .as_ref()
                    .is_some_and(|me| me.id == d.decided_by.id);
                match (&selected, by_me) {
                    // The row being read stays, marked, until the selection leaves it.
                    (Some(_), false) => {
                        for s in super::pending_sections(d.kind) {
                            if s == active {
                                self.section_mut(s).departed.insert(d.id.clone(), d.status);
                            } else {
                                self.section_mut(s).remove(&d.id);
                            }
                        }
                    }
                    _ => self.forget_pending(&d.id, d.kind),
                }
                let closed = if by_me {
                    vec![]
                } else {
                    self.close_dialogs_for(&d)
                };
                let told = !closed.is_empty();
                fx.extend(closed);
                if let (Some(a), false, false) = (selected, by_me, told) {
                    fx.extend(self.warning(format!(
                        "{} – {} was just {} by {}",
                        a.partner.name,
                        what(&a),
                        Status::as_str(d.status),
                        d.decided_by.name
                    )));
                }
                fx.extend(self.invalidate_histories());
            }
            ServerEvent::ApprovalCreated(_) => {}
            // Who has which item open: it changes no count, so not even the summary is read.
            ServerEvent::Presence(p) => return self.on_presence(p),
            ServerEvent::PartnerUpdated(p) => fx.extend(self.on_partner_updated(&p.id)),
            ServerEvent::RecordChanged(r) => fx.extend(self.on_record_changed(&r)),
        }
        fx
    }

    /// A partner changed (an approval set its package or add-ons): the directory shows it
    /// again if it lists that partner, and an open detail of it is read again.
    pub(in crate::tui) fn on_partner_updated(&mut self, id: &str) -> Vec<Effect> {
        let mut fx = Vec::new();
        let directory = SectionId::Partners;
        let s = self.section(directory);
        if s.load == Load::Loaded && s.rows.iter().any(|r| r.id() == id) {
            fx.extend(self.reload(directory));
        }
        if self.partners.detail.as_ref().is_some_and(|d| d.id == id) {
            fx.push(Effect::LoadPartner { id: id.to_string() });
        }
        fx
    }

    /// A question or a reason dialog about an item another CSR just decided closes at once and
    /// says so, rather than after `y`; a reason typed for it goes to the clipboard and into the
    /// message, so nothing written is lost.
    fn close_dialogs_for(&mut self, d: &ApprovalDecided) -> Vec<Effect> {
        let words = format!(
            "already {} by {} at {} UTC",
            Status::as_str(d.status),
            d.decided_by.name,
            self.now.format("%H:%M")
        );
        let mut fx = Vec::new();
        let question = self
            .focus
            .find(|l| match l {
                Layer::Confirm(c) => c.batch(),
                _ => None,
            })
            .copied();
        let asked = question.and_then(|b| {
            let batch = self.decide.batches.get(&b)?;
            let target = batch.targets.iter().find(|t| t.id() == d.id)?;
            Some((b, target.label()))
        });
        if let Some((batch, label)) = asked {
            self.decide.batches.remove(&batch);
            self.focus
                .close(|l| matches!(l, Layer::Confirm(c) if c.batch().is_some()));
            fx.extend(self.warning(format!("{label}: {words}. Nothing was sent.")));
        }
        let Some(dialog) = self.reason_dialog_mut().filter(|r| !r.sending) else {
            return fx;
        };
        let Some(label) = dialog
            .targets
            .iter()
            .find(|t| t.id() == d.id)
            .map(|t| t.label())
        else {
            return fx;
        };
        dialog.targets.retain(|t| t.id() != d.id);
        if !dialog.targets.is_empty() {
            fx.extend(self.warning(format!("{label}: {words}; left out of this rejection.")));
            return fx;
        }
        let text = dialog.input.text().trim().to_string();
        self.close_reason_dialog();
        if text.is_empty() {
            fx.extend(self.warning(format!("{label}: {words}.")));
        } else {
            fx.extend(self.warning(format!(
                "{label}: {words}. Your reason is on the clipboard: “{}”",
                crate::tui::view::format::fit(text.as_str(), 60)
            )));
            fx.push(Effect::Copy { text });
        }
        fx
    }
}
