//! Who receives a key: one stack of layers. The bottom is the screen (the lists); the partner's
//! own view, a search line, help and every dialog go on top while they are open. A key (and a
//! paste) goes to the top layer, which answers [`Handled`]: done with effects, ignored
//! (swallowed: a dialog keeps keys from the lists behind it), or passed to the layer below.
//!
//! Each layer also lists its own keys ([`Hint`]s). The key bar and help are drawn from those
//! lists, and a test checks every layer's list against what its keys do, so the two cannot drift
//! apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::effect::Effect;
use super::keymap::Key;
use crate::tui::decide::confirm::Confirm;
use crate::tui::decide::reason::ReasonDialog;
use crate::tui::partners::copy::CopyChoices;
use crate::tui::partners::finder::Finder;
use crate::tui::partners::impersonation::ImpersonateDialog;
use crate::tui::queue::filter_form::FilterForm;
use crate::tui::record::profile::FormDialog;
use crate::tui::record::vouchers::BatchPicker;
use crate::tui::view::help::Help;

/// One layer of the focus stack, with the state that lives only while it is open.
// Short-lived values, a few at a time: boxing the big variants buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Layer {
    /// The tabs, sections and lists: always at the bottom.
    Screen,
    /// Impersonating: the partner's own view, over the CSR's lists.
    PartnerView,
    /// The active section's search line.
    Search,
    Help(Help),
    Filter(FilterForm),
    Copy(CopyChoices),
    Impersonate(ImpersonateDialog),
    Finder(Finder),
    Confirm(Confirm),
    Reason(ReasonDialog),
    /// A record's form (the partner's profile).
    Form(Box<FormDialog>),
    /// Assign or unassign a voucher batch.
    Batches(BatchPicker),
    /// A hierarchy node's administrators.
    Admins(crate::tui::hierarchy::admins::AdminsDialog),
    /// Which tier assignment or campaign link `E` or `D` is for.
    Periods(crate::tui::record::period_picker::PeriodPicker),
    /// The lead form's rendered delivery body.
    Preview(crate::tui::record::preview::PreviewPane),
    /// Quit while a decision is still being sent? What it covers waits below it.
    ConfirmQuit,
    /// Held by the stack while its own handler runs (the handler owns the real one).
    Handling,
}

impl Layer {
    /// Dialogs are drawn in the middle of the body; only the topmost is drawn.
    pub fn is_dialog(&self) -> bool {
        matches!(
            self,
            Layer::Filter(_)
                | Layer::Copy(_)
                | Layer::Impersonate(_)
                | Layer::Finder(_)
                | Layer::Confirm(_)
                | Layer::Reason(_)
                | Layer::Form(_)
                | Layer::Batches(_)
                | Layer::Admins(_)
                | Layer::Periods(_)
                | Layer::Preview(_)
                | Layer::ConfirmQuit
        )
    }
}

/// A layer's answer to a key.
#[derive(Debug)]
pub enum Handled {
    /// The key did something (perhaps only on screen); the layer stays.
    Done(Vec<Effect>),
    /// The key did something and the layer closes.
    Close(Vec<Effect>),
    /// The layer keeps the key from the layers below, and nothing changed.
    Ignored,
    /// Not this layer's key: it falls to the layer below.
    Pass,
}

impl Handled {
    pub fn done() -> Handled {
        Handled::Done(Vec::new())
    }

    pub fn close() -> Handled {
        Handled::Close(Vec::new())
    }
}

impl From<Vec<Effect>> for Handled {
    fn from(fx: Vec<Effect>) -> Handled {
        Handled::Done(fx)
    }
}

/// What a key of a layer does, for the key bar and help, and which keys it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    /// As shown: "Enter", "↑↓", "a".
    pub label: String,
    pub what: String,
    /// Shown struck through when the session may not use it (a viewer's `a`).
    pub enabled: bool,
    /// Shown in the key bar.
    pub bar: bool,
    /// Listed in help.
    pub help: bool,
    pub keys: Keys,
}

/// The keys a [`Hint`] stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Keys {
    These(Vec<Key>),
    /// Any printable character without Ctrl or Alt: typing text.
    Typing,
}

impl Keys {
    /// Does `ev` press one of these keys? A special key (Enter, an arrow) held with Shift or
    /// Alt is that key too, as the layers read it, unless a layer binds the pair itself.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        match self {
            Keys::These(keys) => {
                let key = Key::from_event(ev);
                let plain = Key {
                    code: key.code,
                    mods: KeyModifiers::NONE,
                };
                let loose = !matches!(key.code, KeyCode::Char(_))
                    && !key.mods.contains(KeyModifiers::CONTROL);
                keys.contains(&key) || (loose && keys.contains(&plain))
            }
            Keys::Typing => is_typing(ev),
        }
    }
}

/// A printable character typed without Ctrl or Alt.
pub fn is_typing(ev: &KeyEvent) -> bool {
    matches!(ev.code, KeyCode::Char(_))
        && !ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

impl Hint {
    /// A hint for fixed keys, e.g. `Hint::new("Enter", "send", &["enter"])`.
    pub fn new(label: &str, what: &str, keys: &[&str]) -> Hint {
        Hint {
            label: label.to_string(),
            what: what.to_string(),
            enabled: true,
            bar: true,
            help: true,
            keys: Keys::These(keys.iter().filter_map(|k| Key::parse(k).ok()).collect()),
        }
    }

    /// A hint for plain characters, e.g. the copy chooser's letters or a date's digits.
    pub fn chars(label: &str, what: &str, chars: impl IntoIterator<Item = char>) -> Hint {
        Hint {
            keys: Keys::These(
                chars
                    .into_iter()
                    .map(|c| Key {
                        code: KeyCode::Char(c),
                        mods: KeyModifiers::NONE,
                    })
                    .collect(),
            ),
            ..Hint::new(label, what, &[])
        }
    }

    /// Typing text into the layer.
    pub fn typing(what: &str) -> Hint {
        Hint {
            label: "type".into(),
            what: what.to_string(),
            enabled: true,
            bar: true,
            help: true,
            keys: Keys::Typing,
        }
    }

    /// Shown in help only, not in the key bar.
    pub fn help_only(mut self) -> Hint {
        self.bar = false;
        self
    }

    /// Shown in the key bar, not in help (a summary of keys help lists one by one).
    pub fn bar_only(mut self) -> Hint {
        self.help = false;
        self
    }

    pub fn enabled(mut self, enabled: bool) -> Hint {
        self.enabled = enabled;
        self
    }
}

/// The focus stack. Never empty: [`Layer::Screen`] stays at the bottom.
#[derive(Debug)]
pub struct Focus {
    layers: Vec<Layer>,
}

impl Default for Focus {
    fn default() -> Focus {
        Focus {
            layers: vec![Layer::Screen],
        }
    }
}

impl Focus {
    pub fn push(&mut self, layer: Layer) {
        self.layers.push(layer);
    }

    pub fn top(&self) -> &Layer {
        self.layers.last().unwrap_or(&Layer::Screen)
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    pub fn len(&self) -> usize {
        self.layers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The topmost dialog, the one drawn.
    pub fn dialog(&self) -> Option<&Layer> {
        self.layers.iter().rev().find(|l| l.is_dialog())
    }

    pub fn help(&self) -> Option<&Help> {
        self.layers.iter().rev().find_map(|l| match l {
            Layer::Help(h) => Some(h),
            _ => None,
        })
    }

    /// Is a layer like `probe` open (by kind, not by state)?
    pub fn has(&self, probe: fn(&Layer) -> bool) -> bool {
        self.layers.iter().any(probe)
    }

    /// Close every layer `probe` picks.
    pub fn close(&mut self, probe: fn(&Layer) -> bool) {
        self.layers
            .retain(|l| matches!(l, Layer::Screen) || !probe(l));
    }

    /// The first layer from the top that `pick` finds something in.
    pub fn find_mut<T>(
        &mut self,
        pick: impl FnMut(&mut Layer) -> Option<&mut T>,
    ) -> Option<&mut T> {
        self.layers.iter_mut().rev().find_map(pick)
    }

    pub fn find<T>(&self, pick: impl FnMut(&Layer) -> Option<&T>) -> Option<&T> {
        self.layers.iter().rev().find_map(pick)
    }

    /// Take the layer at `depth` out for its handler; [`Focus::put_back`] returns it.
    pub(in crate::tui) fn take(&mut self, depth: usize) -> Layer {
        std::mem::replace(&mut self.layers[depth], Layer::Handling)
    }

    /// Return a taken layer, or drop it (`None`: it closed). Layers its handler opened meanwhile
    /// stay above it.
    pub(in crate::tui) fn put_back(&mut self, depth: usize, layer: Option<Layer>) {
        match layer {
            Some(l) => self.layers[depth] = l,
            None => {
                self.layers.remove(depth);
            }
        }
    }
}
