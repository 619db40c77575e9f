//! The form's keys: moving between fields, typing, the picker, saving and closing. Every key
//! the form takes is in [`Form::hints`], so the key bar and help say what works.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::calendar::CalendarKey;
use super::{Calendar, FieldKind, Form, Outcome, Picker};
use crate::tui::app::focus::Hint;

impl Form {
    /// One key. `width` is the width of a multi-line field's box (`↑`/`↓` move by its rows).
    pub fn key(&mut self, key: KeyEvent, width: usize) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if self.saving {
            return Outcome::Ignored;
        }
        if self.discarding {
            return match key.code {
                KeyCode::Char('y') if !ctrl && !alt => Outcome::Close,
                KeyCode::Char('n') | KeyCode::Esc if !ctrl && !alt => {
                    self.discarding = false;
                    Outcome::Stay
                }
                _ => Outcome::Ignored,
            };
        }
        if self.picker.is_some() {
            return self.picker_key(key);
        }
        if self.calendar.is_some() {
            return self.calendar_key(key);
        }
        let n = self.fields.len();
        if n == 0 {
            return match key.code {
                KeyCode::Esc => Outcome::Close,
                _ => Outcome::Ignored,
            };
        }
        let focus = self.focus;
        let multi = matches!(self.fields[focus].kind, FieldKind::MultiLine { .. });
        match key.code {
            KeyCode::Char('s') if ctrl => return self.try_save(),
            KeyCode::Esc => {
                if self.changed() {
                    self.discarding = true;
                    return Outcome::Stay;
                }
                return Outcome::Close;
            }
            KeyCode::Char('e') if ctrl && multi => {
                return Outcome::Edit {
                    field: focus,
                    text: self.fields[focus].value().to_string(),
                };
            }
            KeyCode::Tab => self.move_focus(self.next_shown(true, true)),
            KeyCode::BackTab => self.move_focus(self.next_shown(false, true)),
            // In notes, ↑/↓ move between its lines, and leave it at its first and last.
            KeyCode::Down if multi && !self.at_last_row(width) => {
                self.fields[focus].input.down(width)
            }
            KeyCode::Up if multi && !self.at_first_row(width) => self.fields[focus].input.up(width),
            KeyCode::Down => self.move_focus(self.next_shown(true, false)),
            KeyCode::Up => self.move_focus(self.next_shown(false, false)),
            _ => return self.edit_key(key),
        }
        Outcome::Stay
    }

    fn at_first_row(&self, width: usize) -> bool {
        let f = &self.fields[self.focus];
        let rows = f.input.rows(width);
        rows.first().is_none_or(|r| f.input.cursor() <= r.end)
    }

    fn at_last_row(&self, width: usize) -> bool {
        let f = &self.fields[self.focus];
        let rows = f.input.rows(width);
        rows.last().is_none_or(|r| f.input.cursor() >= r.start)
    }

    /// A key that edits the field in focus.
    fn edit_key(&mut self, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let focus = self.focus;
        let f = &mut self.fields[focus];
        let before = f.value().to_string();
        match (&f.kind, key.code) {
            (FieldKind::Choice(options), KeyCode::Enter) => {
                self.picker = Some(Picker::new(focus, options.clone(), &before));
                return Outcome::Stay;
            }
            (FieldKind::Date { today }, KeyCode::Enter) => {
                self.calendar = Some(Calendar::new(focus, &before, *today));
                return Outcome::Stay;
            }
            (FieldKind::YesNo, KeyCode::Char(' ') | KeyCode::Enter) => {
                let flipped = if before == "true" { "false" } else { "true" };
                f.set(flipped);
            }
            (FieldKind::Choice(_) | FieldKind::YesNo, _) => return Outcome::Ignored,
            (FieldKind::MultiLine { .. }, KeyCode::Enter) if !ctrl => f.input.insert_char('\n'),
            (_, KeyCode::Enter) => {
                self.move_focus(self.next_shown(true, false));
                return Outcome::Stay;
            }
            (_, KeyCode::Backspace) => f.input.backspace(),
            (_, KeyCode::Delete) => f.input.delete(),
            (_, KeyCode::Char('w')) if ctrl => f.input.delete_word_before(),
            (_, KeyCode::Char('u')) if ctrl => f.input.delete_to_line_start(),
            (_, KeyCode::Left) => f.input.left(),
            (_, KeyCode::Right) => f.input.right(),
            (_, KeyCode::Home) => f.input.home(),
            (_, KeyCode::End) => f.input.end(),
            (_, KeyCode::Char(c)) if !ctrl && !alt && !crate::text::is_unsafe(c) => {
                f.input.insert_char(c)
            }
            _ => return Outcome::Ignored,
        }
        // An edit makes the field's last error stale; it is checked again when left.
        if f.value() != before {
            f.error = None;
            if f.theirs.as_deref() == Some(f.value()) {
                f.theirs = None;
            }
        }
        Outcome::Stay
    }

    fn calendar_key(&mut self, key: KeyEvent) -> Outcome {
        let Some(c) = &mut self.calendar else {
            return Outcome::Ignored;
        };
        match c.key(key) {
            CalendarKey::Moved => {}
            CalendarKey::Ignored => return Outcome::Ignored,
            CalendarKey::Leave => self.calendar = None,
            CalendarKey::Take(day) => {
                let field = c.field;
                self.calendar = None;
                if let Some(f) = self.fields.get_mut(field) {
                    let v = day.format("%Y-%m-%d").to_string();
                    f.set(&v);
                    f.error = f.problem();
                    if f.theirs.as_deref() == Some(v.as_str()) {
                        f.theirs = None;
                    }
                }
            }
        }
        Outcome::Stay
    }

    fn picker_key(&mut self, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let Some(p) = &mut self.picker else {
            return Outcome::Ignored;
        };
        match key.code {
            KeyCode::Esc => self.picker = None,
            KeyCode::Up => p.up(),
            KeyCode::Down => p.down(),
            KeyCode::Backspace => {
                p.query.pop();
                p.refilter();
            }
            KeyCode::Enter => {
                let field = p.field;
                let chosen = p.chosen().map(str::to_string);
                self.picker = None;
                if let (Some(v), Some(f)) = (chosen, self.fields.get_mut(field)) {
                    f.set(&v);
                    f.error = f.problem();
                    if f.theirs.as_deref() == Some(v.as_str()) {
                        f.theirs = None;
                    }
                }
            }
            KeyCode::Char(c) if !ctrl && !alt && !crate::text::is_unsafe(c) => {
                p.query.push(c);
                p.refilter();
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Stay
    }

    /// The keys of the form as it is now.
    pub fn hints(&self) -> Vec<Hint> {
        if self.saving {
            return vec![Hint::new("…", "saving", &[])];
        }
        if self.discarding {
            return vec![
                Hint::chars("y", "discard your changes", ['y']),
                Hint::new("n Esc", "keep editing", &["n", "esc"]),
            ];
        }
        if self.picker.is_some() {
            return vec![
                Hint::new("Enter", "take it", &["enter"]),
                Hint::new("↑↓", "choose", &["up", "down"]),
                Hint::new("Esc", "leave it as it was", &["esc"]),
                Hint::typing("narrow the list").help_only(),
                Hint::new("Backspace", "widen the list", &["backspace"]).help_only(),
            ];
        }
        if self.calendar.is_some() {
            return vec![
                Hint::new("Enter", "take the day", &["enter"]),
                Hint::new("←→", "day", &["left", "right", "h", "l"]),
                Hint::new("↑↓", "week", &["up", "down", "k", "j"]),
                Hint::new("PgUp PgDn", "month", &["pageup", "pagedown", "[", "]"]),
                Hint::chars("t", "today", ['t']),
                Hint::new("Home End", "first / last of the month", &["home", "end"]).help_only(),
                Hint::new("Esc", "leave it as it was", &["esc"]),
            ];
        }
        let Some(f) = self.fields.get(self.focus) else {
            return vec![Hint::new("Esc", "close", &["esc"])];
        };
        let mut hints = vec![
            Hint::new("Ctrl-S", "save", &["ctrl-s"]),
            Hint::new("Tab ↑↓", "field", &["tab", "backtab", "up", "down"]),
            Hint::new("Esc", "close", &["esc"]),
        ];
        match &f.kind {
            FieldKind::Choice(_) => hints.push(Hint::new("Enter", "choose", &["enter"])),
            FieldKind::YesNo => hints.push(Hint::new("Space", "yes / no", &["space", "enter"])),
            FieldKind::Date { .. } => hints.push(Hint::new("Enter", "calendar", &["enter"])),
            FieldKind::MultiLine { .. } => {
                hints.push(Hint::new("Ctrl-E", "open in $EDITOR", &["ctrl-e"]));
                hints.push(Hint::new("Enter", "new line", &["enter"]).help_only());
            }
            _ => hints.push(Hint::new("Enter", "next field", &["enter"]).help_only()),
        }
        if f.is_typed() {
            hints.extend([
                Hint::typing("type").help_only(),
                Hint::new("Backspace Del", "delete", &["backspace", "delete"]).help_only(),
                Hint::new("Ctrl-W", "delete the word before", &["ctrl-w"]).help_only(),
                Hint::new("Ctrl-U", "delete to the line's start", &["ctrl-u"]).help_only(),
                Hint::new("← → Home End", "move", &["left", "right", "home", "end"]).help_only(),
            ]);
        }
        hints
    }
}
