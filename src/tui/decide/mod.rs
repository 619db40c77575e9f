//! Deciding: approve (after y/N), reject (with a reason), marks for bulk decisions, the answers
//! item by item, and what live events from other CSRs do to the lists. Pure, like all of `App`.
//!
//! - this file: who may decide, what is decided (the targets), and the batch sent;
//! - `confirm.rs`: the y/N questions; `reason.rs`: the reason dialog;
//! - `answers.rs`: what the server answered; `live.rs`: what other CSRs did.

mod answers;
pub mod arrivals;
pub mod confirm;
mod live;
pub mod presence;
pub mod reason;

use std::collections::BTreeMap;

use crate::client::DecisionKey;
use crate::domain::{Approval, Kind, StatusFilter};
use crate::tui::app::App;
use crate::tui::app::effect::{Effect, Verdict};
use crate::tui::app::focus::{Handled, Layer};
use crate::tui::queue::tabs::{Row, SectionId, Source};
use crate::tui::view::format;
use confirm::Confirm;
use reason::ReasonDialog;

/// The decisions on their way, and the keys kept for retrying failed ones.
#[derive(Debug, Default)]
pub struct Decisions {
    /// Decisions in flight, by batch id.
    pub batches: BTreeMap<u64, Batch>,
    /// Keys of decisions that failed to reach the server, reused when the CSR tries the same
    /// decision of the same version again, so a late success is never doubled.
    pub(in crate::tui) retry_keys: BTreeMap<(String, bool), DecisionKey>,
    /// New requests gathered for one answer.
    pub arrivals: arrivals::Arrivals,
    /// Who else has which item open, and what this console said it has open.
    pub watchers: presence::Watchers,
}

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

/// One approval a decision is aimed at, as the CSR saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub approval: Approval,
    /// Kept for every retry of this decision; replaced only when the CSR decides anew (after
    /// the item changed under them).
    pub key: DecisionKey,
}

impl Target {
    pub fn new(approval: Approval, key: DecisionKey) -> Target {
        Target { approval, key }
    }

    pub fn id(&self) -> &str {
        &self.approval.id
    }

    /// "Acme Media – Gold package".
    pub fn label(&self) -> String {
        format!("{} – {}", self.approval.partner.name, what(&self.approval))
    }
}

/// What is being asked for: the package or add-on with its price, else the title.
pub fn what(a: &Approval) -> String {
    match &a.item {
        Some(i) if a.kind != Kind::AdvertisingPackage => {
            format!("{} ({})", i.name, format::money(&i.price))
        }
        _ => a.title.clone(),
    }
}

/// The pending sections that list `kind`: its own queue and the list of every pending request.
pub fn pending_sections(kind: Kind) -> [SectionId; 2] {
    [pending_section(kind), SectionId::AllPending]
}

/// The queue of `kind`'s own tab.
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

    /// The marked approvals of the active section, else the selected one; an item already on
    /// its way is left out (a second key would make a second, refused, request and a confusing
    /// "already approved by you").
    fn targets(&mut self, approve: bool) -> Vec<Target> {
        let s = self.active_section();
        if s.load != crate::tui::app::Load::Loaded {
            // The list shows a message, not its rows: nothing on screen to decide.
            return Vec::new();
        }
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
        let sending: std::collections::HashSet<&str> = self
            .decide
            .batches
            .values()
            .flat_map(|b| b.targets.iter().map(|t| t.id()))
            .collect();
        let approvals: Vec<Approval> = rows
            .into_iter()
            // Decided elsewhere, still shown until the selection moves: nothing to decide.
            .filter(|a| !s.departed.contains_key(&a.id))
            .filter(|a| !sending.contains(a.id.as_str()))
            .cloned()
            .collect();
        approvals
            .into_iter()
            .map(|a| {
                let key = self.key_for(&a, approve);
                Target::new(a, key)
            })
            .collect()
    }

    /// A decision's key: the one kept from a failed attempt at the same decision of the same
    /// version, else a new one.
    fn key_for(&mut self, a: &Approval, approve: bool) -> DecisionKey {
        match self.decide.retry_keys.get(&(a.id.clone(), approve)) {
            Some(k) if k.version == a.version => k.clone(),
            _ => self.keys.next(a.version, self.now),
        }
    }

    /// The deciding keys work in a pending queue, for a session that may decide; elsewhere
    /// they do nothing, and a read-only session is told why.
    fn may_decide_here(&mut self) -> Result<(), Handled> {
        if !self.in_queue() {
            return Err(Handled::Ignored);
        }
        match self.read_only_reason() {
            Some(why) => Err(self.error_toast(why).into()),
            None => Ok(()),
        }
    }

    /// Marks are per section: deciding here leaves another section's marks alone, and says so.
    fn marks_elsewhere(&mut self) -> Vec<Effect> {
        let active = self.active_section_id();
        let elsewhere: Vec<String> = self
            .sections
            .iter()
            .filter(|s| s.id != active && !s.marked.is_empty())
            .map(|s| {
                let tab = crate::tui::queue::tabs::TabId::ALL
                    .into_iter()
                    .find(|t| t.sections().contains(&s.id))
                    .map(|t| format!("{} ", t.title()))
                    .unwrap_or_default();
                format!("{} in {tab}{}", s.marked.len(), s.id.title())
            })
            .collect();
        if elsewhere.is_empty() {
            return vec![];
        }
        self.note(format!(
            "Marks are per section: {} marked stay as they are",
            elsewhere.join(", ")
        ))
    }

    pub(in crate::tui) fn approve_selected(&mut self) -> Handled {
        if let Err(h) = self.may_decide_here() {
            return h;
        }
        let targets = self.targets(true);
        if targets.is_empty() {
            return Handled::Ignored;
        }
        let elsewhere = self.marks_elsewhere();
        let effect = self.decide_effect(Verdict::Approve, targets.clone(), false);
        // A suspended partner's requests stay in the queue; approving one is asked about even
        // when approvals are not.
        let mut suspended: Vec<String> = targets
            .iter()
            .filter(|t| t.approval.partner.standing.suspended())
            .map(|t| {
                let p = &t.approval.partner;
                match &p.standing.suspended_by {
                    Some(by) => format!("{} is suspended by {}.", p.name, by.name),
                    None => format!("{} is suspended.", p.name),
                }
            })
            .collect();
        // Another CSR has one of them open: asked about too (`[ui] confirm_when_watched`).
        let labelled: Vec<(String, String)> = targets
            .iter()
            .map(|t| (t.id().to_string(), t.label()))
            .collect();
        let watched = if self.session.confirm_when_watched {
            self.watched_words(&labelled)
        } else {
            Vec::new()
        };
        if !self.session.confirm_approve && suspended.is_empty() && watched.is_empty() {
            let mut fx = vec![effect];
            fx.extend(elsewhere);
            return fx.into();
        }
        let mut message = match (targets.as_slice(), watched.as_slice()) {
            ([_], [words]) => format!("{words} Approve anyway?"),
            ([one], _) => format!("Approve {}?", one.label()),
            (many, _) => format!(
                "Approve these {}?\n{}",
                many.len(),
                bullets(many, 9).join("\n")
            ),
        };
        suspended.dedup();
        for s in &suspended {
            message.push_str(&format!("\n⊘ {s}"));
        }
        if targets.len() > 1 {
            for w in &watched {
                message.push_str(&format!("\n◉ {w}"));
            }
        }
        self.focus
            .push(Layer::Confirm(Confirm::new("Approve", message, effect)));
        elsewhere.into()
    }

    pub(in crate::tui) fn reject_selected(&mut self) -> Handled {
        self.open_text_dialog(reason::Purpose::Reject)
    }

    /// `A`: approve with a comment, written in the same dialog as a reason.
    pub(in crate::tui) fn approve_with_comment(&mut self) -> Handled {
        self.open_text_dialog(reason::Purpose::Comment)
    }

    /// The dialog where a reason (reject) or a comment (approve) is written, for the marked
    /// items or the selected one.
    fn open_text_dialog(&mut self, purpose: reason::Purpose) -> Handled {
        if let Err(h) = self.may_decide_here() {
            return h;
        }
        let targets = self.targets(purpose == reason::Purpose::Comment);
        if targets.is_empty() {
            return Handled::Ignored;
        }
        let elsewhere = self.marks_elsewhere();
        self.focus.push(Layer::Reason(ReasonDialog::new(
            purpose,
            targets,
            &self.session.reasons,
        )));
        elsewhere.into()
    }

    pub(in crate::tui) fn toggle_mark(&mut self) -> Handled {
        // Queues mark for a bulk decision, Expiring for a bulk extension (`x`).
        let expiring = self.active_section_id() == SectionId::Expiring;
        if let (false, Err(h)) = (expiring, self.may_decide_here()) {
            return h;
        }
        let id = self.active_section_id();
        let s = self.section_mut(id);
        let Some(row_id) = s.selected_row().map(|r| r.id().to_string()) else {
            return Handled::Ignored;
        };
        if !s.marked.remove(&row_id) {
            s.marked.insert(row_id);
        }
        s.selected = (s.selected + 1).min(s.len().saturating_sub(1));
        Handled::done()
    }

    pub(in crate::tui) fn mark_all(&mut self) -> Handled {
        if let Err(h) = self.may_decide_here() {
            return h;
        }
        let id = self.active_section_id();
        let s = self.section_mut(id);
        s.marked = s.rows.iter().map(|r| r.id().to_string()).collect();
        Handled::done()
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
        self.decide.batches.insert(
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

    /// Is a decision on its way? One prepared behind an open y/N question has not left yet.
    pub(in crate::tui) fn decisions_in_flight(&self) -> bool {
        let unsent = self.focus.find(|l| match l {
            Layer::Confirm(c) => c.batch(),
            _ => None,
        });
        self.decide.batches.keys().any(|b| Some(b) != unsent)
    }
}

/// At most `rows` lines naming `targets` ("• Acme Media – Gold (€49.00)"): all of them when
/// they fit, else as many as leave a line for "… and 3 more". A long bulk list stays inside its
/// dialog.
pub(super) fn bullets(targets: &[Target], rows: usize) -> Vec<String> {
    let shown = if targets.len() <= rows {
        targets.len()
    } else {
        rows.saturating_sub(1)
    };
    let mut lines: Vec<String> = targets[..shown]
        .iter()
        .map(|t| format!("• {}", t.label()))
        .collect();
    if shown < targets.len() && rows > 0 {
        lines.push(format!("… and {} more", targets.len() - shown));
    }
    lines
}

fn as_approval(r: &Row) -> Option<&Approval> {
    match r {
        Row::Approval(a) => Some(a),
        Row::Partner(_) | Row::Period(_) => None,
    }
}

#[cfg(test)]
mod tests;
