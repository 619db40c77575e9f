//! The focus stack against what it tells the user: for every layer, each key its key bar or
//! help shows does something, and each key that does something is shown in its help. And
//! `update` is pure: the same messages at the same times give equal states and effects.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::focus::{Hint, Keys, Layer};
use super::focus_states::*;
use super::msg::Msg;
use super::{App, Session};
use crate::domain::Role;
use crate::tui::test_data::{T0, signed_in};
use crate::tui::test_data::{answer_loads, impersonation};

pub(super) fn press(
    app: &mut App,
    code: KeyCode,
    mods: KeyModifiers,
) -> Vec<super::effect::Effect> {
    let fx = app.update(Msg::Key(KeyEvent::new(code, mods)), T0);
    answer_loads(app, fx, 5);
    Vec::new()
}

pub(super) fn chars(app: &mut App, keys: &str) {
    for c in keys.chars() {
        press(app, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

/// Every key a terminal can send that a layer might take.
fn probes() -> Vec<KeyEvent> {
    let none = KeyModifiers::NONE;
    let mut keys: Vec<KeyEvent> = (0x20u8..0x7f)
        .map(|b| KeyEvent::new(KeyCode::Char(b as char), none))
        .collect();
    for code in [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::F(1),
        KeyCode::F(5),
    ] {
        keys.push(KeyEvent::new(code, none));
    }
    for c in 'a'..='z' {
        keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    }
    keys.push(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    keys.push(KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT));
    keys
}

/// One example key for each key a hint stands for.
fn examples(hint: &Hint) -> Vec<KeyEvent> {
    match &hint.keys {
        Keys::These(keys) => keys.iter().map(|k| KeyEvent::new(k.code, k.mods)).collect(),
        Keys::Typing => vec![KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)],
    }
}

/// A layer, in the states that between them give every one of its keys something to do.
struct Scenario {
    name: &'static str,
    states: Vec<fn() -> App>,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "screen",
            states: vec![
                csr_queue,
                queue_with_marks_and_detail,
                history,
                partners,
                offline,
                record,
                record_tiers,
                expiring,
                record_vouchers,
                record_lead,
                tree,
                tree_open,
            ],
        },
        Scenario {
            name: "partner view",
            states: vec![impersonating],
        },
        Scenario {
            name: "search",
            states: vec![searching],
        },
        Scenario {
            name: "help",
            states: vec![help, help_filtered, help_scrolled],
        },
        Scenario {
            name: "filter",
            states: vec![filter, filter_opened],
        },
        Scenario {
            name: "partners' filter",
            states: vec![partners_filter],
        },
        Scenario {
            name: "copy",
            states: vec![copy],
        },
        Scenario {
            name: "impersonate",
            states: vec![impersonate],
        },
        Scenario {
            name: "finder",
            states: vec![finder],
        },
        Scenario {
            name: "confirm",
            states: vec![confirm],
        },
        Scenario {
            name: "reason",
            states: vec![reason, reason_discarding],
        },
        Scenario {
            name: "reason with templates",
            states: vec![reason_with_templates],
        },
        Scenario {
            name: "reason templates",
            states: vec![reason_picking],
        },
        Scenario {
            name: "form",
            states: vec![profile_form],
        },
        Scenario {
            name: "lead form",
            states: vec![lead_form, lead_form_text],
        },
        Scenario {
            name: "lead preview",
            states: vec![lead_preview],
        },
        Scenario {
            name: "form choice",
            states: vec![profile_form_choice],
        },
        Scenario {
            name: "form picker",
            states: vec![profile_form_picking],
        },
        Scenario {
            name: "form calendar",
            states: vec![period_calendar],
        },
        Scenario {
            name: "form notes",
            states: vec![profile_form_notes],
        },
        Scenario {
            name: "form discarding",
            states: vec![profile_form_discarding],
        },
        Scenario {
            name: "batch picker",
            states: vec![batch_picker],
        },
        Scenario {
            name: "unassign confirm",
            states: vec![unassign_confirm],
        },
        Scenario {
            name: "confirm quit",
            states: vec![confirm_quit],
        },
    ]
}

/// Does `key` do anything to a fresh `state`?
fn handled(state: fn() -> App, key: KeyEvent) -> bool {
    state().dispatch_key(key).is_some()
}

#[test]
fn every_key_shown_works_and_every_key_that_works_is_shown() {
    let probes = probes();
    for scenario in scenarios() {
        for state in &scenario.states {
            let app = state();
            let layer = app.focus.top();
            let hints = app.hints(layer);
            assert!(
                !hints.is_empty(),
                "{}: the layer lists its keys",
                scenario.name
            );
            // Each key shown (bar or help) works in one of the layer's states.
            for hint in hints.iter().filter(|h| h.bar || h.help) {
                for key in examples(hint) {
                    assert!(
                        scenario.states.iter().any(|s| handled(*s, key)),
                        "{}: {:?} is shown as '{} {}' but does nothing",
                        scenario.name,
                        key,
                        hint.label,
                        hint.what
                    );
                }
            }
            // Each key that works is shown in help (or, for a summary key, in the bar).
            for key in &probes {
                if handled(*state, *key) {
                    assert!(
                        hints.iter().any(|h| h.keys.matches(key)),
                        "{}: {key:?} does something but no key bar or help line says so",
                        scenario.name
                    );
                }
            }
        }
    }
}

#[test]
fn the_key_bar_is_the_top_layers() {
    // A viewer's bar shows only what a viewer can do; a CSR's the deciding keys.
    let viewer = signed_in(Session::default(), Role::Viewer, 3);
    let approve = |app: &App| {
        app.key_bar()
            .into_iter()
            .find(|h| h.what == "approve")
            .map(|h| h.enabled)
    };
    assert_eq!(approve(&viewer), None);
    assert_eq!(approve(&csr_queue()), Some(true));
    // With help open, the bar is help's, and says what Esc does now.
    let bar = |app: &App| -> Vec<String> {
        app.key_bar()
            .into_iter()
            .map(|h| format!("{} {}", h.label, h.what))
            .collect()
    };
    assert!(bar(&help()).contains(&"Esc close".to_string()));
    assert!(bar(&help_filtered()).contains(&"Esc clear the filter".to_string()));
    // Help over the partner view lists the partner view's keys, not the lists'.
    let mut app = impersonating();
    chars(&mut app, "?");
    let listed: Vec<String> = app.help_hints().into_iter().map(|h| h.what).collect();
    assert!(
        listed.iter().any(|w| w == "exit impersonating"),
        "{listed:?}"
    );
    assert!(!listed.iter().any(|w| w == "approve"), "{listed:?}");
}

#[test]
fn help_scrolls_to_its_last_row_and_no_further() {
    let mut app = help();
    let rows = app.help_hints().len();
    for _ in 0..rows + 5 {
        press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    }
    let Layer::Help(h) = app.focus.top() else {
        panic!("help stays open");
    };
    let scrolled = h.scroll;
    assert!(scrolled > 0 && scrolled < rows, "{scrolled} of {rows}");
    assert!(
        app.dispatch_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))
            .is_none(),
        "at the end, ↓ does nothing"
    );
}

#[test]
fn update_is_pure_the_same_messages_give_the_same_state_and_effects() {
    // Two consoles, fed the same messages at the same times, through everything that used to
    // read the clock or make random ids: decisions (their keys), an impersonation (its expiry).
    let script = |app: &mut App| -> String {
        let mut log = String::new();
        let t1 = T0 + chrono::Duration::seconds(90);
        let mut step = |app: &mut App, msg: Msg, at| {
            let fx = app.update(msg, at);
            log.push_str(&format!("{fx:?}\n"));
        };
        let key = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        for c in "ay".chars() {
            step(app, key(c), t1);
        }
        for c in "jrno".chars() {
            step(app, key(c), t1);
        }
        step(
            app,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
            t1,
        );
        step(app, Msg::Impersonated(Ok(impersonation(0))), t1);
        log
    };
    let mut a = signed_in(Session::default(), Role::Csr, 5);
    let mut b = signed_in(Session::default(), Role::Csr, 5);
    let (fa, fb) = (script(&mut a), script(&mut b));
    assert!(fa.contains("Decide"), "decisions were made: {fa}");
    assert_eq!(fa, fb, "the same effects");
    assert_eq!(format!("{a:?}"), format!("{b:?}"), "the same state");
    // The seed is what makes one console's keys its own.
    let mut c = signed_in(
        Session {
            key_seed: 1,
            ..Session::default()
        },
        Role::Csr,
        5,
    );
    assert_ne!(script(&mut c), fa, "another seed, other keys");
}
