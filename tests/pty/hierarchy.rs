//! The Hierarchy tree end to end, as `demo-distributor` (the distributor administrator of one
//! demo distributor) at 80×23: create a partner under its own distributor, add a tenant,
//! suspend the tenant and delete it, each step seen in the API; creating under another
//! distributor is shown disabled, refused by the console with the level it needs, and refused
//! by the server too.

use std::time::Duration;

use crate::support::{Pty, ServerProc, keys};
use partner_console::client::Api;
use partner_console::domain::{Level, NewNode, NewPartner, NodeContact, NodeQuery, NodeStatus};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn a_distributor_administrator_builds_and_prunes_its_own_branch() {
    let server = ServerProc::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = crate::support::client_for(&server.url, "demo-distributor");
    let me = rt.block_on(api.me()).unwrap();
    let own = me
        .assignments
        .iter()
        .find(|a| a.scope.kind == Level::Distributor)
        .expect("demo-distributor administers a distributor")
        .scope
        .clone();
    let distributors = rt
        .block_on(api.nodes(&NodeQuery {
            level: Level::Distributor,
            parent: None,
            q: None,
            cursor: None,
            limit: Some(100),
        }))
        .unwrap();
    let other = distributors
        .items
        .iter()
        .find(|d| d.id() != own.id && !d.standing().suspended())
        .expect("another, active distributor")
        .clone();

    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-distributor")],
        80,
        23,
    );
    term.wait_for("● live", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    term.send("4");
    term.send("]");
    term.wait_for("[Hierarchy]", WAIT).unwrap();
    term.wait_for(other.name(), WAIT).unwrap();

    // Another distributor: `n` is struck through, and pressing it says the level it needs.
    term.send("/");
    term.send(other.name());
    term.send(keys::ENTER);
    term.wait_for(&format!("▶  ▸ {}", other.name()), WAIT)
        .unwrap();
    term.wait_for("1 of 1 lines", WAIT).unwrap();
    term.send("n");
    term.wait_for("needs the distributor administrator", WAIT)
        .unwrap();
    assert!(
        !term.screen_text().contains("New partner"),
        "{}",
        term.screen_text()
    );
    // And the server refuses it as well.
    let key = partner_console::client::DecisionKey::new(0).idempotency_key;
    let refused = rt.block_on(api.create_node(
        &key,
        &NewNode::Partner(NewPartner {
            distributor_id: other.id().to_string(),
            name: "Not Mine".into(),
            contact: NodeContact {
                email: "not-mine@example.test".into(),
                ..NodeContact::default()
            },
        }),
    ));
    assert_eq!(refused.unwrap_err().status(), Some(403));

    // Its own distributor: a partner under it.
    term.send("/");
    term.send(&keys::ctrl('u'));
    for _ in 0..other.name().chars().count() {
        term.send(keys::BACKSPACE);
    }
    term.send(&own.name);
    term.send(keys::ENTER);
    term.wait_for(&format!("▶  ▸ {}", own.name), WAIT).unwrap();
    term.wait_for("1 of 1 lines", WAIT).unwrap();
    term.send("n");
    term.wait_for(&format!("New partner under {}", own.name), WAIT)
        .unwrap();
    term.send("Pty Test Partner");
    term.send(keys::TAB);
    term.send(keys::TAB);
    term.send("pty@example.test");
    term.send(&keys::ctrl('s'));
    term.wait_for("Created the partner Pty Test Partner.", WAIT)
        .unwrap();
    let partners = rt
        .block_on(api.nodes(&NodeQuery {
            level: Level::Partner,
            parent: Some(own.id.clone()),
            q: Some("Pty Test".into()),
            cursor: None,
            limit: None,
        }))
        .unwrap();
    assert_eq!(partners.items.len(), 1, "the API has the new partner");
    let partner_id = partners.items[0].id().to_string();

    // The new partner is selected in its opened distributor: a tenant under it.
    term.wait_for("▶    ▸ Pty Test Partner", WAIT).unwrap();
    term.send("n");
    term.wait_for("New tenant under Pty Test Partner", WAIT)
        .unwrap();
    term.send("Pty Tenant");
    term.send(&keys::ctrl('s'));
    term.wait_for("Created the tenant Pty Tenant.", WAIT)
        .unwrap();
    let tenants = || {
        rt.block_on(api.nodes(&NodeQuery {
            level: Level::Tenant,
            parent: Some(partner_id.clone()),
            q: None,
            cursor: None,
            limit: None,
        }))
        .unwrap()
        .items
    };
    let made = tenants();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].name(), "Pty Tenant");
    let tenant_id = made[0].id().to_string();

    // Suspend it, with a reason.
    term.wait_for("▶      · Pty Tenant", WAIT).unwrap();
    term.send("S");
    term.wait_for("Suspend Pty Tenant", WAIT).unwrap();
    term.send("Test over");
    term.send(&keys::ctrl('s'));
    term.wait_for("Suspended Pty Tenant.", WAIT).unwrap();
    let node = rt.block_on(api.node(Level::Tenant, &tenant_id)).unwrap();
    assert_eq!(node.standing().effective_status, NodeStatus::Suspended);
    assert!(node.own_suspended());

    // Delete it, typing its name.
    term.send("D");
    term.wait_for("Delete Pty Tenant?", WAIT).unwrap();
    term.send("Pty Tenant");
    term.send(&keys::ctrl('s'));
    term.wait_for("Deleted Pty Tenant.", WAIT).unwrap();
    let gone = rt.block_on(api.node(Level::Tenant, &tenant_id));
    assert_eq!(gone.unwrap_err().status(), Some(404));
    assert!(tenants().is_empty());
    term.wait_gone("· Pty Tenant", WAIT).unwrap();
    term.send("q");
}
