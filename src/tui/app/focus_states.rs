//! The states the focus test puts each layer in (`focus_tests`): between them, every key a
//! layer lists has something to do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::focus::Layer;
use super::focus_tests::{chars, press};
use super::msg::Msg;
use super::{App, Session};
use crate::domain::Role;
use crate::tui::test_data::{T0, impersonation, signed_in};

/// My Partners → Hierarchy as a platform administrator (every key of the tree works).
pub(super) fn tree() -> App {
    use crate::tui::hierarchy::tests::{SMALL, tree_app};
    let mut app = tree_app(&SMALL, vec![]);
    app.user.as_mut().expect("signed in").role = Role::Admin;
    app
}

/// The tree with its first distributor open and a partner selected.
pub(super) fn tree_open() -> App {
    let mut app = tree();
    let fx = crate::tui::hierarchy::tests::press(&mut app, "l");
    crate::tui::hierarchy::tests::SMALL.answer(&mut app, fx);
    chars(&mut app, "j");
    app
}

pub(super) fn csr_queue() -> App {
    let mut app = signed_in(Session::default(), Role::Csr, 5);
    chars(&mut app, "jj");
    app
}

pub(super) fn queue_with_marks_and_detail() -> App {
    let mut app = csr_queue();
    chars(&mut app, " ");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    // A long description gives the detail pane something to scroll.
    let id = app.active_section_id();
    let selected = app.section(id).selected;
    if let Some(crate::tui::queue::tabs::Row::Approval(a)) =
        app.section_mut(id).rows.get_mut(selected)
    {
        a.description = "A long description.\n".repeat(40);
    }
    chars(&mut app, "J");
    app
}

pub(super) fn history() -> App {
    let mut app = csr_queue();
    chars(&mut app, "5jj");
    app
}

pub(super) fn partners() -> App {
    let mut app = csr_queue();
    chars(&mut app, "4jj");
    app
}

pub(super) fn record() -> App {
    crate::tui::test_data::record_open(2)
}

/// The record's Tiers & campaigns page, loaded.
pub(super) fn record_tiers() -> App {
    let mut app = record();
    chars(&mut app, ">");
    let result = Ok(crate::tui::test_data::tiers_data(2));
    app.update(
        Msg::Tiers {
            partner_id: "pt_2".into(),
            result,
        },
        T0,
    );
    app
}

/// The record's Lead exchange page, loaded.
pub(super) fn record_lead() -> App {
    use crate::tui::record::lead_tests::{lead_page, settings};
    lead_page(settings())
}

/// Its form, the focus on the partner type (a choice: `p` and `I` are the owner's).
pub(super) fn lead_form() -> App {
    let mut app = record_lead();
    chars(&mut app, "E");
    assert!(matches!(app.focus.top(), Layer::Form(_)));
    app
}

/// Its form, the focus on a text field (letters are typed).
pub(super) fn lead_form_text() -> App {
    let mut app = lead_form();
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    app
}

/// The rendered body over the form.
pub(super) fn lead_preview() -> App {
    let mut app = lead_form();
    let body = (0..80)
        .map(|i| format!("<l>{i}</l>"))
        .collect::<Vec<_>>()
        .join("\n");
    app.update(
        Msg::LeadPreview {
            result: Ok(crate::domain::LeadPreview {
                content_type: "application/xml; charset=utf-8".into(),
                body,
                truncated: false,
            }),
        },
        T0,
    );
    assert!(matches!(app.focus.top(), Layer::Preview(_)));
    app
}

/// My Partners › Expiring, a row marked.
pub(super) fn expiring() -> App {
    let mut app = signed_in(Session::default(), Role::Csr, 5);
    for c in "4]]".chars() {
        let fx = app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            T0,
        );
        crate::tui::test_data::answer_loads(&mut app, fx, 5);
    }
    app
}

pub(super) fn record_vouchers() -> App {
    let mut app = record();
    chars(&mut app, ">>");
    app.update(
        Msg::Vouchers {
            partner_id: "pt_2".into(),
            result: Ok(vec![crate::tui::record::vouchers::tests::batch("vb_1")]),
        },
        T0,
    );
    app
}

/// A new period's form, its expiry's calendar open.
pub(super) fn period_calendar() -> App {
    let mut app = record_tiers();
    chars(&mut app, "n");
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let Layer::Form(f) = app.focus.top() else {
        panic!("the period form");
    };
    assert!(f.form.calendar.is_some());
    app
}

pub(super) fn profile_form() -> App {
    let mut app = record();
    chars(&mut app, "E");
    assert!(matches!(app.focus.top(), Layer::Form(_)));
    app
}

pub(super) fn profile_form_choice() -> App {
    let mut app = profile_form();
    for _ in 0..11 {
        press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    }
    app
}

pub(super) fn profile_form_picking() -> App {
    let mut app = profile_form_choice();
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    app
}

pub(super) fn profile_form_notes() -> App {
    let mut app = profile_form_choice();
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    app
}

pub(super) fn profile_form_discarding() -> App {
    let mut app = profile_form();
    chars(&mut app, "x");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    app
}

pub(super) fn batch_picker() -> App {
    let mut app = record_vouchers();
    chars(&mut app, "A");
    app.update(
        Msg::Batches {
            generation: app.record.batch_gen,
            result: Ok(vec![
                crate::tui::record::vouchers::tests::batch("vb_2"),
                crate::tui::record::vouchers::tests::batch("vb_3"),
            ]),
        },
        T0,
    );
    app
}

pub(super) fn unassign_confirm() -> App {
    let mut app = record_vouchers();
    chars(&mut app, "U");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    app
}

pub(super) fn offline() -> App {
    let mut app = csr_queue();
    app.update(
        Msg::Stream(crate::client::StreamItem::Disconnected {
            message: "down".into(),
        }),
        T0,
    );
    app
}

pub(super) fn impersonating() -> App {
    let mut app = partners();
    app.update(Msg::Impersonated(Ok(impersonation(2))), T0);
    assert!(matches!(app.focus.top(), Layer::PartnerView));
    app
}

pub(super) fn searching() -> App {
    let mut app = history();
    chars(&mut app, "/ac");
    app
}

pub(super) fn help() -> App {
    let mut app = csr_queue();
    chars(&mut app, "?");
    app
}

pub(super) fn help_filtered() -> App {
    let mut app = help();
    chars(&mut app, "e");
    app
}

pub(super) fn help_scrolled() -> App {
    let mut app = help();
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    app
}

pub(super) fn filter() -> App {
    let mut app = history();
    chars(&mut app, "f");
    press(&mut app, KeyCode::BackTab, KeyModifiers::NONE);
    press(&mut app, KeyCode::BackTab, KeyModifiers::NONE);
    chars(&mut app, "2026");
    app
}

pub(super) fn filter_opened() -> App {
    let mut app = history();
    chars(&mut app, "f");
    app
}

pub(super) fn partners_filter() -> App {
    let mut app = partners();
    chars(&mut app, "f");
    app
}

pub(super) fn copy() -> App {
    let mut app = partners();
    chars(&mut app, "y");
    app
}

pub(super) fn impersonate() -> App {
    let mut app = partners();
    chars(&mut app, "iwhy");
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    app
}

pub(super) fn finder() -> App {
    let mut app = csr_queue();
    chars(&mut app, ":p");
    let generation = match app.focus.top() {
        Layer::Finder(f) => f.generation,
        other => panic!("{other:?}"),
    };
    app.update(
        Msg::Found {
            generation,
            result: Ok((0..4).map(crate::tui::test_data::partner).collect()),
        },
        T0,
    );
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    app
}

pub(super) fn confirm() -> App {
    let mut app = csr_queue();
    chars(&mut app, "a");
    app
}

pub(super) fn reason() -> App {
    let mut app = csr_queue();
    chars(&mut app, "rno");
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    app
}

pub(super) fn reason_with_templates() -> App {
    let template = |name: &str| crate::config::ReasonTemplate {
        name: name.into(),
        text: format!("{name}: the reason."),
    };
    let session = Session {
        reasons: vec![template("one"), template("two"), template("three")],
        ..Session::default()
    };
    let mut app = signed_in(session, Role::Csr, 5);
    chars(&mut app, "r");
    app
}

pub(super) fn reason_picking() -> App {
    let mut app = reason_with_templates();
    press(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    app
}

pub(super) fn reason_discarding() -> App {
    let mut app = reason();
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    app
}

pub(super) fn confirm_quit() -> App {
    let mut app = reason();
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(matches!(app.focus.top(), Layer::ConfirmQuit));
    app
}
