//! Toasts: short messages at the bottom right that fade by themselves.

use std::time::Duration;

use super::App;
use super::effect::Effect;
use super::msg::Msg;

const TOAST_TIME: Duration = Duration::from_secs(4);
const ERROR_TOAST_TIME: Duration = Duration::from_secs(8);
const MAX_TOASTS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub kind: ToastKind,
    pub text: String,
}

impl App {
    pub fn toast(&mut self, text: impl Into<String>) -> Vec<Effect> {
        self.push_toast(ToastKind::Info, text.into(), TOAST_TIME)
    }

    pub fn error_toast(&mut self, text: impl Into<String>) -> Vec<Effect> {
        self.push_toast(ToastKind::Error, text.into(), ERROR_TOAST_TIME)
    }

    fn push_toast(&mut self, kind: ToastKind, text: String, time: Duration) -> Vec<Effect> {
        let id = self.next_id();
        self.toasts.push(Toast { id, kind, text });
        if self.toasts.len() > MAX_TOASTS {
            self.toasts.remove(0);
        }
        vec![Effect::After {
            delay: time,
            msg: Msg::ExpireToast(id),
        }]
    }
}
