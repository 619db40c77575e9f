//! The decision logic as a CSR meets it, through `App::update` only: keys in, effects out,
//! and the answers a runtime would send back fed in by hand.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::client::ApiError;
use crate::client::StreamItem;
use crate::domain::{ApprovalCreated, ApprovalDecided, Item, Money, Problem, Role, UserRef};
use crate::domain::{ServerEvent, Status, codes};
use crate::tui::app::Session;
use crate::tui::app::focus::Layer;
use crate::tui::app::msg::Msg;
use crate::tui::app::toast::ToastKind;
use crate::tui::queue::tabs::SectionId;

use crate::tui::test_data::{T0, answer_loads, approval, me, signed_in};

// ---- data -----------------------------------------------------------------------------

/// `a` as the server returns it once `name` decided it.
fn decided(a: &Approval, status: Status, name: &str) -> Approval {
    Approval {
        status,
        version: a.version + 1,
        decided_at: Some(Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 0).unwrap()),
        decided_by: Some(UserRef {
            id: format!("us_{name}"),
            name: name.into(),
        }),
        reason: (status == Status::Rejected).then(|| "No.".into()),
        ..a.clone()
    }
}

fn unreachable() -> ApiError {
    ApiError::Unreachable {
        message: "connection refused".into(),
    }
}

fn problem(status: u16, code: &str, current: Approval) -> ApiError {
    ApiError::Problem(Box::new(Problem {
        type_: "about:blank".into(),
        title: code.into(),
        status,
        detail: String::new(),
        code: code.into(),
        approval: Some(Box::new(current)),
        ..Problem::default()
    }))
}

/// A console showing `n` pending partnerships to a CSR.
fn queue(session: Session, n: usize) -> App {
    let app = signed_in(session, Role::Csr, n);
    assert_eq!(app.active_section_id(), SectionId::PartnershipPending);
    assert_eq!(app.active_section().rows.len(), n);
    app
}

fn csr(n: usize) -> App {
    queue(Session::default(), n)
}

// ---- keys and answers -----------------------------------------------------------------

fn key(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, modifiers)), T0)
}

/// Press each char in turn; the effects of all of them.
fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| key(app, KeyCode::Char(c), KeyModifiers::NONE))
        .collect()
}

fn enter(app: &mut App) -> Vec<Effect> {
    key(app, KeyCode::Enter, KeyModifiers::NONE)
}

fn esc(app: &mut App) -> Vec<Effect> {
    key(app, KeyCode::Esc, KeyModifiers::NONE)
}

type Sent = (u64, Verdict, Vec<(String, DecisionKey)>);

fn decides(fx: &[Effect]) -> Vec<Sent> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Decide {
                batch,
                verdict,
                items,
            } => Some((*batch, verdict.clone(), items.clone())),
            _ => None,
        })
        .collect()
}

/// The one decision `fx` sends.
fn sent(fx: &[Effect]) -> Sent {
    let mut all = decides(fx);
    assert_eq!(all.len(), 1, "exactly one decision is sent: {fx:?}");
    all.remove(0)
}

fn loads(fx: &[Effect]) -> Vec<(SectionId, u64)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadPage {
                section, request, ..
            } => Some((*section, *request)),
            _ => None,
        })
        .collect()
}

fn answer(app: &mut App, batch: u64, id: &str, result: Result<Approval, ApiError>) -> Vec<Effect> {
    app.update(
        Msg::Decided {
            batch,
            id: id.into(),
            result,
        },
        T0,
    )
}

fn ids(app: &App) -> Vec<String> {
    app.section(SectionId::PartnershipPending)
        .rows
        .iter()
        .map(|r| r.id().to_string())
        .collect()
}

fn selected_id(app: &App) -> String {
    app.active_section()
        .selected_row()
        .expect("a selection")
        .id()
        .to_string()
}

fn last_toast(app: &App) -> (ToastKind, String) {
    let t = app.toasts.last().expect("a toast");
    (t.kind, t.text.clone())
}

fn has_toast(app: &App, kind: ToastKind, words: &str) -> bool {
    app.toasts
        .iter()
        .any(|t| t.kind == kind && t.text.contains(words))
}

fn dialog(app: &App) -> &ReasonDialog {
    match app.focus.dialog() {
        Some(Layer::Reason(d)) => d,
        other => panic!("the reason dialog is open, not {other:?}"),
    }
}

// ---- approve --------------------------------------------------------------------------

#[test]
fn approve_asks_then_sends_one_decision_with_the_version_on_screen() {
    let mut app = csr(3);
    press(&mut app, "j");
    assert!(press(&mut app, "a").is_empty(), "nothing leaves before y");
    match app.focus.dialog() {
        Some(Layer::Confirm(Confirm { message, .. })) => assert!(
            message.contains("Partner 1") && message.contains("Gold"),
            "the question names what is approved: {message}"
        ),
        other => panic!("a y/N question, not {other:?}"),
    }
    let (_, verdict, items) = sent(&press(&mut app, "y"));
    assert_eq!(verdict, Verdict::Approve);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].0, "ap_1", "the selected item, not the first");
    assert_eq!(
        items[0].1.version, 11,
        "If-Match carries the version on screen"
    );
    assert!(!items[0].1.idempotency_key.is_empty());
    assert!(app.focus.dialog().is_none());
}

#[test]
fn no_or_esc_sends_nothing_and_leaves_nothing_in_flight() {
    let mut app = csr(3);
    press(&mut app, "a");
    assert!(press(&mut app, "n").is_empty());
    assert!(app.focus.dialog().is_none());
    press(&mut app, "a");
    assert!(esc(&mut app).is_empty());
    assert!(app.focus.dialog().is_none());
    assert!(
        app.decide.batches.is_empty(),
        "a declined decision is not in flight"
    );
    assert!(
        matches!(press(&mut app, "q").as_slice(), [Effect::Quit { .. }]),
        "nothing in flight: q quits without asking"
    );
}

#[test]
fn without_confirm_approve_a_sends_at_once() {
    let mut app = queue(
        Session {
            confirm_approve: false,
            ..Session::default()
        },
        2,
    );
    let (_, verdict, items) = sent(&press(&mut app, "a"));
    assert_eq!(verdict, Verdict::Approve);
    assert_eq!(items[0].0, "ap_0");
    assert_eq!(items[0].1.version, 10);
    assert!(app.focus.dialog().is_none());
}

#[test]
fn a_failed_approval_is_retried_with_the_same_key_and_a_success_moves_on() {
    let mut app = csr(3);
    press(&mut app, "j");
    press(&mut app, "a");
    let (batch, _, items) = sent(&press(&mut app, "y"));
    let first_key = items[0].1.clone();

    answer(&mut app, batch, "ap_1", Err(unreachable()));
    assert_eq!(ids(&app), ["ap_0", "ap_1", "ap_2"], "the row stays");
    assert_eq!(selected_id(&app), "ap_1");
    let (kind, text) = last_toast(&app);
    assert_eq!(kind, ToastKind::Error);
    assert!(text.contains("Partner 1"), "{text}");

    // Trying again is the same decision: the server must see the same key.
    press(&mut app, "a");
    let (batch, verdict, items) = sent(&press(&mut app, "y"));
    assert_eq!(verdict, Verdict::Approve);
    assert_eq!(items, vec![("ap_1".to_string(), first_key.clone())]);
    answer(&mut app, batch, "ap_1", Err(unreachable()));
    press(&mut app, "a");
    let (batch, _, items) = sent(&press(&mut app, "y"));
    assert_eq!(items[0].1, first_key, "and again on the third try");

    let done = decided(&approval(1), Status::Approved, "demo-csr");
    answer(&mut app, batch, "ap_1", Ok(done));
    assert_eq!(ids(&app), ["ap_0", "ap_2"], "the decided row is gone");
    assert_eq!(app.active_section().selected, 1);
    assert_eq!(
        selected_id(&app),
        "ap_2",
        "the selection is on the next item"
    );
    let (kind, text) = last_toast(&app);
    assert_eq!(kind, ToastKind::Success);
    assert!(
        text.contains("Approved") && text.contains("Partner 1") && text.contains("Gold"),
        "{text}"
    );
    assert!(app.decide.batches.is_empty());
}

#[test]
fn already_decided_elsewhere_removes_the_row_says_who_and_reloads() {
    let mut app = csr(3);
    press(&mut app, "a");
    let (batch, _, _) = sent(&press(&mut app, "y"));
    let current = decided(&approval(0), Status::Rejected, "demo-admin");
    let fx = answer(
        &mut app,
        batch,
        "ap_0",
        Err(problem(409, codes::ALREADY_DECIDED, current)),
    );
    assert_eq!(ids(&app), ["ap_1", "ap_2"]);
    assert_eq!(selected_id(&app), "ap_1");
    assert!(
        has_toast(&app, ToastKind::Error, "already rejected by demo-admin"),
        "{:?}",
        app.toasts
    );
    let reloads: Vec<_> = loads(&fx)
        .into_iter()
        .filter(|(s, _)| *s == SectionId::PartnershipPending)
        .collect();
    assert_eq!(reloads.len(), 1, "the pending list is reloaded: {fx:?}");
    assert_eq!(
        reloads[0].1,
        app.section(SectionId::PartnershipPending).request,
        "and its answer will be taken"
    );
    assert!(app.focus.dialog().is_none());
}

#[test]
fn changed_under_the_csr_asks_again_with_a_new_key_and_the_new_version() {
    let mut app = csr(2);
    press(&mut app, "a");
    let (batch, _, items) = sent(&press(&mut app, "y"));
    let old_key = items[0].1.clone();
    let current = Approval {
        version: 11,
        title: "Platinum package".into(),
        item: Some(Item {
            name: "Platinum".into(),
            price: Money::new(9900, "EUR"),
        }),
        ..approval(0)
    };
    let fx = answer(
        &mut app,
        batch,
        "ap_0",
        Err(problem(412, codes::VERSION_MISMATCH, current)),
    );
    assert!(
        decides(&fx).is_empty(),
        "nothing is approved without asking"
    );
    let (message, batch, items) = match app.focus.dialog() {
        Some(Layer::Confirm(Confirm {
            message,
            on_yes:
                Some(Effect::Decide {
                    batch,
                    verdict: Verdict::Approve,
                    items,
                }),
            ..
        })) => (message.clone(), *batch, items.clone()),
        other => panic!("asked again, not {other:?}"),
    };
    assert!(
        message.contains("title") && message.contains("Platinum package"),
        "{message}"
    );
    assert!(
        message.contains("item") && message.contains("Platinum (€99.00)"),
        "{message}"
    );
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].0, "ap_0");
    assert_eq!(
        items[0].1.version, 11,
        "If-Match now carries the new version"
    );
    assert_ne!(
        items[0].1.idempotency_key, old_key.idempotency_key,
        "a new decision has a new key"
    );
    match &app.active_section().rows[0] {
        Row::Approval(a) => {
            assert_eq!(a.title, "Platinum package", "the row shows it as it is")
        }
        Row::Partner(_) | Row::Period(_) => unreachable!(),
    }

    // y sends exactly what was shown, and its answer is taken.
    let again = sent(&press(&mut app, "y"));
    assert_eq!(again, (batch, Verdict::Approve, items));
    let done = decided(&approval(0), Status::Approved, "demo-csr");
    answer(&mut app, batch, "ap_0", Ok(done));
    assert_eq!(ids(&app), ["ap_1"]);
}

// ---- reject ---------------------------------------------------------------------------

#[test]
fn reject_needs_a_reason_keeps_it_on_failure_and_resends_with_the_same_key() {
    let mut app = csr(2);
    assert!(press(&mut app, "r").is_empty());
    assert_eq!(dialog(&app).targets.len(), 1);
    assert_eq!(dialog(&app).targets[0].id(), "ap_0");
    assert_eq!(dialog(&app).targets[0].key.version, 10);

    assert!(enter(&mut app).is_empty(), "no reason, nothing sent");
    assert!(dialog(&app).error.is_some());
    press(&mut app, "   ");
    assert!(enter(&mut app).is_empty(), "blank is no reason");
    key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);

    press(&mut app, "Not in your region.");
    key(&mut app, KeyCode::Enter, KeyModifiers::ALT);
    press(&mut app, "We will write.");
    let text = "Not in your region.\nWe will write.";
    assert_eq!(dialog(&app).input.text(), text);
    let (batch, verdict, items) = sent(&enter(&mut app));
    assert_eq!(
        verdict,
        Verdict::Reject {
            reason: text.into()
        }
    );
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].0, "ap_0");
    assert_eq!(items[0].1.version, 10);
    assert!(dialog(&app).sending);
    assert!(dialog(&app).error.is_none());

    answer(&mut app, batch, "ap_0", Err(unreachable()));
    let d = dialog(&app);
    assert_eq!(d.input.text(), text, "nothing typed is lost");
    assert!(!d.sending);
    assert!(d.error.is_some(), "the dialog says it was not sent");
    assert_eq!(ids(&app), ["ap_0", "ap_1"]);

    let (batch, verdict2, items2) = sent(&enter(&mut app));
    assert_eq!(verdict2, verdict);
    assert_eq!(items2, items, "the retry carries the same key");

    answer(
        &mut app,
        batch,
        "ap_0",
        Ok(decided(&approval(0), Status::Rejected, "demo-csr")),
    );
    assert!(app.focus.dialog().is_none(), "sent: the dialog closes");
    assert_eq!(ids(&app), ["ap_1"]);
    assert!(
        has_toast(&app, ToastKind::Success, "Rejected Partner 0"),
        "{:?}",
        app.toasts
    );
}

#[test]
fn a_bulk_rejection_keeps_only_what_failed_with_its_key_and_the_text() {
    let mut app = csr(5);
    press(&mut app, "   ");
    assert_eq!(app.active_section().marked.len(), 3);
    press(&mut app, "r");
    let targets: Vec<(String, DecisionKey)> = dialog(&app)
        .targets
        .iter()
        .map(|t| (t.id().to_string(), t.key.clone()))
        .collect();
    assert_eq!(
        targets.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
        ["ap_0", "ap_1", "ap_2"],
        "one dialog for the three marked"
    );
    press(&mut app, "Sorry.");
    let (batch, verdict, items) = sent(&enter(&mut app));
    assert_eq!(
        verdict,
        Verdict::Reject {
            reason: "Sorry.".into()
        }
    );
    assert_eq!(items, targets);

    answer(
        &mut app,
        batch,
        "ap_0",
        Ok(decided(&approval(0), Status::Rejected, "demo-csr")),
    );
    let current = decided(&approval(1), Status::Approved, "demo-admin");
    answer(
        &mut app,
        batch,
        "ap_1",
        Err(problem(409, codes::ALREADY_DECIDED, current)),
    );
    assert!(dialog(&app).sending, "still waiting for the third answer");
    answer(&mut app, batch, "ap_2", Err(unreachable()));

    let d = dialog(&app);
    assert!(!d.sending);
    assert_eq!(d.input.text(), "Sorry.");
    assert_eq!(d.targets.len(), 1, "only what failed is left to send");
    assert_eq!(d.targets[0].id(), "ap_2");
    assert_eq!(d.targets[0].key, targets[2].1, "with its original key");
    assert!(d.error.is_some());
    assert_eq!(ids(&app), ["ap_2", "ap_3", "ap_4"]);
    assert!(
        has_toast(&app, ToastKind::Success, "Rejected Partner 0"),
        "{:?}",
        app.toasts
    );
    assert!(has_toast(
        &app,
        ToastKind::Error,
        "already approved by demo-admin"
    ));
    assert!(
        has_toast(&app, ToastKind::Error, "Partner 2"),
        "says what did not go through"
    );

    let (_, _, items) = sent(&enter(&mut app));
    assert_eq!(items, vec![targets[2].clone()]);
}

#[test]
fn esc_with_text_asks_before_throwing_it_away() {
    let mut app = csr(1);
    press(&mut app, "r");
    press(&mut app, "half a thought");
    assert!(esc(&mut app).is_empty());
    assert!(matches!(app.focus.dialog(), Some(Layer::Reason(d)) if d.discarding));
    assert!(press(&mut app, "n").is_empty());
    assert_eq!(dialog(&app).input.text(), "half a thought");
    esc(&mut app);
    assert!(press(&mut app, "y").is_empty());
    assert!(app.focus.dialog().is_none(), "y throws it away");

    press(&mut app, "r");
    assert!(esc(&mut app).is_empty());
    assert!(app.focus.dialog().is_none(), "no text: Esc closes at once");
    assert!(app.decide.batches.is_empty());
}

// ---- read-only ------------------------------------------------------------------------

/// A paragraph of `n` words and no line break, as a CSR pastes one.
fn paragraph(n: usize) -> String {
    (0..n)
        .map(|i| format!("word{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn resize(app: &mut App, width: u16, height: u16) {
    app.update(Msg::Resize { width, height }, T0);
}

#[test]
fn up_and_down_move_by_the_rows_the_box_shows_at_the_terminal_size() {
    let mut app = csr(1);
    press(&mut app, "r");
    let text = paragraph(60);
    press(&mut app, &text);
    let len = text.chars().count();
    assert!(len > 400, "several rows of one line");
    let cursor = |app: &App| dialog(app).input.cursor();
    let up = |app: &mut App| key(app, KeyCode::Up, KeyModifiers::NONE);
    let down = |app: &mut App| key(app, KeyCode::Down, KeyModifiers::NONE);
    // At 80×24 the box is 74 columns: ↑ goes one row up, not to the line's start.
    up(&mut app);
    let row_up = len - cursor(&app);
    assert!((40..=74).contains(&row_up), "one row back: {row_up}");
    up(&mut app);
    assert!(len - cursor(&app) > row_up + 40, "two rows back");
    down(&mut app);
    down(&mut app);
    assert_eq!(cursor(&app), len, "and down again, to the end");
    for _ in 0..20 {
        up(&mut app);
    }
    assert_eq!(cursor(&app), 0, "above the first row is the start");
    // Too small a window to draw the box: its rows are the lines as typed.
    resize(&mut app, 30, 10);
    key(&mut app, KeyCode::End, KeyModifiers::NONE);
    up(&mut app);
    assert_eq!(cursor(&app), 0);
    // Lines as typed are rows too.
    resize(&mut app, 80, 24);
    key(&mut app, KeyCode::End, KeyModifiers::NONE);
    key(&mut app, KeyCode::Enter, KeyModifiers::ALT);
    press(&mut app, "PS");
    up(&mut app);
    assert!(len - cursor(&app) < 74, "the paragraph's last row");
    down(&mut app);
    assert_eq!(cursor(&app), len + 3, "back to the same column");
    assert_eq!(
        dialog(&app).input.text().chars().count(),
        len + 3,
        "moving edits nothing"
    );
}

#[test]
fn ctrl_w_deletes_the_word_before_the_cursor_and_ctrl_u_back_to_the_line_start() {
    let mut app = csr(1);
    press(&mut app, "r");
    press(&mut app, "Not available");
    key(&mut app, KeyCode::Enter, KeyModifiers::ALT);
    press(&mut app, "in your region  ");
    let ctrl = |app: &mut App, c| key(app, KeyCode::Char(c), KeyModifiers::CONTROL);
    ctrl(&mut app, 'w');
    assert_eq!(dialog(&app).input.text(), "Not available\nin your ");
    ctrl(&mut app, 'u');
    assert_eq!(
        dialog(&app).input.text(),
        "Not available\n",
        "the line above stays"
    );
    press(&mut app, "yet");
    key(&mut app, KeyCode::Left, KeyModifiers::NONE);
    ctrl(&mut app, 'u');
    assert_eq!(
        dialog(&app).input.text(),
        "Not available\nt",
        "only what is before the cursor"
    );
    key(&mut app, KeyCode::Home, KeyModifiers::NONE);
    ctrl(&mut app, 'w');
    assert_eq!(
        dialog(&app).input.text(),
        "Not t",
        "a line break is whitespace to Ctrl-W"
    );
}

#[test]
fn a_bulk_rejection_names_its_items_in_a_list_that_leaves_the_box_its_room() {
    let mut app = csr(12);
    press(&mut app, "V");
    press(&mut app, "r");
    assert_eq!(dialog(&app).targets.len(), 12);
    let parts = |app: &App| {
        let overlay = app.layout().expect("a layout").overlay;
        dialog(app).parts(overlay)
    };
    // At 80×24: "• Partner 0 – Gold (€49.00)", "• Partner 1 …", "… and 10 more".
    let small = parts(&app);
    assert_eq!(small.list.height, 3);
    assert!(small.text.height >= 6, "{small:?}");
    assert_eq!(
        super::bullets(&dialog(&app).targets, 3),
        [
            "• Partner 0 – Gold (€49.00)",
            "• Partner 1 – Gold (€49.00)",
            "… and 10 more"
        ]
    );
    // The keys' line is a row of its own, inside the frame, below the box and the status.
    assert!(small.hint.y > small.status.y && small.status.y > small.text.y);
    assert!(small.hint.y < small.rect.bottom() - 1);
    // A larger window shows 8 and "… and 4 more", as the approve question does.
    resize(&mut app, 120, 40);
    let large = parts(&app);
    assert_eq!(large.list.height, 9);
    assert_eq!(large.text.height, 8);
    assert_eq!(super::bullets(&dialog(&app).targets, 9)[8], "… and 4 more");
    // Every item fits when there is room for all.
    assert_eq!(super::bullets(&dialog(&app).targets[..9], 9).len(), 9);
    // One item is named in the title, not in a list.
    let mut one = csr(2);
    press(&mut one, "r");
    assert_eq!(parts(&one).list.height, 0);
    assert_eq!(parts(&one).text.height, 8);
}

fn assert_read_only(mut app: App) {
    for k in ["a", "r", " "] {
        app.toasts.clear();
        let fx = press(&mut app, k);
        assert!(decides(&fx).is_empty(), "{k:?} decides nothing");
        assert!(app.focus.dialog().is_none(), "{k:?} opens nothing");
        assert!(
            app.active_section().marked.is_empty(),
            "{k:?} marks nothing"
        );
        let (kind, text) = last_toast(&app);
        assert_eq!(kind, ToastKind::Error);
        assert!(text.starts_with("Read-only"), "{k:?}: {text}");
    }
    assert!(app.decide.batches.is_empty());
}

#[test]
fn a_read_only_profile_cannot_decide() {
    assert_read_only(queue(
        Session {
            read_only: true,
            ..Session::default()
        },
        2,
    ));
}

#[test]
fn a_viewer_cannot_decide() {
    let mut app = csr(2);
    app.update(Msg::Me(Ok(me(Role::Viewer))), T0);
    assert_read_only(app);
}

// ---- live -----------------------------------------------------------------------------

fn event(event: ServerEvent) -> Msg {
    Msg::Stream(StreamItem::Event { id: None, event })
}

fn decided_event(id: &str, by: (&str, &str)) -> Msg {
    event(ServerEvent::ApprovalDecided(ApprovalDecided {
        id: id.into(),
        kind: Kind::Partnership,
        status: Status::Approved,
        decided_by: UserRef {
            id: by.0.into(),
            name: by.1.into(),
        },
    }))
}

#[test]
fn decided_by_someone_else_is_said_first_and_the_row_goes_when_the_reader_moves_on() {
    let mut app = csr(4);
    press(&mut app, "j");
    app.update(decided_event("ap_1", ("us_admin", "demo-admin")), T0);
    // Said at once; the row being read stays, marked, and the selection does not move.
    let (_, text) = last_toast(&app);
    assert!(
        text.contains("Partner 1") && text.contains("was just approved by demo-admin"),
        "{text}"
    );
    assert_eq!(ids(&app), ["ap_0", "ap_1", "ap_2", "ap_3"]);
    assert_eq!(selected_id(&app), "ap_1");
    assert!(app.active_section().departed.contains_key("ap_1"));
    // Nothing on it can be decided any more.
    assert!(decides(&press(&mut app, "a")).is_empty());
    assert!(
        matches!(app.focus.top(), Layer::Screen),
        "no question about it"
    );
    // Moving on takes it out; the selection lands on the item below it.
    press(&mut app, "j");
    assert_eq!(ids(&app), ["ap_0", "ap_2", "ap_3"]);
    assert_eq!(selected_id(&app), "ap_2");

    // A row above the selection goes at once: the selection stays on the same item.
    app.update(decided_event("ap_0", ("us_admin", "demo-admin")), T0);
    assert_eq!(ids(&app), ["ap_2", "ap_3"]);
    assert_eq!(selected_id(&app), "ap_2");

    // One's own decision, echoed back, is no news.
    app.toasts.clear();
    app.update(decided_event("ap_2", ("us_me", "demo-csr")), T0);
    assert_eq!(ids(&app), ["ap_3"]);
    assert!(app.toasts.is_empty(), "{:?}", app.toasts);
}

fn created(id: &str, kind: Kind) -> Msg {
    event(ServerEvent::ApprovalCreated(ApprovalCreated {
        id: id.into(),
        kind,
    }))
}

#[test]
fn a_burst_of_new_requests_is_answered_once_with_one_toast_and_the_selection_kept() {
    let mut app = csr(3);
    press(&mut app, "j");
    assert_eq!(selected_id(&app), "ap_1");
    // Three arrive: the first schedules one answer, the others wait for it.
    let fx = app.update(created("ap_3", Kind::Partnership), T0);
    assert!(
        matches!(
            fx.as_slice(),
            [Effect::After {
                msg: Msg::ArrivalsSettled,
                ..
            }]
        ),
        "{fx:?}"
    );
    assert!(
        app.update(created("ap_4", Kind::Partnership), T0)
            .is_empty()
    );
    assert!(app.update(created("ad_1", Kind::Addon), T0).is_empty());
    let fx = app.update(Msg::ArrivalsSettled, T0);
    let reload = loads(&fx);
    assert_eq!(
        reload,
        [(
            SectionId::PartnershipPending,
            app.section(SectionId::PartnershipPending).request
        )],
        "the loaded queue once; a queue not yet shown loads when shown"
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadSummary)));
    assert_eq!(
        app.toasts
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        ["3 new requests: 2 partnership, 1 add-on"]
    );
    answer_loads(&mut app, fx, 5);
    assert_eq!(ids(&app), ["ap_0", "ap_1", "ap_2", "ap_3", "ap_4"]);
    assert_eq!(selected_id(&app), "ap_1", "the selection stays");
    let fresh = |app: &App| {
        app.section(SectionId::PartnershipPending)
            .fresh
            .iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(fresh(&app), ["ap_3", "ap_4"]);

    // More while the toast is shown: the same toast counts on.
    let fx = app.update(created("ap_5", Kind::Partnership), T0);
    assert_eq!(fx.len(), 1);
    app.update(Msg::ArrivalsSettled, T0);
    assert_eq!(
        app.toasts
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        ["4 new requests: 3 partnership, 1 add-on"]
    );

    // Visiting a new row makes it old.
    press(&mut app, "jj");
    assert_eq!(selected_id(&app), "ap_3");
    assert_eq!(fresh(&app), ["ap_4", "ap_5"]);
}

// ---- quitting -------------------------------------------------------------------------

#[test]
fn quitting_while_a_decision_is_in_flight_asks_first() {
    let mut app = csr(2);
    press(&mut app, "a");
    sent(&press(&mut app, "y"));
    assert!(press(&mut app, "q").is_empty(), "not without asking");
    assert!(matches!(app.focus.dialog(), Some(Layer::ConfirmQuit)));
    assert!(press(&mut app, "n").is_empty());
    assert!(app.focus.dialog().is_none());
    press(&mut app, "q");
    assert!(matches!(
        press(&mut app, "y").as_slice(),
        [Effect::Quit { .. }]
    ));

    // Once answered, nothing is in flight: q quits at once.
    let mut app = csr(2);
    press(&mut app, "a");
    let (batch, _, _) = sent(&press(&mut app, "y"));
    answer(
        &mut app,
        batch,
        "ap_0",
        Ok(decided(&approval(0), Status::Approved, "demo-csr")),
    );
    assert!(matches!(
        press(&mut app, "q").as_slice(),
        [Effect::Quit { .. }]
    ));
}

fn ctrl_c(app: &mut App) -> Vec<Effect> {
    key(app, KeyCode::Char('c'), KeyModifiers::CONTROL)
}

#[test]
fn staying_after_ctrl_c_keeps_the_reason_being_sent() {
    let mut app = csr(2);
    press(&mut app, "r");
    press(&mut app, "Sorry.");
    let (batch, _, items) = sent(&enter(&mut app));
    assert!(
        ctrl_c(&mut app).is_empty(),
        "a rejection is on its way: ask"
    );
    assert!(matches!(app.focus.dialog(), Some(Layer::ConfirmQuit)));
    assert!(press(&mut app, "n").is_empty());
    assert_eq!(dialog(&app).input.text(), "Sorry.", "staying loses nothing");
    assert!(dialog(&app).sending);

    // The answer arrives while the question is up: the dialog behind it takes it.
    ctrl_c(&mut app);
    answer(&mut app, batch, "ap_0", Err(unreachable()));
    press(&mut app, "n");
    let d = dialog(&app);
    assert_eq!(d.input.text(), "Sorry.");
    assert!(!d.sending, "ready to send again");
    let (batch, _, again) = sent(&enter(&mut app));
    assert_eq!(again, items);

    ctrl_c(&mut app);
    answer(
        &mut app,
        batch,
        "ap_0",
        Ok(decided(&approval(0), Status::Rejected, "demo-csr")),
    );
    press(&mut app, "n");
    assert!(
        app.focus.dialog().is_none(),
        "sent while asked: the dialog is closed"
    );
}

#[test]
fn a_question_not_yet_answered_is_not_a_decision_in_flight() {
    let mut app = csr(2);
    press(&mut app, "a");
    assert!(
        matches!(ctrl_c(&mut app).as_slice(), [Effect::Quit { .. }]),
        "nothing was sent: Ctrl-C quits at once"
    );

    // With another decision on its way, staying returns to the open question.
    let mut app = csr(2);
    press(&mut app, "a");
    sent(&press(&mut app, "y"));
    press(&mut app, "j");
    press(&mut app, "a");
    ctrl_c(&mut app);
    assert!(matches!(app.focus.dialog(), Some(Layer::ConfirmQuit)));
    press(&mut app, "n");
    assert!(matches!(app.focus.dialog(), Some(Layer::Confirm(_))));
    let (_, _, items) = sent(&press(&mut app, "y"));
    assert_eq!(items[0].0, "ap_1");
}

#[test]
fn marks_stay_in_their_section_and_deciding_elsewhere_says_so() {
    let mut app = csr(4);
    press(&mut app, "  ");
    assert_eq!(app.active_section().marked.len(), 2);
    let fx = press(&mut app, "2");
    crate::tui::test_data::answer_loads(&mut app, fx, 3);
    assert_eq!(app.active_section_id(), SectionId::AddonPending);
    press(&mut app, "a");
    let Some(Layer::Confirm(c)) = app.focus.dialog() else {
        panic!("the approve question");
    };
    assert!(
        c.message.contains("Partner 0"),
        "the selected add-on only: {}",
        c.message
    );
    assert!(
        has_toast(
            &app,
            ToastKind::Info,
            "2 in Partnership Pending marked stay as they are"
        ),
        "{:?}",
        app.toasts
    );
    assert_eq!(app.section(SectionId::PartnershipPending).marked.len(), 2);
}

#[test]
fn a_question_about_an_item_decided_elsewhere_closes_at_once() {
    let mut app = csr(3);
    press(&mut app, "ja");
    assert!(matches!(app.focus.dialog(), Some(Layer::Confirm(_))));
    app.update(decided_event("ap_1", ("us_admin", "demo-admin")), T0);
    assert!(app.focus.dialog().is_none(), "closed before any y");
    assert!(app.decide.batches.is_empty(), "nothing left to send");
    assert!(has_toast(
        &app,
        ToastKind::Warning,
        "Partner 1 – Gold (€49.00): already approved by demo-admin at 00:00 UTC. Nothing was sent."
    ));
    assert!(
        decides(&press(&mut app, "y")).is_empty(),
        "a late y sends nothing"
    );
}

#[test]
fn a_reason_for_an_item_decided_elsewhere_is_kept_on_the_clipboard() {
    let mut app = csr(3);
    press(&mut app, "rToo late");
    let fx = app.update(decided_event("ap_0", ("us_admin", "demo-admin")), T0);
    assert!(app.focus.dialog().is_none(), "the dialog closes");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Copy { text } if text == "Too late")),
        "{fx:?}"
    );
    assert!(has_toast(
        &app,
        ToastKind::Warning,
        "Your reason is on the clipboard: “Too late”"
    ));
    // With several targets, only that one leaves the dialog.
    let mut app = csr(3);
    press(&mut app, "  ");
    press(&mut app, "rno");
    app.update(decided_event("ap_0", ("us_admin", "demo-admin")), T0);
    let Some(Layer::Reason(d)) = app.focus.dialog() else {
        panic!("still open for the other");
    };
    assert_eq!(
        d.targets.iter().map(|t| t.id()).collect::<Vec<_>>(),
        ["ap_1"]
    );
    assert_eq!(d.input.text(), "no");
}

#[test]
fn approve_with_a_comment_sends_it_and_says_approved() {
    let mut app = csr(2);
    press(&mut app, "A");
    let Some(Layer::Reason(d)) = app.focus.dialog() else {
        panic!("the comment dialog");
    };
    assert_eq!(d.purpose, reason::Purpose::Comment);
    enter(&mut app);
    let Some(Layer::Reason(d)) = app.focus.dialog() else {
        panic!("still open");
    };
    assert!(
        d.error
            .as_deref()
            .is_some_and(|e| e.contains("Write the comment"))
    );
    press(&mut app, "Checked by phone");
    let fx = enter(&mut app);
    let (batch, id) = fx
        .iter()
        .find_map(|e| match e {
            Effect::Decide {
                batch,
                verdict: Verdict::ApproveWithComment { comment },
                items,
            } if comment == "Checked by phone" => Some((*batch, items[0].0.clone())),
            _ => None,
        })
        .expect("an approval with the comment");
    assert_eq!(id, "ap_0");
    let decided = decided(&approval(0), Status::Approved, "demo-csr");
    app.update(
        Msg::Decided {
            batch,
            id,
            result: Ok(decided),
        },
        T0,
    );
    assert!(app.focus.dialog().is_none(), "sent: the dialog closes");
    assert!(has_toast(&app, ToastKind::Success, "Approved Partner 0"));
}

#[test]
fn a_reason_template_is_inserted_by_its_number_and_sent_as_edited() {
    let template = |name: &str, text: &str| crate::config::ReasonTemplate {
        name: name.into(),
        text: text.into(),
    };
    let mut app = queue(
        Session {
            reasons: vec![
                template("missing", "Details are missing."),
                template("price", "The price is wrong."),
            ],
            ..Session::default()
        },
        1,
    );
    press(&mut app, "r");
    let ctrl_t = |app: &mut App| key(app, KeyCode::Char('t'), KeyModifiers::CONTROL);
    ctrl_t(&mut app);
    assert_eq!(dialog(&app).picking, Some(0));
    // A digit past the last template does nothing; Esc goes back without inserting.
    press(&mut app, "7");
    assert_eq!(dialog(&app).picking, Some(0));
    esc(&mut app);
    assert_eq!(dialog(&app).picking, None);
    assert_eq!(dialog(&app).input.text(), "");
    ctrl_t(&mut app);
    press(&mut app, "2");
    press(&mut app, " Sorry.");
    assert_eq!(dialog(&app).input.text(), "The price is wrong. Sorry.");
    let fx = enter(&mut app);
    assert_eq!(
        sent(&fx).1,
        Verdict::Reject {
            reason: "The price is wrong. Sorry.".into()
        }
    );
}

#[test]
fn without_templates_ctrl_t_says_where_they_come_from_and_a_comment_has_none() {
    let mut app = csr(1);
    press(&mut app, "r");
    key(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
    let d = dialog(&app);
    assert_eq!(d.picking, None);
    assert!(d.error.as_deref().unwrap_or("").contains("[reasons]"));
    esc(&mut app);
    let mut app = queue(
        Session {
            reasons: vec![crate::config::ReasonTemplate {
                name: "x".into(),
                text: "A reason.".into(),
            }],
            ..Session::default()
        },
        1,
    );
    press(&mut app, "A");
    key(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
    assert_eq!(dialog(&app).picking, None, "comments are not reasons");
}

#[test]
fn a_suspended_partners_request_is_marked_and_approving_it_asks_first() {
    let mut app = queue(
        Session {
            confirm_approve: false,
            ..Session::default()
        },
        2,
    );
    let s = app.section_mut(SectionId::PartnershipPending);
    if let Some(crate::tui::queue::tabs::Row::Approval(a)) = s.rows.first_mut() {
        a.partner.standing = crate::domain::Standing {
            effective_status: crate::domain::NodeStatus::Suspended,
            suspended_by: Some(crate::domain::NodeRef {
                kind: crate::domain::Level::Distributor,
                id: "di_1".into(),
                name: "Acme Distribution".into(),
            }),
        };
    }
    // Asked although approvals are not, and told why.
    let fx = press(&mut app, "a");
    assert!(fx.iter().all(|e| !matches!(e, Effect::Decide { .. })));
    let Some(Layer::Confirm(c)) = app.focus.dialog() else {
        panic!("a question first");
    };
    assert!(
        c.message
            .contains("⊘ Partner 0 is suspended by Acme Distribution."),
        "{}",
        c.message
    );
    let (_, verdict, _) = sent(&press(&mut app, "y"));
    assert_eq!(verdict, Verdict::Approve);
    // The next request's partner is not suspended: it goes at once, as configured.
    press(&mut app, "j");
    let (_, _, items) = sent(&press(&mut app, "a"));
    assert_eq!(items[0].0, "ap_1");
}
