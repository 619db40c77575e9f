//! One frame of each tab at 120×40 with 1k, 100k and 1M rows loaded in the History list: the
//! view draws only the visible rows, so the 1M frame should cost what the 1k frame costs.
//! (The console itself never holds more than its window of rows; this loads them directly to
//! show the view does not care.) Run with `cargo bench --bench render`.

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use partner_console::domain::*;
use partner_console::tui::app::effect::Effect;
use partner_console::tui::app::keymap::Keymap;
use partner_console::tui::app::msg::Msg;
use partner_console::tui::app::{App, Session};
use partner_console::tui::queue::tabs::{Row, SectionId};
use partner_console::tui::view;
use partner_console::tui::view::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::fixtures::{now, numbered_approval};

/// An app whose every section is loaded; the History list holds `history_rows` rows.
fn app(history_rows: usize) -> App {
    let mut app = App::new(Session::default(), Keymap::default());
    let mut fx = app.init();
    for tab in ['1', '2', '3', '4', '5'] {
        fx.extend(app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(tab), KeyModifiers::NONE)),
            now(),
        ));
    }
    for e in fx {
        if let Effect::LoadPage {
            section,
            request,
            slot,
            ..
        } = e
        {
            let n = if section == SectionId::AllHistory {
                history_rows
            } else {
                50
            };
            let status = if matches!(
                section,
                SectionId::AllHistory | SectionId::PartnershipHistory
            ) {
                Status::Approved
            } else {
                Status::Pending
            };
            let items = (0..n)
                .map(|i| Row::Approval(Box::new(numbered_approval(i, status))))
                .collect();
            app.update(
                Msg::Page {
                    section,
                    request,
                    slot,
                    cursor: None,
                    result: Ok(Page {
                        items,
                        next_cursor: None,
                    }),
                },
                now(),
            );
        }
    }
    app
}

fn bench(c: &mut Criterion) {
    let theme = Theme::new(true);
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    for rows in [1_000usize, 100_000, 1_000_000] {
        let mut app = app(rows);
        // Select a row deep in the list, so the window of visible rows is not the first.
        for _ in 0..3 {
            app.update(
                Msg::Key(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::NONE)),
                now(),
            );
        }
        for (tab, name) in [
            ('1', "partnership"),
            ('2', "addons"),
            ('3', "requests"),
            ('4', "partners"),
            ('5', "history"),
        ] {
            app.update(
                Msg::Key(KeyEvent::new(KeyCode::Char(tab), KeyModifiers::NONE)),
                now(),
            );
            c.bench_function(&format!("frame/{name}/{rows}"), |b| {
                b.iter(|| {
                    term.draw(|f| view::render(&app, f, &theme, now())).unwrap();
                })
            });
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);
