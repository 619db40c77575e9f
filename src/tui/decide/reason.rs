//! The reason dialog: the reason for rejecting its targets, required, emailed to the partners.
//! It holds its targets, each with the idempotency key every retry of that decision reuses, and
//! keeps the text through failures. Esc with text in it asks before throwing the text away.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Target;
use super::confirm::Answer;
use crate::config::ReasonTemplate;
use crate::domain::MAX_REASON_CHARS;
use crate::tui::app::App;
use crate::tui::app::effect::Verdict;
use crate::tui::app::focus::{Handled, Hint, Layer};
use crate::tui::textarea::{TextArea, wrap};
use crate::tui::view::theme::Theme;
use crate::tui::view::{dialog, format};

const DIALOG_WIDTH: u16 = 76;
/// Text rows of the box when the window has room for them.
const TEXT_ROWS: u16 = 8;
/// Text rows the box keeps before a list of items shows (so at 80×24 with a long bulk list).
const MIN_TEXT_ROWS: u16 = 6;
/// Rows of the list of items at most: 8 and "… and N more", as the approve question.
const MAX_LIST_ROWS: usize = 9;
/// Rows of "The reason is emailed to …" at most.
const MAX_TO_ROWS: usize = 2;
/// The keys that matter most, always on screen in the dialog.
const HINT: &str = "Enter sends · Alt-Enter new line · Esc cancels";
/// [`HINT`] when there are reason templates, if the width allows.
const HINT_TEMPLATES: &str = "Enter sends · Alt-Enter new line · Esc cancels · Ctrl-T templates";
/// [`HINT`] while the template list is open.
const HINT_PICKING: &str = "Enter inserts · ↑↓ choose · a digit inserts that one · Esc back";

#[derive(Debug)]
pub struct ReasonDialog {
    /// Rejecting (a reason, emailed) or approving with a comment (kept in history and audit).
    pub purpose: Purpose,
    pub targets: Vec<Target>,
    pub input: TextArea,
    /// Why the last send did not go through, or what changed; the text stays.
    pub error: Option<String>,
    /// A send is in flight: every key waits (the answer closes the dialog or says what failed).
    pub sending: bool,
    /// Esc was pressed with text in the box: "discard the reason?" is asked.
    pub discarding: bool,
    /// `[reasons]` from the config (rejections only): `Ctrl-T` lists them to insert one.
    pub templates: Vec<ReasonTemplate>,
    /// The template list is open over the text box, at this template.
    pub picking: Option<usize>,
}

/// What the text of a [`ReasonDialog`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The reason for a rejection, emailed to the partner.
    Reject,
    /// A comment on an approval (`A`), kept in the history and the audit log.
    Comment,
}

impl Purpose {
    /// "reason" or "comment".
    fn noun(self) -> &'static str {
        match self {
            Purpose::Reject => "reason",
            Purpose::Comment => "comment",
        }
    }
}

impl ReasonDialog {
    /// `templates` are offered only for a rejection: they are reasons, not comments.
    pub fn new(
        purpose: Purpose,
        targets: Vec<Target>,
        templates: &[ReasonTemplate],
    ) -> ReasonDialog {
        ReasonDialog {
            purpose,
            targets,
            input: TextArea::default(),
            error: None,
            sending: false,
            discarding: false,
            templates: match purpose {
                Purpose::Reject => templates.to_vec(),
                Purpose::Comment => Vec::new(),
            },
            picking: None,
        }
    }

    /// Text pasted while the dialog takes text goes into it; an edit clears the last error.
    pub fn paste(&mut self, text: &str) {
        if !self.sending && !self.discarding {
            let before = self.input.text().len();
            self.input.insert_str(text);
            if self.input.text().len() != before {
                self.error = None;
            }
        }
    }

    pub fn hints(&self) -> Vec<Hint> {
        if self.discarding {
            return super::confirm::hints();
        }
        if self.sending {
            // Keys wait; the bar says why.
            return vec![Hint::new("…", "sending", &[])];
        }
        if self.picking.is_some() {
            return vec![
                Hint::new("Enter", "insert", &["enter"]),
                Hint::new("↑↓", "choose", &["up", "down", "k", "j"]),
                Hint::chars(
                    &format!("1-{}", self.templates.len().min(9)),
                    "insert that one",
                    ('1'..='9').take(self.templates.len()),
                ),
                Hint::new("Esc", "back to the text", &["esc", "ctrl-t"]),
            ];
        }
        let templates = match (self.purpose, self.templates.is_empty()) {
            (Purpose::Comment, _) => None,
            (Purpose::Reject, false) => Some(Hint::new("Ctrl-T", "templates", &["ctrl-t"])),
            // Said only in help: the key explains where templates come from.
            (Purpose::Reject, true) => Some(
                Hint::new(
                    "Ctrl-T",
                    "reason templates ([reasons] in config.toml)",
                    &["ctrl-t"],
                )
                .help_only(),
            ),
        };
        let mut hints = vec![
            Hint::new("Enter", "send", &["enter"]),
            Hint::new(
                "Alt-Enter",
                "new line",
                &["alt-enter", "shift-enter", "ctrl-j"],
            ),
            Hint::new("Esc", "cancel", &["esc"]),
            Hint::typing(&format!("write the {}", self.purpose.noun())).help_only(),
            Hint::new("Backspace Del", "delete", &["backspace", "delete"]).help_only(),
            Hint::new("Ctrl-W", "delete the word before the cursor", &["ctrl-w"]).help_only(),
            Hint::new("Ctrl-U", "delete to the line's start", &["ctrl-u"]).help_only(),
            Hint::new("← →", "move", &["left", "right"]).help_only(),
            Hint::new("↑ ↓", "the line above, below (as shown)", &["up", "down"]).help_only(),
            Hint::new("Home End", "the line's start, end", &["home", "end"]).help_only(),
            Hint::new("Tab", "indent", &["tab"]).help_only(),
        ];
        hints.extend(templates);
        hints
    }

    /// "The reason is emailed to …": who reads it, in at most two rows of `width`. Of several
    /// partners, as many emails as fit (the list below names every item).
    fn recipients(&self, width: usize) -> String {
        if self.purpose == Purpose::Comment {
            return "The comment is kept with the approval: in the history and the audit log."
                .into();
        }
        let emails: Vec<&str> = self
            .targets
            .iter()
            .map(|t| t.approval.partner.email.as_str())
            .collect();
        let n = emails.len();
        if let [one] = emails.as_slice() {
            return format!("The reason is emailed to the partner at {one}.");
        }
        let fits = |s: &String| wrap(s, width).len() <= MAX_TO_ROWS;
        (1..=n.min(3))
            .rev()
            .map(|k| match n - k {
                0 => format!(
                    "The reason is emailed to each partner: {}.",
                    emails.join(", ")
                ),
                more => format!(
                    "The reason is emailed to each partner: {} and {more} more.",
                    emails[..k].join(", ")
                ),
            })
            .find(fits)
            .unwrap_or_else(|| format!("The reason is emailed to each of the {n} partners."))
    }

    /// Where the dialog's parts go over `area` (the body dialogs are drawn over). Drawing and
    /// `↑`/`↓` (which move by the rows the box shows) both use it.
    pub fn parts(&self, area: Rect) -> Parts {
        let width = DIALOG_WIDTH.min(area.width.saturating_sub(2)).max(1);
        let inner_width = usize::from(width.saturating_sub(2));
        let to_rows = wrap(&self.recipients(inner_width), inner_width)
            .len()
            .clamp(1, MAX_TO_ROWS) as u16;
        let wanted = match self.targets.len() {
            1 => 0,
            n => n.min(MAX_LIST_ROWS) as u16,
        };
        // The box's borders and text, the status (two rows) and the keys' line.
        let box_rows = 2 + TEXT_ROWS;
        // Inside the list's frame, whose title and position stay in view.
        let height = (2 + to_rows + wanted + box_rows + 3).min(area.height.saturating_sub(3));
        let rect = dialog::centred(area, width, height);
        let inner = Block::default().borders(Borders::ALL).inner(rect);
        // The list gives way first: the box keeps its room at 80×24 with a long bulk list.
        let list = wanted.min(inner.height.saturating_sub(to_rows + 3 + 2 + MIN_TEXT_ROWS));
        let [to, list, input, status, hint] = Layout::vertical([
            Constraint::Length(to_rows),
            Constraint::Length(list),
            Constraint::Fill(1),
            Constraint::Length(2),
            Constraint::Length(1),
        ])
        .areas(inner);
        let text = Block::default()
            .borders(Borders::TOP | Borders::BOTTOM)
            .inner(input);
        Parts {
            rect,
            to,
            list,
            input,
            text,
            status,
            hint,
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.discarding {
            dialog::confirm_box(
                frame,
                area,
                theme,
                &format!("Discard the {}?", self.purpose.noun()),
                &format!("The {} you typed will be lost.", self.purpose.noun()),
                "y discard · n or Esc keep writing",
            );
            return;
        }
        let parts = self.parts(area);
        let verb = match self.purpose {
            Purpose::Reject => "Reject",
            Purpose::Comment => "Approve with a comment:",
        };
        let title = match self.targets.as_slice() {
            [one] => format!(" {verb} {} ", one.label()),
            many => format!(" {verb} {} items ", many.len()),
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
        frame.render_widget(Clear, parts.rect);
        frame.render_widget(block, parts.rect);
        let width = usize::from(parts.to.width);
        let to = cut_rows(&self.recipients(width), width, usize::from(parts.to.height));
        frame.render_widget(Paragraph::new(to), parts.to);
        let list: Vec<Line> = super::bullets(&self.targets, usize::from(parts.list.height))
            .into_iter()
            .map(|l| Line::from(format::fit(l, width).into_owned()))
            .collect();
        frame.render_widget(Paragraph::new(list), parts.list);
        self.render_input(frame, &parts, theme);
        let status = if self.sending {
            Line::from(Span::styled("Sending…", theme.key()))
        } else if let Some(e) = &self.error {
            Line::from(Span::styled(e.clone(), theme.error()))
        } else {
            Line::from("")
        };
        frame.render_widget(
            Paragraph::new(status).wrap(Wrap { trim: true }),
            parts.status,
        );
        // The keys that matter most, on a line nothing else can take.
        let hint = if self.picking.is_some() {
            HINT_PICKING
        } else if self.templates.is_empty() || HINT_TEMPLATES.chars().count() > width {
            HINT
        } else {
            HINT_TEMPLATES
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format::fit(hint, width), theme.dim())),
            parts.hint,
        );
        if let Some(at) = self.picking {
            self.render_templates(frame, parts.input, at, theme);
        }
    }

    /// The template list, over the text box: a name and the start of its text a row, the
    /// chosen one highlighted and always in view.
    fn render_templates(&self, frame: &mut Frame, area: Rect, at: usize, theme: &Theme) {
        let block = Block::default()
            .borders(Borders::ALL)
            .title(" Insert a reason template ");
        let inner = block.inner(area);
        let lines = dialog::choice_lines(
            self.templates.len(),
            at,
            inner,
            false,
            theme.dim(),
            theme,
            |i| {
                let t = &self.templates[i];
                let number = if i < 9 {
                    format!("{} ", i + 1)
                } else {
                    "  ".into()
                };
                format!("{number}{}: {}", t.name, t.text.replace('\n', " "))
            },
        );
        frame.render_widget(Clear, area);
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    /// Keys while the template list is open. Enter or a digit inserts a template at the cursor
    /// and goes back to the text, to be edited before sending.
    fn picker_key(&mut self, at: usize, key: KeyEvent) -> Handled {
        let last = self.templates.len().saturating_sub(1);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let up = key.code == KeyCode::Up || (plain && key.code == KeyCode::Char('k'));
        let down = key.code == KeyCode::Down || (plain && key.code == KeyCode::Char('j'));
        let chosen = match key.code {
            _ if up => {
                self.picking = Some(at.saturating_sub(1));
                return Handled::done();
            }
            _ if down => {
                self.picking = Some((at + 1).min(last));
                return Handled::done();
            }
            KeyCode::Esc => None,
            KeyCode::Char('t') if ctrl => None,
            KeyCode::Enter => Some(at),
            KeyCode::Char(c @ '1'..='9') if plain && usize::from(c as u8 - b'1') <= last => {
                Some(usize::from(c as u8 - b'1'))
            }
            _ => return Handled::Ignored,
        };
        self.picking = None;
        if let Some(t) = chosen.and_then(|i| self.templates.get(i)) {
            let text = t.text.clone();
            self.input.insert_str(&text);
            self.error = None;
        }
        Handled::done()
    }

    /// The text box: the rows around the cursor, and how many more there are above and below.
    fn render_input(&self, frame: &mut Frame, parts: &Parts, theme: &Theme) {
        let view = self.input.view(
            usize::from(parts.text.width),
            usize::from(parts.text.height),
            (!self.sending).then_some('▏'),
        );
        let more = |n: usize, where_: &str| {
            let rows = if n == 1 { "line" } else { "lines" };
            Line::from(Span::styled(
                format!(" {n} more {rows} {where_} "),
                theme.dim(),
            ))
            .alignment(Alignment::Right)
        };
        let mut input_block = Block::default()
            .borders(Borders::TOP | Borders::BOTTOM)
            .border_style(theme.dim());
        if view.above > 0 {
            input_block = input_block.title_top(more(view.above, "above"));
        }
        if view.below > 0 {
            input_block = input_block.title_bottom(more(view.below, "below"));
        }
        let lines: Vec<Line> = view.lines.into_iter().map(Line::from).collect();
        frame.render_widget(Paragraph::new(lines).block(input_block), parts.input);
    }
}

/// Where the reason dialog's parts go, inside its frame `rect`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parts {
    pub rect: Rect,
    /// Who the reason is emailed to.
    pub to: Rect,
    /// The items rejected, when there are several.
    pub list: Rect,
    /// The text box with its top and bottom lines; `text` is inside them.
    pub input: Rect,
    pub text: Rect,
    pub status: Rect,
    /// "Enter sends · …".
    pub hint: Rect,
}

/// `text` wrapped at `width`, in at most `rows` rows, the last cut with `…` if more is left.
fn cut_rows(text: &str, width: usize, rows: usize) -> Vec<Line<'static>> {
    let chars: Vec<char> = text.chars().collect();
    let wrapped = wrap(text, width);
    wrapped
        .iter()
        .take(rows)
        .enumerate()
        .map(|(i, r)| {
            let end = if i + 1 == rows { chars.len() } else { r.end };
            let row: String = chars[r.start..end].iter().collect();
            Line::from(format::fit(row.trim_end().to_string(), width).into_owned())
        })
        .collect()
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
        if let Some(at) = d.picking {
            return d.picker_key(at, key);
        }
        let before = d.input.text().to_owned();
        match key.code {
            KeyCode::Char('t') if ctrl => {
                if d.purpose != Purpose::Reject {
                    return Handled::Ignored;
                }
                if d.templates.is_empty() {
                    d.error = Some(
                        "No reason templates yet: add a [reasons] table to config.toml \
                         (config.example.toml shows one)."
                            .into(),
                    );
                } else {
                    d.picking = Some(0);
                }
                return Handled::done();
            }
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
                    d.error = Some(match d.purpose {
                        Purpose::Reject => {
                            "A reason is required: the partner reads it in the email.".into()
                        }
                        Purpose::Comment => {
                            "Write the comment, or Esc and approve with a (no comment).".into()
                        }
                    });
                } else if n > MAX_REASON_CHARS {
                    d.error = Some(format!(
                        "The {} is {n} characters; at most {MAX_REASON_CHARS} can be sent.",
                        d.purpose.noun()
                    ));
                } else {
                    d.error = None;
                    d.sending = true;
                    let text = d.input.text().trim().to_string();
                    let verdict = match d.purpose {
                        Purpose::Reject => Verdict::Reject { reason: text },
                        Purpose::Comment => Verdict::ApproveWithComment { comment: text },
                    };
                    let effect = self.decide_effect(verdict, d.targets.clone(), true);
                    return vec![effect].into();
                }
            }
            KeyCode::Backspace => d.input.backspace(),
            KeyCode::Delete => d.input.delete(),
            KeyCode::Char('w') if ctrl => d.input.delete_word_before(),
            KeyCode::Char('u') if ctrl => d.input.delete_to_line_start(),
            KeyCode::Left => d.input.left(),
            KeyCode::Right => d.input.right(),
            KeyCode::Up => d.input.up(self.reason_box_width(d)),
            KeyCode::Down => d.input.down(self.reason_box_width(d)),
            KeyCode::Home => d.input.home(),
            KeyCode::End => d.input.end(),
            KeyCode::Tab => d.input.insert_str("    "),
            KeyCode::Char(c) if !ctrl && !alt => d.input.insert_char(c),
            _ => return Handled::Ignored,
        }
        // The last error was about the text as it was: an edit makes it stale.
        if d.input.text() != before {
            d.error = None;
        }
        Handled::done()
    }

    /// The width of the text box as drawn at the terminal's size: `↑`/`↓` move by its rows.
    /// While the window is too small to draw, the rows are the lines as typed.
    fn reason_box_width(&self, d: &ReasonDialog) -> usize {
        self.layout()
            .map_or(usize::MAX, |a| usize::from(d.parts(a.overlay).text.width))
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
