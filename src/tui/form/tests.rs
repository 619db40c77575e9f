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
