//! The form as a CSR uses it: keys in, what the owner gets out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn key(form: &mut Form, code: KeyCode) -> Outcome {
    form.key(KeyEvent::new(code, KeyModifiers::NONE), 40)
}

fn ctrl(form: &mut Form, c: char) -> Outcome {
    form.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL), 40)
}

fn typed(form: &mut Form, text: &str) {
    for c in text.chars() {
        key(form, KeyCode::Char(c));
    }
}

fn no_digits(s: &str) -> Result<(), String> {
    if s.chars().any(|c| c.is_ascii_digit()) {
        Err("No digits in a city.".into())
    } else {
        Ok(())
    }
}

fn spec(pointer: &'static str, kind: FieldKind, value: &str) -> FieldSpec {
    FieldSpec {
        pointer,
        label: pointer.trim_start_matches('/'),
        kind,
        check: None,
        value: value.into(),
    }
}

fn profile() -> Form {
    let zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]
        .iter()
        .map(|z| (z.to_string(), z.to_string()))
        .collect();
    Form::new(
        "Edit Acme Media",
        vec![
            FieldSpec {
                check: Some(Check::new(no_digits)),
                ..spec("/city", FieldKind::Text { max: 20 }, "Berlin")
            },
            spec("/time_zone", FieldKind::Choice(zones), "Europe/Berlin"),
            spec("/notes", FieldKind::MultiLine { max: 100 }, "First line"),
            spec("/active", FieldKind::YesNo, "true"),
            spec(
                "/price",
                FieldKind::Money {
                    currency: "EUR".into(),
                },
                "49.00",
            ),
            spec(
                "/starts",
                FieldKind::Date {
                    today: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
                },
                "",
            ),
        ],
    )
}

#[test]
fn a_save_sends_only_what_changed_in_field_order() {
    let mut f = profile();
    ctrl(&mut f, 'u');
    typed(&mut f, "Hamburg");
    key(&mut f, KeyCode::Tab);
    key(&mut f, KeyCode::Enter);
    typed(&mut f, "tokyo");
    key(&mut f, KeyCode::Enter);
    key(&mut f, KeyCode::Tab);
    key(&mut f, KeyCode::Tab);
    key(&mut f, KeyCode::Char(' '));
    assert_eq!(
        ctrl(&mut f, 's'),
        Outcome::Save(vec![
            ("/city", "Hamburg".into()),
            ("/time_zone", "Asia/Tokyo".into()),
            ("/active", "false".into()),
        ])
    );
    assert!(f.saving);
    assert_eq!(
        key(&mut f, KeyCode::Char('x')),
        Outcome::Ignored,
        "keys wait"
    );
}

#[test]
fn a_field_is_checked_when_left_and_its_error_goes_with_the_next_edit() {
    let mut f = profile();
    typed(&mut f, "9");
    assert_eq!(f.fields[0].error, None, "not while typing");
    key(&mut f, KeyCode::Down);
    assert_eq!(f.fields[0].error.as_deref(), Some("No digits in a city."));
    key(&mut f, KeyCode::Up);
    key(&mut f, KeyCode::Backspace);
    assert_eq!(f.fields[0].error, None);
    // A date and an amount have their own rules; saving checks every field and goes to the
    // first problem.
    for _ in 0..5 {
        key(&mut f, KeyCode::Tab);
    }
    typed(&mut f, "next tuesday");
    key(&mut f, KeyCode::BackTab);
    ctrl(&mut f, 'u');
    typed(&mut f, "4.999");
    assert_eq!(ctrl(&mut f, 's'), Outcome::Stay);
    assert_eq!(f.focus, 4);
    assert!(f.fields[5].error.is_some());
    assert!(
        f.note
            .as_deref()
            .unwrap_or("")
            .contains("Nothing was saved")
    );
}

#[test]
fn esc_asks_before_discarding_and_closes_at_once_when_nothing_changed() {
    let mut f = profile();
    assert_eq!(key(&mut f, KeyCode::Esc), Outcome::Close);
    let mut f = profile();
    typed(&mut f, "x");
    assert_eq!(key(&mut f, KeyCode::Esc), Outcome::Stay);
    assert!(f.discarding);
    assert_eq!(key(&mut f, KeyCode::Char('n')), Outcome::Stay);
    assert_eq!(f.field("/city").unwrap().value(), "Berlinx", "kept");
    key(&mut f, KeyCode::Esc);
    assert_eq!(key(&mut f, KeyCode::Char('y')), Outcome::Close);
}

#[test]
fn the_servers_errors_land_on_their_fields() {
    let mut f = profile();
    typed(&mut f, "x");
    let Outcome::Save(_) = ctrl(&mut f, 's') else {
        panic!("saves")
    };
    f.server_errors(&[
        ("/time_zone".into(), "Not a time zone.".into()),
        ("/elsewhere".into(), "Something \u{1b}[31m else.".into()),
    ]);
    assert!(!f.saving);
    assert_eq!(f.focus, 1);
    assert_eq!(
        f.field("/time_zone").unwrap().error.as_deref(),
        Some("Not a time zone.")
    );
    let note = f.note.clone().unwrap();
    assert!(
        note.contains("Something") && !note.contains('\u{1b}'),
        "{note}"
    );
    assert_eq!(f.field("/city").unwrap().value(), "Berlinx", "edits kept");
}

#[test]
fn on_a_412_edits_are_kept_and_what_changed_underneath_is_marked() {
    let mut f = profile();
    typed(&mut f, "x");
    let Outcome::Save(_) = ctrl(&mut f, 's') else {
        panic!("saves")
    };
    f.rebase(&[
        ("/city", "Munich".into()),
        ("/time_zone", "America/New_York".into()),
        ("/notes", "First line".into()),
    ]);
    let city = f.field("/city").unwrap();
    assert_eq!(
        (city.value(), city.theirs.as_deref()),
        ("Berlinx", Some("Munich")),
        "the CSR's edit stays, theirs is shown"
    );
    let tz = f.field("/time_zone").unwrap();
    assert_eq!(
        (tz.value(), tz.theirs.as_deref()),
        ("America/New_York", None),
        "untouched fields take the new value"
    );
    assert!(f.note.as_deref().unwrap().contains("1 field you changed"));
    // Saving again sends the CSR's city over theirs, and the new base is theirs.
    assert_eq!(
        ctrl(&mut f, 's'),
        Outcome::Save(vec![("/city", "Berlinx".into())])
    );
}

#[test]
fn notes_take_line_breaks_and_open_in_the_editor() {
    let mut f = profile();
    key(&mut f, KeyCode::Tab);
    key(&mut f, KeyCode::Tab);
    key(&mut f, KeyCode::End);
    key(&mut f, KeyCode::Enter);
    typed(&mut f, "second");
    assert_eq!(f.field("/notes").unwrap().value(), "First line\nsecond");
    // ↑ moves inside the notes first, then leaves them.
    key(&mut f, KeyCode::Up);
    assert_eq!(f.focus, 2);
    key(&mut f, KeyCode::Up);
    assert_eq!(f.focus, 1);
    key(&mut f, KeyCode::Down);
    assert_eq!(
        ctrl(&mut f, 'e'),
        Outcome::Edit {
            field: 2,
            text: "First line\nsecond".into()
        }
    );
    f.edited(2, "From the editor\u{1b}]52;c;x\u{7}\n\n");
    assert_eq!(f.field("/notes").unwrap().value(), "From the editor]52;c;x");
}

#[test]
fn amounts_are_read_to_the_cent() {
    assert_eq!(parse_money("49.00"), Some(4900));
    assert_eq!(parse_money("49.5"), Some(4950));
    assert_eq!(parse_money(" 7 "), Some(700));
    for bad in ["", "4.999", "-1", "1e3", ".5", "99999999999999999999"] {
        assert_eq!(parse_money(bad), None, "{bad}");
    }
}

/// A form with a condition and a grid row: billing, the credit limit only with post-pay, and
/// a day with its hours beside it.
fn billing() -> Form {
    let choices = vec![
        ("prepay".to_string(), "Pre-pay".to_string()),
        ("postpay".to_string(), "Post-pay".to_string()),
    ];
    Form::laid_out(
        "Billing",
        vec![
            (
                spec("/billing", FieldKind::Choice(choices), "prepay"),
                Layout::section("Billing"),
            ),
            (
                spec("/credit_limit", FieldKind::Text { max: 10 }, ""),
                Layout::default().when("/billing", &["postpay"]),
            ),
            (
                spec("/mon", FieldKind::YesNo, "true"),
                Layout::section("Schedule"),
            ),
            (
                spec("/mon/start", FieldKind::Time, "09:00"),
                Layout::beside(),
            ),
            (spec("/mon/end", FieldKind::Time, "17:00"), Layout::beside()),
        ],
    )
}

fn drawn(form: &Form) -> String {
    let backend = ratatui::backend::TestBackend::new(80, 14);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    let theme = crate::tui::view::theme::Theme::new(false);
    terminal
        .draw(|frame| form.render(frame, frame.area(), &theme))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_field_that_does_not_apply_is_neither_shown_reached_nor_saved() {
    let mut f = billing();
    assert!(!f.shown(1));
    assert!(!drawn(&f).contains("credit_limit"));
    key(&mut f, KeyCode::Tab);
    assert_eq!(f.focus, 2, "Tab skips the hidden credit limit");
    key(&mut f, KeyCode::BackTab);
    assert_eq!(f.focus, 0);
    // Post-pay: the credit limit appears, is reached and saved.
    key(&mut f, KeyCode::Enter);
    typed(&mut f, "post");
    key(&mut f, KeyCode::Enter);
    assert!(f.shown(1));
    key(&mut f, KeyCode::Down);
    assert_eq!(f.focus, 1);
    typed(&mut f, "500");
    assert!(drawn(&f).contains("credit_limit"));
    // Back to pre-pay: the typed limit is hidden again and not sent.
    key(&mut f, KeyCode::Up);
    key(&mut f, KeyCode::Enter);
    typed(&mut f, "pre");
    key(&mut f, KeyCode::Enter);
    assert_eq!(ctrl(&mut f, 's'), Outcome::Close, "nothing shown changed");
}

#[test]
fn a_grid_row_is_one_line_and_its_errors_name_their_cell() {
    let mut f = billing();
    let screen = drawn(&f);
    assert!(screen.contains("── Schedule"), "{screen}");
    let row = screen.lines().find(|l| l.contains("mon ")).unwrap();
    assert!(
        row.contains("[x] yes") && row.contains("mon/start 09:00") && row.contains("mon/end 17:00"),
        "{row}"
    );
    key(&mut f, KeyCode::Tab);
    key(&mut f, KeyCode::Tab);
    assert_eq!(f.focus, 3, "the row's cells are reached in turn");
    ctrl(&mut f, 'u');
    typed(&mut f, "9am");
    assert!(matches!(ctrl(&mut f, 's'), Outcome::Stay));
    let screen = drawn(&f);
    assert!(screen.contains("✗ mon/start: A time of day"), "{screen}");
}

#[test]
fn an_error_lands_on_the_field_that_holds_its_pointer() {
    let mut f = billing();
    f.refuse(
        &[
            ("/mon/start".into(), "Not a time.".into()),
            ("/billing/currency".into(), "One currency.".into()),
            ("/nowhere".into(), "Something else.".into()),
        ],
        "Nothing was saved",
    );
    assert_eq!(
        f.field("/mon/start").unwrap().error.as_deref(),
        Some("Not a time.")
    );
    assert_eq!(
        f.field("/billing").unwrap().error.as_deref(),
        Some("One currency.")
    );
    assert_eq!(
        f.field("/mon").unwrap().error,
        None,
        "/mon/start is not /mon's"
    );
    assert_eq!(
        f.note.as_deref(),
        Some("Nothing was saved: Something else.")
    );
    assert_eq!(f.focus, 0);
}
