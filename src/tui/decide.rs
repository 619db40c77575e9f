//! Deciding: approve (after y/N), reject (with a reason), marks for bulk decisions, the answers
//! item by item, and what live events from other CSRs do to the lists. Part of `App`; pure.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Load};
use super::detail::changes;
use super::effect::{Effect, Verdict};
use super::modal::{Modal, ReasonDialog, Target};
use super::tabs::{Row, SectionId, Source};
use super::textarea::TextArea;
use crate::client::{ApiError, DecisionKey};
use crate::domain::{Approval, Kind, MAX_REASON_CHARS, ServerEvent, Status, StatusFilter, codes};

/// A decision on its way: what was asked, and what has come back so far.
#[derive(Debug)]
pub struct Batch {
    pub verdict: Verdict,
    pub targets: Vec<Target>,
    pub succeeded: Vec<String>,
    pub failed: Vec<(Target, String)>,
    /// Decided elsewhere first, or changed: the words for each.
    pub refused: Vec<String>,
    /// Ids that changed under the CSR (412) and are asked about again.
    pub reasked: Vec<String>,
    /// The reason dialog waits for this batch (rejections); on failure it stays open.
    pub from_dialog: bool,
}

impl Batch {
    fn answered(&self) -> usize {
        self.succeeded.len() + self.failed.len() + self.refused.len()
    }
}

/// The pending section that lists `kind`.
pub fn pending_section(kind: Kind) -> SectionId {
    match kind {
        Kind::Partnership => SectionId::PartnershipPending,
        Kind::Addon => SectionId::AddonPending,
        Kind::Broadcast => SectionId::Broadcasts,
        Kind::AdvertisingPackage => SectionId::AdvertisingPackages,
        Kind::Ad => SectionId::Ads,
    }
}

fn is_history(id: SectionId) -> bool {
    matches!(id.source(), Source::Approvals { status, .. } if status != StatusFilter::Pending)
}

impl App {
    /// Why this session may not decide, if it may not.
    pub fn read_only_reason(&self) -> Option<String> {
        if self.session.read_only {
            return Some(format!(
                "Read-only: the profile {} is read-only; you can look, not decide.",
                self.session.profile
            ));
        }
        match &self.user {
            Some(me) if !me.role.can_decide() => Some(format!(
                "Read-only: your role is {}; you can look, not decide.",
                me.role.as_str()
            )),
            _ => None,
        }
    }

    /// Does the active section hold pending approvals (so deciding keys apply)?
    pub fn in_queue(&self) -> bool {
        matches!(
            self.active_section_id().source(),
            Source::Approvals {
                status: StatusFilter::Pending,
                ..
            }
        )
    }

    /// The marked approvals of the active section, else the selected one.
    fn targets(&mut self) -> Vec<Target> {
        let s = self.active_section();
        let rows: Vec<&Approval> = if s.marked.is_empty() {
            s.selected_row()
                .into_iter()
                .filter_map(as_approval)
                .collect()
        } else {
            s.rows
                .iter()
                .filter(|r| s.marked.contains(r.id()))
                .filter_map(as_approval)
                .collect()
        };
        let approvals: Vec<Approval> = rows.into_iter().cloned().collect();
        approvals
            .into_iter()
            .map(|a| Target::new(a.clone(), self.key_for(&a, true)))
            .collect()
    }

    /// A decision's key: the one kept from a failed attempt at the same decision of the same
    /// version, else a new one.
    fn key_for(&mut self, a: &Approval, approve: bool) -> DecisionKey {
        match self.retry_keys.get(&(a.id.clone(), approve)) {
            Some(k) if k.version == a.version => k.clone(),
            _ => DecisionKey::new(a.version),
        }
    }

    fn refuse_read_only(&mut self) -> Option<Vec<Effect>> {
        let why = self.read_only_reason()?;
        Some(self.error_toast(why))
    }

    pub(super) fn approve_selected(&mut self) -> Vec<Effect> {
        if !self.in_queue() {
            self.dirty = false;
            return vec![];
        }
        if let Some(fx) = self.refuse_read_only() {
            return fx;
        }
        let targets = self.targets();
        if targets.is_empty() {
            self.dirty = false;
            return vec![];
        }
        let effect = self.decide_effect(Verdict::Approve, targets.clone(), false);
        if !self.session.confirm_approve {
            return vec![effect];
        }
        let message = match targets.as_slice() {
            [one] => format!("Approve {}?", one.label()),
            many => format!("Approve these {}?\n{}", many.len(), bullet_list(many, 8)),
        };
        self.modal = Some(Modal::Confirm {
            title: "Approve".into(),
            message,
            on_yes: effect,
        });
        vec![]
    }

    pub(super) fn reject_selected(&mut self) -> Vec<Effect> {
        if !self.in_queue() {
            self.dirty = false;
            return vec![];
        }
        if let Some(fx) = self.refuse_read_only() {
            return fx;
        }
        let targets: Vec<Target> = self
            .targets()
            .into_iter()
            .map(|t| {
                let key = self.key_for(&t.approval, false);
                Target::new(t.approval, key)
            })
            .collect();
        if targets.is_empty() {
            self.dirty = false;
            return vec![];
        }
        self.modal = Some(Modal::Reason(ReasonDialog {
            targets,
            input: TextArea::default(),
            error: None,
            sending: false,
        }));
        vec![]
    }

    pub(super) fn toggle_mark(&mut self) -> Vec<Effect> {
        if !self.in_queue() {
            self.dirty = false;
            return vec![];
        }
        if let Some(fx) = self.refuse_read_only() {
            return fx;
        }
        let id = self.active_section_id();
        let s = self.section_mut(id);
        if let Some(row_id) = s.selected_row().map(|r| r.id().to_string()) {
            if !s.marked.remove(&row_id) {
                s.marked.insert(row_id);
            }
            s.selected = (s.selected + 1).min(s.rows.len().saturating_sub(1));
        }
        vec![]
    }

    pub(super) fn mark_all(&mut self) -> Vec<Effect> {
        if !self.in_queue() {
            self.dirty = false;
            return vec![];
        }
        if let Some(fx) = self.refuse_read_only() {
            return fx;
        }
        let id = self.active_section_id();
        let s = self.section_mut(id);
        s.marked = s.rows.iter().map(|r| r.id().to_string()).collect();
        vec![]
    }

    /// The effect that sends `verdict` for `targets`, with its batch registered.
    fn decide_effect(
        &mut self,
        verdict: Verdict,
        targets: Vec<Target>,
        from_dialog: bool,
    ) -> Effect {
        let batch = self.next_id();
        let items = targets
            .iter()
            .map(|t| (t.id().to_string(), t.key.clone()))
            .collect();
        self.batches.insert(
            batch,
            Batch {
                verdict: verdict.clone(),
                targets,
                succeeded: Vec::new(),
                failed: Vec::new(),
                refused: Vec::new(),
                reasked: Vec::new(),
                from_dialog,
            },
        );
        Effect::Decide {
            batch,
            verdict,
            items,
        }
    }

    // ---- modal keys ---------------------------------------------------------------------

    pub(super) fn on_modal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(modal) = self.modal.take() else {
            return vec![];
        };
        match modal {
            Modal::Confirm {
                title,
                message,
                on_yes,
            } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => vec![on_yes],
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Enter => {
                    // No: the batch that was prepared never leaves.
                    if let Effect::Decide { batch, .. } = on_yes {
                        self.batches.remove(&batch);
                    }
                    vec![]
                }
                _ => {
                    self.modal = Some(Modal::Confirm {
                        title,
                        message,
                        on_yes,
                    });
                    self.dirty = false;
                    vec![]
                }
            },
            Modal::ConfirmQuit => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.quit_now(),
                _ => vec![],
            },
            Modal::DiscardReason(dialog) => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => vec![],
                _ => {
                    self.modal = Some(Modal::Reason(dialog));
                    vec![]
                }
            },
            Modal::Reason(dialog) => self.on_reason_key(dialog, key),
        }
    }

    fn on_reason_key(&mut self, mut d: ReasonDialog, key: KeyEvent) -> Vec<Effect> {
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if d.sending {
            // Keys wait while the reason is on its way; the dialog shows it.
            self.modal = Some(Modal::Reason(d));
            self.dirty = false;
            return vec![];
        }
        let mut fx = vec![];
        match key.code {
            KeyCode::Esc => {
                if d.input.is_blank() {
                    return vec![];
                }
                self.modal = Some(Modal::DiscardReason(d));
                return vec![];
            }
            KeyCode::Enter if alt || key.modifiers.contains(KeyModifiers::SHIFT) => {
                d.input.insert_char('\n')
            }
            // Ctrl-J is what many terminals send for Alt-Enter's cousin, a bare line feed.
            KeyCode::Char('j') if ctrl => d.input.insert_char('\n'),
            KeyCode::Enter => {
                let n = d.input.count();
                if n == 0 {
                    d.error =
                        Some("A reason is required: the partner reads it in the email.".into());
                } else if n > MAX_REASON_CHARS {
                    d.error = Some(format!(
                        "The reason is {n} characters; at most {MAX_REASON_CHARS} can be sent."
                    ));
                } else {
                    d.error = None;
                    d.sending = true;
                    let reason = d.input.text().trim().to_string();
                    fx.push(self.decide_effect(
                        Verdict::Reject { reason },
                        d.targets.clone(),
                        true,
                    ));
                }
            }
            KeyCode::Backspace => d.input.backspace(),
            KeyCode::Delete => d.input.delete(),
            KeyCode::Left => d.input.left(),
            KeyCode::Right => d.input.right(),
            KeyCode::Home => d.input.home(),
            KeyCode::End => d.input.end(),
            KeyCode::Tab => d.input.insert_str("    "),
            KeyCode::Char(c) if !ctrl && !alt => d.input.insert_char(c),
            _ => self.dirty = false,
        }
        self.modal = Some(Modal::Reason(d));
        fx
    }

    /// Text pasted while the reason dialog is open goes into it.
    pub(super) fn paste_into_modal(&mut self, text: &str) -> bool {
        match &mut self.modal {
            Some(Modal::Reason(d)) if !d.sending => {
                d.input.insert_str(text);
                true
            }
            _ => false,
        }
    }

    fn quit_now(&mut self) -> Vec<Effect> {
        self.quitting = true;
        vec![Effect::Quit]
    }

    // ---- answers ------------------------------------------------------------------------

    pub(super) fn on_decided(
        &mut self,
        batch_id: u64,
        id: String,
        result: Result<Approval, ApiError>,
    ) -> Vec<Effect> {
        let Some(batch) = self.batches.get_mut(&batch_id) else {
            self.dirty = false;
            return vec![];
        };
        let Some(target) = batch.targets.iter().find(|t| t.id() == id).cloned() else {
            return vec![];
        };
        let approve = batch.verdict == Verdict::Approve;
        let mut fx = Vec::new();
        let mut reask: Option<Approval> = None;
        match result {
            Ok(decided) => {
                batch.succeeded.push(target.label());
                self.retry_keys.remove(&(id.clone(), approve));
                self.forget_pending(&decided.id, decided.kind);
            }
            Err(e) => match (e.code(), e.current_approval().cloned()) {
                (Some(codes::ALREADY_DECIDED), Some(current)) => {
                    let batch = self.batches.get_mut(&batch_id).expect("present");
                    batch.refused.push(already_decided_words(&current));
                    self.retry_keys.remove(&(id.clone(), approve));
                    self.forget_pending(&current.id, current.kind);
                    fx.extend(self.reload(pending_section(current.kind)));
                }
                (Some(codes::VERSION_MISMATCH), Some(current)) => {
                    let batch = self.batches.get_mut(&batch_id).expect("present");
                    let what = changes(&target.approval, &current).join(", ");
                    batch.refused.push(format!(
                        "{} changed since you saw it ({what})",
                        target.label()
                    ));
                    batch.reasked.push(id.clone());
                    self.retry_keys.remove(&(id.clone(), approve));
                    reask = Some(current);
                }
                _ => {
                    let batch = self.batches.get_mut(&batch_id).expect("present");
                    batch.failed.push((target.clone(), e.user_message()));
                    // A retry of this decision must carry the same key.
                    if e.code().is_none() {
                        self.retry_keys
                            .insert((id.clone(), approve), target.key.clone());
                    }
                }
            },
        }
        if let Some(current) = reask {
            fx.extend(self.reask(batch_id, target, current));
        }
        let batch = self.batches.get(&batch_id).expect("present");
        if batch.answered() == batch.targets.len() {
            let batch = self.batches.remove(&batch_id).expect("present");
            fx.extend(self.finish(batch));
        }
        fx
    }

    /// The item changed under the CSR (412): show what changed and ask again with its new
    /// version and a new key (it is a new decision).
    fn reask(&mut self, batch_id: u64, old: Target, current: Approval) -> Vec<Effect> {
        let from_dialog = self.batches.get(&batch_id).is_some_and(|b| b.from_dialog);
        let what = changes(&old.approval, &current);
        self.replace_row(&current);
        let renewed = Target::new(current.clone(), DecisionKey::new(current.version));
        if from_dialog {
            if let Some(Modal::Reason(d)) = &mut self.modal {
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
        self.modal = Some(Modal::Confirm {
            title: "Changed since you saw it".into(),
            message: format!(
                "{} changed: {}.\nApprove it as it is now?",
                renewed.label(),
                what.join(", ")
            ),
            on_yes: effect,
        });
        vec![]
    }

    /// Report a finished batch: one toast for what went through, one per failure; a reason
    /// dialog closes only when nothing is left to send.
    fn finish(&mut self, batch: Batch) -> Vec<Effect> {
        let verb = match batch.verdict {
            Verdict::Approve => "Approved",
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
            && let Some(Modal::Reason(d)) = &mut self.modal
        {
            d.sending = false;
            // Keep what still needs sending: failures (with their keys) and changed items.
            let keep = |id: &str| {
                batch.reasked.iter().any(|r| r == id)
                    || batch.failed.iter().any(|(t, _)| t.id() == id)
            };
            d.targets.retain(|t| keep(t.id()));
            if d.targets.is_empty() {
                self.modal = None;
            } else if let Some((_, why)) = batch.failed.first() {
                d.error = Some(format!(
                    "Not sent: {why} Your text is kept; Enter tries again."
                ));
            }
        }
        fx
    }

    fn forget_pending(&mut self, id: &str, kind: Kind) {
        let section = pending_section(kind);
        self.section_mut(section).remove(id);
    }

    fn replace_row(&mut self, current: &Approval) {
        let section = pending_section(current.kind);
        let s = self.section_mut(section);
        for r in s.rows.iter_mut() {
            if r.id() == current.id {
                *r = Row::Approval(Box::new(current.clone()));
            }
        }
    }

    /// Histories changed: reload the one in view, forget the others until shown.
    fn invalidate_histories(&mut self) -> Vec<Effect> {
        let active = self.active_section_id();
        let mut fx = Vec::new();
        for id in SectionId::ALL.into_iter().filter(|s| is_history(*s)) {
            if id == active {
                fx.extend(self.reload(id));
            } else if self.section(id).load == Load::Loaded {
                self.section_mut(id).load = Load::NotLoaded;
            }
        }
        fx
    }

    // ---- live ---------------------------------------------------------------------------

    pub(super) fn on_live_event(&mut self, event: ServerEvent) -> Vec<Effect> {
        let mut fx = vec![Effect::LoadSummary];
        match event {
            ServerEvent::ApprovalDecided(d) => {
                let section = pending_section(d.kind);
                let active = self.active_section_id();
                let s = self.section(section);
                let selected = s
                    .selected_row()
                    .filter(|r| r.id() == d.id)
                    .and_then(as_approval)
                    .cloned();
                let by_me = self
                    .user
                    .as_ref()
                    .is_some_and(|me| me.id == d.decided_by.id);
                let was_there = self.section_mut(section).remove(&d.id);
                if let (Some(a), true, false) = (selected, section == active, by_me) {
                    fx.extend(self.toast(format!(
                        "{} – {} was just {} by {}",
                        a.partner.name,
                        super::modal::what(&a),
                        Status::as_str(d.status),
                        d.decided_by.name
                    )));
                }
                if !was_there {
                    self.dirty = false;
                }
                fx.extend(self.invalidate_histories());
            }
            ServerEvent::ApprovalCreated(c) => {
                let section = pending_section(c.kind);
                if self.section(section).load == Load::Loaded {
                    fx.extend(self.reload(section));
                }
            }
            ServerEvent::PartnerUpdated(_) => self.dirty = false,
        }
        fx
    }
}

/// "• A\n• B\n… and 3 more": a long bulk list stays inside its dialog.
fn bullet_list(targets: &[Target], max: usize) -> String {
    let mut lines: Vec<String> = targets
        .iter()
        .take(max)
        .map(|t| format!("• {}", t.label()))
        .collect();
    if targets.len() > max {
        lines.push(format!("… and {} more", targets.len() - max));
    }
    lines.join("\n")
}

fn as_approval(r: &Row) -> Option<&Approval> {
    match r {
        Row::Approval(a) => Some(a),
        Row::Partner(_) => None,
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
        super::modal::what(current),
        current.status.as_str()
    )
}
