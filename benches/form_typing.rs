//! Key → frame while typing in a form of 30 fields at 120×40 (QUALITY.md: p50 ≤ 2 ms, p99 ≤ 5 ms):
//! one key through the form's handler, then the whole frame drawn, in-process (the terminal's
//! write is what `pty_latency` measures). Run with `cargo bench --bench form_typing`; it prints
//! the p50 and p99 of 2,000 single keys after criterion's mean.

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use partner_console::tui::form::{FieldKind, FieldSpec, Form};
use partner_console::tui::view::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// 30 fields: text, notes, choices of 400 options, yes/no, money, dates, times.
fn form() -> Form {
    let options: Vec<(String, String)> = (0..400)
        .map(|i| (format!("opt_{i}"), format!("Option number {i}")))
        .collect();
    let specs = (0..30)
        .map(|i| {
            let kind = match i % 6 {
                0 => FieldKind::Text { max: 200 },
                1 => FieldKind::MultiLine { max: 10_000 },
                2 => FieldKind::Choice(options.clone()),
                3 => FieldKind::YesNo,
                4 => FieldKind::Money {
                    currency: "EUR".into(),
                },
                _ => FieldKind::Date {
                    today: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default(),
                },
            };
            let value = match kind {
                FieldKind::MultiLine { .. } => "A note.\n".repeat(40),
                FieldKind::Choice(_) => "opt_7".into(),
                FieldKind::YesNo => "true".into(),
                FieldKind::Money { .. } => "49.00".into(),
                FieldKind::Date { .. } => "2026-11-01".into(),
                _ => "Some text already here".into(),
            };
            FieldSpec {
                pointer: "/field",
                label: "A field label",
                kind,
                check: None,
                value,
            }
        })
        .collect();
    Form::new("Edit thirty fields", specs)
}

fn typing(c: &mut Criterion) {
    let theme = Theme::new(true);
    let area = Rect::new(0, 0, 120, 40);
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut form = form();
    // Type in the last text field (24): the form scrolled to its end.
    for _ in 0..24 {
        form.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE), 80);
    }
    let mut n = 0u32;
    let mut step = |form: &mut Form, term: &mut Terminal<TestBackend>| {
        n += 1;
        // Type, and every 40 keys take the text back, so the field stays the same length.
        let key = if n.is_multiple_of(40) {
            KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)
        } else {
            KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)
        };
        form.key(key, 80);
        term.draw(|f| form.render(f, area, &theme)).unwrap();
    };
    c.bench_function("form_30_fields_key_to_frame_120x40", |b| {
        b.iter(|| step(&mut form, &mut term))
    });
    let mut samples: Vec<f64> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            step(&mut form, &mut term);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "form typing, 30 fields, 120x40: p50 {:.3} ms, p99 {:.3} ms ({} keys)",
        at(0.50),
        at(0.99),
        samples.len()
    );
}

criterion_group!(benches, typing);
criterion_main!(benches);
