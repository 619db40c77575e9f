//! The Lead exchange page and its form as a CSR works them, through `App::update`: fields that
//! appear and disappear, errors on the right fields (the console's check and the server's
//! 422), the patch a save sends, a 412, the preview pane and the portal invitation.

use crossterm::event::{KeyCode, KeyModifiers};

use super::Page;
use super::tests::{form, key, press, problem};
use crate::domain::*;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Layer;
use crate::tui::app::msg::Msg;
use crate::tui::test_data::{T0, record_open};

pub fn settings() -> LeadSettings {
    LeadSettings::defaults(
        "EUR",
        "Europe/Berlin",
        "ops@partner2.example",
        "+49 30 1234567",
    )
}

fn record(s: LeadSettings, version: i64) -> super::lead::LeadRecord {
    let warnings = lead_rules::check(&s).warnings;
    Saved {
        record: Versioned { record: s, version },
        warnings,
    }
}

/// Partner 2's record open on its Lead exchange page, its settings `s` loaded.
pub fn lead_page(s: LeadSettings) -> App {
    let mut app = record_open(2);
    let fx = press(&mut app, "<");
    assert_eq!(app.record.page, Page::LeadExchange);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadLeadSettings { partner_id } if partner_id == "pt_2")),
        "{fx:?}"
    );
    app.update(
        Msg::LeadSettings {
            partner_id: "pt_2".into(),
            result: Ok(record(s, 4)),
        },
        T0,
    );
    app
}

fn shown(app: &App, pointer: &str) -> bool {
    let f = form(app);
    f.fields
        .iter()
        .position(|x| x.pointer == pointer)
        .is_some_and(|i| f.shown(i))
}

/// Tab to the field at `pointer` (it must be shown).
fn focus_on(app: &mut App, pointer: &str) {
    for _ in 0..80 {
        if form(app).fields[form(app).focus].pointer == pointer {
            return;
        }
        key(app, KeyCode::Tab, KeyModifiers::NONE);
    }
    panic!("{pointer} is not reached");
}

/// Choose the option whose label holds `words` in the choice at `pointer`.
fn choose(app: &mut App, pointer: &str, words: &str) {
    focus_on(app, pointer);
    key(app, KeyCode::Enter, KeyModifiers::NONE);
    press(app, words);
    key(app, KeyCode::Enter, KeyModifiers::NONE);
}

fn flip(app: &mut App, pointer: &str) {
    focus_on(app, pointer);
    key(app, KeyCode::Char(' '), KeyModifiers::NONE);
}

fn retype(app: &mut App, pointer: &str, text: &str) {
    focus_on(app, pointer);
    key(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(app, text);
}

fn save(app: &mut App) -> Vec<Effect> {
    key(app, KeyCode::Char('s'), KeyModifiers::CONTROL)
}

fn sent_patch(fx: &[Effect]) -> Option<(i64, serde_json::Value)> {
    fx.iter().find_map(|e| match e {
        Effect::SaveLeadSettings { version, patch, .. } => Some((*version, patch.clone())),
        _ => None,
    })
}

fn error(app: &App, pointer: &str) -> Option<String> {
    form(app).field(pointer).and_then(|f| f.error.clone())
}

fn page_text(app: &App) -> String {
    let p = app.record_partner().unwrap();
    super::pages::fields(app, p)
        .iter()
        .map(|f| format!("{}: {}", f.label, f.value))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_page_shows_the_settings_in_groups_with_their_warnings() {
    let mut s = settings();
    s.daily_limit = 1;
    s.monthly_limit = 50;
    s.billing = Billing::Postpay;
    s.credit_limit = Some(Money::new(250_000, "EUR"));
    s.schedule.days.sat = DayWindow::new(true, "00:00", "00:00");
    let app = lead_page(s);
    let text = page_text(&app);
    for group in [
        "Warnings: ! 1 a day",
        "Type and prices",
        "Portal",
        "Billing",
        "Delivery",
        "Limits and schedule",
        "Contact",
        "Text alerts",
    ] {
        assert!(text.contains(group), "{group} in {text}");
    }
    assert!(text.contains("never reached"), "{text}");
    assert!(text.contains("Credit limit"), "{text}");
    assert!(text.contains("Sat             all day"), "{text}");
    assert!(text.contains("Sun             off"), "{text}");
}

#[test]
fn fields_appear_only_when_they_apply() {
    let mut app = lead_page(settings());
    press(&mut app, "E");
    assert!(shown(&app, "/lead_cost") && !shown(&app, "/lead_value"));
    // The amounts follow the one currency field as it is typed.
    retype(&mut app, "/currency", "usd");
    assert!(matches!(&form(&app).field("/lead_cost").unwrap().kind,
            crate::tui::form::FieldKind::Money { currency } if currency == "USD"));
    assert!(!shown(&app, "/credit_limit"));
    assert!(!shown(&app, "/internet_delivery/url"));
    assert!(!shown(&app, "/low_funds_threshold"));

    choose(&mut app, "/partner_type", "Both");
    assert!(shown(&app, "/lead_cost") && shown(&app, "/lead_value"));
    choose(&mut app, "/billing", "Post");
    assert!(shown(&app, "/credit_limit"));
    flip(&mut app, "/internet_delivery/enabled");
    for p in [
        "/internet_delivery/method",
        "/internet_delivery/url",
        "/internet_delivery/body_template",
    ] {
        assert!(shown(&app, p), "{p}");
    }
    // JSON (the default method) takes no headers; XML does.
    assert!(!shown(&app, "/internet_delivery/headers"));
    choose(&mut app, "/internet_delivery/method", "XML");
    assert!(shown(&app, "/internet_delivery/headers"));
    flip(&mut app, "/internet_delivery/enabled");
    assert!(!shown(&app, "/internet_delivery/headers"));
    flip(&mut app, "/text_alerts/on_low_funds");
    assert!(shown(&app, "/low_funds_threshold"));
}

#[test]
fn the_rules_put_each_error_on_its_field_before_anything_is_sent() {
    let mut app = lead_page(settings());
    press(&mut app, "E");
    choose(&mut app, "/billing", "Post");
    flip(&mut app, "/internet_delivery/enabled");
    retype(
        &mut app,
        "/internet_delivery/url",
        "http://partner.example/leads",
    );
    retype(&mut app, "/schedule/days/tue/start", "18:00");
    retype(&mut app, "/schedule/days/tue/end", "09:00");
    flip(&mut app, "/text_alerts/on_referral");
    let fx = save(&mut app);
    assert_eq!(sent_patch(&fx), None, "nothing is sent");
    assert!(
        error(&app, "/credit_limit")
            .unwrap()
            .contains("credit limit")
    );
    assert!(
        error(&app, "/internet_delivery/url")
            .unwrap()
            .contains("https://")
    );
    assert!(
        error(&app, "/internet_delivery/body_template")
            .unwrap()
            .contains("body")
    );
    assert!(
        error(&app, "/schedule/days/tue/end")
            .unwrap()
            .contains("before it starts")
    );
    assert!(error(&app, "/contact/mobile").unwrap().contains("mobile"));
    assert_eq!(error(&app, "/schedule/days/tue/start"), None);
    assert!(
        form(&app)
            .note
            .as_deref()
            .unwrap()
            .starts_with("Nothing was saved")
    );
}

#[test]
fn a_save_sends_the_changed_members_and_the_page_shows_the_saved_warning() {
    let mut app = lead_page(settings());
    press(&mut app, "E");
    retype(&mut app, "/daily_limit", "1");
    retype(&mut app, "/monthly_limit", "50");
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    // Leaving the limits, the form already says they cannot both be reached.
    assert!(
        form(&app)
            .note
            .as_deref()
            .unwrap_or("")
            .contains("never reached"),
        "{:?}",
        form(&app).note
    );
    let (version, patch) = sent_patch(&save(&mut app)).expect("a save");
    assert_eq!(version, 4);
    assert_eq!(
        patch,
        serde_json::json!({"daily_limit": 1, "monthly_limit": 50})
    );
    let mut saved = settings();
    saved.daily_limit = 1;
    saved.monthly_limit = 50;
    app.update(
        Msg::LeadSaved {
            partner_id: "pt_2".into(),
            result: Ok(record(saved, 5)),
        },
        T0,
    );
    assert!(matches!(app.focus.top(), Layer::Screen), "the form closed");
    assert!(page_text(&app).contains("Daily limit     1"));
    assert!(page_text(&app).contains("never reached"));
    assert!(app.toasts.iter().any(|t| t.text.contains("never reached")));
}

#[test]
fn the_servers_422_lands_on_the_fields_and_a_412_keeps_the_edits() {
    let mut app = lead_page(settings());
    press(&mut app, "E");
    retype(&mut app, "/contact/phone", "+44 20 7946 0000");
    assert!(sent_patch(&save(&mut app)).is_some());
    app.update(
        Msg::LeadSaved {
            partner_id: "pt_2".into(),
            result: Err(problem(422, codes::VALIDATION_FAILED, |p| {
                p.errors = vec![
                    FieldError::new("/contact/phone", "invalid_phone", "Not a number here."),
                    FieldError::new("/lead_cost/amount_minor", "out_of_range", "Too much."),
                ];
            })),
        },
        T0,
    );
    assert_eq!(
        error(&app, "/contact/phone").as_deref(),
        Some("Not a number here.")
    );
    assert_eq!(error(&app, "/lead_cost").as_deref(), Some("Too much."));

    // Someone else saved meanwhile: their change comes in, the CSR's edit stays, marked.
    let fx = save(&mut app);
    assert!(sent_patch(&fx).is_some());
    let mut theirs = settings();
    theirs.contact.phone = "+1 555 0100".into();
    theirs.daily_limit = 7;
    app.update(
        Msg::LeadSaved {
            partner_id: "pt_2".into(),
            result: Err(problem(412, codes::VERSION_MISMATCH, |p| {
                p.lead_settings = Some(Box::new(Versioned {
                    record: theirs.clone(),
                    version: 9,
                }));
            })),
        },
        T0,
    );
    let f = form(&app);
    assert_eq!(f.value("/contact/phone"), Some("+44 20 7946 0000"));
    assert_eq!(
        f.field("/contact/phone").unwrap().theirs.as_deref(),
        Some("+1 555 0100")
    );
    assert_eq!(f.value("/daily_limit"), Some("7"));
    let (version, patch) = sent_patch(&save(&mut app)).unwrap();
    assert_eq!(version, 9);
    assert_eq!(patch["contact"]["phone"], "+44 20 7946 0000");
    assert!(patch.get("daily_limit").is_none(), "{patch}");
}

#[test]
fn ctrl_p_previews_the_unsaved_body_in_a_pane_over_the_form() {
    let mut app = lead_page(settings());
    press(&mut app, "E");
    flip(&mut app, "/internet_delivery/enabled");
    choose(&mut app, "/internet_delivery/method", "SOAP 1.1");
    // `p` on a choice previews; in a text field it is typed.
    let fx = press(&mut app, "p");
    let Some(Effect::PreviewLeadBody {
        partner_id,
        preview,
    }) = fx.first()
    else {
        panic!("{fx:?}");
    };
    assert_eq!(partner_id, "pt_2");
    assert_eq!(preview.method, Some(DeliveryMethod::Soap11));
    focus_on(&mut app, "/internet_delivery/body_template");
    press(&mut app, "<n>{{notes}}</n>p");
    let fx = key(&mut app, KeyCode::Char('p'), KeyModifiers::CONTROL);
    let Some(Effect::PreviewLeadBody { preview, .. }) = fx.first() else {
        panic!("{fx:?}");
    };
    assert_eq!(preview.body_template.as_deref(), Some("<n>{{notes}}</n>p"));
    let body = (0..60)
        .map(|i| format!("<line n=\"{i}\"/>"))
        .collect::<Vec<_>>()
        .join("\n");
    app.update(
        Msg::LeadPreview {
            result: Ok(LeadPreview {
                content_type: "text/xml; charset=utf-8".into(),
                body,
                truncated: false,
            }),
        },
        T0,
    );
    let Layer::Preview(pane) = app.focus.top() else {
        panic!("no preview");
    };
    assert_eq!(pane.lines.len(), 60);
    key(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    let Layer::Preview(pane) = app.focus.top() else {
        panic!("no preview");
    };
    assert!(pane.scroll > 0);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(
        matches!(app.focus.top(), Layer::Form(_)),
        "back in the form"
    );

    // An unknown variable: the server's 422 lands on the template.
    app.update(
        Msg::LeadPreview {
            result: Err(problem(422, codes::VALIDATION_FAILED, |p| {
                p.errors = vec![FieldError::new(
                    "/body_template",
                    "unknown_variable",
                    "{{nope}} is not a template variable.",
                )];
            })),
        },
        T0,
    );
    assert!(
        error(&app, "/internet_delivery/body_template")
            .unwrap()
            .contains("{{nope}}")
    );
    assert_eq!(
        form(&app).note.as_deref(),
        Some("No preview: see the fields marked ✗.")
    );
}

#[test]
fn i_invites_the_partner_after_a_yes() {
    let mut app = lead_page(settings());
    let fx = press(&mut app, "I");
    assert!(fx.is_empty());
    assert!(matches!(app.focus.top(), Layer::Confirm(_)));
    let fx = press(&mut app, "y");
    let Some(Effect::PortalInvite { partner_id, key }) = fx.first() else {
        panic!("{fx:?}");
    };
    assert_eq!(partner_id, "pt_2");
    assert!(!key.is_empty());
    app.update(
        Msg::PortalInvited {
            result: Ok(PortalInvite {
                partner_id: "pt_2".into(),
                to: "ops@partner2.example".into(),
                queued_at: T0,
                expires_at: T0 + chrono::Duration::days(7),
            }),
        },
        T0,
    );
    assert!(
        app.toasts
            .iter()
            .any(|t| t.text.contains("ops@partner2.example"))
    );
}

#[test]
fn another_consoles_change_reads_the_open_page_again() {
    let mut app = lead_page(settings());
    let fx = app.update(
        Msg::Stream(crate::client::StreamItem::Event {
            id: None,
            event: ServerEvent::RecordChanged(RecordChanged {
                kind: RECORD_LEAD_SETTINGS.into(),
                id: "pt_2".into(),
                version: 5,
            }),
        }),
        T0,
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadLeadSettings { partner_id } if partner_id == "pt_2")),
        "{fx:?}"
    );
}
