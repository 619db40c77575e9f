use super::*;
use crate::client::StreamItem;
use crate::tui::queue::tabs::Row;

const T0: DateTime<Utc> = DateTime::UNIX_EPOCH;
use crate::domain::{Page, PartnerStatus, PartnerSummary};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn partners(n: usize, next: Option<&str>) -> Page<Row> {
    Page {
        items: (0..n)
            .map(|i| {
                Row::Partner(PartnerSummary {
                    id: format!("pt_{i}"),
                    name: format!("Partner {i}"),
                    status: PartnerStatus::Active,
                    package: None,
                    invoice_id: format!("INV-{i}"),
                    contact_name: Default::default(),
                    email: Default::default(),
                    distributor: None,
                    standing: Default::default(),
                    tenant_count: 0,
                    version: 0,
                })
            })
            .collect(),
        next_cursor: next.map(str::to_string),
    }
}

fn app() -> App {
    App::new(Session::default(), Keymap::default())
}

fn request_of(fx: &[Effect]) -> (SectionId, u64, Option<String>) {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadPage {
                section,
                request,
                query,
                ..
            } => Some((*section, *request, query.cursor())),
            _ => None,
        })
        .expect("a page load")
}

#[test]
fn an_export_names_its_file_before_its_directory() {
    let mut app = app();
    let path = std::path::PathBuf::from("/home/ann/Downloads/history-20261202.csv");
    app.update(Msg::ExportDone(Ok((path, 2500))), T0);
    assert_eq!(
        app.toasts.last().map(|t| t.text.as_str()),
        Some("Exported 2,500 rows to history-20261202.csv in /home/ann/Downloads")
    );
}

#[test]
fn a_failed_export_says_so_once() {
    let mut app = app();
    let why = crate::export::ExportError::Api(crate::client::ApiError::Unreachable {
        message: "connection refused".into(),
    })
    .user_message();
    app.update(Msg::ExportDone(Err(why)), T0);
    assert_eq!(
        app.toasts.last().map(|t| t.text.as_str()),
        Some("Export failed: The backend could not be reached.")
    );
}

#[test]
fn tabs_load_their_first_section_once() {
    let mut app = app();
    let fx = app.init();
    assert_eq!(request_of(&fx).0, SectionId::PartnershipPending);
    let fx = app.update(key('4'), T0);
    assert_eq!(app.tab, TabId::Partners);
    let (sid, req, _) = request_of(&fx);
    assert_eq!(sid, SectionId::Partners);
    app.update(first_page(sid, req, Ok(partners(3, None))), T0);
    assert!(
        app.update(key('1'), T0).is_empty(),
        "Partnership is already loading"
    );
    assert!(
        app.update(key('4'), T0).is_empty(),
        "loaded once, not again"
    );
}

#[test]
fn stale_answers_are_dropped_and_scrolling_fetches_ahead() {
    let mut app = app();
    let (sid, req, _) = request_of(&app.update(key('4'), T0));
    app.update(first_page(sid, req + 100, Ok(partners(1, None))), T0);
    assert!(
        app.section(sid).rows.is_empty(),
        "an answer to another request is ignored"
    );
    // A first page shorter than the prefetch distance: the next is asked for at once.
    let fx = app.update(first_page(sid, req, Ok(partners(30, Some("c1")))), T0);
    let (_, req2, cursor) = request_of(&fx);
    assert_eq!(cursor.as_deref(), Some("c1"));
    assert!(
        app.update(key('j'), T0).is_empty(),
        "one fetch in flight at a time"
    );
    app.update(
        Msg::Page {
            section: sid,
            request: req2,
            slot: Slot::Append,
            cursor: Some("c1".into()),
            result: Ok(partners(5, None)),
        },
        T0,
    );
    assert_eq!(app.section(sid).rows.len(), 35);
    app.update(key('G'), T0);
    assert_eq!(app.section(sid).selected, 34);
}

#[test]
fn sections_cycle_and_help_filters() {
    let mut app = app();
    app.update(key('3'), T0);
    app.update(key(']'), T0);
    assert_eq!(app.active_section_id(), SectionId::AdvertisingPackages);
    app.update(key('['), T0);
    app.update(key('['), T0);
    assert_eq!(app.active_section_id(), SectionId::RequestsHistory);
    app.update(key('?'), T0);
    app.update(key('t'), T0);
    app.update(key('a'), T0);
    assert!(matches!(app.focus.top(), Layer::Help(h) if h.filter == "ta"));
    app.update(key('j'), T0);
    assert_eq!(
        app.active_section_id(),
        SectionId::RequestsHistory,
        "keys type into the filter"
    );
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        T0,
    );
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        T0,
    );
    assert!(app.focus.help().is_none());
    let fx = app.update(key('q'), T0);
    assert!(matches!(fx.as_slice(), [Effect::Quit { .. }]));
}

#[test]
fn offline_polls_the_summary_until_live_again() {
    let mut app = app();
    let fx = app.update(
        Msg::Stream(StreamItem::Disconnected {
            message: "down".into(),
        }),
        T0,
    );
    assert!(matches!(
        fx.as_slice(),
        [Effect::After {
            msg: Msg::PollSummary,
            ..
        }]
    ));
    assert!(
        app.update(
            Msg::Stream(StreamItem::Disconnected {
                message: "again".into()
            }),
            T0
        )
        .is_empty()
    );
    let fx = app.update(Msg::PollSummary, T0);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadSummary, Effect::After { .. }]
    ));
    let fx = app.update(Msg::Stream(StreamItem::Connected), T0);
    // The counts read, and (a new stream being a new presence) the open item said again.
    assert!(
        matches!(
            fx.as_slice(),
            [
                Effect::After {
                    msg: Msg::OpenItemSettled,
                    ..
                },
                Effect::LoadSummary
            ]
        ),
        "{fx:?}"
    );
    assert!(
        app.update(Msg::PollSummary, T0).is_empty(),
        "live again: polling stops"
    );
}

#[test]
fn the_chart_follows_the_search_both_ways_and_a_refresh() {
    let mut app = crate::tui::test_data::signed_in(Session::default(), crate::domain::Role::Csr, 3);
    let stats_q = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::LoadStats { query, .. } => Some(query.q.clone()),
            _ => None,
        })
    };
    assert!(
        stats_q(&app.update(key('5'), T0)).is_some(),
        "the tab asks for its chart"
    );
    app.update(key('/'), T0);
    app.update(key('n'), T0);
    let generation = app.search_gen;
    let fx = app.update(
        Msg::SearchSettled {
            section: SectionId::AllHistory,
            generation,
        },
        T0,
    );
    assert_eq!(
        stats_q(&fx),
        Some(Some("n".to_string())),
        "the search narrows it"
    );
    let fx = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        T0,
    );
    assert_eq!(stats_q(&fx), Some(None), "Esc widens it again");
    assert_eq!(
        stats_q(&app.update(key('R'), T0)),
        Some(None),
        "R asks again"
    );
}

#[test]
fn sorting_keeps_the_selected_partner() {
    let mut app = crate::tui::test_data::signed_in(Session::default(), crate::domain::Role::Csr, 3);
    let (sid, req, _) = request_of(&app.update(key('4'), T0));
    app.update(first_page(sid, req, Ok(partners(5, None))), T0);
    app.update(key('j'), T0);
    app.update(key('j'), T0);
    let (_, req, _) = request_of(&app.update(key('s'), T0));
    let mut by_status = partners(5, None);
    by_status.items.reverse();
    app.update(first_page(sid, req, Ok(by_status)), T0);
    let selected = app
        .active_section()
        .selected_row()
        .map(|r| r.id().to_string());
    assert_eq!(selected.as_deref(), Some("pt_2"));
    assert_eq!(app.active_section().selected, 2, "pt_2 is third either way");
    app.update(key('j'), T0);
    assert_eq!(
        app.active_section().selected_row().map(|r| r.id()),
        Some("pt_1")
    );
}

#[test]
fn offline_a_refresh_keeps_the_rows_marked_stale_and_the_reconnect_reloads_them() {
    use crate::client::ApiError;
    let mut app = crate::tui::test_data::signed_in(Session::default(), crate::domain::Role::Csr, 5);
    let at_1402 = DateTime::from_timestamp(1_764_684_120, 0).unwrap();
    app.update(
        Msg::Stream(StreamItem::Disconnected {
            message: "down".into(),
        }),
        at_1402,
    );
    let (sid, req, _) = request_of(&app.update(key('R'), at_1402));
    app.update(
        first_page(
            sid,
            req,
            Err(ApiError::Unreachable {
                message: "refused".into(),
            }),
        ),
        at_1402,
    );
    let s = app.active_section();
    assert_eq!(
        (s.rows.len(), s.load.clone(), s.stale),
        (5, Load::Loaded, true)
    );
    assert_eq!(app.offline_since, Some(at_1402));
    // The rows on screen can still be decided (the server refuses a decision on a changed item).
    assert!(!app.update(key('a'), at_1402).is_empty() || app.focus.dialog().is_some());
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        at_1402,
    );
    let fx = app.update(Msg::Stream(StreamItem::Connected), at_1402);
    let (sid, req, _) = request_of(&fx);
    app.update(
        first_page(
            sid,
            req,
            Ok(Page {
                items: crate::tui::test_data::rows(sid, 4),
                next_cursor: None,
            }),
        ),
        at_1402,
    );
    let s = app.active_section();
    assert_eq!((s.rows.len(), s.stale), (4, false), "back by itself, fresh");
    assert_eq!(app.offline_since, None);
}

#[test]
fn a_list_that_shows_a_message_offers_nothing_to_decide() {
    use crate::client::ApiError;
    let mut app = App::new(Session::default(), Keymap::default());
    let (sid, req, _) = request_of(&app.init());
    app.update(
        Msg::Me(Ok(crate::tui::test_data::me(crate::domain::Role::Csr))),
        T0,
    );
    app.update(
        first_page(
            sid,
            req,
            Err(ApiError::Unreachable {
                message: "refused".into(),
            }),
        ),
        T0,
    );
    // Rows from before that are not on screen (the list says it could not load) are not
    // decided on.
    app.section_mut(sid).rows = crate::tui::test_data::rows(sid, 2);
    assert!(app.update(key('a'), T0).is_empty());
    assert!(
        app.focus.dialog().is_none(),
        "nothing to approve is offered"
    );
}

#[test]
fn toasts_say_what_kind_of_news_they_are() {
    use crate::tui::app::toast::ToastKind;
    let mut app = crate::tui::test_data::signed_in(Session::default(), crate::domain::Role::Csr, 3);
    app.update(key('f'), T0);
    let last = |app: &App| app.toasts.last().map(|t| (t.kind, t.kind.symbol()));
    assert_eq!(
        last(&app),
        Some((ToastKind::Info, "•")),
        "no filters here is not a success"
    );
    app.update(key('4'), T0);
    app.update(
        Msg::Impersonated(Ok(crate::tui::test_data::impersonation(0))),
        T0,
    );
    assert_eq!(last(&app), Some((ToastKind::Success, "✓")));
    app.update(Msg::ImpersonationExpired("im_1".into()), T0);
    assert_eq!(
        last(&app),
        Some((ToastKind::Warning, "!")),
        "an expiry was not asked for"
    );
}

#[test]
fn an_impersonation_warns_before_it_ends_and_its_end_stays_until_a_key() {
    let mut app = crate::tui::test_data::signed_in(Session::default(), crate::domain::Role::Csr, 3);
    app.update(key('4'), T0);
    let fx = app.update(
        Msg::Impersonated(Ok(crate::tui::test_data::impersonation(0))),
        T0,
    );
    let warn_at = fx.iter().find_map(|e| match e {
        Effect::After {
            delay,
            msg: Msg::ImpersonationExpiring(_),
        } => Some(*delay),
        _ => None,
    });
    assert_eq!(
        warn_at,
        Some(std::time::Duration::from_secs(28 * 60)),
        "2 minutes before"
    );
    app.update(
        Msg::ImpersonationExpiring("im_1".into()),
        T0 + chrono::Duration::minutes(28),
    );
    assert!(
        app.toasts
            .iter()
            .any(|t| t.text.contains("ends in 2 min") && !t.sticky),
        "{:?}",
        app.toasts
    );
    let fx = app.update(Msg::ImpersonationExpired("im_1".into()), T0);
    assert!(
        !fx.iter().any(|e| matches!(
            e,
            Effect::After {
                msg: Msg::ExpireToast(_),
                ..
            }
        )),
        "the expiry message does not fade: {fx:?}"
    );
    assert!(
        app.toasts
            .iter()
            .any(|t| t.sticky && t.text.contains("expired"))
    );
    app.update(key('j'), T0);
    assert!(!app.toasts.iter().any(|t| t.sticky), "a key dismisses it");
}

#[test]
fn a_finished_export_stays_until_the_next_key() {
    let mut app = app();
    let path = std::path::PathBuf::from("/home/ann/Downloads/history.csv");
    let fx = app.update(Msg::ExportDone(Ok((path, 3))), T0);
    assert!(fx.is_empty(), "no fading");
    assert!(app.toasts.last().is_some_and(|t| t.sticky));
    app.update(key('j'), T0);
    assert!(app.toasts.is_empty());
}

fn refused() -> crate::client::ApiError {
    crate::client::ApiError::Http {
        status: 401,
        message: "unauthorized".into(),
    }
}

#[test]
fn a_401_from_any_request_reads_token_refused_with_one_toast() {
    for msg in [
        Msg::Me(Err(refused())),
        Msg::Summary(Err(refused())),
        Msg::Stream(StreamItem::Refused {
            message: "no".into(),
        }),
    ] {
        let mut app = app();
        let fx = app.update(msg, T0);
        assert_eq!(app.live, Live::TokenRefused);
        assert_eq!(app.toasts.len(), 1);
        assert!(app.toasts[0].text.contains("partner-console info"));
        assert!(app.toasts[0].text.contains("PARTNER_CONSOLE_TOKEN"));
        assert!(
            !fx.iter().any(|e| matches!(
                e,
                Effect::After {
                    msg: Msg::PollSummary,
                    ..
                }
            )),
            "polling a backend that refuses the token"
        );
        // Refused again (another request, the stream): no second toast.
        app.update(Msg::Summary(Err(refused())), T0);
        assert_eq!(app.toasts.len(), 1);
    }
}

#[test]
fn a_401_on_a_page_names_the_token_sources_in_the_list() {
    let mut app = app();
    let fx = app.init();
    let (section, request, _) = request_of(&fx);
    app.update(
        Msg::Page {
            section,
            request,
            slot: Slot::Reset,
            cursor: None,
            result: Err(refused()),
        },
        T0,
    );
    assert_eq!(app.live, Live::TokenRefused);
    match &app.section(section).load {
        Load::Failed(text) => assert!(text.contains("partner-console info"), "{text}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_accepted_token_after_a_refusal_is_live_and_catches_up() {
    let mut app = app();
    app.update(Msg::Me(Err(refused())), T0);
    let fx = app.update(Msg::Stream(StreamItem::Connected), T0);
    assert_eq!(app.live, Live::Live);
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadSummary)));
}

#[test]
fn other_errors_are_not_a_refused_token() {
    let mut app = app();
    app.update(
        Msg::Summary(Err(crate::client::ApiError::Http {
            status: 403,
            message: "forbidden".into(),
        })),
        T0,
    );
    app.update(
        Msg::Stream(StreamItem::Disconnected {
            message: "down".into(),
        }),
        T0,
    );
    assert_eq!(app.live, Live::Offline);
}

/// The answer to a section's first page (`request`), as the runtime sends it.
fn first_page(
    section: SectionId,
    request: u64,
    result: Result<Page<Row>, crate::client::ApiError>,
) -> Msg {
    Msg::Page {
        section,
        request,
        slot: Slot::Reset,
        cursor: None,
        result,
    }
}
