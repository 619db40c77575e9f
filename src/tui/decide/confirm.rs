//! The y/N questions: a confirm carries the effect it runs on yes (gitui's `ConfirmAction`), so
//! answering needs nothing else; "quit while a decision is being sent?" waits above whatever it
//! interrupted, which is back on top after a no.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, is_typing};
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

#[derive(Debug)]
pub struct Confirm {
    pub title: String,
    pub message: String,
    /// Runs on yes; taken when answered.
    pub on_yes: Option<Effect>,
}

impl Confirm {
    pub fn new(title: impl Into<String>, message: impl Into<String>, on_yes: Effect) -> Confirm {
        Confirm {
            title: title.into(),
            message: message.into(),
            on_yes: Some(on_yes),
        }
    }

    /// The batch a yes would send (prepared, not sent yet).
    pub fn batch(&self) -> Option<&u64> {
        match &self.on_yes {
            Some(Effect::Decide { batch, .. }) => Some(batch),
            _ => None,
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        dialog::confirm_box(
            frame,
            area,
            theme,
            &self.title,
            &self.message,
            "y yes · n or Esc no",
        );
    }
}

/// The keys of every y/N question.
pub fn hints() -> Vec<Hint> {
    vec![
        Hint::new("y", "yes", &["y", "Y"]),
        Hint::new("n/Esc", "no", &["n", "N", "esc"]),
        Hint::new("Enter", "no (the default answer)", &["enter"]).help_only(),
    ]
}

pub(in crate::tui) enum Answer {
    Yes,
    No,
}

/// The answer `key` gives: y or n typed plainly (a Ctrl or Alt chord answers nothing), or Esc
/// and Enter for no.
pub(in crate::tui) fn answer(key: KeyEvent) -> Option<Answer> {
    if matches!(key.code, KeyCode::Char(_)) && !is_typing(&key) {
        return None;
    }
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => Some(Answer::Yes),
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Enter => Some(Answer::No),
        _ => None,
    }
}

impl App {
    pub(in crate::tui) fn confirm_key(&mut self, confirm: &mut Confirm, key: KeyEvent) -> Handled {
        match answer(key) {
            Some(Answer::Yes) => Handled::Close(confirm.on_yes.take().into_iter().collect()),
            Some(Answer::No) => {
                // No: the batch that was prepared never leaves.
                if let Some(batch) = confirm.batch() {
                    self.decide.batches.remove(batch);
                }
                Handled::close()
            }
            None => Handled::Ignored,
        }
    }

    pub(in crate::tui) fn confirm_quit_key(&mut self, key: KeyEvent) -> Handled {
        match answer(key) {
            Some(Answer::Yes) => Handled::Close(self.quit()),
            // What the question interrupted (a reason being written) is on top again.
            Some(Answer::No) => Handled::close(),
            None => Handled::Ignored,
        }
    }
}

/// "Quit anyway?" while a decision is still being sent.
pub fn render_quit(frame: &mut Frame, area: Rect, theme: &Theme, worry: &str) {
    dialog::confirm_box(frame, area, theme, "Quit", worry, "y quit · n or Esc stay");
}
