//! Deciding: approve (after y/N), reject (with a reason), marks for bulk decisions, the answers
//! item by item, and what live events from other CSRs do to the lists. Part of `App`; pure.

pub mod modal;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::client::{ApiError, DecisionKey};
use crate::domain::{Approval, Kind, MAX_REASON_CHARS, ServerEvent, Status, StatusFilter, codes};
use crate::tui::app::effect::{Effect, Verdict};
use crate::tui::app::{App, Load};
use crate::tui::decide::modal::{Modal, ReasonDialog, Target};
use crate::tui::queue::detail::changes;
use crate::tui::queue::tabs::{Row, SectionId, Source};
use crate::tui::textarea::TextArea;

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
        // An item already on its way is not decided twice (a second key would make a second,
        // refused, request and a confusing "already approved by you").
        let sending: std::collections::HashSet<&str> = self
            .batches
            .values()
            .flat_map(|b| b.targets.iter().map(|t| t.id()))
            .collect();
        let approvals: Vec<Approval> = rows
            .into_iter()
            .filter(|a| !sending.contains(a.id.as_str()))
            .cloned()
            .collect();
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

    /// The deciding keys work in a pending queue, for a session that may decide; elsewhere
    /// they do nothing, and a read-only session is told why.
    fn may_decide_here(&mut self) -> Result<(), Vec<Effect>> {
        if !self.in_queue() {
            self.dirty = false;
            return Err(vec![]);
        }
        match self.read_only_reason() {
            Some(why) => Err(self.error_toast(why)),
            None => Ok(()),
        }
    }

    pub(in crate::tui) fn approve_selected(&mut self) -> Vec<Effect> {
        if let Err(fx) = self.may_decide_here() {
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

    pub(in crate::tui) fn reject_selected(&mut self) -> Vec<Effect> {
        if let Err(fx) = self.may_decide_here() {
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

    pub(in crate::tui) fn toggle_mark(&mut self) -> Vec<Effect> {
        if let Err(fx) = self.may_decide_here() {
            return fx;
        }
        let id = self.active_section_id();
        let s = self.section_mut(id);
        if let Some(row_id) = s.selected_row().map(|r| r.id().to_string()) {
            if !s.marked.remove(&row_id) {
                s.marked.insert(row_id);
            }
            s.selected = (s.selected + 1).min(s.len().saturating_sub(1));
        }
        vec![]
    }

    pub(in crate::tui) fn mark_all(&mut self) -> Vec<Effect> {
        if let Err(fx) = self.may_decide_here() {
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

    pub(in crate::tui) fn on_modal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
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
                _ => {
                    self.modal = self.behind_quit.take();
                    vec![]
                }
            },
            Modal::DiscardReason(dialog) => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => vec![],
                _ => {
                    self.modal = Some(Modal::Reason(dialog));
                    vec![]
                }
            },
            Modal::Reason(dialog) => self.on_reason_key(dialog, key),
            // Handled before this (search.rs, partners.rs); kept open if one ever gets here.
            other @ (Modal::Filter(_)
            | Modal::Copy(_)
            | Modal::Impersonate(_)
            | Modal::Finder(_)) => {
                self.modal = Some(other);
                vec![]
            }
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
    pub(in crate::tui) fn paste_into_modal(&mut self, text: &str) -> bool {
        match &mut self.modal {
            Some(Modal::Reason(d)) if !d.sending => {
                d.input.insert_str(text);
                true
            }
            // The impersonation reason is one line: Enter sends it.
            Some(Modal::Impersonate(d)) if !d.sending => {
                d.input.insert_str(&crate::text::clean_line(text));
                true
            }
            _ => false,
        }
    }

    /// Is a decision on its way? One prepared behind an open y/N question has not left yet.
    pub(in crate::tui) fn decisions_in_flight(&self) -> bool {
        let unsent = match &self.modal {
            Some(Modal::Confirm {
                on_yes: Effect::Decide { batch, .. },
                ..
            }) => Some(*batch),
            _ => None,
        };
        self.batches.keys().any(|b| Some(*b) != unsent)
    }

    /// The reason dialog, open or waiting behind the quit question.
    fn reason_dialog_mut(&mut self) -> Option<&mut ReasonDialog> {
        match (&mut self.modal, &mut self.behind_quit) {
            (Some(Modal::Reason(d)), _) | (Some(Modal::ConfirmQuit), Some(Modal::Reason(d))) => {
                Some(d)
            }
            _ => None,
        }
    }

    fn close_reason_dialog(&mut self) {
        if matches!(self.modal, Some(Modal::Reason(_))) {
            self.modal = None;
        } else if matches!(self.behind_quit, Some(Modal::Reason(_))) {
            self.behind_quit = None;
        }
    }

    fn quit_now(&mut self) -> Vec<Effect> {
        self.quitting = true;
        vec![Effect::Quit]
    }

    // ---- answers ------------------------------------------------------------------------

    pub(in crate::tui) fn on_decided(
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
                    if e.code().is_none()
                        || e.is_retryable()
                        || e.code() == Some(codes::REQUEST_IN_FLIGHT)
                    {
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

    // ---- live ---------------------------------------------------------------------------

    pub(in crate::tui) fn on_live_event(&mut self, event: ServerEvent) -> Vec<Effect> {
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
                        crate::tui::decide::modal::what(&a),
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
        crate::tui::decide::modal::what(current),
        current.status.as_str()
    )
}

#[cfg(test)]
mod tests {
    //! The decision logic as a CSR meets it, through `App::update` only: keys in, effects out,
    //! and the answers a runtime would send back fed in by hand.

    use chrono::{TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::client::StreamItem;
    use crate::domain::{
        ApprovalCreated, ApprovalDecided, ApprovalPartner, Details, Item, Me, Money, Page,
        PartnerStatus, Problem, Role, UserRef,
    };
    use crate::tui::app::keymap::Keymap;
    use crate::tui::app::msg::Msg;
    use crate::tui::app::{Session, ToastKind};

    // ---- data -----------------------------------------------------------------------------

    /// Pending partnership `i` ("Partner i", Gold €49.00), at version `10 + i` so that every
    /// row carries a version of its own.
    fn approval(i: usize) -> Approval {
        Approval {
            id: format!("ap_{i}"),
            kind: Kind::Partnership,
            status: Status::Pending,
            version: 10 + i as i64,
            title: "Gold package".into(),
            partner: ApprovalPartner {
                id: format!("pt_{i}"),
                name: format!("Partner {i}"),
                status: PartnerStatus::Active,
                email: format!("p{i}@example.test"),
                phone: "+49 30 100 2000".into(),
                website: "https://example.test".into(),
            },
            item: Some(Item {
                name: "Gold".into(),
                price: Money::new(4900, "EUR"),
            }),
            description: "We would like to reach your audience.".into(),
            requested_at: Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
            decided_at: None,
            decided_by: None,
            reason: None,
            details: Details::default(),
        }
    }

    /// `a` as the server returns it once `name` decided it.
    fn decided(a: &Approval, status: Status, name: &str) -> Approval {
        Approval {
            status,
            version: a.version + 1,
            decided_at: Some(Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 0).unwrap()),
            decided_by: Some(UserRef {
                id: format!("us_{name}"),
                name: name.into(),
            }),
            reason: (status == Status::Rejected).then(|| "No.".into()),
            ..a.clone()
        }
    }

    fn me(role: Role) -> Me {
        Me {
            id: "us_me".into(),
            name: "demo-csr".into(),
            email: "demo-csr@example.test".into(),
            role,
        }
    }

    fn unreachable() -> ApiError {
        ApiError::Unreachable {
            message: "connection refused".into(),
        }
    }

    fn problem(status: u16, code: &str, current: Approval) -> ApiError {
        ApiError::Problem(Box::new(Problem {
            type_: "about:blank".into(),
            title: code.into(),
            status,
            detail: String::new(),
            code: code.into(),
            approval: Some(Box::new(current)),
        }))
    }

    /// A console showing `n` pending partnerships to a CSR.
    fn queue(session: Session, n: usize) -> App {
        let mut app = App::new(session, Keymap::default());
        let fx = app.init();
        let (section, request, slot) = fx
            .iter()
            .find_map(|e| match e {
                Effect::LoadPage {
                    section,
                    request,
                    slot,
                    ..
                } => Some((*section, *request, *slot)),
                _ => None,
            })
            .expect("the first list is loaded at start");
        assert_eq!(section, SectionId::PartnershipPending);
        app.update(Msg::Page {
            section,
            request,
            slot,
            cursor: None,
            result: Ok(Page {
                items: (0..n)
                    .map(|i| Row::Approval(Box::new(approval(i))))
                    .collect(),
                next_cursor: None,
            }),
        });
        app.update(Msg::Me(Ok(me(Role::Csr))));
        assert_eq!(app.active_section().rows.len(), n);
        app
    }

    fn csr(n: usize) -> App {
        queue(Session::default(), n)
    }

    // ---- keys and answers -----------------------------------------------------------------

    fn key(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
        app.update(Msg::Key(KeyEvent::new(code, modifiers)))
    }

    /// Press each char in turn; the effects of all of them.
    fn press(app: &mut App, keys: &str) -> Vec<Effect> {
        keys.chars()
            .flat_map(|c| key(app, KeyCode::Char(c), KeyModifiers::NONE))
            .collect()
    }

    fn enter(app: &mut App) -> Vec<Effect> {
        key(app, KeyCode::Enter, KeyModifiers::NONE)
    }

    fn esc(app: &mut App) -> Vec<Effect> {
        key(app, KeyCode::Esc, KeyModifiers::NONE)
    }

    type Sent = (u64, Verdict, Vec<(String, DecisionKey)>);

    fn decides(fx: &[Effect]) -> Vec<Sent> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Decide {
                    batch,
                    verdict,
                    items,
                } => Some((*batch, verdict.clone(), items.clone())),
                _ => None,
            })
            .collect()
    }

    /// The one decision `fx` sends.
    fn sent(fx: &[Effect]) -> Sent {
        let mut all = decides(fx);
        assert_eq!(all.len(), 1, "exactly one decision is sent: {fx:?}");
        all.remove(0)
    }

    fn loads(fx: &[Effect]) -> Vec<(SectionId, u64)> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::LoadPage {
                    section, request, ..
                } => Some((*section, *request)),
                _ => None,
            })
            .collect()
    }

    fn answer(
        app: &mut App,
        batch: u64,
        id: &str,
        result: Result<Approval, ApiError>,
    ) -> Vec<Effect> {
        app.update(Msg::Decided {
            batch,
            id: id.into(),
            result,
        })
    }

    fn ids(app: &App) -> Vec<String> {
        app.section(SectionId::PartnershipPending)
            .rows
            .iter()
            .map(|r| r.id().to_string())
            .collect()
    }

    fn selected_id(app: &App) -> String {
        app.active_section()
            .selected_row()
            .expect("a selection")
            .id()
            .to_string()
    }

    fn last_toast(app: &App) -> (ToastKind, String) {
        let t = app.toasts.last().expect("a toast");
        (t.kind, t.text.clone())
    }

    fn has_toast(app: &App, kind: ToastKind, words: &str) -> bool {
        app.toasts
            .iter()
            .any(|t| t.kind == kind && t.text.contains(words))
    }

    fn dialog(app: &App) -> &ReasonDialog {
        match &app.modal {
            Some(Modal::Reason(d)) => d,
            other => panic!("the reason dialog is open, not {other:?}"),
        }
    }

    // ---- approve --------------------------------------------------------------------------

    #[test]
    fn approve_asks_then_sends_one_decision_with_the_version_on_screen() {
        let mut app = csr(3);
        press(&mut app, "j");
        assert!(press(&mut app, "a").is_empty(), "nothing leaves before y");
        match &app.modal {
            Some(Modal::Confirm { message, .. }) => assert!(
                message.contains("Partner 1") && message.contains("Gold"),
                "the question names what is approved: {message}"
            ),
            other => panic!("a y/N question, not {other:?}"),
        }
        let (_, verdict, items) = sent(&press(&mut app, "y"));
        assert_eq!(verdict, Verdict::Approve);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].0, "ap_1", "the selected item, not the first");
        assert_eq!(
            items[0].1.version, 11,
            "If-Match carries the version on screen"
        );
        assert!(!items[0].1.idempotency_key.is_empty());
        assert!(app.modal.is_none());
    }

    #[test]
    fn no_or_esc_sends_nothing_and_leaves_nothing_in_flight() {
        let mut app = csr(3);
        press(&mut app, "a");
        assert!(press(&mut app, "n").is_empty());
        assert!(app.modal.is_none());
        press(&mut app, "a");
        assert!(esc(&mut app).is_empty());
        assert!(app.modal.is_none());
        assert!(
            app.batches.is_empty(),
            "a declined decision is not in flight"
        );
        assert!(
            matches!(press(&mut app, "q").as_slice(), [Effect::Quit]),
            "nothing in flight: q quits without asking"
        );
    }

    #[test]
    fn without_confirm_approve_a_sends_at_once() {
        let mut app = queue(
            Session {
                confirm_approve: false,
                ..Session::default()
            },
            2,
        );
        let (_, verdict, items) = sent(&press(&mut app, "a"));
        assert_eq!(verdict, Verdict::Approve);
        assert_eq!(items[0].0, "ap_0");
        assert_eq!(items[0].1.version, 10);
        assert!(app.modal.is_none());
    }

    #[test]
    fn a_failed_approval_is_retried_with_the_same_key_and_a_success_moves_on() {
        let mut app = csr(3);
        press(&mut app, "j");
        press(&mut app, "a");
        let (batch, _, items) = sent(&press(&mut app, "y"));
        let first_key = items[0].1.clone();

        answer(&mut app, batch, "ap_1", Err(unreachable()));
        assert_eq!(ids(&app), ["ap_0", "ap_1", "ap_2"], "the row stays");
        assert_eq!(selected_id(&app), "ap_1");
        let (kind, text) = last_toast(&app);
        assert_eq!(kind, ToastKind::Error);
        assert!(text.contains("Partner 1"), "{text}");

        // Trying again is the same decision: the server must see the same key.
        press(&mut app, "a");
        let (batch, verdict, items) = sent(&press(&mut app, "y"));
        assert_eq!(verdict, Verdict::Approve);
        assert_eq!(items, vec![("ap_1".to_string(), first_key.clone())]);
        answer(&mut app, batch, "ap_1", Err(unreachable()));
        press(&mut app, "a");
        let (batch, _, items) = sent(&press(&mut app, "y"));
        assert_eq!(items[0].1, first_key, "and again on the third try");

        let done = decided(&approval(1), Status::Approved, "demo-csr");
        answer(&mut app, batch, "ap_1", Ok(done));
        assert_eq!(ids(&app), ["ap_0", "ap_2"], "the decided row is gone");
        assert_eq!(app.active_section().selected, 1);
        assert_eq!(
            selected_id(&app),
            "ap_2",
            "the selection is on the next item"
        );
        let (kind, text) = last_toast(&app);
        assert_eq!(kind, ToastKind::Info);
        assert!(
            text.contains("Approved") && text.contains("Partner 1") && text.contains("Gold"),
            "{text}"
        );
        assert!(app.batches.is_empty());
    }

    #[test]
    fn already_decided_elsewhere_removes_the_row_says_who_and_reloads() {
        let mut app = csr(3);
        press(&mut app, "a");
        let (batch, _, _) = sent(&press(&mut app, "y"));
        let current = decided(&approval(0), Status::Rejected, "demo-admin");
        let fx = answer(
            &mut app,
            batch,
            "ap_0",
            Err(problem(409, codes::ALREADY_DECIDED, current)),
        );
        assert_eq!(ids(&app), ["ap_1", "ap_2"]);
        assert_eq!(selected_id(&app), "ap_1");
        assert!(
            has_toast(&app, ToastKind::Error, "already rejected by demo-admin"),
            "{:?}",
            app.toasts
        );
        let reloads: Vec<_> = loads(&fx)
            .into_iter()
            .filter(|(s, _)| *s == SectionId::PartnershipPending)
            .collect();
        assert_eq!(reloads.len(), 1, "the pending list is reloaded: {fx:?}");
        assert_eq!(
            reloads[0].1,
            app.section(SectionId::PartnershipPending).request,
            "and its answer will be taken"
        );
        assert!(app.modal.is_none());
    }

    #[test]
    fn changed_under_the_csr_asks_again_with_a_new_key_and_the_new_version() {
        let mut app = csr(2);
        press(&mut app, "a");
        let (batch, _, items) = sent(&press(&mut app, "y"));
        let old_key = items[0].1.clone();
        let current = Approval {
            version: 11,
            title: "Platinum package".into(),
            item: Some(Item {
                name: "Platinum".into(),
                price: Money::new(9900, "EUR"),
            }),
            ..approval(0)
        };
        let fx = answer(
            &mut app,
            batch,
            "ap_0",
            Err(problem(412, codes::VERSION_MISMATCH, current)),
        );
        assert!(
            decides(&fx).is_empty(),
            "nothing is approved without asking"
        );
        let (message, batch, items) = match &app.modal {
            Some(Modal::Confirm {
                message,
                on_yes:
                    Effect::Decide {
                        batch,
                        verdict: Verdict::Approve,
                        items,
                    },
                ..
            }) => (message.clone(), *batch, items.clone()),
            other => panic!("asked again, not {other:?}"),
        };
        assert!(
            message.contains("title") && message.contains("Platinum package"),
            "{message}"
        );
        assert!(
            message.contains("item") && message.contains("Platinum (€99.00)"),
            "{message}"
        );
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].0, "ap_0");
        assert_eq!(
            items[0].1.version, 11,
            "If-Match now carries the new version"
        );
        assert_ne!(
            items[0].1.idempotency_key, old_key.idempotency_key,
            "a new decision has a new key"
        );
        match &app.active_section().rows[0] {
            Row::Approval(a) => {
                assert_eq!(a.title, "Platinum package", "the row shows it as it is")
            }
            Row::Partner(_) => unreachable!(),
        }

        // y sends exactly what was shown, and its answer is taken.
        let again = sent(&press(&mut app, "y"));
        assert_eq!(again, (batch, Verdict::Approve, items));
        let done = decided(&approval(0), Status::Approved, "demo-csr");
        answer(&mut app, batch, "ap_0", Ok(done));
        assert_eq!(ids(&app), ["ap_1"]);
    }

    // ---- reject ---------------------------------------------------------------------------

    #[test]
    fn reject_needs_a_reason_keeps_it_on_failure_and_resends_with_the_same_key() {
        let mut app = csr(2);
        assert!(press(&mut app, "r").is_empty());
        assert_eq!(dialog(&app).targets.len(), 1);
        assert_eq!(dialog(&app).targets[0].id(), "ap_0");
        assert_eq!(dialog(&app).targets[0].key.version, 10);

        assert!(enter(&mut app).is_empty(), "no reason, nothing sent");
        assert!(dialog(&app).error.is_some());
        press(&mut app, "   ");
        assert!(enter(&mut app).is_empty(), "blank is no reason");
        key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
        key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
        key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);

        press(&mut app, "Not in your region.");
        key(&mut app, KeyCode::Enter, KeyModifiers::ALT);
        press(&mut app, "We will write.");
        let text = "Not in your region.\nWe will write.";
        assert_eq!(dialog(&app).input.text(), text);
        let (batch, verdict, items) = sent(&enter(&mut app));
        assert_eq!(
            verdict,
            Verdict::Reject {
                reason: text.into()
            }
        );
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].0, "ap_0");
        assert_eq!(items[0].1.version, 10);
        assert!(dialog(&app).sending);
        assert!(dialog(&app).error.is_none());

        answer(&mut app, batch, "ap_0", Err(unreachable()));
        let d = dialog(&app);
        assert_eq!(d.input.text(), text, "nothing typed is lost");
        assert!(!d.sending);
        assert!(d.error.is_some(), "the dialog says it was not sent");
        assert_eq!(ids(&app), ["ap_0", "ap_1"]);

        let (batch, verdict2, items2) = sent(&enter(&mut app));
        assert_eq!(verdict2, verdict);
        assert_eq!(items2, items, "the retry carries the same key");

        answer(
            &mut app,
            batch,
            "ap_0",
            Ok(decided(&approval(0), Status::Rejected, "demo-csr")),
        );
        assert!(app.modal.is_none(), "sent: the dialog closes");
        assert_eq!(ids(&app), ["ap_1"]);
        assert!(
            has_toast(&app, ToastKind::Info, "Rejected Partner 0"),
            "{:?}",
            app.toasts
        );
    }

    #[test]
    fn a_bulk_rejection_keeps_only_what_failed_with_its_key_and_the_text() {
        let mut app = csr(5);
        press(&mut app, "   ");
        assert_eq!(app.active_section().marked.len(), 3);
        press(&mut app, "r");
        let targets: Vec<(String, DecisionKey)> = dialog(&app)
            .targets
            .iter()
            .map(|t| (t.id().to_string(), t.key.clone()))
            .collect();
        assert_eq!(
            targets.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
            ["ap_0", "ap_1", "ap_2"],
            "one dialog for the three marked"
        );
        press(&mut app, "Sorry.");
        let (batch, verdict, items) = sent(&enter(&mut app));
        assert_eq!(
            verdict,
            Verdict::Reject {
                reason: "Sorry.".into()
            }
        );
        assert_eq!(items, targets);

        answer(
            &mut app,
            batch,
            "ap_0",
            Ok(decided(&approval(0), Status::Rejected, "demo-csr")),
        );
        let current = decided(&approval(1), Status::Approved, "demo-admin");
        answer(
            &mut app,
            batch,
            "ap_1",
            Err(problem(409, codes::ALREADY_DECIDED, current)),
        );
        assert!(dialog(&app).sending, "still waiting for the third answer");
        answer(&mut app, batch, "ap_2", Err(unreachable()));

        let d = dialog(&app);
        assert!(!d.sending);
        assert_eq!(d.input.text(), "Sorry.");
        assert_eq!(d.targets.len(), 1, "only what failed is left to send");
        assert_eq!(d.targets[0].id(), "ap_2");
        assert_eq!(d.targets[0].key, targets[2].1, "with its original key");
        assert!(d.error.is_some());
        assert_eq!(ids(&app), ["ap_2", "ap_3", "ap_4"]);
        assert!(
            has_toast(&app, ToastKind::Info, "Rejected Partner 0"),
            "{:?}",
            app.toasts
        );
        assert!(has_toast(
            &app,
            ToastKind::Error,
            "already approved by demo-admin"
        ));
        assert!(
            has_toast(&app, ToastKind::Error, "Partner 2"),
            "says what did not go through"
        );

        let (_, _, items) = sent(&enter(&mut app));
        assert_eq!(items, vec![targets[2].clone()]);
    }

    #[test]
    fn esc_with_text_asks_before_throwing_it_away() {
        let mut app = csr(1);
        press(&mut app, "r");
        press(&mut app, "half a thought");
        assert!(esc(&mut app).is_empty());
        assert!(matches!(app.modal, Some(Modal::DiscardReason(_))));
        assert!(press(&mut app, "n").is_empty());
        assert_eq!(dialog(&app).input.text(), "half a thought");
        esc(&mut app);
        assert!(press(&mut app, "y").is_empty());
        assert!(app.modal.is_none(), "y throws it away");

        press(&mut app, "r");
        assert!(esc(&mut app).is_empty());
        assert!(app.modal.is_none(), "no text: Esc closes at once");
        assert!(app.batches.is_empty());
    }

    // ---- read-only ------------------------------------------------------------------------

    fn assert_read_only(mut app: App) {
        for k in ["a", "r", " "] {
            app.toasts.clear();
            let fx = press(&mut app, k);
            assert!(decides(&fx).is_empty(), "{k:?} decides nothing");
            assert!(app.modal.is_none(), "{k:?} opens nothing");
            assert!(
                app.active_section().marked.is_empty(),
                "{k:?} marks nothing"
            );
            let (kind, text) = last_toast(&app);
            assert_eq!(kind, ToastKind::Error);
            assert!(text.starts_with("Read-only"), "{k:?}: {text}");
        }
        assert!(app.batches.is_empty());
    }

    #[test]
    fn a_read_only_profile_cannot_decide() {
        assert_read_only(queue(
            Session {
                read_only: true,
                ..Session::default()
            },
            2,
        ));
    }

    #[test]
    fn a_viewer_cannot_decide() {
        let mut app = csr(2);
        app.update(Msg::Me(Ok(me(Role::Viewer))));
        assert_read_only(app);
    }

    // ---- live -----------------------------------------------------------------------------

    fn event(event: ServerEvent) -> Msg {
        Msg::Stream(StreamItem::Event { id: None, event })
    }

    fn decided_event(id: &str, by: (&str, &str)) -> Msg {
        event(ServerEvent::ApprovalDecided(ApprovalDecided {
            id: id.into(),
            kind: Kind::Partnership,
            status: Status::Approved,
            decided_by: UserRef {
                id: by.0.into(),
                name: by.1.into(),
            },
        }))
    }

    #[test]
    fn decided_by_someone_else_takes_the_row_away_and_says_so() {
        let mut app = csr(4);
        press(&mut app, "j");
        app.update(decided_event("ap_1", ("us_admin", "demo-admin")));
        assert_eq!(ids(&app), ["ap_0", "ap_2", "ap_3"]);
        assert_eq!(app.active_section().selected, 1);
        assert_eq!(
            selected_id(&app),
            "ap_2",
            "the selection is on the next item"
        );
        let (_, text) = last_toast(&app);
        assert!(
            text.contains("Partner 1") && text.contains("was just approved by demo-admin"),
            "{text}"
        );

        // A row above the selection goes: the selection stays on the same item.
        app.update(decided_event("ap_0", ("us_admin", "demo-admin")));
        assert_eq!(selected_id(&app), "ap_2");

        // One's own decision, echoed back, is no news.
        app.toasts.clear();
        app.update(decided_event("ap_2", ("us_me", "demo-csr")));
        assert_eq!(ids(&app), ["ap_3"]);
        assert!(app.toasts.is_empty(), "{:?}", app.toasts);
    }

    #[test]
    fn a_new_request_reloads_its_queue_if_loaded() {
        let mut app = csr(1);
        let fx = app.update(event(ServerEvent::ApprovalCreated(ApprovalCreated {
            id: "ap_new".into(),
            kind: Kind::Partnership,
        })));
        let reload = loads(&fx);
        assert_eq!(reload.len(), 1, "{fx:?}");
        assert_eq!(reload[0].0, SectionId::PartnershipPending);
        assert_eq!(
            reload[0].1,
            app.section(SectionId::PartnershipPending).request
        );

        let fx = app.update(event(ServerEvent::ApprovalCreated(ApprovalCreated {
            id: "ap_addon".into(),
            kind: Kind::Addon,
        })));
        assert!(
            loads(&fx).is_empty(),
            "a queue not yet shown loads when shown"
        );
    }

    // ---- quitting -------------------------------------------------------------------------

    #[test]
    fn quitting_while_a_decision_is_in_flight_asks_first() {
        let mut app = csr(2);
        press(&mut app, "a");
        sent(&press(&mut app, "y"));
        assert!(press(&mut app, "q").is_empty(), "not without asking");
        assert!(matches!(app.modal, Some(Modal::ConfirmQuit)));
        assert!(press(&mut app, "n").is_empty());
        assert!(app.modal.is_none());
        press(&mut app, "q");
        assert!(matches!(press(&mut app, "y").as_slice(), [Effect::Quit]));

        // Once answered, nothing is in flight: q quits at once.
        let mut app = csr(2);
        press(&mut app, "a");
        let (batch, _, _) = sent(&press(&mut app, "y"));
        answer(
            &mut app,
            batch,
            "ap_0",
            Ok(decided(&approval(0), Status::Approved, "demo-csr")),
        );
        assert!(matches!(press(&mut app, "q").as_slice(), [Effect::Quit]));
    }

    fn ctrl_c(app: &mut App) -> Vec<Effect> {
        key(app, KeyCode::Char('c'), KeyModifiers::CONTROL)
    }

    #[test]
    fn staying_after_ctrl_c_keeps_the_reason_being_sent() {
        let mut app = csr(2);
        press(&mut app, "r");
        press(&mut app, "Sorry.");
        let (batch, _, items) = sent(&enter(&mut app));
        assert!(
            ctrl_c(&mut app).is_empty(),
            "a rejection is on its way: ask"
        );
        assert!(matches!(app.modal, Some(Modal::ConfirmQuit)));
        assert!(press(&mut app, "n").is_empty());
        assert_eq!(dialog(&app).input.text(), "Sorry.", "staying loses nothing");
        assert!(dialog(&app).sending);

        // The answer arrives while the question is up: the dialog behind it takes it.
        ctrl_c(&mut app);
        answer(&mut app, batch, "ap_0", Err(unreachable()));
        press(&mut app, "n");
        let d = dialog(&app);
        assert_eq!(d.input.text(), "Sorry.");
        assert!(!d.sending, "ready to send again");
        let (batch, _, again) = sent(&enter(&mut app));
        assert_eq!(again, items);

        ctrl_c(&mut app);
        answer(
            &mut app,
            batch,
            "ap_0",
            Ok(decided(&approval(0), Status::Rejected, "demo-csr")),
        );
        press(&mut app, "n");
        assert!(
            app.modal.is_none(),
            "sent while asked: the dialog is closed"
        );
    }

    #[test]
    fn a_question_not_yet_answered_is_not_a_decision_in_flight() {
        let mut app = csr(2);
        press(&mut app, "a");
        assert!(
            matches!(ctrl_c(&mut app).as_slice(), [Effect::Quit]),
            "nothing was sent: Ctrl-C quits at once"
        );

        // With another decision on its way, staying returns to the open question.
        let mut app = csr(2);
        press(&mut app, "a");
        sent(&press(&mut app, "y"));
        press(&mut app, "j");
        press(&mut app, "a");
        ctrl_c(&mut app);
        assert!(matches!(app.modal, Some(Modal::ConfirmQuit)));
        press(&mut app, "n");
        assert!(matches!(app.modal, Some(Modal::Confirm { .. })));
        let (_, _, items) = sent(&press(&mut app, "y"));
        assert_eq!(items[0].0, "ap_1");
    }
}
