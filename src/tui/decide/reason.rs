//! The reason dialog: the reason for rejecting its targets, required, emailed to the partners.
//! It holds its targets, each with the idempotency key every retry of that decision reuses, and
//! keeps the text through failures. Esc with text in it asks before throwing the text away.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Target;
use super::confirm::Answer;
use crate::domain::MAX_REASON_CHARS;
use crate::tui::app::App;
use crate::tui::app::effect::Verdict;
use crate::tui::app::focus::{Handled, Hint, Layer};
use crate::tui::textarea::TextArea;
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

#[derive(Debug)]
pub struct ReasonDialog {
    pub targets: Vec<Target>,
    pub input: TextArea,
    /// Why the last send did not go through, or what changed; the text stays.
    pub error: Option<String>,
    /// A send is in flight: every key waits (the answer closes the dialog or says what failed).
    pub sending: bool,
    /// Esc was pressed with text in the box: "discard the reason?" is asked.
    pub discarding: bool,
}

impl ReasonDialog {
    pub fn new(targets: Vec<Target>) -> ReasonDialog {
        ReasonDialog {
            targets,
            input: TextArea::default(),
            error: None,
            sending: false,
            discarding: false,
        }
    }

    /// Text pasted while the dialog takes text goes into it.
    pub fn paste(&mut self, text: &str) {
        if !self.sending && !self.discarding {
            self.input.insert_str(text);
        }
    }

    pub fn hints(&self) -> Vec<Hint> {
        if self.discarding {
            return super::confirm::hints();
        }
        if self.sending {
            // Keys wait; the bar says why.
            return vec![Hint {
                keys: crate::tui::app::focus::Keys::These(Vec::new()),
                ..Hint::new("…", "sending", &[])
            }];
        }
        vec![
            Hint::new("Enter", "send", &["enter"]),
            Hint::new(
                "Alt-Enter",
                "new line",
                &["alt-enter", "shift-enter", "ctrl-j"],
            ),
            Hint::new("Esc", "cancel", &["esc"]),
            Hint::typing("write the reason").help_only(),
            Hint::new("Backspace Del", "delete", &["backspace", "delete"]).help_only(),
            Hint::new("← → Home End", "move", &["left", "right", "home", "end"]).help_only(),
            Hint::new("Tab", "indent", &["tab"]).help_only(),
        ]
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.discarding {
            dialog::confirm_box(
                frame,
                area,
                theme,
                "Discard the reason?",
                "The reason you typed will be lost.",
                "y discard · n or Esc keep writing",
            );
            return;
        }
        let rect = dialog::centred(area, 76, 16);
        let title = match self.targets.as_slice() {
            [one] => format!(" Reject {} ", one.label()),
            many => format!(" Reject {} items ", many.len()),
        };
        let emails: Vec<&str> = self
            .targets
            .iter()
            .map(|t| t.approval.partner.email.as_str())
            .collect();
        let to = match emails.as_slice() {
            [one] => format!("The reason is emailed to the partner at {one}."),
            many if many.len() > 3 => format!(
                "The reason is emailed to each partner: {} and {} more.",
                many[..3].join(", "),
                many.len() - 3
            ),
            many => format!(
                "The reason is emailed to each partner: {}.",
                many.join(", ")
            ),
        };
        let count = self.input.count();
        let counter = format!(" {count}/{MAX_REASON_CHARS} ");
        let counter_style = if count > MAX_REASON_CHARS {
            theme.error()
        } else {
            theme.dim()
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(title)
            .title_bottom(
                Line::from(Span::styled(counter, counter_style)).alignment(Alignment::Right),
            );
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        if inner.height < 4 {
            return;
        }
        let header = Paragraph::new(vec![
            Line::from(to),
            Line::from(Span::styled(
                "Enter sends · Alt-Enter new line · Esc cancels",
                theme.dim(),
            )),
        ])
        .wrap(Wrap { trim: true });
        let header_h = 2u16;
        frame.render_widget(
            header,
            Rect {
                height: header_h,
                ..inner
            },
        );
        let status_h = 2u16;
        let input_area = Rect {
            y: inner.y + header_h,
            height: inner.height.saturating_sub(header_h + status_h),
            ..inner
        };
        let text = if self.sending {
            self.input.text().to_string()
        } else {
            self.input.with_cursor('▏')
        };
        let input_block = Block::default()
            .borders(Borders::TOP | Borders::BOTTOM)
            .border_style(theme.dim());
        let lines: Vec<Line> = text
            .split('\n')
            .map(|l| Line::from(l.to_string()))
            .collect();
        // Keep the end (where one types) in view.
        let visible = input_area.height.saturating_sub(2) as usize;
        let scroll = lines.len().saturating_sub(visible) as u16;
        frame.render_widget(
            Paragraph::new(lines)
                .block(input_block)
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            input_area,
        );
        let status = if self.sending {
            Line::from(Span::styled("Sending…", theme.key()))
        } else if let Some(e) = &self.error {
            Line::from(Span::styled(e.clone(), theme.error()))
        } else {
            Line::from("")
        };
        frame.render_widget(
            Paragraph::new(status).wrap(Wrap { trim: true }),
            Rect {
                y: input_area.y + input_area.height,
                height: status_h,
                ..inner
            },
        );
    }
}

impl App {
    pub(in crate::tui) fn reason_key(&mut self, d: &mut ReasonDialog, key: KeyEvent) -> Handled {
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if d.sending {
            // Keys wait while the reason is on its way; the dialog shows it.
            return Handled::Ignored;
        }
        if d.discarding {
            return match super::confirm::answer(key) {
                Some(Answer::Yes) => Handled::close(),
                Some(Answer::No) => {
                    d.discarding = false;
                    Handled::done()
                }
                None => Handled::Ignored,
            };
        }
        match key.code {
            KeyCode::Esc if d.input.is_blank() => return Handled::close(),
            KeyCode::Esc => d.discarding = true,
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
                    let effect =
                        self.decide_effect(Verdict::Reject { reason }, d.targets.clone(), true);
                    return vec![effect].into();
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
            _ => return Handled::Ignored,
        }
        Handled::done()
    }

    /// The reason dialog, on top or waiting below another layer (the quit question).
    pub(in crate::tui) fn reason_dialog_mut(&mut self) -> Option<&mut ReasonDialog> {
        self.focus.find_mut(|l| match l {
            Layer::Reason(d) => Some(d),
            _ => None,
        })
    }

    pub(in crate::tui) fn close_reason_dialog(&mut self) {
        self.focus.close(|l| matches!(l, Layer::Reason(_)));
    }
}
