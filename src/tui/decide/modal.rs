//! Modals are data that carry their pending effect (gitui's `ConfirmAction`): a confirm holds
//! the decision it will send on `y`; the reason dialog holds its targets, each with the
//! idempotency key that every retry of that decision reuses. An open modal takes every key.

use crate::client::DecisionKey;
use crate::domain::Approval;
use crate::tui::app::effect::Effect;
use crate::tui::textarea::TextArea;

/// One approval a decision is aimed at, as the CSR saw it.
#[derive(Debug, Clone)]
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
        Some(i) if a.kind != crate::domain::Kind::AdvertisingPackage => {
            format!("{} ({})", i.name, crate::tui::view::format::money(&i.price))
        }
        _ => a.title.clone(),
    }
}

#[derive(Debug)]
pub struct ReasonDialog {
    pub targets: Vec<Target>,
    pub input: TextArea,
    /// Why the last send did not go through, or what changed; the text stays.
    pub error: Option<String>,
    /// A send is in flight: every key waits (the answer closes the dialog or says what failed).
    pub sending: bool,
}

// Short-lived values, one or a few at a time: boxing the big variants buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Modal {
    /// y/N; `on_yes` runs on yes, nothing on no.
    Confirm {
        title: String,
        message: String,
        on_yes: Effect,
    },
    /// The reason for rejecting `targets`, required, sent to the partners' email.
    Reason(ReasonDialog),
    /// Esc in a reason dialog with text in it: really throw the text away?
    DiscardReason(ReasonDialog),
    /// Quit while a decision is still being sent?
    ConfirmQuit,
    /// Narrow a list by kind, decision and dates.
    Filter(crate::tui::queue::filter::FilterForm),
    /// Which value to copy: (key, what, value).
    Copy(Vec<(char, &'static str, String)>),
    /// The reason for impersonating a partner.
    Impersonate(crate::tui::partners::ImpersonateDialog),
    /// Find a partner by a fragment of its name.
    Finder(crate::tui::partners::Finder),
}
