//! Narrowing and ordering lists, through `App::update`: what a CSR presses, what the server is
//! asked for, and what the section's title says.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::{ApprovalQuery, ApprovalSort, Kind, PartnerStatus, Role};
use crate::tui::app::effect::Effect;
use crate::tui::app::msg::Msg;
use crate::tui::app::{App, Session};
use crate::tui::queue::filter::ListQuery;
use crate::tui::queue::tabs::{Row, SectionId, TabId};
use crate::tui::test_data::{T0, answer_loads, signed_in};

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), T0)
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| key(app, KeyCode::Char(c)))
        .collect()
}

/// The page loads in `fx`, by section.
fn loads(fx: &[Effect]) -> Vec<(SectionId, ListQuery)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadPage { section, query, .. } => Some((*section, query.clone())),
            _ => None,
        })
        .collect()
}

fn approvals_query(fx: &[Effect], section: SectionId) -> ApprovalQuery {
    loads(fx)
        .into_iter()
        .find_map(|(s, q)| match q {
            ListQuery::Approvals(q) if s == section => Some(q),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a load of {section:?} in {fx:?}"))
}

fn stats_query(fx: &[Effect]) -> ApprovalQuery {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadStats { query, .. } => Some(query.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a stats load in {fx:?}"))
}

fn csr() -> App {
    signed_in(Session::default(), Role::Csr, 5)
}

#[test]
fn p_on_a_partner_lists_its_pending_requests_and_esc_lists_them_all_again() {
    let mut app = csr();
    let fx = press(&mut app, "4");
    answer_loads(&mut app, fx, 5);
    press(&mut app, "jj");
    let Some(Row::Partner(p)) = app.active_section().selected_row().cloned() else {
        panic!("a partner is selected")
    };
    let fx = press(&mut app, "p");
    assert_eq!(app.active_section_id(), SectionId::AllPending);
    let q = approvals_query(&fx, SectionId::AllPending);
    assert_eq!(q.partner_id.as_deref(), Some(p.id.as_str()));
    assert_eq!(q.kinds, Vec::<Kind>::new(), "every kind");
    assert_eq!(q.status, Some(crate::domain::StatusFilter::Pending));
    assert_eq!(
        app.active_section().filter.describe().as_deref(),
        Some(format!("partner “{}”", p.name).as_str())
    );
    let fx = key(&mut app, KeyCode::Esc);
    assert_eq!(approvals_query(&fx, SectionId::AllPending).partner_id, None);
    assert_eq!(app.active_section().filter.describe(), None);
}

#[test]
fn h_on_a_request_shows_its_partners_decisions_in_history_chart_included() {
    let mut app = csr();
    let Some(Row::Approval(a)) = app.active_section().selected_row().cloned() else {
        panic!("a request is selected")
    };
    let fx = press(&mut app, "H");
    assert_eq!(app.tab, TabId::History);
    let q = approvals_query(&fx, SectionId::AllHistory);
    assert_eq!(q.partner_id.as_deref(), Some(a.partner.id.as_str()));
    assert_eq!(
        stats_query(&fx).partner_id.as_deref(),
        Some(a.partner.id.as_str()),
        "the chart counts what the list shows"
    );
}

#[test]
fn s_steps_a_queue_through_its_orders_and_a_history_through_its_own() {
    let mut app = csr();
    let mut sorts = Vec::new();
    for _ in 0..3 {
        let fx = press(&mut app, "s");
        sorts.push(approvals_query(&fx, SectionId::PartnershipPending).sort);
    }
    assert_eq!(
        sorts,
        [Some(ApprovalSort::Newest), Some(ApprovalSort::Price), None]
    );
    // A queue of broadcasts has no price to sort by.
    let fx = press(&mut app, "3");
    answer_loads(&mut app, fx, 3);
    let fx = press(&mut app, "s");
    assert_eq!(
        approvals_query(&fx, SectionId::Broadcasts).sort,
        Some(ApprovalSort::Newest)
    );
    let fx = press(&mut app, "s");
    assert_eq!(approvals_query(&fx, SectionId::Broadcasts).sort, None);
    // A history: newest first is its own; oldest first is the other.
    let fx = press(&mut app, "5");
    answer_loads(&mut app, fx, 3);
    let fx = press(&mut app, "s");
    assert_eq!(
        approvals_query(&fx, SectionId::AllHistory).sort,
        Some(ApprovalSort::Oldest)
    );
    assert_eq!(
        app.active_section().filter.describe().as_deref(),
        Some("oldest first")
    );
}

#[test]
fn the_filter_takes_several_kinds_and_my_partners_a_status() {
    let mut app = csr();
    let fx = press(&mut app, "5");
    answer_loads(&mut app, fx, 3);
    // History's kinds: Partnership, Add-on, Broadcast, Advertising package, Ad. Tick the
    // first and the third.
    press(&mut app, "f ");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    press(&mut app, " ");
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(
        approvals_query(&fx, SectionId::AllHistory).kinds,
        [Kind::Partnership, Kind::Broadcast]
    );
    assert_eq!(stats_query(&fx).kinds, [Kind::Partnership, Kind::Broadcast]);
    assert_eq!(
        app.active_section().filter.describe().as_deref(),
        Some("Partnership, Broadcast")
    );
    // The form opens with what is applied, and unticking all is every kind again.
    press(&mut app, "f ");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    press(&mut app, " ");
    let fx = key(&mut app, KeyCode::Enter);
    assert!(approvals_query(&fx, SectionId::AllHistory).kinds.is_empty());

    let fx = press(&mut app, "4");
    answer_loads(&mut app, fx, 3);
    press(&mut app, "f");
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    let fx = key(&mut app, KeyCode::Enter);
    let query = loads(&fx)
        .into_iter()
        .find_map(|(_, q)| match q {
            ListQuery::Partners(q) => Some(q),
            _ => None,
        })
        .expect("the directory reloads");
    assert_eq!(query.status, Some(PartnerStatus::Pending));
    assert_eq!(
        app.active_section().filter.describe().as_deref(),
        Some("pending only")
    );
}

#[test]
fn a_partner_changed_elsewhere_is_shown_again_where_it_is_listed() {
    use crate::client::StreamItem;
    use crate::domain::{PartnerUpdated, ServerEvent};
    let updated = |id: &str| {
        Msg::Stream(StreamItem::Event {
            id: None,
            event: ServerEvent::PartnerUpdated(PartnerUpdated { id: id.into() }),
        })
    };
    let mut app = csr();
    // Not loaded yet: nothing to refresh.
    let fx = app.update(updated("pt_1"), T0);
    assert!(loads(&fx).is_empty(), "{fx:?}");
    let fx = press(&mut app, "4");
    answer_loads(&mut app, fx, 5);
    press(&mut app, "j");
    key(&mut app, KeyCode::Enter);
    let fx = app.update(updated("pt_1"), T0);
    assert_eq!(loads(&fx).first().map(|l| l.0), Some(SectionId::Partners));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadPartner { id } if id == "pt_1")),
        "the open detail is read again: {fx:?}"
    );
    // A partner the directory does not list changes nothing on screen.
    let fx = app.update(updated("pt_99"), T0);
    assert!(loads(&fx).is_empty(), "{fx:?}");
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadPartner { .. })));
}

/// A page of decided approvals with these ids, in the order given.
fn page_of(ids: &[&str], next: Option<&str>) -> crate::domain::Page<Row> {
    crate::domain::Page {
        items: ids
            .iter()
            .map(|id| {
                let mut a = crate::tui::test_data::approval(0);
                a.id = (*id).into();
                a.status = crate::domain::Status::Approved;
                Row::Approval(Box::new(a))
            })
            .collect(),
        next_cursor: next.map(str::to_string),
    }
}

/// Feed `page` as the answer to the one page load in `fx`; what that asks for next.
fn answer_page(app: &mut App, fx: &[Effect], page: crate::domain::Page<Row>) -> Vec<Effect> {
    let (section, request, slot, query) = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadPage {
                section,
                request,
                slot,
                query,
            } => Some((*section, *request, *slot, query.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a page load in {fx:?}"));
    app.update(
        Msg::Page {
            section,
            request,
            slot,
            cursor: query.cursor(),
            result: Ok(page),
        },
        T0,
    )
}

fn shown_ids(app: &App) -> Vec<String> {
    app.active_section()
        .rows
        .iter()
        .map(|r| r.id().to_string())
        .collect()
}

#[test]
fn big_g_fetches_the_real_end_and_scrolling_up_fills_in_what_is_before_it() {
    use crate::tui::queue::section::Slot;
    let mut app = csr();
    let fx = press(&mut app, "5");
    // The first page of a long history (newest first); more follow.
    answer_page(&mut app, &fx, page_of(&["n1", "n2", "n3"], Some("more")));
    let fx = press(&mut app, "G");
    let q = approvals_query(&fx, SectionId::AllHistory);
    assert_eq!(
        (q.sort, q.cursor.as_deref()),
        (Some(ApprovalSort::Oldest), None),
        "the end of newest-first is the start of oldest-first"
    );
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::LoadPage {
            slot: Slot::Tail,
            ..
        }
    )));
    // The server's oldest first: o1 is the very last row of the list.
    let fx = answer_page(&mut app, &fx, page_of(&["o1", "o2", "o3"], Some("older")));
    assert_eq!(shown_ids(&app), ["o3", "o2", "o1"]);
    assert_eq!(
        app.active_section().selected_row().map(|r| r.id()),
        Some("o1")
    );
    // Near the window's first row, the rows before it are fetched, in the reverse order too.
    let q = approvals_query(&fx, SectionId::AllHistory);
    assert_eq!(
        (q.sort, q.cursor.as_deref()),
        (Some(ApprovalSort::Oldest), Some("older"))
    );
    answer_page(&mut app, &fx, page_of(&["m1", "m2"], None));
    assert_eq!(shown_ids(&app), ["m2", "m1", "o3", "o2", "o1"]);
    assert_eq!(
        app.active_section().selected_row().map(|r| r.id()),
        Some("o1"),
        "the selection stays on its row"
    );
    // `g` goes back to the top of the list as the server lists it.
    let fx = press(&mut app, "g");
    assert_eq!(app.active_section().selected, 0);
    assert!(
        loads(&fx).is_empty(),
        "the whole list is loaded now: g just moves"
    );
}

#[test]
fn big_g_where_there_is_no_reverse_order_goes_to_the_last_loaded_row() {
    let mut app = csr();
    press(&mut app, "s");
    let fx = press(&mut app, "s"); // by price: the server has no reverse of it
    answer_page(&mut app, &fx, page_of(&["p1", "p2"], Some("more")));
    let fx = press(&mut app, "G");
    assert_eq!(
        app.active_section().selected_row().map(|r| r.id()),
        Some("p2")
    );
    assert!(
        !fx.iter().any(|e| matches!(
            e,
            Effect::LoadPage {
                slot: crate::tui::queue::section::Slot::Tail,
                ..
            }
        )),
        "{fx:?}"
    );
}
