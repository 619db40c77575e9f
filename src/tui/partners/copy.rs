//! `y`: copy the selected item's email, phone, invoice ID or name to the clipboard (OSC 52, which
//! works over SSH and through tmux). A small chooser: one letter per value.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, Layer, is_typing};
use crate::tui::queue::tabs::Row;
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

/// Which value to copy: (key, what, value).
#[derive(Debug, Clone, PartialEq)]
pub struct CopyChoices(pub Vec<(char, &'static str, String)>);

impl CopyChoices {
    pub fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::chars("letter", "copies", self.0.iter().map(|(k, _, _)| *k)),
            Hint::new("Esc", "cancel", &["esc"]),
        ]
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let lines: Vec<String> = self
            .0
            .iter()
            .map(|(k, what, v)| format!("{k}  {what}: {v}"))
            .collect();
        dialog::confirm_box(
            frame,
            area,
            theme,
            "Copy to the clipboard",
            &lines.join("\n"),
            "a letter copies · Esc cancels",
        )
    }
}

impl App {
    /// `y`: offer the selected item's email, phone and invoice ID (what applies).
    pub(in crate::tui) fn open_copy(&mut self) -> Handled {
        let mut choices: Vec<(char, &'static str, String)> = Vec::new();
        match self.active_section().selected_row() {
            Some(Row::Partner(p)) => {
                let full = self
                    .partners
                    .detail
                    .as_ref()
                    .and_then(|d| d.partner.as_ref())
                    .filter(|f| f.summary.id == p.id);
                if let Some(f) = full {
                    choices.push(('e', "email", f.contact.email.clone()));
                    choices.push(('p', "phone", f.contact.phone.clone()));
                }
                choices.push(('i', "invoice ID", p.invoice_id.clone()));
                choices.push(('n', "name", p.name.clone()));
            }
            Some(Row::Approval(a)) => {
                choices.push(('e', "email", a.partner.email.clone()));
                choices.push(('p', "phone", a.partner.phone.clone()));
                choices.push(('n', "partner name", a.partner.name.clone()));
                choices.push(('d', "id", a.id.clone()));
            }
            Some(Row::Period(p)) => {
                choices.push(('n', "partner name", p.partner().name.clone()));
                choices.push(('d', "id", p.id().to_string()));
            }
            None => return Handled::Ignored,
        }
        choices.retain(|c| !c.2.is_empty());
        self.focus.push(Layer::Copy(CopyChoices(choices)));
        Handled::done()
    }

    pub(in crate::tui) fn copy_key(&mut self, choices: &mut CopyChoices, key: KeyEvent) -> Handled {
        match key.code {
            KeyCode::Esc => Handled::close(),
            KeyCode::Char(c) if is_typing(&key) => match choices.0.iter().find(|(k, _, _)| *k == c)
            {
                Some((_, what, text)) => {
                    let mut fx = vec![Effect::Copy { text: text.clone() }];
                    // The console cannot know whether the terminal (or tmux, whose default is
                    // `set-clipboard external`) took it: it says what it did.
                    fx.extend(self.toast(format!(
                        "Sent the {what} ({text}) to the terminal's clipboard (OSC 52)"
                    )));
                    Handled::Close(fx)
                }
                None => Handled::Ignored,
            },
            _ => Handled::Ignored,
        }
    }
}
