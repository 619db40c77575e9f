//! A dialog's error is about what was typed when it was raised: the next edit clears it (the
//! reason dialog, the impersonation reason, the filter), and moving about does not.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::focus::Layer;
use super::msg::Msg;
use super::{App, Session};
use crate::client::ApiError;
use crate::domain::Role;
use crate::tui::test_data::{T0, answer_loads, signed_in};

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    let fx = app.update(Msg::Key(KeyEvent::new(code, mods)), T0);
    answer_loads(app, fx, 5);
}

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        key(app, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn plain(app: &mut App, code: KeyCode) {
    key(app, code, KeyModifiers::NONE);
}

fn csr() -> App {
    signed_in(Session::default(), Role::Csr, 5)
}

/// The error of the dialog on top.
fn error(app: &App) -> Option<String> {
    match app.focus.top() {
        Layer::Reason(d) => d.error.clone(),
        Layer::Impersonate(d) => d.error.clone(),
        Layer::Filter(f) => f.error.clone(),
        other => panic!("a dialog with an error line, not {other:?}"),
    }
}

#[test]
fn the_reason_dialogs_error_goes_with_the_next_edit() {
    let mut app = csr();
    press(&mut app, "r");
    plain(&mut app, KeyCode::Enter);
    assert!(error(&app).unwrap().contains("A reason is required"));
    // Moving is not an edit; a key that changes nothing is not either.
    for code in [
        KeyCode::Left,
        KeyCode::Up,
        KeyCode::Home,
        KeyCode::Backspace,
    ] {
        plain(&mut app, code);
    }
    assert!(error(&app).is_some());
    press(&mut app, "N");
    assert_eq!(error(&app), None, "typed: the error is gone");
    // Every kind of edit clears it: Backspace, Ctrl-W, Ctrl-U, a new line, Tab, a paste.
    let edits: [&dyn Fn(&mut App); 6] = [
        &|a| plain(a, KeyCode::Backspace),
        &|a| key(a, KeyCode::Char('w'), KeyModifiers::CONTROL),
        &|a| key(a, KeyCode::Char('u'), KeyModifiers::CONTROL),
        &|a| key(a, KeyCode::Enter, KeyModifiers::ALT),
        &|a| plain(a, KeyCode::Tab),
        &|a| {
            a.update(Msg::Paste("Not yet.".into()), T0);
        },
    ];
    for (i, edit) in edits.iter().enumerate() {
        press(&mut app, "No reason");
        let len = app_text(&app).len();
        let over_limit = "x".repeat(crate::domain::MAX_REASON_CHARS);
        app.update(Msg::Paste(over_limit), T0);
        plain(&mut app, KeyCode::Enter);
        assert!(error(&app).is_some(), "edit {i}: over the limit");
        plain(&mut app, KeyCode::Left);
        assert!(error(&app).is_some(), "edit {i}: moving keeps it");
        plain(&mut app, KeyCode::End);
        edit(&mut app);
        assert_eq!(error(&app), None, "edit {i} clears it");
        // Back to a short text for the next round.
        while app_text(&app).len() > len {
            plain(&mut app, KeyCode::Backspace);
        }
        key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    }
}

fn app_text(app: &App) -> String {
    match app.focus.top() {
        Layer::Reason(d) => d.input.text().to_string(),
        Layer::Impersonate(d) => d.input.text().to_string(),
        other => panic!("a text dialog, not {other:?}"),
    }
}

#[test]
fn the_impersonation_reasons_error_goes_with_the_next_edit() {
    let mut app = csr();
    press(&mut app, "4jji");
    plain(&mut app, KeyCode::Enter);
    assert!(error(&app).unwrap().contains("A reason is required"));
    plain(&mut app, KeyCode::Left);
    assert!(error(&app).is_some(), "moving keeps it");
    press(&mut app, "T");
    assert_eq!(error(&app), None);
    // A failed start says so; Backspace, and a paste, are edits too.
    plain(&mut app, KeyCode::Enter);
    app.update(
        Msg::Impersonated(Err(ApiError::Unreachable {
            message: "down".into(),
        })),
        T0,
    );
    assert!(error(&app).unwrap().contains("Could not start"));
    plain(&mut app, KeyCode::Backspace);
    assert_eq!(error(&app), None);
    assert_eq!(app_text(&app), "");
    plain(&mut app, KeyCode::Enter);
    assert!(error(&app).is_some());
    app.update(Msg::Paste("Ticket 4411".into()), T0);
    assert_eq!(error(&app), None);
}

#[test]
fn the_filters_error_goes_when_a_value_changes_not_when_the_focus_moves() {
    let mut app = csr();
    press(&mut app, "5jjf");
    // From the first kind back to the last fields: To, then From.
    plain(&mut app, KeyCode::BackTab);
    plain(&mut app, KeyCode::BackTab);
    press(&mut app, "2026");
    plain(&mut app, KeyCode::Enter);
    assert!(error(&app).is_some(), "2026 is not a date");
    plain(&mut app, KeyCode::Tab);
    plain(&mut app, KeyCode::BackTab);
    assert!(error(&app).is_some(), "moving between fields keeps it");
    press(&mut app, "-");
    assert_eq!(error(&app), None, "typed into the date: gone");
    plain(&mut app, KeyCode::Enter);
    assert!(error(&app).is_some());
    plain(&mut app, KeyCode::Backspace);
    assert_eq!(error(&app), None, "deleted from the date: gone");
    plain(&mut app, KeyCode::Enter);
    plain(&mut app, KeyCode::BackTab);
    plain(&mut app, KeyCode::BackTab);
    assert!(error(&app).is_some());
    plain(&mut app, KeyCode::Right);
    assert_eq!(error(&app), None, "a kind ticked: gone");
}
