//! A bare ratatui table app: the baseline the pty benchmark compares the console with
//! (`benches/pty_latency.rs`). 1,000 rows of seven columns, `j`/`k` move, `q` quits; each key
//! draws one frame in synchronized output, as plain ratatui + crossterm would. Like the console,
//! it builds only the rows on screen, borrowing their text: a baseline that cloned all 1,000
//! rows per frame spent 7 ms of its frame in `Vec::clone` and malloc (perf), which measured
//! itself rather than the terminal path.

use std::io::{Write, stdout};

use crossterm::event::{Event, KeyCode, read};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use ratatui::layout::Constraint;
use ratatui::widgets::{Block, Borders, Row, Table, TableState};

fn main() -> std::io::Result<()> {
    let mut terminal = ratatui::init();
    let rows: Vec<[String; 7]> = (0..1000)
        .map(|i| {
            [
                format!("Kind {}", i % 5),
                format!("Request number {i}"),
                format!("Partner {}", i % 48),
                "Gold (€49.00)".to_string(),
                "Approved".to_string(),
                "alex.morgan".to_string(),
                format!("{}h ago", i),
            ]
        })
        .collect();
    let widths = [
        Constraint::Length(12),
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(9),
        Constraint::Length(12),
        Constraint::Length(9),
    ];
    let (mut selected, mut offset) = (0usize, 0usize);
    loop {
        queue!(stdout(), BeginSynchronizedUpdate)?;
        terminal.draw(|f| {
            // The rows inside the borders; the window follows the selection.
            let visible = f.area().height.saturating_sub(2).max(1) as usize;
            offset = offset
                .min(selected)
                .max((selected + 1).saturating_sub(visible));
            let end = (offset + visible).min(rows.len());
            let shown = rows[offset..end]
                .iter()
                .map(|r| Row::new(r.iter().map(String::as_str)));
            let table = Table::new(shown, widths)
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" bare ratatui "),
                )
                .row_highlight_style(ratatui::style::Style::new().reversed())
                .highlight_symbol("▶ ");
            let mut state = TableState::default().with_selected(selected - offset);
            f.render_stateful_widget(table, f.area(), &mut state);
        })?;
        execute!(stdout(), EndSynchronizedUpdate)?;
        stdout().flush()?;
        match read()? {
            Event::Key(k) if k.code == KeyCode::Char('q') => break,
            Event::Key(k) if k.code == KeyCode::Char('j') => {
                selected = (selected + 1).min(rows.len() - 1)
            }
            Event::Key(k) if k.code == KeyCode::Char('k') => selected = selected.saturating_sub(1),
            _ => {}
        }
    }
    ratatui::restore();
    Ok(())
}
