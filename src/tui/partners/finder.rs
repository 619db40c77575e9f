//! The quick partner finder (`:` from anywhere): a fragment of the name, letters in order,
//! asked of the server once typing pauses and ranked here; Enter opens My Partners on the
//! choice with its detail expanded.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::client::ApiError;
use crate::domain::PartnerSummary;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, Layer, is_typing};
use crate::tui::app::msg::Msg;
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

const FINDER_MAX_CHARS: usize = 100;

/// The quick partner finder (`:`).
#[derive(Debug, Default)]
pub struct Finder {
    pub input: String,
    pub results: Vec<PartnerSummary>,
    pub selected: usize,
    pub generation: u64,
    pub loading: bool,
}

/// How well `name` matches the typed `fragment`: letters in order, with a bonus for a prefix,
/// a word start and adjacent letters. `None`: no match.
pub fn fuzzy_score(fragment: &str, name: &str) -> Option<i64> {
    let f: Vec<char> = fragment
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if f.is_empty() {
        return Some(0);
    }
    let n: Vec<char> = name.to_lowercase().chars().collect();
    let mut score = 0i64;
    let mut fi = 0;
    let mut last: Option<usize> = None;
    for (i, c) in n.iter().enumerate() {
        if fi < f.len() && *c == f[fi] {
            score += 1;
            if i == 0 {
                score += 8;
            } else if !n[i - 1].is_alphanumeric() {
                score += 5;
            }
            if last.is_some_and(|l| l + 1 == i) {
                score += 3;
            }
            last = Some(i);
            fi += 1;
        }
    }
    (fi == f.len()).then_some(score * 100 - n.len() as i64)
}

/// The finder's keys.
pub fn hints() -> Vec<Hint> {
    vec![
        Hint::typing("find"),
        Hint::new(
            "↑↓",
            "choose",
            &["up", "down", "tab", "backtab", "ctrl-n", "ctrl-p"],
        ),
        Hint::new("Enter", "open", &["enter"]),
        Hint::new("Esc", "cancel", &["esc"]),
        Hint::new("Backspace", "delete", &["backspace"]).help_only(),
    ]
}

impl Finder {
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let f = self;
        let rect = dialog::centred(area, 60, 16);
        let block = dialog::dialog_block(
            " Find a partner ".into(),
            "↑↓ choose · Enter opens · Esc cancels",
            theme,
        );
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        let mut lines = vec![
            Line::from(vec![
                Span::styled(": ", theme.key()),
                Span::raw(format!("{}▏", f.input)),
            ]),
            Line::from(""),
        ];
        if f.input.is_empty() {
            lines.push(Line::from(Span::styled(
                "Type a fragment of the name (letters in order).",
                theme.dim(),
            )));
        } else if f.results.is_empty() {
            lines.push(Line::from(Span::styled(
                if f.loading {
                    "Searching…"
                } else {
                    "No partner matches."
                },
                theme.dim(),
            )));
        }
        let room = inner.height.saturating_sub(2) as usize;
        let start = f.selected.saturating_sub(room.saturating_sub(1));
        for (i, p) in f.results.iter().enumerate().skip(start).take(room) {
            let text = format!(
                "{} {}  ·  {}  ·  {}",
                if i == f.selected { "▶" } else { " " },
                p.name,
                p.status.label(),
                p.invoice_id
            );
            let style = if i == f.selected {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::from(Span::styled(text, style)));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

impl App {
    pub(in crate::tui) fn finder_key(&mut self, f: &mut Finder, key: KeyEvent) -> Handled {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let last = f.results.len().saturating_sub(1);
        let before = f.selected;
        match key.code {
            KeyCode::Esc => return Handled::close(),
            KeyCode::Enter => {
                return match f.results.get(f.selected).cloned() {
                    Some(p) => Handled::Close(self.go_to_partner(p)),
                    None => Handled::Ignored,
                };
            }
            KeyCode::Down | KeyCode::Tab => f.selected = (f.selected + 1).min(last),
            KeyCode::Char('n') if ctrl => f.selected = (f.selected + 1).min(last),
            KeyCode::Up | KeyCode::BackTab => f.selected = f.selected.saturating_sub(1),
            KeyCode::Char('p') if ctrl => f.selected = f.selected.saturating_sub(1),
            KeyCode::Backspace => {
                if f.input.pop().is_none() {
                    return Handled::Ignored;
                }
                return self.finder_changed(f).into();
            }
            KeyCode::Char(c) if is_typing(&key) && !crate::text::is_unsafe(c) => {
                if f.input.chars().count() >= FINDER_MAX_CHARS {
                    return Handled::Ignored;
                }
                f.input.push(c);
                return self.finder_changed(f).into();
            }
            _ => return Handled::Ignored,
        }
        if f.selected == before {
            return Handled::Ignored;
        }
        Handled::done()
    }

    /// Pasted text goes into the finder's one-line query, cleaned, up to its length limit.
    pub(in crate::tui) fn paste_into_finder(&mut self, f: &mut Finder, text: &str) -> Vec<Effect> {
        let room = FINDER_MAX_CHARS.saturating_sub(f.input.chars().count());
        f.input
            .extend(crate::text::clean_line(text).chars().take(room));
        self.finder_changed(f)
    }

    fn finder_changed(&mut self, f: &mut Finder) -> Vec<Effect> {
        self.search_gen += 1;
        f.generation = self.search_gen;
        f.loading = true;
        vec![Effect::After {
            delay: crate::tui::queue::search::DEBOUNCE,
            msg: Msg::FinderSettled(f.generation),
        }]
    }

    fn finder_mut(&mut self) -> Option<&mut Finder> {
        self.focus.find_mut(|l| match l {
            Layer::Finder(f) => Some(f),
            _ => None,
        })
    }

    pub(in crate::tui) fn on_finder_settled(&mut self, generation: u64) -> Vec<Effect> {
        match self.finder_mut() {
            Some(f) if f.generation == generation => vec![Effect::FindPartners {
                q: f.input.trim().to_string(),
                generation,
            }],
            _ => vec![],
        }
    }

    pub(in crate::tui) fn on_found(
        &mut self,
        generation: u64,
        result: Result<Vec<PartnerSummary>, ApiError>,
    ) -> Vec<Effect> {
        let Some(f) = self.finder_mut().filter(|f| f.generation == generation) else {
            return vec![];
        };
        f.loading = false;
        match result {
            Ok(found) => {
                let mut scored: Vec<(i64, PartnerSummary)> = found
                    .into_iter()
                    .filter_map(|p| fuzzy_score(&f.input, &p.name).map(|s| (s, p)))
                    .collect();
                scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
                f.results = scored.into_iter().map(|(_, p)| p).take(50).collect();
                f.selected = 0;
                vec![]
            }
            Err(e) => self.error_toast(format!("Could not search partners: {}", e.user_message())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_fills_the_finder_cleaned_and_searches() {
        use crossterm::event::{KeyEvent, KeyModifiers};
        const T0: chrono::DateTime<chrono::Utc> = chrono::DateTime::UNIX_EPOCH;
        let finder = |app: &App| match app.focus.top() {
            Layer::Finder(f) => Some(f.input.clone()).zip(Some(f.generation)),
            _ => None,
        };
        let mut app = App::new(Default::default(), Default::default());
        app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
            T0,
        );
        assert!(finder(&app).is_some(), "`:` opens it");
        let fx = app.update(Msg::Paste("Harbor\u{1b}[31m\nview".into()), T0);
        let Some((input, generation)) = finder(&app) else {
            panic!("the finder stays open");
        };
        assert!(
            !input.chars().any(crate::text::is_unsafe),
            "no escape or line break gets in: {input:?}"
        );
        assert!(input.starts_with("Harbor"), "{input:?}");
        assert!(
            matches!(fx.as_slice(), [Effect::After { msg: Msg::FinderSettled(g), .. }] if *g == generation),
            "a paste searches like typing: {fx:?}"
        );
        app.update(Msg::Paste("x".repeat(500)), T0);
        let Some((input, _)) = finder(&app) else {
            panic!("still open");
        };
        assert_eq!(input.chars().count(), FINDER_MAX_CHARS);
    }

    #[test]
    fn fuzzy_ranks_prefixes_and_word_starts_first() {
        let names = [
            "Harborview Travel",
            "Blue Harbor Radio",
            "Shared Arbor",
            "Acme Media",
        ];
        let mut ranked: Vec<_> = names
            .iter()
            .filter_map(|n| fuzzy_score("harb", n).map(|s| (s, *n)))
            .collect();
        ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
        let order: Vec<_> = ranked.iter().map(|r| r.1).collect();
        assert_eq!(order[0], "Harborview Travel");
        assert_eq!(order[1], "Blue Harbor Radio");
        assert!(!order.contains(&"Acme Media"));
        assert!(
            fuzzy_score("bhr", "Blue Harbor Radio").is_some(),
            "initials match"
        );
        assert!(fuzzy_score("xyz", "Blue Harbor Radio").is_none());
    }
}
