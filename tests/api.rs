//! The client against the reference server over real HTTP (127.0.0.1:0): every endpoint and
//! each decision rule of API.md.
#![cfg(feature = "server")]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use partner_console::client::{Api, ApiError, DecisionKey, EventStream, StreamItem};
use partner_console::domain::*;
use partner_console::server::{ROUTES, SeedSource};
use support::{TempDir, TestServer, client_for, launch};

async fn first_pending(api: &dyn Api, kind: Kind) -> Approval {
    let page = api
        .approvals(&ApprovalQuery {
            kinds: vec![kind],
            status: Some(StatusFilter::Pending),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .expect("pending list");
    page.items.into_iter().next().expect("a pending item")
}

fn problem(e: &ApiError) -> &Problem {
    e.problem()
        .unwrap_or_else(|| panic!("expected a problem, got {e:?}"))
}

async fn all_outbox(admin: &dyn Api) -> Vec<OutboxEmail> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = admin
            .outbox(cursor.as_deref(), Some(500))
            .await
            .expect("outbox");
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_is_served() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let imp = csr
        .impersonate("pt_001", "route check")
        .await
        .expect("impersonate");
    let http = srv.http();
    for (method, path) in ROUTES {
        let concrete = path
            .replace("/approvals/{id}", "/approvals/ap_p001")
            .replace("/partners/{id}", "/partners/pt_001")
            .replace("/distributors/{id}", "/distributors/ds_001")
            .replace("/tenants/{id}", "/tenants/tn_001_00")
            .replace("/tier_assignments/{id}", "/tier_assignments/ta_001")
            .replace("/campaign_links/{id}", "/campaign_links/cl_001")
            .replace("{user_id}", "us_nobody")
            .replace("{batch_id}", "vb_0001")
            .replace(
                "/impersonations/{id}",
                &format!("/impersonations/{}", imp.id),
            );
        let token = if path.starts_with("/partner/") {
            imp.token.clone()
        } else {
            "demo-admin".to_string()
        };
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = http
            .request(m, srv.api(&concrete))
            .bearer_auth(&token)
            .timeout(Duration::from_secs(5));
        if *path == "/events" {
            // An event stream never ends; its headers are enough.
            let res = req.send().await.expect("events answers");
            assert_eq!(res.status(), 200, "{method} {path}");
            continue;
        }
        if *method == "PATCH" {
            req = req.header("If-Match", "\"1\"").json(&serde_json::json!({}));
        }
        if *method == "POST" {
            req = req
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .header("If-Match", "\"1\"")
                .json(&serde_json::json!({"reason": "route check"}));
        }
        let res = req.send().await.expect("answers");
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        assert!(
            !body.contains("\"no_route\"") && status != 405,
            "{method} {path} is not served: {status} {body}"
        );
        assert!(status < 500, "{method} {path} failed: {status} {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn approve_records_who_when_and_updates_summary_and_audit() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    assert_eq!(csr.health().await.unwrap().status, "ok");
    let me = csr.me().await.unwrap();
    assert_eq!((me.name.as_str(), me.role), ("demo-csr", Role::Csr));
    let before = csr.summary().await.unwrap().pending;
    assert!(before.partnership > 0 && before.addon > 0 && before.broadcast > 0);
    assert!(before.advertising_package > 0 && before.ad > 0);

    let item = first_pending(&csr, Kind::Partnership).await;
    let got = csr.approval(&item.id).await.unwrap();
    assert_eq!(got, item);
    let decided = csr
        .approve(
            &item.id,
            &DecisionKey::new(item.version),
            &ApproveBody::default(),
        )
        .await
        .expect("approve");
    assert_eq!(decided.status, Status::Approved);
    assert_eq!(decided.version, item.version + 1);
    assert_eq!(decided.decided_by.as_ref().unwrap().name, "demo-csr");
    assert!(decided.decided_at.is_some());
    let after = csr.summary().await.unwrap().pending;
    assert_eq!(after.partnership, before.partnership - 1);

    let admin = srv.client("demo-admin");
    let audit = admin.audit(None, Some(10)).await.unwrap();
    let entry = audit
        .items
        .iter()
        .find(|e| e.target == item.id)
        .expect("audit row");
    assert_eq!(entry.actor, "demo-csr");
    assert_eq!(entry.action, "approval.approved");
    assert_eq!(entry.subject.as_deref(), Some(item.partner.name.as_str()));
    assert!(
        all_outbox(&admin).await.is_empty(),
        "an approval sends no email"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reject_queues_one_email_to_the_partner_with_the_reason() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let item = first_pending(&csr, Kind::Ad).await;
    let reason = "The landing page does not match the ad.\nPlease fix the link.";
    let decided = csr
        .reject(&item.id, &DecisionKey::new(item.version), reason)
        .await
        .expect("reject");
    assert_eq!(decided.status, Status::Rejected);
    assert_eq!(decided.reason.as_deref(), Some(reason));

    let mail = all_outbox(&srv.client("demo-admin")).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, item.partner.email);
    assert!(mail[0].body.contains(reason), "{}", mail[0].body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_decision_is_refused_naming_the_first_decider() {
    let srv = TestServer::demo().await;
    let (csr, admin) = (srv.client("demo-csr"), srv.client("demo-admin"));
    let item = first_pending(&csr, Kind::Addon).await;
    admin
        .approve(
            &item.id,
            &DecisionKey::new(item.version),
            &ApproveBody::default(),
        )
        .await
        .unwrap();
    let err = csr
        .reject(&item.id, &DecisionKey::new(item.version), "too late")
        .await
        .unwrap_err();
    let p = problem(&err);
    assert_eq!((p.status, p.code.as_str()), (409, codes::ALREADY_DECIDED));
    let current = p.approval.as_ref().expect("current approval in the 409");
    assert_eq!(current.status, Status::Approved);
    assert_eq!(current.decided_by.as_ref().unwrap().name, "demo-admin");
    assert!(p.detail.contains("demo-admin"), "{}", p.detail);
    assert!(
        all_outbox(&admin).await.is_empty(),
        "the refused rejection sent nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_version_gets_412_with_the_current_item() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let item = first_pending(&csr, Kind::Broadcast).await;
    let err = csr
        .approve(
            &item.id,
            &DecisionKey::new(item.version + 5),
            &ApproveBody::default(),
        )
        .await
        .unwrap_err();
    let p = problem(&err);
    assert_eq!((p.status, p.code.as_str()), (412, codes::VERSION_MISMATCH));
    assert_eq!(p.approval.as_ref().unwrap().version, item.version);
    assert_eq!(
        csr.approval(&item.id).await.unwrap().status,
        Status::Pending
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn decisions_need_a_key_and_if_match_and_a_real_reason() {
    let srv = TestServer::demo().await;
    let http = srv.http();
    let url = srv.api("/approvals/ap_p001/reject");
    let send = |key: Option<&str>, if_match: Option<&str>, body: serde_json::Value| {
        let mut req = http.post(&url).bearer_auth("demo-csr").json(&body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(v) = if_match {
            req = req.header("If-Match", v);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let ct = res.headers()["content-type"].to_str().unwrap().to_string();
            let p: Problem = res.json().await.unwrap();
            assert_eq!(ct, "application/problem+json");
            (status, p.code)
        }
    };
    let ok_body = serde_json::json!({"reason": "fine"});
    assert_eq!(
        send(None, Some("\"1\""), ok_body.clone()).await,
        (400, codes::IDEMPOTENCY_KEY_REQUIRED.into())
    );
    assert_eq!(
        send(Some("k1"), None, ok_body.clone()).await,
        (428, codes::PRECONDITION_REQUIRED.into())
    );
    assert_eq!(
        send(
            Some("k2"),
            Some("\"1\""),
            serde_json::json!({"reason": "   \n "})
        )
        .await,
        (422, codes::REASON_REQUIRED.into())
    );
    let long = "x".repeat(MAX_REASON_CHARS + 1);
    assert_eq!(
        send(
            Some("k3"),
            Some("\"1\""),
            serde_json::json!({"reason": long})
        )
        .await,
        (422, codes::REASON_TOO_LONG.into())
    );
    assert_eq!(
        send(Some("k4"), Some("\"1\""), serde_json::json!({"why": "x"})).await,
        (400, codes::INVALID_BODY.into())
    );
    // Exactly 2000 characters is allowed.
    let max = "é".repeat(MAX_REASON_CHARS);
    let csr = srv.client("demo-csr");
    assert!(
        csr.reject("ap_p001", &DecisionKey::new(1), &max)
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replay_gets_the_same_response_and_no_second_effect() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let item = first_pending(&csr, Kind::AdvertisingPackage).await;
    let key = DecisionKey::new(item.version);
    let first = csr
        .reject(&item.id, &key, "Budget not approved")
        .await
        .unwrap();
    let again = csr
        .reject(&item.id, &key, "Budget not approved")
        .await
        .unwrap();
    assert_eq!(first, again, "the stored response, not a 409");
    // Raw: the replay says so.
    let res = srv
        .http()
        .post(srv.api(&format!("/approvals/{}/reject", item.id)))
        .bearer_auth("demo-csr")
        .header("Idempotency-Key", &key.idempotency_key)
        .header("If-Match", format!("\"{}\"", item.version))
        .json(&serde_json::json!({"reason": "Budget not approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_eq!(
        res.headers()["etag"],
        format!("\"{}\"", item.version + 1).as_str()
    );
    assert_eq!(
        all_outbox(&srv.client("demo-admin")).await.len(),
        1,
        "one email, not three"
    );

    // The same key for another body is refused.
    let err = csr
        .reject(&item.id, &key, "Another reason")
        .await
        .unwrap_err();
    assert_eq!(problem(&err).code, codes::IDEMPOTENCY_KEY_REUSED);
    assert_eq!(problem(&err).status, 422);
    // Nor for another approval, still pending: the server reads the key's earlier answer
    // while it decides, and nothing of that decision stays (the approval, its partner).
    let other_item = first_pending(&csr, Kind::Partnership).await;
    let partner = csr.partner(&other_item.partner.id).await.unwrap();
    let err = csr
        .approve(
            &other_item.id,
            &DecisionKey {
                version: other_item.version,
                ..key.clone()
            },
            &ApproveBody::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(problem(&err).code, codes::IDEMPOTENCY_KEY_REUSED);
    assert_eq!(csr.approval(&other_item.id).await.unwrap(), other_item);
    assert_eq!(csr.partner(&other_item.partner.id).await.unwrap(), partner);
    assert_eq!(all_outbox(&srv.client("demo-admin")).await.len(), 1);
    // Keys are per caller: another user's same key is their own request.
    let other = srv
        .client("demo-admin")
        .reject(&item.id, &key, "Budget not approved")
        .await
        .unwrap_err();
    assert_eq!(problem(&other).code, codes::ALREADY_DECIDED);
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_concurrent_approvals_of_one_item_one_wins() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let item = first_pending(&csr, Kind::Partnership).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let api = client_for(&srv.url, if i % 2 == 0 { "demo-csr" } else { "demo-admin" });
        let (id, v) = (item.id.clone(), item.version);
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                api.reject(&id, &DecisionKey::new(v), "race").await
            } else {
                api.approve(&id, &DecisionKey::new(v), &ApproveBody::default())
                    .await
            }
        }));
    }
    let mut wins = 0;
    let mut losers = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(e) => losers.push(problem(&e).code.clone()),
        }
    }
    assert_eq!(wins, 1, "exactly one decision wins");
    assert!(
        losers.iter().all(|c| c == codes::ALREADY_DECIDED),
        "{losers:?}"
    );
    let emails = all_outbox(&srv.client("demo-admin")).await.len();
    let current = csr.approval(&item.id).await.unwrap();
    assert_eq!(emails, usize::from(current.status == Status::Rejected));
    assert_eq!(current.version, item.version + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_are_enforced() {
    let srv = TestServer::demo().await;
    let viewer = srv.client("demo-viewer");
    let item = first_pending(&viewer, Kind::Partnership).await; // viewers read
    let err = viewer
        .approve(&item.id, &DecisionKey::new(1), &ApproveBody::default())
        .await
        .unwrap_err();
    assert_eq!(
        (problem(&err).status, problem(&err).code.as_str()),
        (403, codes::FORBIDDEN)
    );
    let err = viewer
        .reject(&item.id, &DecisionKey::new(1), "no")
        .await
        .unwrap_err();
    assert_eq!(problem(&err).status, 403);
    let err = viewer.impersonate("pt_001", "curious").await.unwrap_err();
    assert_eq!(problem(&err).status, 403);
    // Audit, outbox and users are admin-only.
    let csr = srv.client("demo-csr");
    assert_eq!(
        problem(&csr.users(None, None).await.unwrap_err()).status,
        403
    );
    let users = srv.client("demo-admin").users(None, Some(2)).await.unwrap();
    assert_eq!(users.items.len(), 2);
    let rest = srv
        .client("demo-admin")
        .users(users.next_cursor.as_deref(), None)
        .await
        .unwrap();
    let names: HashSet<_> = users
        .items
        .iter()
        .chain(&rest.items)
        .map(|u| u.name.as_str())
        .collect();
    assert!(
        names.contains("demo-viewer") && names.contains("demo-csr") && names.len() == 7,
        "{names:?}"
    );
    assert_eq!(
        problem(&csr.audit(None, None).await.unwrap_err()).status,
        403
    );
    assert_eq!(
        problem(&csr.outbox(None, None).await.unwrap_err()).status,
        403
    );
    // No token, or a wrong one.
    let nobody = srv.client("not-a-token");
    assert_eq!(problem(&nobody.summary().await.unwrap_err()).status, 401);
    let res = srv.http().get(srv.api("/summary")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        csr.approval(&item.id).await.unwrap().status,
        Status::Pending
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn impersonation_is_scoped_audited_and_dies_on_exit() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let partner = csr.partner("pt_002").await.unwrap();
    let err = csr.impersonate("pt_002", "  ").await.unwrap_err();
    assert_eq!(problem(&err).code, codes::REASON_REQUIRED);

    let imp = csr
        .impersonate("pt_002", "Partner cannot see their channels")
        .await
        .unwrap();
    assert_eq!(imp.role, Role::PartnerOwner);
    assert_eq!(imp.partner.name, partner.summary.name);
    assert!(imp.expires_at - imp.started_at <= chrono::Duration::minutes(30));
    assert!(
        !format!("{imp:?}").contains(&imp.token),
        "Debug hides the token"
    );

    let owner = csr.with_token(partner_console::secret::Secret::new(imp.token.clone()));
    let me = owner.partner_me().await.unwrap();
    assert_eq!(me.summary.id, "pt_002");
    let channels = owner.partner_channels(None).await.unwrap();
    assert_eq!(channels.items, partner.channels);
    assert!(
        !owner
            .partner_engagements(None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // No CSR endpoint, no other partner.
    for e in [
        owner.summary().await.unwrap_err(),
        owner.partner("pt_003").await.unwrap_err(),
        owner
            .approvals(&ApprovalQuery::default())
            .await
            .unwrap_err(),
        owner.impersonate("pt_003", "escalate").await.unwrap_err(),
    ] {
        assert_eq!(problem(&e).status, 403, "{e:?}");
    }
    // A CSR token cannot use the partner endpoints.
    assert_eq!(problem(&csr.partner_me().await.unwrap_err()).status, 403);

    csr.end_impersonation(&imp.id).await.unwrap();
    let err = owner.partner_me().await.unwrap_err();
    assert_eq!(
        (problem(&err).status, problem(&err).code.as_str()),
        (401, codes::IMPERSONATION_ENDED)
    );

    let audit = srv
        .client("demo-admin")
        .audit(None, Some(50))
        .await
        .unwrap()
        .items;
    let actions: Vec<_> = audit
        .iter()
        .filter(|e| e.target == imp.id)
        .map(|e| e.action.as_str())
        .collect();
    assert!(
        actions.contains(&"impersonation.start") && actions.contains(&"impersonation.end"),
        "{actions:?}"
    );
    assert!(actions.contains(&"impersonation.call"));
    for e in audit.iter().filter(|e| e.target == imp.id) {
        assert_eq!(e.actor, "demo-csr");
        assert_eq!(e.subject.as_deref(), Some(partner.summary.name.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn impersonation_tokens_expire() {
    let srv = TestServer::start(
        SeedSource::Demo { decided: Some(5) },
        Duration::from_secs(1),
    )
    .await;
    let csr = srv.client("demo-csr");
    let imp = csr.impersonate("pt_001", "short").await.unwrap();
    let owner = csr.with_token(partner_console::secret::Secret::new(imp.token.clone()));
    owner.partner_me().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        problem(&owner.partner_me().await.unwrap_err()).code,
        codes::IMPERSONATION_ENDED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pagination_yields_every_item_exactly_once() {
    let srv = TestServer::start(
        SeedSource::Demo { decided: Some(523) },
        Duration::from_secs(60),
    )
    .await;
    let csr = srv.client("demo-csr");
    let mut seen = HashSet::new();
    let mut cursor = None;
    let mut last_decided = None;
    loop {
        let page = csr
            .approvals(&ApprovalQuery {
                status: Some(StatusFilter::Decided),
                cursor: cursor.clone(),
                limit: Some(37),
                ..Default::default()
            })
            .await
            .unwrap();
        for a in &page.items {
            assert!(seen.insert(a.id.clone()), "{} twice", a.id);
            assert!(
                last_decided.is_none_or(|t| a.decided_at.unwrap() <= t),
                "newest first"
            );
            last_decided = a.decided_at;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 523);

    let mut names = Vec::new();
    let mut cursor = None;
    loop {
        let page = csr
            .partners(&PartnerQuery {
                cursor: cursor.clone(),
                limit: Some(5),
                ..Default::default()
            })
            .await
            .unwrap();
        names.extend(page.items.into_iter().map(|p| p.name));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "by name");
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
    assert_eq!(names.len(), 48);

    // By status: active first, then pending, suspended, inactive; by name within; every
    // partner exactly once across pages.
    let mut by_status = Vec::new();
    let mut cursor = None;
    loop {
        let page = csr
            .partners(&PartnerQuery {
                sort: PartnerSort::Status,
                cursor: cursor.clone(),
                limit: Some(7),
                ..Default::default()
            })
            .await
            .unwrap();
        by_status.extend(
            page.items
                .into_iter()
                .map(|p| (p.status, p.name.to_lowercase())),
        );
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let rank = |s: PartnerStatus| PartnerStatus::ALL.iter().position(|x| *x == s).unwrap();
    let mut sorted = by_status.clone();
    sorted.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.1.cmp(&b.1)));
    assert_eq!(by_status, sorted);
    assert_eq!(by_status.len(), 48);

    // Limits are capped; junk cursors are refused.
    for bad in [
        "limit=0",
        "limit=501",
        "limit=x",
        "cursor=zz",
        "status=maybe",
        "kind=boat",
        "from=yesterday",
    ] {
        let res = srv
            .http()
            .get(srv.api(&format!("/approvals?{bad}")))
            .bearer_auth("demo-csr")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
    }
}

/// What `approval` should be as an export row.
fn export_row_of(a: &Approval) -> ExportRow {
    ExportRow {
        id: a.id.clone(),
        kind: a.kind,
        title: a.title.clone(),
        partner: a.partner.name.clone(),
        partner_email: a.partner.email.clone(),
        item: a.item.as_ref().map(|i| i.name.clone()),
        price_minor: a.item.as_ref().map(|i| i.price.amount_minor),
        currency: a.item.as_ref().map(|i| i.price.currency.clone()),
        status: a.status,
        decided_by: a.decided_by.as_ref().map(|u| u.name.clone()),
        decided_at: a.decided_at,
        requested_at: a.requested_at,
        reason: a.reason.clone(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn export_rows_are_the_listed_approvals_page_by_page() {
    let srv = TestServer::start(
        SeedSource::Demo { decided: Some(523) },
        Duration::from_secs(60),
    )
    .await;
    let viewer = srv.client("demo-viewer");
    let queries = [
        // No status: the pending queues, as for the list.
        ApprovalQuery::default(),
        ApprovalQuery {
            status: Some(StatusFilter::Decided),
            ..Default::default()
        },
        ApprovalQuery {
            status: Some(StatusFilter::Rejected),
            kinds: vec![Kind::Addon, Kind::Ad],
            ..Default::default()
        },
        ApprovalQuery {
            status: Some(StatusFilter::Decided),
            q: Some("media".into()),
            ..Default::default()
        },
    ];
    for query in queries {
        let listed = all_approvals(&viewer, &query).await;
        assert!(!listed.is_empty(), "{query:?} selects something");
        let mut rows = Vec::new();
        let mut q = ApprovalQuery {
            limit: Some(37),
            ..query.clone()
        };
        loop {
            let page = viewer.export_rows(&q).await.expect("export page");
            assert!(page.items.len() <= 37);
            rows.extend(page.items);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        let want: Vec<ExportRow> = listed.iter().map(export_row_of).collect();
        assert_eq!(rows, want, "{query:?}");
    }

    // A cursor of the list works in the export: the export goes on where the list stopped.
    let decided = ApprovalQuery {
        status: Some(StatusFilter::Decided),
        limit: Some(37),
        ..Default::default()
    };
    let first = viewer.approvals(&decided).await.unwrap();
    let after = ApprovalQuery {
        cursor: first.next_cursor.clone(),
        ..decided.clone()
    };
    let second = viewer.approvals(&after).await.unwrap();
    let exported = viewer.export_rows(&after).await.unwrap();
    let want: Vec<ExportRow> = second.items.iter().map(export_row_of).collect();
    assert_eq!(exported.items, want);

    // The wire form: the columns named, arrays of values, pages of 1,000 by default.
    let res = srv
        .http()
        .get(srv.api("/approvals/export?status=decided"))
        .bearer_auth("demo-viewer")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["columns"], serde_json::json!(EXPORT_COLUMNS));
    assert_eq!(body["rows"].as_array().unwrap().len(), 523);
    assert_eq!(
        body["rows"][0].as_array().unwrap().len(),
        EXPORT_COLUMNS.len()
    );
    assert!(body["next_cursor"].is_null());

    for (bad, status) in [
        ("limit=0", 400),
        ("limit=1001", 400),
        ("cursor=zz", 400),
        ("status=maybe", 400),
        ("limit=1000", 200),
    ] {
        let res = srv
            .http()
            .get(srv.api(&format!("/approvals/export?{bad}")))
            .bearer_auth("demo-viewer")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{bad}");
    }
    let res = srv
        .http()
        .get(srv.api("/approvals/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a token is needed");
}

#[tokio::test(flavor = "multi_thread")]
async fn search_and_filters() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let page = csr
        .partners(&PartnerQuery {
            q: Some("HARBOR".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let names: Vec<_> = page.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["Blue Harbor Radio", "Harborview Travel"]);
    let q = ApprovalQuery {
        status: Some(StatusFilter::Rejected),
        kinds: vec![Kind::Partnership, Kind::Addon],
        q: Some("a".into()),
        limit: Some(500),
        ..Default::default()
    };
    let page = csr.approvals(&q).await.unwrap();
    assert!(!page.items.is_empty());
    for a in &page.items {
        assert_eq!(a.status, Status::Rejected);
        assert!(matches!(a.kind, Kind::Partnership | Kind::Addon));
        let item = a.item.as_ref().map_or("", |i| i.name.as_str());
        let fields = [&a.partner.name, &a.partner.email, &a.title].map(|f| f.to_lowercase());
        assert!(
            fields.iter().any(|f| f.contains('a')) || item.to_lowercase().contains('a'),
            "{a:?}"
        );
        assert!(a.reason.is_some());
    }
    // A wildcard in q is literal.
    let none = csr
        .approvals(&ApprovalQuery {
            status: Some(StatusFilter::Decided),
            q: Some("%".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.items.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decision_survives_a_restart() {
    let mut srv = TestServer::demo().await;
    let item = first_pending(&srv.client("demo-csr"), Kind::Ad).await;
    srv.client("demo-csr")
        .reject(&item.id, &DecisionKey::new(item.version), "Kept")
        .await
        .unwrap();
    srv.restart().await;
    let after = srv.client("demo-csr").approval(&item.id).await.unwrap();
    assert_eq!(after.status, Status::Rejected);
    assert_eq!(after.reason.as_deref(), Some("Kept"));
    assert_eq!(
        all_outbox(&srv.client("demo-admin")).await.len(),
        1,
        "no reseeding, no loss"
    );
}

/// Whether `events` yields an item matching `wanted` within 5 s.
async fn until(
    events: &mut EventStream,
    wanted: impl Fn(&StreamItem) -> bool,
) -> Result<bool, tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(item) = events.next().await {
            if wanted(&item) {
                return true;
            }
        }
        false
    })
    .await
}

#[tokio::test]
async fn shutting_down_ends_event_streams_and_the_server() {
    let mut srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let mut events = csr.events();
    let connected = until(&mut events, |i| matches!(i, StreamItem::Connected)).await;
    assert_eq!(connected, Ok(true));
    // A graceful shutdown does not wait for the open stream...
    tokio::time::timeout(Duration::from_secs(5), srv.stop())
        .await
        .expect("the server stops while a console is subscribed to its events");
    // ...and the subscriber hears that the stream is gone (the console shows "offline").
    let disconnected = until(&mut events, |i| {
        matches!(i, StreamItem::Disconnected { .. })
    })
    .await;
    assert_eq!(disconnected, Ok(true));
}

#[tokio::test(flavor = "multi_thread")]
async fn events_stream_decisions_and_resume_from_last_event_id() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let mut events = csr.events();
    // Wait until connected so the decision is not missed.
    let connected = until(&mut events, |i| matches!(i, StreamItem::Connected)).await;
    assert_eq!(connected, Ok(true));
    let item = first_pending(&csr, Kind::Partnership).await;
    srv.client("demo-admin")
        .approve(
            &item.id,
            &DecisionKey::new(item.version),
            &ApproveBody::default(),
        )
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Some(StreamItem::Event {
                id,
                event: ServerEvent::ApprovalDecided(d),
            }) = events.next().await
            {
                return (id, d);
            }
        }
    })
    .await
    .expect("the decision arrives within 5 s");
    assert_eq!(got.1.id, item.id);
    assert_eq!(got.1.decided_by.name, "demo-admin");

    // A reconnecting client gets what it missed.
    let res = srv
        .http()
        .get(srv.api("/events"))
        .bearer_auth("demo-csr")
        .header("Last-Event-ID", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut res = res;
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: approval.decided"), "{text}");
    assert!(text.contains(&item.id), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_problem_json_and_bodies_are_capped() {
    let srv = TestServer::demo().await;
    let http = srv.http();
    let big = format!("{{\"reason\": \"{}\"}}", "a".repeat(100_000));
    let res = http
        .post(srv.api("/approvals/ap_p001/reject"))
        .bearer_auth("demo-csr")
        .header("Idempotency-Key", "big")
        .header("If-Match", "\"1\"")
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    for (method, path, status) in [
        ("GET", "/nowhere", 404),
        ("PUT", "/summary", 405),
        ("GET", "/approvals/ap_nope", 404),
        ("GET", "/partners/pt_nope", 404),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let res = http
            .request(m, srv.api(path))
            .bearer_auth("demo-csr")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{method} {path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{method} {path}"
        );
    }
    let res = http
        .get(srv.api("/approvals/ap_p001"))
        .bearer_auth("demo-csr")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["etag"], "\"1\"");
}

const GOOD_SEED: &str = r#"{
  "users": [{"name": "ana", "email": "ana@example.com", "role": "csr", "token": "ana-token-123"}],
  "partners": [{"id": "p1", "name": "Acme", "status": "active",
                "contact": {"email": "hi@acme.example"},
                "channels": [{"name": "Acme TV", "kind": "video", "followers": 10}]}],
  "approvals": [
    {"kind": "partnership", "title": "Gold", "partner": "Acme", "requested_at": "2026-11-01T10:00:00Z",
     "item": {"name": "Gold", "price": {"amount_minor": 4900, "currency": "EUR"}}},
    {"kind": "ad", "status": "rejected", "title": "Ad", "partner": "p1", "requested_at": "2026-11-01T10:00:00Z",
     "decided_at": "2026-11-02T10:00:00Z", "decided_by": "ana", "reason": "No."}
  ]
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_file_imports_and_a_bad_one_imports_nothing() {
    let dir = TempDir::new("seed");
    let good = dir.path().join("good.json");
    std::fs::write(&good, GOOD_SEED).unwrap();
    let db = dir.path().join("good.db");
    let srv = launch(&db, SeedSource::File(good), Duration::from_secs(60))
        .await
        .unwrap();
    let ana = client_for(&srv.url(), "ana-token-123");
    assert_eq!(ana.summary().await.unwrap().pending.partnership, 1);
    let hist = ana
        .approvals(&ApprovalQuery {
            status: Some(StatusFilter::Decided),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(hist.items[0].decided_by.as_ref().unwrap().name, "ana");
    srv.shutdown().await;

    // A broken reference on the last approval: the error names the place; nothing is imported.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        GOOD_SEED.replace("\"partner\": \"p1\"", "\"partner\": \"Nobody\""),
    )
    .unwrap();
    let bad_db = dir.path().join("bad.db");
    let err = launch(
        &bad_db,
        SeedSource::File(bad.clone()),
        Duration::from_secs(60),
    )
    .await
    .err()
    .unwrap();
    let msg = format!("{err}");
    assert!(
        msg.contains("bad.json") && msg.contains("approvals[1].partner") && msg.contains("Nobody"),
        "{msg}"
    );
    let empty = launch(&bad_db, SeedSource::None, Duration::from_secs(60))
        .await
        .unwrap();
    let res = client_for(&empty.url(), "ana-token-123")
        .summary()
        .await
        .unwrap_err();
    assert_eq!(
        problem(&res).status,
        401,
        "the users of the bad file were not imported"
    );
    empty.shutdown().await;

    // A syntax or type error says line and column.
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        GOOD_SEED.replace("\"role\": \"csr\"", "\"role\": \"boss\""),
    )
    .unwrap();
    let err = launch(
        &dir.path().join("b.db"),
        SeedSource::File(broken),
        Duration::from_secs(60),
    )
    .await
    .err()
    .unwrap();
    let msg = format!("{err}");
    assert!(
        msg.contains("broken.json") && msg.contains("line 2, column"),
        "{msg}"
    );
    assert!(msg.contains("boss"), "{msg}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_with_a_bad_currency_or_a_route_for_an_id_is_refused() {
    let dir = TempDir::new("seed-values");
    let cases = [
        (
            GOOD_SEED.replace("\"currency\": \"EUR\"", "\"currency\": \"euro\""),
            "approvals[0].item.price.currency",
            "\"euro\" is not a currency code",
        ),
        (
            GOOD_SEED.replace("{\"kind\": \"ad\"", "{\"id\": \"export\", \"kind\": \"ad\""),
            "approvals[1].id",
            "\"export\" is the name of a route",
        ),
    ];
    for (i, (seed, place, message)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("seed{i}.json"));
        std::fs::write(&file, seed).unwrap();
        let err = launch(
            &dir.path().join(format!("seed{i}.db")),
            SeedSource::File(file),
            Duration::from_secs(60),
        )
        .await
        .err()
        .expect("the seed is refused");
        let msg = format!("{err:#}");
        assert!(msg.contains(place) && msg.contains(message), "{msg}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_seed_file_imports() {
    let path = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/seed.example.json"
    ));
    let dir = TempDir::new("example-seed");
    let srv = launch(
        &dir.path().join("example.db"),
        SeedSource::File(path),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    let dana = client_for(&srv.url(), "example-dana-5f0c1e7a9b2d4e63");
    let me = dana.me().await.unwrap();
    assert_eq!((me.name.as_str(), me.role), ("Dana Reyes", Role::Csr));
    let scopes: Vec<(&str, &str)> = me
        .assignments
        .iter()
        .map(|a| (a.role.as_str(), a.scope.name.as_str()))
        .collect();
    assert_eq!(scopes, [("distributor_admin", "DACH Media Distribution")]);
    let pending = dana.summary().await.unwrap().pending;
    for kind in Kind::ALL {
        assert_eq!(pending.get(kind), 1, "pending {}", kind.as_str());
    }
    let decided = dana
        .approvals(&ApprovalQuery {
            status: Some(StatusFilter::Decided),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut statuses: Vec<_> = decided.items.iter().map(|a| a.status.as_str()).collect();
    statuses.sort();
    assert_eq!(statuses, ["approved", "rejected"]);
    // Tiers and campaigns: Acme's Silver year, then Gold without expiry; a spring link.
    assert!(dana.settings().await.unwrap().tiers_enabled);
    let tiers: Vec<String> = dana
        .periods(PeriodKind::TierAssignment, "ptn_acme_media")
        .await
        .unwrap()
        .items
        .iter()
        .map(|p| p.what())
        .collect();
    assert_eq!(tiers, ["Silver tier", "Gold tier"]);
    let links = dana
        .periods(PeriodKind::CampaignLink, "ptn_acme_media")
        .await
        .unwrap();
    assert_eq!(links.items.len(), 1);
    // Lead exchange: Acme's settings as the file sets them over its defaults.
    let leads = dana.lead_settings("ptn_acme_media").await.unwrap();
    let s = &leads.record.record;
    assert_eq!(leads.record.version, 1);
    assert_eq!(
        (s.partner_type, s.billing, s.internet_delivery.method),
        (LeadPartnerType::Both, Billing::Postpay, DeliveryMethod::Xml)
    );
    assert_eq!(s.lead_cost, Some(Money::new(0, "EUR")), "the default's");
    assert_eq!(s.schedule.time_zone, "Europe/Berlin");
    srv.shutdown().await;
}

/// Every approval of `query` (all pages), as the list endpoint gives them.
async fn all_approvals(api: &dyn Api, query: &ApprovalQuery) -> Vec<Approval> {
    let mut q = ApprovalQuery {
        limit: Some(500),
        ..query.clone()
    };
    let mut out = Vec::new();
    loop {
        let page = api.approvals(&q).await.expect("list");
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return out,
        }
    }
}

/// The stats of `query` against a count of what the list endpoint returns for the same
/// filters and window: day by day, and the totals.
async fn assert_stats_match_list(api: &dyn Api, query: &ApprovalQuery) -> ApprovalStats {
    let stats = api.approval_stats(query).await.expect("stats");
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
    let first = day(&stats.days.first().expect("days").day);
    let last = day(&stats.days.last().expect("days").day);
    for (i, d) in stats.days.iter().enumerate() {
        assert_eq!(
            day(&d.day),
            first + chrono::Days::new(i as u64),
            "dense, ascending"
        );
    }
    // Without from/to the window is whole days, first to last.
    let start = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let listed =
        all_approvals(
            api,
            &ApprovalQuery {
                status: Some(query.status.unwrap_or(StatusFilter::Decided)),
                cursor: None,
                from: Some(query.from.unwrap_or(start(first))),
                to: Some(query.to.unwrap_or(
                    start(last + chrono::Days::new(1)) - chrono::Duration::milliseconds(1),
                )),
                ..query.clone()
            },
        )
        .await;
    let mut want = std::collections::BTreeMap::<String, (u64, u64)>::new();
    for a in &listed {
        let e = want
            .entry(
                a.decided_at
                    .expect("decided")
                    .format("%Y-%m-%d")
                    .to_string(),
            )
            .or_default();
        match a.status {
            Status::Approved => e.0 += 1,
            Status::Rejected => e.1 += 1,
            Status::Pending => panic!("a pending approval in a history"),
        }
    }
    for d in &stats.days {
        let w = want.remove(&d.day).unwrap_or_default();
        assert_eq!((d.approved, d.rejected), w, "{} for {query:?}", d.day);
    }
    assert!(want.is_empty(), "listed outside the days: {want:?}");
    assert_eq!(
        (stats.approved, stats.rejected),
        (
            listed
                .iter()
                .filter(|a| a.status == Status::Approved)
                .count() as u64,
            listed
                .iter()
                .filter(|a| a.status == Status::Rejected)
                .count() as u64
        ),
        "{query:?}"
    );
    stats
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_count_what_the_list_shows() {
    // ~2,000 decisions, six hours apart: the last 30 days hold a few hundred.
    let srv = TestServer::start(
        SeedSource::Demo {
            decided: Some(2000),
        },
        Duration::from_secs(60),
    )
    .await;
    let viewer = srv.client("demo-viewer");

    // The default: the last 30 days, today included, all kinds, decided.
    let stats = assert_stats_match_list(&viewer, &ApprovalQuery::default()).await;
    assert_eq!(stats.days.len(), 30);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(stats.days[29].day, today.format("%Y-%m-%d").to_string());
    assert!(stats.approved > 50 && stats.rejected > 10, "{stats:?}");

    // Filters apply, the same as to the list.
    let newest = viewer
        .approvals(&ApprovalQuery {
            status: Some(StatusFilter::Decided),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap()
        .items[0]
        .decided_at
        .unwrap();
    let requests = vec![Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad];
    let cases = [
        ApprovalQuery {
            kinds: vec![Kind::Partnership],
            ..Default::default()
        },
        ApprovalQuery {
            kinds: requests.clone(),
            ..Default::default()
        },
        ApprovalQuery {
            status: Some(StatusFilter::Rejected),
            kinds: vec![Kind::Addon, Kind::Ad],
            ..Default::default()
        },
        ApprovalQuery {
            status: Some(StatusFilter::Approved),
            ..Default::default()
        },
        ApprovalQuery {
            q: Some("harbor".into()),
            ..Default::default()
        },
        ApprovalQuery {
            q: Some("SALE".into()),
            kinds: requests.clone(),
            ..Default::default()
        },
        ApprovalQuery {
            q: Some("zzz".into()),
            ..Default::default()
        },
        // A window cut mid-day at both ends, and one of whole days long ago.
        ApprovalQuery {
            from: Some(newest - chrono::Duration::days(90) + chrono::Duration::hours(7)),
            to: Some(newest - chrono::Duration::days(3) - chrono::Duration::hours(5)),
            ..Default::default()
        },
        ApprovalQuery {
            from: Some("2026-01-01T00:00:00Z".parse().unwrap()),
            to: Some("2026-03-31T23:59:59.999Z".parse().unwrap()),
            kinds: vec![Kind::Addon],
            ..Default::default()
        },
    ];
    let all = stats.approved + stats.rejected;
    for q in &cases {
        let s = assert_stats_match_list(&viewer, q).await;
        if q.from.is_none() && q.q.as_deref() != Some("zzz") {
            let n = s.approved + s.rejected;
            assert!(n > 0 && n <= all, "{q:?}: {n} of {all}");
        }
    }
    // Cursor and limit are not stats parameters; the client does not send them.
    assert_stats_match_list(
        &viewer,
        &ApprovalQuery {
            cursor: Some("zz".into()),
            limit: Some(3),
            ..Default::default()
        },
    )
    .await;

    // A decision counts at once, on today, under its kind.
    let csr = srv.client("demo-csr");
    let item = first_pending(&csr, Kind::Ad).await;
    let ads = ApprovalQuery {
        kinds: vec![Kind::Ad],
        ..Default::default()
    };
    let before = csr.approval_stats(&ads).await.unwrap();
    csr.reject(&item.id, &DecisionKey::new(item.version), "Not this month.")
        .await
        .unwrap();
    let after = assert_stats_match_list(&csr, &ads).await;
    assert_eq!(after.rejected, before.rejected + 1);
    assert_eq!(after.days[29].rejected, before.days[29].rejected + 1);
    assert_eq!(after.approved, before.approved);
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_refuse_bad_windows_and_keep_to_staff() {
    let srv = TestServer::demo().await;
    for token in ["demo-viewer", "demo-csr", "demo-admin"] {
        let s = srv
            .client(token)
            .approval_stats(&ApprovalQuery::default())
            .await
            .unwrap_or_else(|e| panic!("{token}: {e:?}"));
        assert_eq!(s.days.len(), 30, "{token}");
    }
    for bad in [
        "status=pending",
        "status=maybe",
        "kind=boat",
        "from=yesterday",
        "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z",
        "from=2020-01-01T00:00:00Z",
    ] {
        let res = srv
            .http()
            .get(srv.api(&format!("/approvals/stats?{bad}")))
            .bearer_auth("demo-viewer")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        let p: Problem = res.json().await.unwrap();
        assert_eq!(p.code, codes::INVALID_PARAMETER, "{bad}");
    }
    // Exactly 366 days is allowed; one millisecond more is not.
    let viewer = srv.client("demo-viewer");
    let from: chrono::DateTime<chrono::Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
    let year = viewer
        .approval_stats(&ApprovalQuery {
            from: Some(from),
            to: Some(from + chrono::Duration::days(366)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(year.days.len(), 367);
    let err = viewer
        .approval_stats(&ApprovalQuery {
            from: Some(from),
            to: Some(from + chrono::Duration::days(366) + chrono::Duration::milliseconds(1)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(problem(&err).code, codes::INVALID_PARAMETER);

    // Not for partners (impersonation), nor without a token.
    let imp = srv
        .client("demo-csr")
        .impersonate("pt_001", "stats check")
        .await
        .unwrap();
    let partner = client_for(&srv.url, &imp.token);
    let err = partner
        .approval_stats(&ApprovalQuery::default())
        .await
        .unwrap_err();
    assert_eq!(problem(&err).status, 403);
    let res = srv
        .http()
        .get(srv.api("/approvals/stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

/// Partners whose approvals change them (#33), and what a ticket carries to find them (#27).
const PARTNER_SEED: &str = r#"{
  "users": [{"name": "ana", "email": "ana@example.com", "role": "csr", "token": "ana-token-123"},
            {"name": "root", "email": "root@example.com", "role": "admin", "token": "root-token-123"}],
  "partners": [
    {"id": "p_pixel", "name": "Pixel Forge", "status": "inactive", "invoice_id": "INV-2026-1091",
     "package": {"name": "Silver", "price": {"amount_minor": 2900, "currency": "USD"}},
     "contact": {"name": "Kira Nakamura", "email": "kira@pixelforge.example", "phone": "+1 415 555 0142"}},
    {"id": "p_nova", "name": "Nova Nook", "status": "pending", "invoice_id": "INV-2026-2040",
     "contact": {"name": "Priya Raman", "email": "hello@novanook.example", "phone": "+44 20 7946 0958"}},
    {"id": "p_stern", "name": "Stern Studio", "status": "suspended", "invoice_id": "INV-2026-3300",
     "package": {"name": "Bronze", "price": {"amount_minor": 900, "currency": "EUR"}},
     "contact": {"name": "Lena Stern", "email": "lena@stern.example", "phone": "+49 30 1234567"}}
  ],
  "approvals": [
    {"id": "ap_gold", "kind": "partnership", "title": "Gold package", "partner": "p_pixel",
     "requested_at": "2026-11-01T10:00:00Z",
     "item": {"name": "Gold", "price": {"amount_minor": 4900, "currency": "USD"}}},
    {"id": "ap_platinum", "kind": "partnership", "title": "Platinum package", "partner": "p_pixel",
     "requested_at": "2026-11-01T11:00:00Z",
     "item": {"name": "Platinum", "price": {"amount_minor": 9900, "currency": "USD"}}},
    {"id": "ap_starter", "kind": "partnership", "title": "Starter package", "partner": "p_nova",
     "requested_at": "2026-11-01T12:00:00Z",
     "item": {"name": "Starter", "price": {"amount_minor": 1900, "currency": "GBP"}}},
    {"id": "ap_stern", "kind": "partnership", "title": "Gold package", "partner": "p_stern",
     "requested_at": "2026-11-01T13:00:00Z",
     "item": {"name": "Gold", "price": {"amount_minor": 4900, "currency": "EUR"}}},
    {"id": "ap_analytics", "kind": "addon", "title": "Analytics Pro", "partner": "p_pixel",
     "requested_at": "2026-11-02T10:00:00Z",
     "item": {"name": "Analytics Pro", "price": {"amount_minor": 1500, "currency": "USD"}}},
    {"id": "ap_seats", "kind": "addon", "title": "Extra seats", "partner": "p_pixel",
     "requested_at": "2026-11-02T11:00:00Z",
     "item": {"name": "Extra seats", "price": {"amount_minor": 500, "currency": "USD"}}},
    {"id": "ap_stern_addon", "kind": "addon", "title": "Custom domain", "partner": "p_stern",
     "requested_at": "2026-11-02T12:00:00Z",
     "item": {"name": "Custom domain", "price": {"amount_minor": 500, "currency": "EUR"}}},
    {"id": "ap_stern_addon_again", "kind": "addon", "title": "Custom domain", "partner": "p_stern",
     "requested_at": "2026-11-02T13:00:00Z",
     "item": {"name": "Custom domain", "price": {"amount_minor": 700, "currency": "EUR"}}},
    {"id": "ap_ad", "kind": "ad", "title": "Winter sale", "partner": "p_nova",
     "requested_at": "2026-11-03T10:00:00Z"},
    {"id": "ap_hist", "kind": "broadcast", "status": "approved", "title": "Spring stream", "partner": "p_stern",
     "requested_at": "2026-10-01T10:00:00Z", "decided_at": "2026-10-02T10:00:00Z", "decided_by": "ana"},
    {"id": "ap_reach", "kind": "advertising_package", "status": "approved", "title": "Spring push",
     "partner": "p_nova", "requested_at": "2026-10-01T10:00:00Z", "decided_at": "2026-10-03T10:00:00Z",
     "decided_by": "ana",
     "item": {"name": "Reach 1M impressions", "price": {"amount_minor": 129900, "currency": "GBP"}}}
  ]
}"#;

async fn partner_seed_server() -> (TempDir, partner_console::server::RunningServer) {
    let dir = TempDir::new("partners");
    let seed = dir.path().join("partners.json");
    std::fs::write(&seed, PARTNER_SEED).unwrap();
    let srv = launch(
        &dir.path().join("pc.db"),
        SeedSource::File(seed),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    (dir, srv)
}

async fn decide(api: &dyn Api, id: &str, approve: bool) -> Approval {
    let a = api.approval(id).await.expect("the approval");
    let key = DecisionKey::new(a.version);
    if approve {
        api.approve(id, &key, &ApproveBody::default()).await
    } else {
        api.reject(id, &key, "Not this time.").await
    }
    .expect("decided")
}

async fn audit_of(admin: &dyn Api, target: &str) -> AuditEntry {
    admin
        .audit(None, Some(100))
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| e.target == target)
        .unwrap_or_else(|| panic!("no audit entry for {target}"))
}

fn change(field: &str, before: Option<&str>, after: Option<&str>) -> FieldChange {
    FieldChange {
        field: field.into(),
        before: before.map(str::to_string),
        after: after.map(str::to_string),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn approving_a_partnership_sets_the_package_and_activates_the_partner() {
    let (_dir, srv) = partner_seed_server().await;
    let ana = client_for(&srv.url(), "ana-token-123");
    let root = client_for(&srv.url(), "root-token-123");

    // A rejection changes nothing, and its audit entry lists no change.
    let before = ana.partner("p_pixel").await.unwrap();
    decide(&ana, "ap_platinum", false).await;
    assert_eq!(ana.partner("p_pixel").await.unwrap(), before);
    assert!(audit_of(&root, "ap_platinum").await.changes.is_empty());

    // Pixel Forge: Silver ($29.00), inactive → Gold ($49.00), active.
    let approved = decide(&ana, "ap_gold", true).await;
    assert_eq!(approved.partner.status, PartnerStatus::Active);
    let p = ana.partner("p_pixel").await.unwrap();
    assert_eq!(
        p.summary.package,
        Some(Item {
            name: "Gold".into(),
            price: Money::new(4900, "USD")
        })
    );
    assert_eq!(p.summary.status, PartnerStatus::Active);
    // The directory says the same.
    let row = ana
        .partners(&PartnerQuery {
            q: Some("pixel".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(row, p.summary);
    let entry = audit_of(&root, "ap_gold").await;
    assert_eq!(
        entry.changes,
        vec![
            change(
                "package",
                Some("Silver (29.00 USD)"),
                Some("Gold (49.00 USD)")
            ),
            change("status", Some("inactive"), Some("active")),
        ]
    );
    assert!(
        entry
            .detail
            .contains("package: Silver (29.00 USD) → Gold (49.00 USD)"),
        "{}",
        entry.detail
    );

    // A pending partner without a package gets one and becomes active.
    decide(&ana, "ap_starter", true).await;
    let p = ana.partner("p_nova").await.unwrap();
    assert_eq!(
        (p.summary.package.map(|i| i.name), p.summary.status),
        (Some("Starter".to_string()), PartnerStatus::Active)
    );
    assert_eq!(
        audit_of(&root, "ap_starter").await.changes,
        vec![
            change("package", None, Some("Starter (19.00 GBP)")),
            change("status", Some("pending"), Some("active")),
        ]
    );

    // A suspended partner gets the package and stays suspended.
    decide(&ana, "ap_stern", true).await;
    let p = ana.partner("p_stern").await.unwrap();
    assert_eq!(
        (p.summary.package.map(|i| i.name), p.summary.status),
        (Some("Gold".to_string()), PartnerStatus::Suspended)
    );
    assert_eq!(
        audit_of(&root, "ap_stern").await.changes,
        vec![change(
            "package",
            Some("Bronze (9.00 EUR)"),
            Some("Gold (49.00 EUR)")
        )]
    );

    // Approving an ad changes no partner field.
    let nova = ana.partner("p_nova").await.unwrap();
    decide(&ana, "ap_ad", true).await;
    assert_eq!(ana.partner("p_nova").await.unwrap(), nova);
    assert!(audit_of(&root, "ap_ad").await.changes.is_empty());
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn approving_an_addon_adds_it_to_the_partners_addons() {
    let (_dir, srv) = partner_seed_server().await;
    let ana = client_for(&srv.url(), "ana-token-123");
    let root = client_for(&srv.url(), "root-token-123");
    assert!(ana.partner("p_pixel").await.unwrap().addons.is_empty());

    // Rejected: not added.
    decide(&ana, "ap_seats", false).await;
    assert!(ana.partner("p_pixel").await.unwrap().addons.is_empty());
    assert!(audit_of(&root, "ap_seats").await.changes.is_empty());

    let approved = decide(&ana, "ap_analytics", true).await;
    let p = ana.partner("p_pixel").await.unwrap();
    assert_eq!(p.addons.len(), 1);
    let addon = &p.addons[0];
    assert_eq!(addon.name, "Analytics Pro");
    assert_eq!(addon.price, Some(Money::new(1500, "USD")));
    assert_eq!(addon.approval_id, "ap_analytics");
    assert_eq!(Some(addon.added_at), approved.decided_at);
    // The package and status are untouched by an add-on.
    assert_eq!(p.summary.status, PartnerStatus::Inactive);
    assert_eq!(
        p.summary.package.map(|i| i.name),
        Some("Silver".to_string())
    );
    assert_eq!(
        audit_of(&root, "ap_analytics").await.changes,
        vec![change("addons", None, Some("Analytics Pro (15.00 USD)"))]
    );

    // An add-on approved again at another price: held once, at the newest price.
    decide(&ana, "ap_stern_addon", true).await;
    decide(&ana, "ap_stern_addon_again", true).await;
    let addons = ana.partner("p_stern").await.unwrap().addons;
    assert_eq!(addons.len(), 1);
    assert_eq!(
        (addons[0].price.clone(), addons[0].approval_id.as_str()),
        (Some(Money::new(700, "EUR")), "ap_stern_addon_again")
    );
    assert_eq!(
        audit_of(&root, "ap_stern_addon_again").await.changes,
        vec![change(
            "addons",
            Some("Custom domain (5.00 EUR)"),
            Some("Custom domain (7.00 EUR)")
        )]
    );
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_that_changes_the_partner_sends_partner_updated() {
    let (_dir, srv) = partner_seed_server().await;
    let ana = client_for(&srv.url(), "ana-token-123");
    let mut events = ana.events();
    let connected = until(&mut events, |i| matches!(i, StreamItem::Connected)).await;
    assert_eq!(connected, Ok(true));
    decide(&ana, "ap_analytics", true).await;
    let mut got = Vec::new();
    while got.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(5), events.next()).await {
            Ok(Some(StreamItem::Event { event, .. })) => got.push(event),
            Ok(Some(_)) => {}
            other => panic!("no event: {other:?}"),
        }
    }
    assert!(
        matches!(&got[0], ServerEvent::ApprovalDecided(d) if d.id == "ap_analytics"),
        "{got:?}"
    );
    assert_eq!(
        got[1],
        ServerEvent::PartnerUpdated(PartnerUpdated {
            id: "p_pixel".into()
        })
    );
    srv.shutdown().await;
}

async fn partner_names(api: &dyn Api, q: &str) -> Vec<String> {
    api.partners(&PartnerQuery {
        q: Some(q.into()),
        ..Default::default()
    })
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|p| p.name)
    .collect()
}

async fn approval_ids(api: &dyn Api, status: StatusFilter, kinds: &[Kind], q: &str) -> Vec<String> {
    all_approvals(
        api,
        &ApprovalQuery {
            status: Some(status),
            kinds: kinds.to_vec(),
            q: Some(q.into()),
            ..Default::default()
        },
    )
    .await
    .into_iter()
    .map(|a| a.id)
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_is_found_by_what_a_ticket_carries() {
    let (_dir, srv) = partner_seed_server().await;
    let ana = client_for(&srv.url(), "ana-token-123");
    for (q, want) in [
        ("INV-2026-1091", &["Pixel Forge"][..]),
        ("inv-2026-2", &["Nova Nook"][..]),
        ("kira@", &["Pixel Forge"][..]),
        ("HELLO@NOVANOOK", &["Nova Nook"][..]),
        ("priya", &["Nova Nook"][..]),
        ("Nakamura", &["Pixel Forge"][..]),
        ("+1 415 555 0142", &["Pixel Forge"][..]),
        // The same phone written otherwise: its digits.
        ("(415) 555-0142", &["Pixel Forge"][..]),
        ("4155550142", &["Pixel Forge"][..]),
        ("7946", &["Nova Nook"][..]),
        // Name and contact both match: listed once.
        ("stern", &["Stern Studio"][..]),
        ("forge", &["Pixel Forge"][..]),
        ("zzz", &[][..]),
        ("%", &[][..]),
    ] {
        assert_eq!(partner_names(&ana, q).await, want, "q={q}");
    }
    // With a status filter too.
    let page = ana
        .partners(&PartnerQuery {
            q: Some("example".into()),
            status: Some(PartnerStatus::Suspended),
            ..Default::default()
        })
        .await
        .unwrap();
    let names: Vec<_> = page.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Stern Studio"]);
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn approvals_are_found_by_partner_email_invoice_title_and_item() {
    let (_dir, srv) = partner_seed_server().await;
    let ana = client_for(&srv.url(), "ana-token-123");
    let pixel = ["ap_gold", "ap_platinum", "ap_analytics", "ap_seats"];
    for q in ["INV-2026-1091", "kira@pixelforge", "Pixel"] {
        assert_eq!(
            approval_ids(&ana, StatusFilter::Pending, &[], q).await,
            pixel,
            "q={q}"
        );
    }
    // The title and the item's name, of every kind.
    assert_eq!(
        approval_ids(
            &ana,
            StatusFilter::Pending,
            &[Kind::Partnership],
            "gold package"
        )
        .await,
        ["ap_gold", "ap_stern"]
    );
    assert_eq!(
        approval_ids(&ana, StatusFilter::Pending, &[Kind::Addon], "analytics").await,
        ["ap_analytics"]
    );
    assert_eq!(
        approval_ids(&ana, StatusFilter::Decided, &[], "reach 1m").await,
        ["ap_reach"]
    );
    assert_eq!(
        approval_ids(&ana, StatusFilter::Decided, &[], "spring").await,
        ["ap_reach", "ap_hist"]
    );
    // In a history: the partner's invoice ID finds its decided approvals.
    decide(&ana, "ap_gold", true).await;
    decide(&ana, "ap_seats", false).await;
    assert_eq!(
        approval_ids(&ana, StatusFilter::Decided, &[], "INV-2026-1091").await,
        ["ap_seats", "ap_gold"]
    );
    assert_eq!(
        approval_ids(&ana, StatusFilter::Decided, &[Kind::Partnership], "gold").await,
        ["ap_gold"]
    );
    // What the directory matches beyond: not the contact's name on approvals.
    assert!(
        approval_ids(&ana, StatusFilter::Pending, &[], "priya")
            .await
            .is_empty()
    );
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_partners_approvals_in_the_order_asked_with_cursors_bound_to_it() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    // The directory carries what a ticket does: the contact's name and email.
    let partners = csr.partners(&PartnerQuery::default()).await.unwrap().items;
    let p = &partners[0];
    assert!(p.email.contains('@') && !p.contact_name.is_empty(), "{p:?}");

    let decided = |sort, cursor: Option<String>| ApprovalQuery {
        status: Some(StatusFilter::Decided),
        partner_id: Some(p.id.clone()),
        sort,
        limit: Some(2),
        cursor,
        ..Default::default()
    };
    let mut newest = Vec::new();
    let mut cursor = None;
    loop {
        let page = csr.approvals(&decided(None, cursor)).await.unwrap();
        assert!(page.items.iter().all(|a| a.partner.id == p.id));
        newest.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert!(newest.len() > 2, "a partner with several decisions");
    let times: Vec<_> = newest.iter().map(|a| a.decided_at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let oldest = csr
        .approvals(&decided(Some(ApprovalSort::Oldest), None))
        .await
        .unwrap();
    assert_eq!(oldest.items[0].id, newest.last().unwrap().id);
    // A cursor of one order is refused by another.
    let err = csr
        .approvals(&decided(Some(ApprovalSort::Newest), oldest.next_cursor))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_cursor"), "{err:?}");
    // Price sorts queues, highest first; a history is refused.
    let queue = csr
        .approvals(&ApprovalQuery {
            kinds: vec![Kind::Partnership, Kind::Addon],
            sort: Some(ApprovalSort::Price),
            limit: Some(500),
            ..Default::default()
        })
        .await
        .unwrap();
    let prices: Vec<i64> = queue
        .items
        .iter()
        .map(|a| a.item.as_ref().map_or(-1, |i| i.price.amount_minor))
        .collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");
    let err = csr
        .approvals(&decided(Some(ApprovalSort::Price), None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_parameter"), "{err:?}");
}
