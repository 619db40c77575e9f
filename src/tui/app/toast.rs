//! Toasts: short messages at the bottom right that fade by themselves.

use std::time::Duration;

use super::App;
use super::effect::Effect;
use super::msg::Msg;

const TOAST_TIME: Duration = Duration::from_secs(4);
const ERROR_TOAST_TIME: Duration = Duration::from_secs(8);
const MAX_TOASTS: usize = 3;

/// What a toast reports; each has its own symbol, so the kind reads without colour too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    /// Something the CSR asked for was done: `✓`.
    Success,
    /// Worth knowing, nothing went wrong: `•`.
    Info,
    /// Something happened that the CSR did not ask for: `!`.
    Warning,
    /// Something failed: `✗`.
    Error,
}

impl ToastKind {
    pub fn symbol(self) -> &'static str {
        match self {
            ToastKind::Success => "✓",
            ToastKind::Info => "•",
            ToastKind::Warning => "!",
            ToastKind::Error => "✗",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub kind: ToastKind,
    pub text: String,
    /// Stays until the next key rather than fading (news the CSR must not miss).
    pub sticky: bool,
}

impl App {
    /// Something the CSR asked for was done.
    pub fn toast(&mut self, text: impl Into<String>) -> Vec<Effect> {
        self.push_toast(ToastKind::Success, text.into(), TOAST_TIME)
    }

    /// Worth knowing; nothing was done or went wrong.
    pub fn note(&mut self, text: impl Into<String>) -> Vec<Effect> {
        self.push_toast(ToastKind::Info, text.into(), TOAST_TIME)
    }

    /// Something the CSR did not ask for happened.
    pub fn warning(&mut self, text: impl Into<String>) -> Vec<Effect> {
        self.push_toast(ToastKind::Warning, text.into(), ERROR_TOAST_TIME)
    }

    pub fn error_toast(&mut self, text: impl Into<String>) -> Vec<Effect> {
        self.push_toast(ToastKind::Error, text.into(), ERROR_TOAST_TIME)
    }

    /// A toast that stays until the next key: an impersonation that ended by itself, a
    /// finished export.
    pub fn sticky_toast(&mut self, kind: ToastKind, text: impl Into<String>) -> Vec<Effect> {
        self.add_toast(kind, text.into(), true);
        vec![]
    }

    /// A key was pressed: the sticky toasts have been seen.
    pub(in crate::tui) fn dismiss_sticky_toasts(&mut self) {
        self.toasts.retain(|t| !t.sticky);
    }

    fn push_toast(&mut self, kind: ToastKind, text: String, time: Duration) -> Vec<Effect> {
        let id = self.add_toast(kind, text, false);
        vec![Effect::After {
            delay: time,
            msg: Msg::ExpireToast(id),
        }]
    }

    fn add_toast(&mut self, kind: ToastKind, text: String, sticky: bool) -> u64 {
        let id = self.next_id();
        self.toasts.push(Toast {
            id,
            kind,
            text,
            sticky,
        });
        if self.toasts.len() > MAX_TOASTS {
            self.toasts.remove(0);
        }
        id
    }
}
