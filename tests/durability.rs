//! QUALITY.md 12: a decision answered with 200 survives a `kill -9` of the server that sent it.
//! The real `partner-console serve` runs as a child process on a temporary database; right
//! after each 200 it is killed with SIGKILL, a new server is started on the same file, and the
//! decision, its audit row and (for a rejection) its outbox email must all be there.
#![cfg(all(unix, feature = "server"))]

mod support;

use partner_console::client::{Api, DecisionKey, HttpApi};
use partner_console::domain::*;
use support::{ServerProc, TempDir, client_for};

/// SIGKILL: the server gets no chance to finish anything.
fn kill9(server: &mut ServerProc) {
    let status = server.kill();
    assert!(!status.success(), "killed, not exited: {status:?}");
}

async fn all_audit(api: &HttpApi) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = api.audit(cursor.as_deref(), Some(500)).await.unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

async fn all_outbox(api: &HttpApi) -> Vec<OutboxEmail> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = api.outbox(cursor.as_deref(), Some(500)).await.unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_survive_kill_9_right_after_the_200() {
    let dir = TempDir::new("durability");
    let db = dir.path().join("pc.db");
    let mut server = ServerProc::start_on(&db, &["--seed", "demo"]);

    // The items to decide, picked once (the pending queues of the demo data).
    let admin = client_for(&server.url, "demo-admin");
    let pending = admin
        .approvals(&ApprovalQuery {
            status: Some(StatusFilter::Pending),
            limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert!(pending.len() >= 6, "demo data has pending items");

    let mut decided: Vec<(Approval, bool, String)> = Vec::new();
    for (round, item) in pending.iter().take(6).enumerate() {
        let reject = round % 2 == 1;
        let reason = format!("Durability check {round} for {}", item.id);
        let csr = client_for(&server.url, "demo-csr");
        let key = DecisionKey::new(item.version);
        let answer = if reject {
            csr.reject(&item.id, &key, &reason).await
        } else {
            csr.approve(&item.id, &key, &ApproveBody::default()).await
        };
        // The 200 is in hand: kill the server before it can do anything else.
        let answered = answer.unwrap_or_else(|e| panic!("decision {round}: {e:?}"));
        kill9(&mut server);
        assert_eq!(answered.version, item.version + 1);
        decided.push((item.clone(), reject, reason));

        server = ServerProc::start_on(&db, &["--seed", "none"]);
        let admin = client_for(&server.url, "demo-admin");
        let audit = all_audit(&admin).await;
        let outbox = all_outbox(&admin).await;
        for (item, reject, reason) in &decided {
            let now = admin.approval(&item.id).await.unwrap();
            let (status, action) = if *reject {
                (Status::Rejected, "approval.rejected")
            } else {
                (Status::Approved, "approval.approved")
            };
            assert_eq!(now.status, status, "{} after kill -9 #{round}", item.id);
            assert_eq!(now.version, item.version + 1, "{}", item.id);
            assert_eq!(now.decided_by.as_ref().unwrap().name, "demo-csr");
            let rows: Vec<&AuditEntry> = audit
                .iter()
                .filter(|a| a.target == item.id && a.action.starts_with("approval."))
                .collect();
            assert_eq!(rows.len(), 1, "one audit row for {}: {rows:?}", item.id);
            assert_eq!(rows[0].action, action);
            assert_eq!(rows[0].actor, "demo-csr");
            let mails = outbox.iter().filter(|m| m.body.contains(reason)).count();
            if *reject {
                assert_eq!(now.reason.as_deref(), Some(reason.as_str()));
                assert_eq!(mails, 1, "the rejection email of {} survived", item.id);
            } else {
                assert_eq!(mails, 0);
            }
        }
        assert_eq!(
            outbox.len(),
            decided.iter().filter(|d| d.1).count(),
            "no email but the rejections' (demo data starts with an empty outbox)"
        );
    }
}
