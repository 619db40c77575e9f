//! A bare ratatui table app: the baseline the pty benchmark compares the console with
//! (`benches/pty_latency.rs`). 1,000 rows of seven columns, `j`/`k` move, `q` quits; each key
//! draws one frame in synchronized output, as plain ratatui + crossterm would.

use std::io::{Write, stdout};

use crossterm::event::{Event, KeyCode, read};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use ratatui::layout::Constraint;
use ratatui::widgets::{Block, Borders, Row, Table, TableState};

fn main() -> std::io::Result<()> {
    let mut terminal = ratatui::init();
    let rows: Vec<Row> = (0..1000)
        .map(|i| {
            Row::new(vec![
                format!("Kind {}", i % 5),
                format!("Request number {i}"),
                format!("Partner {}", i % 48),
                "Gold (€49.00)".to_string(),
                "Approved".to_string(),
                "alex.morgan".to_string(),
                format!("{}h ago", i),
            ])
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
    let mut state = TableState::default().with_selected(0);
    loop {
        queue!(stdout(), BeginSynchronizedUpdate)?;
        terminal.draw(|f| {
            let table = Table::new(rows.clone(), widths)
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" bare ratatui "),
                )
                .row_highlight_style(ratatui::style::Style::new().reversed())
                .highlight_symbol("▶ ");
            f.render_stateful_widget(table, f.area(), &mut state);
        })?;
        execute!(stdout(), EndSynchronizedUpdate)?;
        stdout().flush()?;
        match read()? {
            Event::Key(k) if k.code == KeyCode::Char('q') => break,
            Event::Key(k) if k.code == KeyCode::Char('j') => state.select_next(),
            Event::Key(k) if k.code == KeyCode::Char('k') => state.select_previous(),
            _ => {}
        }
    }
    ratatui::restore();
    Ok(())
}
