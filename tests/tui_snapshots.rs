//! Full-app snapshots on `TestBackend` at 80×24 and 120×40: every tab and section with data,
//! the help overlay, banners, errors, toasts, and the too-small message. Fixed data and a fixed
//! "now" keep them still; `cargo insta review` shows a change.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use partner_console::client::{ApiError, StreamItem};
use partner_console::domain::*;
use partner_console::tui::app::effect::Effect;
use partner_console::tui::app::keymap::Keymap;
use partner_console::tui::app::msg::Msg;
use partner_console::tui::app::{App, Session, Slot};
use partner_console::tui::queue::tabs::{Row, SectionId};
use partner_console::tui::view;
use partner_console::tui::view::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::fixtures::{self, now};

fn session() -> Session {
    Session {
        profile: "demo".into(),
        production: false,
        read_only: false,
        poll_interval: std::time::Duration::from_secs(10),
        confirm_approve: true,
        confirm_when_watched: true,
        export_dir: std::env::temp_dir(),
        key_seed: 0,
        stale_after: None,
        reasons: Vec::new(),
    }
}

/// Answer every page load of `fx` with the fixture rows for that section (and the chart's
/// numbers with fixture stats).
fn answer(app: &mut App, fx: Vec<Effect>) {
    for e in fx {
        if let Effect::LoadStats { request, .. } = e {
            app.update(
                Msg::Stats {
                    request,
                    result: Ok(fixtures::stats()),
                },
                now(),
            );
            continue;
        }
        if let Effect::LoadNodes {
            request,
            parent,
            slot,
            query,
        } = e
        {
            let msg = Msg::Nodes {
                request,
                parent,
                slot,
                cursor: None,
                result: Ok(Page {
                    items: fixtures::nodes(&query),
                    next_cursor: None,
                }),
            };
            let more = app.update(msg, now());
            answer(app, more);
            continue;
        }
        if let Effect::LoadPage {
            section,
            request,
            slot,
            query,
        } = e
        {
            let items = rows_for(section);
            let msg = Msg::Page {
                section,
                request,
                slot,
                cursor: query.cursor(),
                result: Ok(Page {
                    items,
                    next_cursor: None,
                }),
            };
            let more = app.update(msg, now());
            answer(app, more);
        }
    }
}

fn rows_for(section: SectionId) -> Vec<Row> {
    let a = |k, n, s| {
        fixtures::approvals(k, n, s)
            .into_iter()
            .map(|a| Row::Approval(Box::new(a)))
            .collect()
    };
    match section {
        SectionId::PartnershipPending => a(Kind::Partnership, 12, Status::Pending),
        SectionId::AddonPending => a(Kind::Addon, 3, Status::Pending),
        SectionId::Broadcasts => a(Kind::Broadcast, 2, Status::Pending),
        SectionId::AdvertisingPackages => a(Kind::AdvertisingPackage, 1, Status::Pending),
        SectionId::Ads => a(Kind::Ad, 4, Status::Pending),
        SectionId::PartnershipHistory => a(Kind::Partnership, 30, Status::Approved),
        SectionId::AddonHistory => a(Kind::Addon, 5, Status::Rejected),
        SectionId::RequestsHistory => {
            let mut v: Vec<Row> = a(Kind::Ad, 3, Status::Rejected);
            v.extend(a(Kind::Broadcast, 3, Status::Approved));
            v
        }
        SectionId::AllHistory => {
            let mut v: Vec<Row> = a(Kind::Partnership, 4, Status::Approved);
            v.extend(a(Kind::Addon, 4, Status::Rejected));
            v.extend(a(Kind::Ad, 4, Status::Approved));
            v
        }
        SectionId::AllPending => {
            let mut v: Vec<Row> = a(Kind::Partnership, 3, Status::Pending);
            v.extend(a(Kind::Broadcast, 2, Status::Pending));
            v.extend(a(Kind::Ad, 2, Status::Pending));
            v
        }
        SectionId::Partners => (0..15)
            .map(|i| Row::Partner(fixtures::partner_summary(i)))
            .collect(),
        SectionId::Hierarchy => Vec::new(),
        SectionId::Expiring => fixtures::expiring()
            .into_iter()
            .map(|p| Row::Period(Box::new(p)))
            .collect(),
    }
}

fn loaded_app(session: Session) -> App {
    let mut app = App::new(session, Keymap::default());
    let fx = app.init();
    answer(&mut app, fx);
    app.update(Msg::Me(Ok(fixtures::csr())), now());
    app.update(
        Msg::Summary(Ok(Summary {
            pending: fixtures::counts(),
        })),
        now(),
    );
    app.update(Msg::Stream(StreamItem::Connected), now());
    app
}

/// Answer every page load of `fx` as a backend that cannot be reached would.
fn fail_loads(app: &mut App, fx: Vec<Effect>) {
    for e in fx {
        if let Effect::LoadPage {
            section, request, ..
        } = e
        {
            app.update(
                Msg::Page {
                    section,
                    request,
                    slot: Slot::Reset,
                    cursor: None,
                    result: Err(ApiError::Unreachable {
                        message: "connection refused".into(),
                    }),
                },
                now(),
            );
        }
    }
}

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let fx = app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            now(),
        );
        answer(app, fx);
    }
}

fn screen(app: &App, w: u16, h: u16, color: bool) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::render(app, f, &Theme::new(color), now()))
        .unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn both_sizes(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24, false));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40, false));
}

#[test]
fn every_tab_and_section() {
    let mut app = loaded_app(session());
    both_sizes("partnership_pending", &app);
    press(&mut app, "]");
    both_sizes("partnership_history", &app);
    press(&mut app, "2");
    both_sizes("addons_pending", &app);
    press(&mut app, "]");
    both_sizes("addons_history", &app);
    press(&mut app, "3");
    both_sizes("requests_broadcasts", &app);
    press(&mut app, "]");
    both_sizes("requests_advertising_packages", &app);
    press(&mut app, "]");
    both_sizes("requests_ads", &app);
    press(&mut app, "]");
    both_sizes("requests_history", &app);
    press(&mut app, "4");
    both_sizes("my_partners", &app);
    press(&mut app, "5");
    both_sizes("history", &app);
}

#[test]
fn moving_scrolls_the_list() {
    let mut app = loaded_app(session());
    press(&mut app, "]");
    press(&mut app, &"j".repeat(25));
    both_sizes("partnership_history_scrolled", &app);
}

#[test]
fn help_overlay_filters() {
    let mut app = loaded_app(session());
    press(&mut app, "?");
    both_sizes("help", &app);
    press(&mut app, "tab");
    both_sizes("help_filtered", &app);
}

#[test]
fn banners_offline_and_errors() {
    let mut app = loaded_app(Session {
        production: true,
        read_only: true,
        profile: "prod".into(),
        ..session()
    });
    app.update(
        Msg::Stream(StreamItem::Disconnected {
            message: "gone".into(),
        }),
        now(),
    );
    let fx = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('4'), KeyModifiers::NONE)),
        now(),
    );
    fail_loads(&mut app, fx);
    both_sizes("production_read_only_offline_error", &app);
}

/// Issue 15, point 9: a wrong token (401 from every request and the stream) reads "token
/// refused (401)", and the list says where the token comes from, not "offline".
#[test]
fn a_refused_token_says_so() {
    let mut app = App::new(session(), Keymap::default());
    let refused = || ApiError::Http {
        status: 401,
        message: "unauthorized".into(),
    };
    for e in app.init() {
        let msg = match e {
            Effect::LoadMe => Msg::Me(Err(refused())),
            Effect::LoadSummary => Msg::Summary(Err(refused())),
            Effect::LoadPage {
                section, request, ..
            } => Msg::Page {
                section,
                request,
                slot: Slot::Reset,
                cursor: None,
                result: Err(refused()),
            },
            _ => continue,
        };
        app.update(msg, now());
    }
    app.update(
        Msg::Stream(StreamItem::Refused {
            message: "Unauthorized.".into(),
        }),
        now(),
    );
    both_sizes("token_refused", &app);
}

/// Requests pending longer than `[ui] stale_after_hours` are marked `!`, and the tab counts them.
#[test]
fn late_requests_are_marked_and_counted() {
    let app = loaded_app(Session {
        stale_after: Some(std::time::Duration::from_secs(48 * 3600)),
        ..session()
    });
    insta::assert_snapshot!("late_requests_80x24", screen(&app, 80, 24, false));
}

/// A refresh while offline keeps the rows, marked stale, with the time the console went offline.
#[test]
fn offline_a_refresh_keeps_the_rows_marked_stale() {
    let mut app = loaded_app(session());
    app.update(
        Msg::Stream(StreamItem::Disconnected {
            message: "gone".into(),
        }),
        now(),
    );
    let fx = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('R'), KeyModifiers::NONE)),
        now(),
    );
    fail_loads(&mut app, fx);
    both_sizes("stale_rows_offline", &app);
}

/// tmux's 80×23 pane, a side-by-side split, and smaller: the console works, condensed (short
/// tab names, no chart, the detail over the list, key bar hints dropped whole).
#[test]
fn small_windows_condense() {
    let mut app = loaded_app(session());
    for (w, h) in [(80, 23), (79, 24), (70, 20), (60, 16)] {
        insta::assert_snapshot!(format!("queue_{w}x{h}"), screen(&app, w, h, false));
    }
    press(&mut app, "5");
    for (w, h) in [(80, 23), (60, 16)] {
        insta::assert_snapshot!(format!("history_{w}x{h}"), screen(&app, w, h, false));
    }
    press(&mut app, "1");
    app.update(
        Msg::Resize {
            width: 60,
            height: 16,
        },
        now(),
    );
    let fx = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        now(),
    );
    answer(&mut app, fx);
    insta::assert_snapshot!("detail_over_the_list_60x16", screen(&app, 60, 16, false));
}

/// The counts grow with the queues: whatever they are, every tab stays whole on the bar (full
/// names while they fit, then a narrower divider, then short names, then without the late
/// counts), never the last one cut.
#[test]
fn the_tab_bar_keeps_every_tab_whole_as_the_counts_grow() {
    let late = Session {
        stale_after: Some(std::time::Duration::from_secs(48 * 3600)),
        ..session()
    };
    for (partnership, addon, broadcast) in [(12, 3, 2), (15, 14, 27), (1234, 999, 12345)] {
        let mut app = loaded_app(late.clone());
        app.update(
            Msg::Summary(Ok(Summary {
                pending: PendingCounts {
                    partnership,
                    addon,
                    broadcast,
                    ..fixtures::counts()
                },
            })),
            now(),
        );
        for (w, h) in [(120, 40), (80, 23), (79, 24), (70, 20), (60, 16)] {
            if w < 70 && partnership > 999 {
                // Four-digit counts in three tabs need more than the smallest window has.
                continue;
            }
            let shown = screen(&app, w, h, false);
            let bar = shown
                .lines()
                .find(|l| l.starts_with(" 1 "))
                .unwrap_or_else(|| panic!("no tab bar at {w}x{h}:\n{shown}"));
            let counts = format!("({partnership}) ");
            let whole = [
                bar.contains(&format!("1 Partnership {counts}"))
                    || bar.contains(&format!("1 Partner {counts}")),
                bar.contains(&format!("2 Add-ons ({addon})")),
                bar.contains(" 3 Requests (") || bar.contains(" 3 Req ("),
                bar.contains(" 4 My Partners ") || bar.contains(" 4 Partners "),
                bar.ends_with(" 5 History") || bar.ends_with(" 5 Hist"),
            ];
            assert!(
                whole.iter().all(|w| *w),
                "a tab cut at {w}x{h} with counts {partnership}/{addon}/{broadcast}: {bar:?}"
            );
        }
        // At 80 columns and below the names are the full ones while they fit.
        let at_80 = screen(&app, 80, 23, false);
        if partnership < 100 {
            assert!(at_80.contains("5 History"), "{at_80}");
        }
    }
}

#[test]
fn too_small_says_so() {
    let app = loaded_app(session());
    insta::assert_snapshot!("too_small_59x24", screen(&app, 59, 24, false));
    insta::assert_snapshot!("too_small_80x15", screen(&app, 80, 15, false));
    insta::assert_snapshot!("too_small_40x10", screen(&app, 40, 10, false));
    // Degenerate sizes draw nothing wrong and never panic.
    for (w, h) in [(1, 1), (0, 0), (80, 1), (3, 40)] {
        let _ = screen(&app, w, h, false);
    }
}

#[test]
fn colour_and_no_colour_show_the_same_words() {
    let app = loaded_app(session());
    assert_eq!(screen(&app, 120, 40, true), screen(&app, 120, 40, false));
}

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, mods)), now())
}

#[test]
fn every_queue_with_its_detail_open() {
    let mut app = loaded_app(session());
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    both_sizes("detail_partnership", &app);
    press(&mut app, "2");
    both_sizes("detail_addon", &app);
    press(&mut app, "3");
    both_sizes("detail_broadcast", &app);
    press(&mut app, "]");
    both_sizes("detail_advertising_package", &app);
    press(&mut app, "]");
    both_sizes("detail_ad", &app);
    press(&mut app, "]");
    both_sizes("detail_requests_history", &app);
    // Wide terminals put the detail beside the list.
    insta::assert_snapshot!("detail_ad_history_160x40", screen(&app, 160, 40, false));
}

#[test]
fn the_detail_scrolls_no_further_than_its_last_line() {
    let mut app = loaded_app(session());
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, "3]]");
    // Drawing measures the detail's text at the pane's width; the runtime draws after each key.
    let top = screen(&app, 80, 24, false);
    for _ in 0..40 {
        press(&mut app, "J");
        screen(&app, 80, 24, false);
    }
    let bottom = screen(&app, 80, 24, false);
    assert_ne!(bottom, top, "this detail is longer than its pane");
    let pane: Vec<&str> = bottom
        .lines()
        .skip_while(|l| !l.contains("Details"))
        .skip(1)
        .take_while(|l| l.starts_with('│'))
        .collect();
    let last = pane
        .last()
        .expect("the detail pane")
        .trim_matches(['│', ' ']);
    assert!(!last.is_empty(), "its last line stays in view:\n{bottom}");
    press(&mut app, "K");
    assert_ne!(
        screen(&app, 80, 24, false),
        bottom,
        "K scrolls back up at once"
    );
}

#[test]
fn the_decision_modals() {
    let mut app = loaded_app(session());
    press(&mut app, "a");
    both_sizes("modal_approve_one", &app);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut app, "   ");
    both_sizes("marked_three", &app);
    press(&mut app, "a");
    both_sizes("modal_approve_three", &app);
    press(&mut app, "n");
    press(&mut app, "r");
    both_sizes("modal_reject_empty", &app);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    both_sizes("modal_reject_required", &app);
    press(&mut app, "Not available in your region yet.");
    key(&mut app, KeyCode::Enter, KeyModifiers::ALT);
    press(&mut app, "We will write when it is.");
    both_sizes("modal_reject_two_lines", &app);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    both_sizes("modal_discard_reason", &app);
    press(&mut app, "n");
    let fx = key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    both_sizes("modal_reject_sending", &app);
    // The backend cannot be reached: the text stays, with what went wrong.
    for e in fx {
        if let Effect::Decide { batch, items, .. } = e {
            for (id, _) in items {
                app.update(
                    Msg::Decided {
                        batch,
                        id,
                        result: Err(ApiError::Unreachable {
                            message: "connection refused".into(),
                        }),
                    },
                    now(),
                );
            }
        }
    }
    both_sizes("modal_reject_failed", &app);
}

#[test]
fn a_long_reason_scrolls_with_its_cursor() {
    let mut app = loaded_app(session());
    press(&mut app, "r");
    let paragraph = "The channel's audience does not match the package asked for, and most of its \
                     recent posts are reposts of other channels. "
        .repeat(8);
    press(&mut app, paragraph.trim_end());
    both_sizes("modal_reject_long_reason", &app);
    // ↑ moves up the rows as shown; the box follows, and says what is above and below.
    for _ in 0..7 {
        key(&mut app, KeyCode::Up, KeyModifiers::NONE);
    }
    insta::assert_snapshot!(
        "modal_reject_long_reason_up_80x24",
        screen(&app, 80, 24, false)
    );
}

#[test]
fn the_cursor_and_the_reasons_keys_stay_on_screen_whatever_the_text() {
    let keys = "Enter sends · Alt-Enter new line · Esc cancels";
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = loaded_app(session());
        app.update(
            Msg::Resize {
                width: w,
                height: h,
            },
            now(),
        );
        press(&mut app, "r");
        // Words, a word longer than the box, line breaks and empty lines, in turn.
        for round in 0..32 {
            let chunk = match round % 4 {
                0 => "word ".repeat(9),
                1 => "x".repeat(90),
                2 => "\n".into(),
                _ => "end.\n\n".into(),
            };
            app.update(Msg::Paste(chunk), now());
            let shown = screen(&app, w, h, false);
            assert!(shown.contains('▏'), "round {round} at {w}×{h}:\n{shown}");
            assert!(shown.contains(keys), "round {round} at {w}×{h}:\n{shown}");
        }
        for _ in 0..60 {
            key(&mut app, KeyCode::Up, KeyModifiers::NONE);
            assert!(screen(&app, w, h, false).contains('▏'));
        }
    }
}

#[test]
fn reason_templates_are_picked_with_ctrl_t_and_inserted_to_edit() {
    let template = |name: &str, text: &str| partner_console::config::ReasonTemplate {
        name: name.into(),
        text: text.into(),
    };
    let mut app = loaded_app(Session {
        reasons: vec![
            template(
                "incomplete",
                "Some details are missing: add your audience size.",
            ),
            template("price", "The price does not match the current price list."),
        ],
        ..session()
    });
    press(&mut app, "r");
    assert!(screen(&app, 80, 24, false).contains("Ctrl-T templates"));
    press(&mut app, "Dear partner, ");
    key(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
    key(&mut app, KeyCode::Down, KeyModifiers::NONE);
    both_sizes("modal_reject_templates", &app);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let shown = screen(&app, 80, 24, false);
    assert!(
        shown.contains("Dear partner, The price does not match"),
        "inserted at the cursor:\n{shown}"
    );
    assert!(!shown.contains("Insert a reason template"), "{shown}");
}

#[test]
fn wide_windows_give_the_room_to_what_is_cut() {
    let mut app = loaded_app(session());
    press(&mut app, "4");
    let partners = screen(&app, 120, 40, false);
    for whole in ["Contact", "hello@cedarpinepublishing.example", "Ravi Menon"] {
        assert!(partners.contains(whole), "{whole}:\n{partners}");
    }
    press(&mut app, "5");
    let history = screen(&app, 120, 40, false);
    assert!(history.contains("Analytics Pro ($15.00)"), "{history}");
    // At 80 columns the wide-only columns give way to the ones that matter most.
    press(&mut app, "4");
    assert!(!screen(&app, 80, 24, false).contains("Contact"));
}

#[test]
fn a_request_decided_elsewhere_stays_marked_until_the_reader_moves_on() {
    let mut app = loaded_app(session());
    press(&mut app, "j");
    let id = app
        .active_section()
        .selected_row()
        .unwrap()
        .id()
        .to_string();
    app.update(
        Msg::Stream(StreamItem::Event {
            id: None,
            event: ServerEvent::ApprovalDecided(ApprovalDecided {
                id,
                kind: Kind::Partnership,
                status: Status::Rejected,
                decided_by: UserRef {
                    id: "us_sam".into(),
                    name: "sam.lee".into(),
                },
            }),
        }),
        now(),
    );
    insta::assert_snapshot!("decided_elsewhere_80x24", screen(&app, 80, 24, false));
}

/// At 80×23 (tmux's pane on an 80×24 terminal) and 120×40.
fn record_sizes(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x23"), screen(app, 80, 23, false));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40, false));
}

fn voucher_batch(i: i64) -> VoucherBatch {
    VoucherBatch {
        id: format!("vb_{i}"),
        name: format!("Cloud Architect Q{} #{:03}", i % 4 + 1, i * 7),
        exams: vec!["Cloud Architect".into()],
        expires_on: chrono::NaiveDate::from_ymd_opt(2027, 1 + (i as u32 % 12), 15).unwrap(),
        last_exam_on: None,
        value: if i % 2 == 0 {
            VoucherValue::Money(Money::new(15000, "EUR"))
        } else {
            VoucherValue::Percent(50)
        },
        counts: VoucherCounts {
            total: 100,
            used: 10 * i,
            unused: 100 - 10 * i,
            expired: 0,
        },
        partner: None,
        version: 1,
    }
}

#[test]
fn the_partner_record_pages_and_its_form() {
    let mut app = loaded_app(session());
    press(&mut app, "4");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let mut partner = fixtures::partner(0);
    partner.notes =
        "Prefers email. Invoices go to accounts@acmemedia.example.\nCall before 11:00 their time."
            .into();
    let id = partner.summary.id.clone();
    app.update(
        Msg::Partner {
            id: id.clone(),
            result: Ok(partner),
        },
        now(),
    );
    record_sizes("record_overview", &app);
    press(&mut app, ">");
    app.update(
        Msg::Tiers {
            partner_id: id.clone(),
            result: Ok(fixtures::tiers_data(&id)),
        },
        now(),
    );
    record_sizes("record_tiers", &app);
    press(&mut app, "n");
    record_sizes("record_tiers_form", &app);
    // The expiry's calendar, a month on.
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, "]");
    record_sizes("record_tiers_calendar", &app);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut app, ">");
    app.update(
        Msg::Vouchers {
            partner_id: id.clone(),
            result: Ok((1..=3).map(voucher_batch).collect()),
        },
        now(),
    );
    record_sizes("record_vouchers", &app);
    press(&mut app, ">");
    app.update(
        Msg::Members {
            partner_id: id.clone(),
            result: Ok((0..4)
                .map(|i| Member {
                    id: format!("mb_{i}"),
                    login: format!("user{i}"),
                    first_name: ["Anna", "Ravi", "Lena", "Tom"][i].into(),
                    last_name: ["Keller", "Menon", "Fischer", "Berg"][i].into(),
                    email: format!("user{i}@acmemedia.example"),
                    active: i != 3,
                })
                .collect()),
        },
        now(),
    );
    record_sizes("record_members", &app);
    press(&mut app, ">");
    app.update(
        Msg::LeadSettings {
            partner_id: id.clone(),
            result: Ok(fixtures::lead_record()),
        },
        now(),
    );
    record_sizes("record_lead", &app);
    press(&mut app, "E");
    record_sizes("record_lead_form", &app);
    // Down to the schedule's grid: Thursday's "to" in focus.
    for _ in 0..27 {
        key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    }
    record_sizes("record_lead_schedule", &app);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut app, ">E");
    let tab = |app: &mut App, n: usize| {
        for _ in 0..n {
            key(app, KeyCode::Tab, KeyModifiers::NONE);
        }
    };
    // A bad email is said beside it when left; the city is changed.
    tab(&mut app, 2);
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "accounts at acme");
    tab(&mut app, 5);
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "Hamburg");
    record_sizes("record_form", &app);
    tab(&mut app, 4);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, "new y");
    record_sizes("record_form_time_zone", &app);
    // The notes, the last field: in view however small the window, the fields above counted.
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    for (w, h) in [(80, 23), (70, 20), (60, 16)] {
        let shown = screen(&app, w, h, false);
        assert!(shown.contains("Notes"), "{w}×{h}:\n{shown}");
        assert!(shown.contains('▏'), "the cursor, {w}×{h}:\n{shown}");
        if h < 20 {
            assert!(shown.contains("more fields above"), "{w}×{h}:\n{shown}");
        }
    }
}

#[test]
fn a_bulk_rejection_lists_what_it_rejects() {
    let mut app = loaded_app(session());
    press(&mut app, "V");
    press(&mut app, "r");
    both_sizes("modal_reject_twelve", &app);
}

#[test]
fn viewers_see_only_what_they_can_do() {
    let mut app = loaded_app(session());
    app.update(
        Msg::Me(Ok(Me {
            role: Role::Viewer,
            name: "demo-viewer".into(),
            ..fixtures::csr()
        })),
        now(),
    );
    press(&mut app, "a");
    both_sizes("viewer_pressed_approve", &app);
}

#[test]
fn a_long_user_name_is_cut_before_the_role() {
    let mut app = loaded_app(session());
    app.update(
        Msg::Me(Ok(Me {
            name: "Maximiliane Alexandra von Hohenzollern-Sigmaringen".into(),
            ..fixtures::csr()
        })),
        now(),
    );
    for (width, whole) in [(80, false), (120, true)] {
        let screen = screen(&app, width, 24, false);
        let header = screen.lines().next().unwrap();
        let name = if whole {
            "Hohenzollern-Sigmaringen (csr) · demo"
        } else {
            "… (csr) · demo"
        };
        assert!(header.contains(name), "{header}");
        assert!(header.contains("● live"), "{header}");
    }
}

#[test]
fn history_search_filters_and_export() {
    let mut app = loaded_app(session());
    press(&mut app, "5/acm");
    both_sizes("history_searching", &app);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, "f");
    // Tick Partnership and Broadcast, then rejected only, then the dates.
    let tab = |app: &mut App, n: usize| {
        for _ in 0..n {
            key(app, KeyCode::Tab, KeyModifiers::NONE);
        }
    };
    press(&mut app, " ");
    tab(&mut app, 2);
    press(&mut app, " ");
    tab(&mut app, 3);
    key(&mut app, KeyCode::Left, KeyModifiers::NONE);
    tab(&mut app, 1);
    press(&mut app, "2026-11-01");
    both_sizes("history_filter_form", &app);
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut app, "2026-10-01");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    both_sizes("history_filter_backwards", &app);
    for _ in 0..5 {
        key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    }
    press(&mut app, "11-30");
    let fx = key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    answer(&mut app, fx);
    both_sizes("history_filtered", &app);
    let fx = key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    answer(&mut app, fx);
    both_sizes("history_filtered_detail", &app);
}

#[test]
fn my_partners_detail_copy_finder_and_impersonation() {
    let mut app = loaded_app(session());
    press(&mut app, "4");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let id = app
        .active_section()
        .selected_row()
        .unwrap()
        .id()
        .to_string();
    app.update(Msg::DetailSettled(u64::MAX), now()); // a stale settle does nothing
    app.update(
        Msg::Partner {
            id,
            result: Ok(fixtures::partner(0)),
        },
        now(),
    );
    both_sizes("partner_detail", &app);
    press(&mut app, "y");
    both_sizes("partner_copy", &app);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut app, "i");
    press(&mut app, "Billing question");
    both_sizes("partner_impersonate_reason", &app);
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    app.update(Msg::Impersonated(Ok(fixtures::impersonation(0))), now());
    app.update(
        Msg::PartnerView(Ok((
            fixtures::partner(0),
            fixtures::partner(0).channels,
            fixtures::engagements(),
        ))),
        now(),
    );
    both_sizes("impersonating", &app);
    press(&mut app, "X");
    both_sizes("impersonation_exit_question", &app);
    press(&mut app, "n");
    press(&mut app, ":");
    both_sizes("finder_empty", &app);
}

#[test]
fn the_hierarchy_tree_and_its_dialogs() {
    // A CSR with no assignment: the tree to look at, its writing keys shown disabled.
    let mut app = loaded_app(session());
    press(&mut app, "4]");
    record_sizes("tree_top", &app);
    press(&mut app, "ljlj");
    key(&mut app, KeyCode::Down, KeyModifiers::NONE);
    record_sizes("tree_csr", &app);
    // A platform administrator: every dialog.
    let mut admin = fixtures::csr();
    admin.role = Role::Admin;
    app.update(Msg::Me(Ok(admin)), now());
    press(&mut app, "gn");
    record_sizes("tree_create", &app);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut app, "S");
    press(&mut app, "Unpaid invoices since October");
    record_sizes("tree_suspend", &app);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut app, "y");
    press(&mut app, "G");
    press(&mut app, "S");
    record_sizes("tree_enable", &app);
    press(&mut app, "n");
    press(&mut app, "D");
    record_sizes("tree_delete", &app);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut app, "gA");
    app.update(
        Msg::Admins {
            node: (Level::Distributor, "di_acme".into()),
            result: Ok(vec![
                UserRef {
                    id: "us_dana".into(),
                    name: "Dana Reyes".into(),
                },
                UserRef {
                    id: "us_sam".into(),
                    name: "Sam Lee".into(),
                },
            ]),
        },
        now(),
    );
    record_sizes("tree_admins", &app);
}

#[test]
fn the_expiring_section_and_its_bulk_extension() {
    let mut app = loaded_app(session());
    press(&mut app, "4]]");
    record_sizes("expiring", &app);
    press(&mut app, " j ");
    press(&mut app, "x");
    record_sizes("expiring_extend_form", &app);
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    record_sizes("expiring_extend_confirm", &app);
}
