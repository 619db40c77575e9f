//! The partner record as a CSR works it, through `App::update`: keys in, effects out, and the
//! answers a runtime would send fed in by hand.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Page;
use crate::client::ApiError;
use crate::domain::{FieldError, Partner, Problem, ProfileField, Role, Saved};
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Layer;
use crate::tui::app::msg::Msg;
use crate::tui::record::vouchers::tests::batch;
use crate::tui::test_data::{T0, full_partner, record_open};

pub(super) fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, mods)), T0)
}

pub(super) fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| key(app, KeyCode::Char(c), KeyModifiers::NONE))
        .collect()
}

pub(super) fn tab(app: &mut App, n: usize) {
    for _ in 0..n {
        key(app, KeyCode::Tab, KeyModifiers::NONE);
    }
}

fn save(app: &mut App) -> (String, i64, Vec<(ProfileField, String)>) {
    let fx = key(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    fx.into_iter()
        .find_map(|e| match e {
            Effect::SavePartner { id, version, patch } => Some((id, version, patch.changes)),
            _ => None,
        })
        .expect("a save")
}

pub(super) fn form(app: &App) -> &crate::tui::form::Form {
    match app.focus.top() {
        Layer::Form(d) => &d.form,
        other => panic!("no form on top: {other:?}"),
    }
}

pub(super) fn problem(status: u16, code: &str, fill: impl FnOnce(&mut Problem)) -> ApiError {
    let mut p = Problem {
        status,
        code: code.into(),
        ..Problem::default()
    };
    fill(&mut p);
    ApiError::Problem(Box::new(p))
}

/// The profile form open on partner 2 with its city changed to Hamburg.
fn city_edited() -> App {
    let mut app = record_open(2);
    press(&mut app, "E");
    tab(&mut app, 7);
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "Hamburg");
    app
}

#[test]
fn e_edits_the_profile_and_a_save_sends_only_the_change_against_the_version_read() {
    let mut app = city_edited();
    let (id, version, changes) = save(&mut app);
    assert_eq!((id.as_str(), version), ("pt_2", 3));
    assert_eq!(changes, [(ProfileField::City, "Hamburg".to_string())]);
    let mut saved = full_partner(2, 4);
    saved.contact.address.city = "Hamburg".into();
    app.update(
        Msg::PartnerSaved {
            id: "pt_2".into(),
            result: Ok(Saved {
                record: saved,
                warnings: vec![],
            }),
        },
        T0,
    );
    assert!(matches!(app.focus.top(), Layer::Screen), "the form closed");
    assert_eq!(
        app.record_partner().unwrap().contact.address.city,
        "Hamburg"
    );
    assert!(app.toasts.iter().any(|t| t.text == "Saved Partner 2."));
}

#[test]
fn a_field_is_checked_with_the_servers_rules_when_left() {
    let mut app = record_open(2);
    press(&mut app, "E");
    tab(&mut app, 2);
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "not an email");
    tab(&mut app, 1);
    let email = form(&app).field("/contact/email").unwrap();
    assert!(
        email.error.as_deref().unwrap_or("").contains("email"),
        "{email:?}"
    );
    // Saving goes to the problem instead of sending it.
    let fx = key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(!fx.iter().any(|e| matches!(e, Effect::SavePartner { .. })));
    assert_eq!(form(&app).focus, 2);
}

#[test]
fn the_servers_422_lands_on_the_field_and_keeps_the_edits() {
    let mut app = city_edited();
    save(&mut app);
    app.update(
        Msg::PartnerSaved {
            id: "pt_2".into(),
            result: Err(problem(422, "validation_failed", |p| {
                p.errors = vec![FieldError::new(
                    "/contact/address/city",
                    "too_long",
                    "At most 100 characters.",
                )]
            })),
        },
        T0,
    );
    let city = form(&app).field("/contact/address/city").unwrap();
    assert_eq!(city.error.as_deref(), Some("At most 100 characters."));
    assert_eq!(city.value(), "Hamburg");
    assert!(!form(&app).saving);
}

#[test]
fn a_412_keeps_the_edits_marks_theirs_and_the_next_save_uses_their_version() {
    let mut app = city_edited();
    save(&mut app);
    let mut theirs = full_partner(2, 5);
    theirs.contact.address.city = "Munich".into();
    theirs.notes = "Changed by someone else.".into();
    app.update(
        Msg::PartnerSaved {
            id: "pt_2".into(),
            result: Err(problem(412, "version_mismatch", |p| {
                p.partner = Some(Box::new(theirs.clone()))
            })),
        },
        T0,
    );
    let f = form(&app);
    let city = f.field("/contact/address/city").unwrap();
    assert_eq!(
        (city.value(), city.theirs.as_deref()),
        ("Hamburg", Some("Munich"))
    );
    assert_eq!(
        f.field("/notes").unwrap().value(),
        "Changed by someone else."
    );
    let (_, version, changes) = save(&mut app);
    assert_eq!(version, 5);
    assert_eq!(changes, [(ProfileField::City, "Hamburg".to_string())]);
}

#[test]
fn another_consoles_change_reaches_an_open_form_without_overwriting_it() {
    let mut app = city_edited();
    let fx = app.update(
        Msg::Stream(crate::client::StreamItem::Event {
            id: None,
            event: crate::domain::ServerEvent::RecordChanged(crate::domain::RecordChanged {
                kind: "partner".into(),
                id: "pt_2".into(),
                version: 4,
            }),
        }),
        T0,
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadPartner { id } if id == "pt_2")),
        "{fx:?}"
    );
    let mut now: Partner = full_partner(2, 4);
    now.contact.time_zone = "Asia/Tokyo".into();
    app.update(
        Msg::Partner {
            id: "pt_2".into(),
            result: Ok(now),
        },
        T0,
    );
    let f = form(&app);
    assert_eq!(f.field("/contact/address/city").unwrap().value(), "Hamburg");
    assert_eq!(f.field("/contact/time_zone").unwrap().value(), "Asia/Tokyo");
    assert_eq!(save(&mut app).1, 4, "saved against the version now read");
}

#[test]
fn a_viewer_is_told_and_gets_no_form() {
    let mut app = record_open(2);
    app.update(Msg::Me(Ok(crate::tui::test_data::me(Role::Viewer))), T0);
    press(&mut app, "E");
    assert!(matches!(app.focus.top(), Layer::Screen));
    assert!(app.toasts.iter().any(|t| t.text.contains("viewer")));
}

#[test]
fn pages_load_what_they_show_and_vouchers_are_assigned_and_unassigned() {
    let mut app = record_open(2);
    let fx = press(&mut app, ">>");
    assert_eq!(app.record.page, Page::Vouchers);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadVouchers { partner_id } if partner_id == "pt_2"))
    );
    app.update(
        Msg::Vouchers {
            partner_id: "pt_2".into(),
            result: Ok(vec![batch("vb_own")]),
        },
        T0,
    );
    // A: the unassigned pool, searched as you type; Enter assigns.
    let fx = press(&mut app, "A");
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::FindBatches { query, .. } if query.unassigned == Some(true))
        )
    );
    let fx = press(&mut app, "q1");
    let Some(Effect::FindBatches { query, generation }) = fx.into_iter().last() else {
        panic!("a search")
    };
    assert_eq!(query.q.as_deref(), Some("q1"));
    app.update(
        Msg::Batches {
            generation,
            result: Ok(vec![batch("vb_9")]),
        },
        T0,
    );
    let fx = key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(fx.iter().any(
        |e| matches!(e, Effect::ChangeBatch { batch_id, assign: true, .. } if batch_id == "vb_9")
    ));
    let fx = app.update(
        Msg::BatchChanged {
            partner_id: "pt_2".into(),
            batch: "vb_9".into(),
            assign: true,
            result: Ok(()),
        },
        T0,
    );
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadVouchers { .. })),
        "the page is read again"
    );
    // U: the partner's own, after y/N.
    press(&mut app, "U");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let fx = press(&mut app, "y");
    assert!(fx.iter().any(
        |e| matches!(e, Effect::ChangeBatch { batch_id, assign: false, .. } if batch_id == "vb_own")
    ));
    // A 409 says why, in the server's words.
    app.update(
        Msg::BatchChanged {
            partner_id: "pt_2".into(),
            batch: "vb_x".into(),
            assign: true,
            result: Err(problem(409, "batch_assigned_elsewhere", |p| {
                p.detail = "Batch vb_x is assigned to Acme Media.".into()
            })),
        },
        T0,
    );
    assert!(
        app.toasts
            .iter()
            .any(|t| t.text.contains("assigned to Acme Media"))
    );
    // Members: view-only.
    let fx = press(&mut app, ">");
    assert_eq!(app.record.page, Page::Members);
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadMembers { .. })));
}

#[test]
fn the_editor_fills_the_notes() {
    let mut app = record_open(2);
    press(&mut app, "E");
    tab(&mut app, 12);
    let fx = key(&mut app, KeyCode::Char('e'), KeyModifiers::CONTROL);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::EditText { text } if text == "Prefers email."))
    );
    app.update(Msg::Edited(Ok("Prefers phone.\n".into())), T0);
    assert_eq!(
        form(&app).field("/notes").unwrap().value(),
        "Prefers phone."
    );
    app.update(
        Msg::Edited(Err(
            "The editor (vi) ended with exit status: 1; the text is unchanged.".into(),
        )),
        T0,
    );
    assert_eq!(
        form(&app).field("/notes").unwrap().value(),
        "Prefers phone."
    );
    assert!(app.toasts.iter().any(|t| t.text.contains("unchanged")));
}

#[test]
fn ctrl_c_with_unsaved_changes_asks_first() {
    let mut app = city_edited();
    key(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(matches!(app.focus.top(), Layer::ConfirmQuit));
    assert!(app.quit_worry().unwrap().contains("not saved"));
    press(&mut app, "n");
    assert_eq!(
        form(&app).field("/contact/address/city").unwrap().value(),
        "Hamburg",
        "staying keeps the edits"
    );
    // An untouched form quits at once.
    let mut app = record_open(2);
    press(&mut app, "E");
    let fx = key(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Quit { .. })),
        "{fx:?}"
    );
}

#[test]
fn the_event_of_ones_own_save_arriving_first_is_not_someone_elses_change() {
    let mut app = city_edited();
    save(&mut app);
    let mut mine = full_partner(2, 4);
    mine.contact.address.city = "Hamburg".into();
    app.update(
        Msg::Partner {
            id: "pt_2".into(),
            result: Ok(mine.clone()),
        },
        T0,
    );
    let f = form(&app);
    assert!(f.saving, "still waiting for the save's own answer");
    assert!(f.note.is_none(), "{:?}", f.note);
    app.update(
        Msg::PartnerSaved {
            id: "pt_2".into(),
            result: Ok(Saved {
                record: mine,
                warnings: vec![],
            }),
        },
        T0,
    );
    assert!(matches!(app.focus.top(), Layer::Screen));
}

/// Partner 2's record on its Tiers & campaigns page, loaded.
fn tiers_open() -> App {
    let mut app = record_open(2);
    let fx = press(&mut app, ">");
    assert_eq!(app.record.page, Page::Tiers);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadTiers { partner_id } if partner_id == "pt_2"))
    );
    app.update(
        Msg::Tiers {
            partner_id: "pt_2".into(),
            result: Ok(crate::tui::test_data::tiers_data(2)),
        },
        T0,
    );
    app
}

fn period_write(fx: &[Effect]) -> Option<super::tiers::PeriodWrite> {
    fx.iter().find_map(|e| match e {
        Effect::WritePeriod(w) => Some(w.clone()),
        _ => None,
    })
}

#[test]
fn the_tiers_page_shows_the_tier_the_periods_and_why_a_product_is_out_of_reach() {
    let app = tiers_open();
    let fields = super::pages::fields(&app, app.record_partner().unwrap());
    let text: Vec<String> = fields
        .iter()
        .map(|f| format!("{}: {}", f.label, f.value))
        .collect();
    let all = text.join("\n");
    assert!(
        all.contains("Current tier: Gold (precedence 2) until"),
        "{all}"
    );
    assert!(all.contains("ends in 20 days"), "{all}");
    assert!(all.contains("Platinum · scheduled"), "{all}");
    assert!(all.contains("Spring Sale · active"), "{all}");
    assert!(all.contains("✓ Analytics"), "{all}");
    assert!(
        all.contains("✗ White label — tier precedence 2 is below what it needs (1 or higher)"),
        "{all}"
    );
    // In the partner's zone and in UTC.
    assert!(all.contains("Europe/Berlin"), "{all}");
    assert!(all.contains("UTC)"), "{all}");
}

#[test]
fn a_new_tier_that_overlaps_is_refused_before_saving_and_a_campaign_link_is_sent() {
    let mut app = tiers_open();
    press(&mut app, "n");
    // Platinum (the first choice) from today: overlaps Gold, which runs until day 20.
    let fx = key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(period_write(&fx).is_none());
    let note = form(&app).note.clone().unwrap_or_default();
    assert!(note.contains("overlap the Gold tier"), "{note}");
    // The campaign instead (the last choice), from tomorrow for two weeks.
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, "spring");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    tab(&mut app, 1);
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "tomorrow");
    tab(&mut app, 1);
    press(&mut app, "+2w");
    let fx = key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let Some(super::tiers::PeriodWrite::Create {
        kind,
        partner_id,
        what,
        starts_at,
        expires_at,
        ..
    }) = period_write(&fx)
    else {
        panic!("a create: {fx:?} {:?}", form(&app).note);
    };
    assert_eq!(kind, crate::domain::PeriodKind::CampaignLink);
    assert_eq!((partner_id.as_str(), what.as_str()), ("pt_2", "ca_1"));
    // Midnight in Berlin (the partner's zone) of 1970-01-02, and two weeks after that day.
    assert_eq!(starts_at.to_rfc3339(), "1970-01-01T23:00:00+00:00");
    assert_eq!(
        expires_at.map(|e| e.to_rfc3339()),
        Some("1970-01-14T23:00:00+00:00".into())
    );
}

#[test]
fn an_expiry_is_picked_in_the_calendar() {
    let mut app = tiers_open();
    press(&mut app, "n");
    // The campaign (the last choice) from today; its expiry picked: a month on, a day later.
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, "spring");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    tab(&mut app, 2);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(form(&app).calendar.is_some(), "Enter opens the calendar");
    // Keys move the calendar, not the form.
    press(&mut app, "]l");
    assert_eq!(form(&app).fields[2].value(), "");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(form(&app).calendar.is_none());
    assert_eq!(form(&app).fields[2].value(), "1970-02-02");
    // Esc in the calendar leaves the field as it was.
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, "t");
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(form(&app).fields[2].value(), "1970-02-02");
    let fx = key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let Some(super::tiers::PeriodWrite::Create { expires_at, .. }) = period_write(&fx) else {
        panic!("a create: {fx:?} {:?}", form(&app).note);
    };
    // Midnight in Berlin of the picked day.
    assert_eq!(
        expires_at.map(|e| e.to_rfc3339()),
        Some("1970-02-01T23:00:00+00:00".into())
    );
}

#[test]
fn dates_are_changed_and_an_active_tier_is_ended_after_yes() {
    let mut app = tiers_open();
    // E: the newest start first, Platinum; its expiry set.
    press(&mut app, "E");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    tab(&mut app, 1);
    press(&mut app, "+3m");
    let fx = key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let Some(super::tiers::PeriodWrite::Update {
        id, version, patch, ..
    }) = period_write(&fx)
    else {
        panic!("an update: {fx:?}");
    };
    assert_eq!((id.as_str(), version), ("ta_2", 1));
    assert_eq!(patch.starts_at, None, "unchanged, not sent");
    assert!(matches!(patch.expires_at, Some(Some(_))));
    app.update(
        Msg::PeriodWritten {
            write: super::tiers::PeriodWrite::Update {
                kind: crate::domain::PeriodKind::TierAssignment,
                id,
                version,
                patch,
            },
            result: Ok(Some(crate::domain::Period::TierAssignment(
                crate::tui::test_data::tiers_data(2).assignments[1].clone(),
            ))),
        },
        T0,
    );
    assert!(
        app.toasts
            .iter()
            .any(|t| t.text == "Saved the dates of the Platinum tier.")
    );
    // D on Gold (active): ended now, after y.
    // The list is newest start first: Platinum, the Spring Sale link, Gold.
    press(&mut app, "D");
    press(&mut app, "jj");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let Some(Layer::Confirm(c)) = app.focus.dialog() else {
        panic!("asked first");
    };
    assert_eq!(c.title, "End the Gold tier now?");
    let fx = press(&mut app, "y");
    assert!(matches!(
        period_write(&fx),
        Some(super::tiers::PeriodWrite::Delete { ends: true, ref id, .. }) if id == "ta_1"
    ));
}

#[test]
fn expiring_extends_the_marked_by_one_period_and_reports_each() {
    use crate::tui::queue::tabs::SectionId;
    use crate::tui::test_data::answer_loads;
    let mut app =
        crate::tui::test_data::signed_in(crate::tui::app::Session::default(), Role::Csr, 3);
    for c in "4]]".chars() {
        let fx = press(&mut app, &c.to_string());
        answer_loads(&mut app, fx, 3);
    }
    assert_eq!(app.active_section_id(), SectionId::Expiring);
    // The first and the third, by the same month.
    press(&mut app, " j ");
    press(&mut app, "x");
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "+1m");
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let Some(Layer::Confirm(c)) = app.focus.dialog() else {
        panic!("one question first");
    };
    assert_eq!(c.title, "Extend 2 items by +1m?");
    let fx = press(&mut app, "y");
    let (batch, writes) = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::ExtendPeriods { batch, writes } => Some((batch, writes)),
            _ => None,
        })
        .expect("sent");
    let ends: Vec<(String, String)> = writes
        .iter()
        .map(|w| match w {
            super::tiers::PeriodWrite::Update { id, patch, .. } => (
                id.clone(),
                patch
                    .expires_at
                    .flatten()
                    .unwrap()
                    .format("%Y-%m-%d")
                    .to_string(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    // Day 20 and day 22 after 1970-01-01, a month on.
    assert_eq!(
        ends,
        [
            ("ta_0".to_string(), "1970-02-21".to_string()),
            ("ta_2".to_string(), "1970-02-23".to_string())
        ]
    );
    // One goes through, one is refused: the refused one stays marked and is named.
    app.update(
        Msg::Extended {
            batch,
            id: "ta_0".into(),
            result: Ok(()),
        },
        T0,
    );
    let refused = problem(409, "assignment_overlap", |p| {
        p.detail = "Overlaps Platinum.".into()
    });
    let fx = app.update(
        Msg::Extended {
            batch,
            id: "ta_2".into(),
            result: Err(refused),
        },
        T0,
    );
    let said = &app.toasts.last().unwrap().text;
    assert!(
        said.starts_with("Extended 1 item; not extended: Gold tier of Partner 2"),
        "{said}"
    );
    assert!(said.contains("Overlaps Platinum."), "{said}");
    let marked: Vec<&String> = app.section(SectionId::Expiring).marked.iter().collect();
    assert_eq!(marked, ["ta_2"]);
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::LoadPage {
            section: SectionId::Expiring,
            ..
        }
    )));
}

#[test]
fn while_tiers_are_off_the_page_says_so_and_offers_only_campaigns() {
    let mut app = record_open(2);
    press(&mut app, ">");
    let mut data = crate::tui::test_data::tiers_data(2);
    data.settings.tiers_enabled = false;
    app.update(
        Msg::Tiers {
            partner_id: "pt_2".into(),
            result: Ok(data),
        },
        T0,
    );
    let fields = super::pages::fields(&app, app.record_partner().unwrap());
    assert!(
        fields
            .iter()
            .any(|f| f.label == "Tiers" && f.value.starts_with("disabled"))
    );
    press(&mut app, "n");
    let choices = match &form(&app).fields[0].kind {
        crate::tui::form::FieldKind::Choice(c) => c.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        choices.iter().all(|(v, _)| v.starts_with("campaign:")),
        "{choices:?}"
    );
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut app, "E");
    let Layer::Periods(p) = app.focus.top() else {
        panic!("the picker");
    };
    assert!(
        p.periods
            .iter()
            .all(|p| p.kind() == crate::domain::PeriodKind::CampaignLink)
    );
}

#[test]
fn another_consoles_change_to_a_period_reads_the_tiers_page_again() {
    let mut app = tiers_open();
    let changed = crate::domain::RecordChanged {
        kind: "tier_assignment".into(),
        id: "ta_1".into(),
        version: 2,
    };
    let fx = app.on_record_changed(&changed);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadTiers { partner_id } if partner_id == "pt_2"))
    );
    // On another page, the Tiers page is forgotten and read when shown again.
    press(&mut app, ">");
    let fx = app.on_record_changed(&crate::domain::RecordChanged {
        kind: "settings".into(),
        id: "settings".into(),
        version: 3,
    });
    assert!(fx.iter().all(|e| !matches!(e, Effect::LoadTiers { .. })));
    let fx = press(&mut app, "<");
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadTiers { .. })));
}
