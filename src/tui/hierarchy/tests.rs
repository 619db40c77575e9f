//! The Hierarchy tree as a CSR works it, through `App::update`: keys in, effects out, and the
//! pages a backend would send made by a small in-memory hierarchy.

use chrono::DateTime;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::actions::NodeWrite;
use super::tree::{self, LineKind, WINDOW};
use crate::client::ApiError;
use crate::domain::*;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Layer;
use crate::tui::app::msg::Msg;
use crate::tui::app::{App, Session};
use crate::tui::test_data::{T0, signed_in};

/// A hierarchy to answer from: `distributors` distributors, the first with `big` partners and
/// the others with 3, each partner with 2 tenants. Distributor 1 is suspended.
pub struct World {
    pub distributors: usize,
    pub big: usize,
}

fn distributor(i: usize, partners: usize) -> Distributor {
    let suspended = i == 1;
    Distributor {
        id: format!("di_{i}"),
        name: format!("Distributor {i}"),
        status: if suspended {
            NodeStatus::Suspended
        } else {
            NodeStatus::Active
        },
        contact: NodeContact::default(),
        partner_count: partners as u64,
        admins: Vec::new(),
        standing: Standing {
            effective_status: if suspended {
                NodeStatus::Suspended
            } else {
                NodeStatus::Active
            },
            suspended_by: None,
        },
        version: 1,
        created_at: DateTime::UNIX_EPOCH,
    }
}

fn partner(d: usize, i: usize) -> PartnerSummary {
    let by = (d == 1).then(|| NodeRef {
        kind: Level::Distributor,
        id: "di_1".into(),
        name: "Distributor 1".into(),
    });
    PartnerSummary {
        id: format!("pt_{d}_{i:05}"),
        name: format!("Partner {d}.{i:05}"),
        distributor: Some(PartnerRef {
            id: format!("di_{d}"),
            name: format!("Distributor {d}"),
        }),
        tenant_count: 2,
        standing: Standing {
            effective_status: if by.is_some() {
                NodeStatus::Suspended
            } else {
                NodeStatus::Active
            },
            suspended_by: by,
        },
        version: 1,
        ..crate::tui::test_data::partner(i)
    }
}

fn tenant(p: &str, i: usize) -> Tenant {
    Tenant {
        id: format!("te_{p}_{i}"),
        name: format!("Tenant {i}"),
        status: NodeStatus::Active,
        partner: PartnerRef {
            id: p.into(),
            name: p.into(),
        },
        contact: NodeContact::default(),
        admins: Vec::new(),
        standing: Standing::default(),
        version: 1,
        created_at: DateTime::UNIX_EPOCH,
    }
}

/// Three distributors of three partners each.
pub const SMALL: World = World {
    distributors: 3,
    big: 3,
};

impl World {
    fn partners_of(&self, d: usize) -> usize {
        if d == 0 { self.big } else { 3 }
    }

    /// The page `query` asks for: cursors are offsets.
    pub fn page(&self, query: &NodeQuery) -> Page<Node> {
        let from: usize = query.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
        let limit = query.limit.unwrap_or(100) as usize;
        let all: Box<dyn Fn(usize) -> Node> = match (query.level, query.parent.as_deref()) {
            (Level::Distributor, _) => {
                Box::new(|i| Node::Distributor(distributor(i, self.partners_of(i))))
            }
            (Level::Partner, Some(d)) => {
                let d: usize = d.trim_start_matches("di_").parse().unwrap();
                Box::new(move |i| Node::Partner(partner(d, i)))
            }
            (Level::Tenant, Some(p)) => {
                let p = p.to_string();
                Box::new(move |i| Node::Tenant(tenant(&p, i)))
            }
            _ => unreachable!(),
        };
        let total = match (query.level, query.parent.as_deref()) {
            (Level::Distributor, _) => self.distributors,
            (Level::Partner, Some(d)) => {
                self.partners_of(d.trim_start_matches("di_").parse().unwrap())
            }
            _ => 2,
        };
        let end = (from + limit).min(total);
        Page {
            items: (from..end).map(all).collect(),
            next_cursor: (end < total).then(|| end.to_string()),
        }
    }

    /// Answer every page load in `fx`, and what the answers ask for in turn.
    pub fn answer(&self, app: &mut App, fx: Vec<Effect>) -> Vec<Effect> {
        let mut rest = Vec::new();
        for e in fx {
            match e {
                Effect::LoadNodes {
                    request,
                    parent,
                    slot,
                    query,
                } => {
                    let msg = Msg::Nodes {
                        request,
                        parent,
                        slot,
                        cursor: query.cursor.clone(),
                        result: Ok(self.page(&query)),
                    };
                    let more = app.update(msg, T0);
                    rest.extend(self.answer(app, more));
                }
                other => rest.push(other),
            }
        }
        rest
    }
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), T0)
}

pub fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| key(app, KeyCode::Char(c)))
        .collect()
}

/// My Partners → Hierarchy, signed in as a CSR with `assignments`, the distributors loaded.
pub fn tree_app(world: &World, assignments: Vec<Assignment>) -> App {
    let mut app = signed_in(Session::default(), Role::Csr, 3);
    let mut me = crate::tui::test_data::me(Role::Csr);
    me.assignments = assignments;
    app.update(Msg::Me(Ok(me)), T0);
    app.update(
        Msg::Resize {
            width: 100,
            height: 30,
        },
        T0,
    );
    press(&mut app, "4");
    let fx = press(&mut app, "]");
    world.answer(&mut app, fx);
    assert!(app.in_tree(), "the Hierarchy section is in view");
    app
}

fn names(app: &App) -> Vec<String> {
    let tree = &app.hierarchy.tree;
    tree.lines()
        .into_iter()
        .filter_map(|l| match l.kind {
            LineKind::Node(p) => tree
                .item(&p)
                .map(|it| format!("{}{}", "  ".repeat(l.depth), it.node.name())),
            _ => None,
        })
        .collect()
}

fn selected_name(app: &App) -> String {
    app.tree_node()
        .map(|n| n.name().to_string())
        .unwrap_or_default()
}

fn admin_of(level: Level, id: &str) -> Assignment {
    Assignment {
        role: level.admin_role(),
        scope: NodeRef {
            kind: level,
            id: id.into(),
            name: id.into(),
        },
    }
}

fn last_toast(app: &App) -> String {
    app.toasts
        .last()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

fn write_of(fx: &[Effect]) -> Option<NodeWrite> {
    fx.iter().find_map(|e| match e {
        Effect::WriteNode(w) => Some(w.clone()),
        _ => None,
    })
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn save(app: &mut App) -> Vec<Effect> {
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
        T0,
    )
}

#[test]
fn nodes_open_and_close_and_say_their_status_in_words() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![]);
    assert_eq!(
        names(&app),
        ["Distributor 0", "Distributor 1", "Distributor 2"]
    );
    press(&mut app, "j");
    let fx = press(&mut app, "l");
    world.answer(&mut app, fx);
    assert_eq!(
        names(&app),
        [
            "Distributor 0",
            "Distributor 1",
            "  Partner 1.00000",
            "  Partner 1.00001",
            "  Partner 1.00002",
            "Distributor 2"
        ]
    );
    let p = app
        .hierarchy
        .tree
        .find(&(Level::Partner, "pt_1_00000".into()))
        .unwrap();
    let node = &app.hierarchy.tree.item(&p).unwrap().node;
    assert_eq!(
        super::view::status_words(node),
        "suspended by Distributor 1"
    );
    assert_eq!(super::view::children_words(node), "2 tenants");
    let d1 = &app.hierarchy.tree.item(&[1]).unwrap().node;
    assert_eq!(super::view::status_words(d1), "suspended");
    // `l` on an open node steps onto its first child; `l` there opens the tenants.
    press(&mut app, "l");
    assert_eq!(selected_name(&app), "Partner 1.00000");
    let fx = press(&mut app, "l");
    world.answer(&mut app, fx);
    assert_eq!(names(&app)[3..5], ["    Tenant 0", "    Tenant 1"]);
    // `h` on a tenant goes to its partner and closes it; `h` again to the distributor.
    press(&mut app, "jh");
    assert_eq!(selected_name(&app), "Partner 1.00000");
    assert_eq!(names(&app).len(), 6);
    press(&mut app, "h");
    assert_eq!(selected_name(&app), "Distributor 1");
    press(&mut app, "h");
    assert_eq!(
        names(&app),
        ["Distributor 0", "Distributor 1", "Distributor 2"]
    );
}

#[test]
fn ten_thousand_children_load_a_page_at_a_time_and_stay_within_the_window() {
    let world = World {
        distributors: 2,
        big: 10_000,
    };
    let mut app = tree_app(&world, vec![]);
    let fx = press(&mut app, "l");
    // Opening asks for one page, not the ten thousand.
    let asked: Vec<u32> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadNodes { query, .. } => query.limit,
            _ => None,
        })
        .collect();
    assert_eq!(asked, [tree::PAGE as u32]);
    world.answer(&mut app, fx);
    assert_eq!(names(&app).len(), 2 + tree::PAGE);
    // Through every child with page-downs: pages come as the selection nears the window's
    // end, and the window never holds more than WINDOW children.
    let mut most = 0;
    for _ in 0..2_000 {
        let fx = key(&mut app, KeyCode::PageDown);
        world.answer(&mut app, fx);
        let window = app.hierarchy.tree.children(&[0]).unwrap();
        most = most.max(window.items.len());
        if selected_name(&app) == "Distributor 1" {
            break;
        }
    }
    assert!(most <= WINDOW, "the window held {most}");
    let window = app.hierarchy.tree.children(&[0]).unwrap();
    assert_eq!(window.items.last().unwrap().node.name(), "Partner 0.09999");
    assert!(
        window.base > 9_000,
        "the early pages were dropped (base {})",
        window.base
    );
    // And back to the top: the dropped pages are fetched again, in order.
    for _ in 0..2_000 {
        let fx = key(&mut app, KeyCode::PageUp);
        world.answer(&mut app, fx);
        let window = app.hierarchy.tree.children(&[0]).unwrap();
        most = most.max(window.items.len());
        if app.hierarchy.tree.selected == 0 {
            break;
        }
    }
    assert!(most <= WINDOW, "the window held {most}");
    let window = app.hierarchy.tree.children(&[0]).unwrap();
    assert_eq!(window.base, 0);
    let got: Vec<&str> = window.items.iter().take(3).map(|i| i.node.name()).collect();
    assert_eq!(
        got,
        ["Partner 0.00000", "Partner 0.00001", "Partner 0.00002"]
    );
    for pair in window.items.windows(2) {
        assert!(
            pair[0].node.name() < pair[1].node.name(),
            "in order, no gaps or repeats"
        );
    }
}

#[test]
fn a_key_the_level_does_not_allow_is_disabled_and_says_the_level_needed() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![]);
    let bar = app.key_bar();
    let new = bar
        .iter()
        .find(|h| h.what.starts_with("new partner"))
        .expect("n in the bar");
    assert!(!new.enabled);
    let fx = press(&mut app, "n");
    assert!(write_of(&fx).is_none());
    assert!(!matches!(app.focus.top(), Layer::Form(_)));
    assert_eq!(
        last_toast(&app),
        "Creating a partner needs the distributor administrator or a platform administrator."
    );
    press(&mut app, "N");
    assert!(last_toast(&app).contains("needs a platform administrator"));
}

#[test]
fn a_distributor_administrator_creates_a_partner_under_its_distributor() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![admin_of(Level::Distributor, "di_0")]);
    assert!(
        app.key_bar()
            .iter()
            .any(|h| h.what == "new partner" && h.enabled)
    );
    press(&mut app, "n");
    assert!(matches!(app.focus.top(), Layer::Form(_)));
    type_text(&mut app, "Nova Media");
    // A partner needs an email: the save stops on it.
    assert!(write_of(&save(&mut app)).is_none());
    type_text(&mut app, "hello@nova.example");
    let fx = save(&mut app);
    let Some(NodeWrite::Create { key, node }) = write_of(&fx) else {
        panic!("a create: {fx:?}");
    };
    assert!(!key.is_empty(), "an idempotency key");
    let NewNode::Partner(p) = node.clone() else {
        panic!("a partner: {node:?}")
    };
    assert_eq!(
        (p.distributor_id.as_str(), p.name.as_str()),
        ("di_0", "Nova Media")
    );
    assert_eq!(p.contact.email, "hello@nova.example");
    // The answer closes the form and reads the distributor's children again.
    let mut made = partner(0, 99);
    made.name = "Nova Media".into();
    let write = NodeWrite::Create { key, node };
    let fx = app.update(
        Msg::NodeWritten {
            write,
            result: Ok(Some(Node::Partner(made))),
        },
        T0,
    );
    assert!(!matches!(app.focus.top(), Layer::Form(_)));
    assert_eq!(last_toast(&app), "Created the partner Nova Media.");
    // Its distributor opens with it selected, and is read again for its count.
    let di_0 = (Level::Distributor, "di_0".to_string());
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::LoadNode { level: Level::Distributor, id } if id == "di_0")
        )
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadNodes { parent: Some(k), .. } if *k == di_0))
    );
    world.answer(&mut app, fx);
    assert_eq!(names(&app)[1], "  Partner 0.00000");
    // Not under another distributor: its keys are disabled there.
    press(&mut app, "G");
    assert_eq!(selected_name(&app), "Distributor 2");
    let fx = press(&mut app, "n");
    assert!(!matches!(app.focus.top(), Layer::Form(_)), "{fx:?}");
}

#[test]
fn delete_says_why_the_server_would_refuse_before_asking() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![]);
    app.user.as_mut().unwrap().role = Role::Admin;
    // Children first.
    press(&mut app, "D");
    assert_eq!(
        last_toast(&app),
        "Distributor 0 still has 3 partners: delete those first."
    );
    // Then: not suspended. A distributor with no partners, active.
    let empty = Node::Distributor(distributor(2, 0));
    app.update(
        Msg::Node {
            level: Level::Distributor,
            id: "di_2".into(),
            result: Ok(empty),
        },
        T0,
    );
    press(&mut app, "jj");
    press(&mut app, "D");
    assert_eq!(
        last_toast(&app),
        "Suspend Distributor 2 first (S): only a suspended distributor can be deleted."
    );
    // Suspended, no children: the name is typed to confirm.
    let mut d = distributor(2, 0);
    d.status = NodeStatus::Suspended;
    app.update(
        Msg::Node {
            level: Level::Distributor,
            id: "di_2".into(),
            result: Ok(Node::Distributor(d)),
        },
        T0,
    );
    press(&mut app, "D");
    type_text(&mut app, "Distributor 9");
    assert!(
        write_of(&save(&mut app)).is_none(),
        "a wrong name deletes nothing"
    );
    for _ in 0..13 {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "Distributor 2");
    let write = write_of(&save(&mut app)).expect("a delete");
    assert!(matches!(&write, NodeWrite::Delete { id, version: 1, .. } if id == "di_2"));
    app.update(
        Msg::NodeWritten {
            write,
            result: Ok(None),
        },
        T0,
    );
    assert_eq!(names(&app), ["Distributor 0", "Distributor 1"]);
    assert_eq!(last_toast(&app), "Deleted Distributor 2.");
}

#[test]
fn the_servers_refusal_of_a_delete_is_said_with_its_counts() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![]);
    app.user.as_mut().unwrap().role = Role::Admin;
    let mut d = distributor(2, 0);
    d.status = NodeStatus::Suspended;
    app.update(
        Msg::Node {
            level: Level::Distributor,
            id: "di_2".into(),
            result: Ok(Node::Distributor(d)),
        },
        T0,
    );
    press(&mut app, "jj");
    press(&mut app, "D");
    type_text(&mut app, "Distributor 2");
    let write = write_of(&save(&mut app)).expect("a delete");
    let refused = ApiError::Problem(Box::new(Problem {
        status: 409,
        code: codes::HAS_CHILDREN.into(),
        counts: Some(ChildCounts {
            partners: Some(1),
            tenants: None,
        }),
        ..Problem::default()
    }));
    app.update(
        Msg::NodeWritten {
            write,
            result: Err(refused),
        },
        T0,
    );
    let Layer::Form(d) = app.focus.top() else {
        panic!("the form stays open");
    };
    assert!(
        d.form
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("It still has 1 partner")
    );
}

#[test]
fn suspend_asks_a_reason_and_enable_asks_yes() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![]);
    app.user.as_mut().unwrap().role = Role::Admin;
    press(&mut app, "S");
    assert!(write_of(&save(&mut app)).is_none(), "a reason is required");
    type_text(&mut app, "Unpaid invoices");
    let write = write_of(&save(&mut app)).expect("a suspension");
    assert!(matches!(&write, NodeWrite::Suspend { reason: Some(r), .. } if r == "Unpaid invoices"));
    let mut d = distributor(0, 3);
    d.status = NodeStatus::Suspended;
    app.update(
        Msg::NodeWritten {
            write,
            result: Ok(Some(Node::Distributor(d))),
        },
        T0,
    );
    assert_eq!(last_toast(&app), "Suspended Distributor 0.");
    assert_eq!(
        super::view::status_words(&app.hierarchy.tree.item(&[0]).unwrap().node),
        "suspended"
    );
    // Distributor 1 is suspended by its own status: S enables it, after y.
    press(&mut app, "j");
    press(&mut app, "S");
    assert!(matches!(app.focus.top(), Layer::Confirm(_)));
    let fx = press(&mut app, "y");
    assert!(matches!(
        write_of(&fx),
        Some(NodeWrite::Suspend { reason: None, .. })
    ));
}

#[test]
fn another_consoles_change_reaches_the_row() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![]);
    let changed = RecordChanged {
        kind: "distributor".into(),
        id: "di_0".into(),
        version: 2,
    };
    let fx = app.on_record_changed(&changed);
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::LoadNode { level: Level::Distributor, id } if id == "di_0")
        )
    );
    let mut d = distributor(0, 3);
    d.status = NodeStatus::Suspended;
    d.name = "Acme Distribution".into();
    app.update(
        Msg::Node {
            level: Level::Distributor,
            id: "di_0".into(),
            result: Ok(Node::Distributor(d)),
        },
        T0,
    );
    assert_eq!(names(&app)[0], "Acme Distribution");
    // Deleted elsewhere: it leaves.
    let gone = ApiError::Problem(Box::new(Problem {
        status: 404,
        code: "not_found".into(),
        ..Problem::default()
    }));
    app.update(
        Msg::Node {
            level: Level::Distributor,
            id: "di_0".into(),
            result: Err(gone),
        },
        T0,
    );
    assert_eq!(names(&app), ["Distributor 1", "Distributor 2"]);
}

#[test]
fn administrators_are_listed_added_and_removed() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![admin_of(Level::Distributor, "di_0")]);
    let fx = press(&mut app, "l");
    world.answer(&mut app, fx);
    press(&mut app, "j");
    let fx = press(&mut app, "A");
    let node = (Level::Partner, "pt_0_00000".to_string());
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadAdmins { node: n } if *n == node))
    );
    let dana = UserRef {
        id: "us_dana".into(),
        name: "Dana Reyes".into(),
    };
    app.update(
        Msg::Admins {
            node: node.clone(),
            result: Ok(vec![dana.clone()]),
        },
        T0,
    );
    press(&mut app, "d");
    let fx = press(&mut app, "y");
    assert_eq!(
        write_of(&fx),
        Some(NodeWrite::RemoveAdmin {
            node: node.clone(),
            user: dana
        })
    );
    press(&mut app, "a");
    type_text(&mut app, "Sam Lee");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "sam@example.test");
    let write = write_of(&save(&mut app)).expect("an add");
    assert_eq!(
        write,
        NodeWrite::AddAdmin {
            node: node.clone(),
            admin: NewAdmin {
                name: "Sam Lee".into(),
                email: "sam@example.test".into()
            }
        }
    );
    let fx = app.update(
        Msg::NodeWritten {
            write,
            result: Ok(None),
        },
        T0,
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadAdmins { node: n } if *n == node))
    );
    // A CSR without the level sees the list, not the keys.
    let mut app = tree_app(&world, vec![]);
    press(&mut app, "A");
    let Layer::Admins(d) = app.focus.top() else {
        panic!("the dialog")
    };
    assert!(
        d.hints()
            .iter()
            .filter(|h| h.what == "add" || h.what == "remove")
            .all(|h| !h.enabled)
    );
    press(&mut app, "a");
    assert!(last_toast(&app).contains("needs a platform administrator"));
}

#[test]
fn a_suspension_elsewhere_reads_the_open_windows_under_it_again_and_keeps_them_open() {
    let world = World {
        distributors: 3,
        big: 3,
    };
    let mut app = tree_app(&world, vec![]);
    let fx = press(&mut app, "l");
    world.answer(&mut app, fx);
    let fx = press(&mut app, "jl");
    world.answer(&mut app, fx);
    assert_eq!(names(&app).len(), 3 + 3 + 2);
    // Another console suspended Distributor 0: its row, and both open windows under it, are
    // read again; what was open stays open.
    let mut d = distributor(0, 3);
    d.status = NodeStatus::Suspended;
    d.standing.effective_status = NodeStatus::Suspended;
    let fx = app.update(
        Msg::Node {
            level: Level::Distributor,
            id: "di_0".into(),
            result: Ok(Node::Distributor(d)),
        },
        T0,
    );
    let reloaded: Vec<Option<String>> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadNodes { parent, .. } => Some(parent.as_ref().map(|(_, id)| id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        reloaded,
        [Some("di_0".to_string()), Some("pt_0_00000".to_string())]
    );
    world.answer(&mut app, fx);
    assert_eq!(names(&app).len(), 3 + 3 + 2, "still open");
    assert_eq!(selected_name(&app), "Partner 0.00000");
}
