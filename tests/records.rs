//! The partner record over real HTTP (RECORDS.md, "Writes to records" and §2): the profile's
//! `PATCH`, members, voucher batches and their assignment, each rule of a write (428, 412 with
//! the current record, 422 with every field, warnings, 403 for viewers, one audit entry with
//! before and after, `record.changed`), through the crate's client where it has the call and
//! raw requests where a header or a body must be wrong on purpose.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use partner_console::client::{Api, ApiError, DecisionKey, EventStream, StreamItem};
use partner_console::domain::*;
use partner_console::server::SeedSource;
use serde_json::{Value, json};
use support::{TempDir, TestServer, launch};

fn problem(e: &ApiError) -> &Problem {
    e.problem()
        .unwrap_or_else(|| panic!("expected a problem, got {e:?}"))
}

/// The audit entries about the record `id`, newest first.
async fn audit_about(admin: &dyn Api, id: &str) -> Vec<AuditEntry> {
    admin
        .audit(None, Some(500))
        .await
        .expect("audit")
        .items
        .into_iter()
        .filter(|e| e.subject_ref.as_ref().is_some_and(|s| s.id == id))
        .collect()
}

/// The next `record.changed` on `events` (within 5 s).
async fn next_record_changed(events: &mut EventStream) -> RecordChanged {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match events.next().await {
                Some(StreamItem::Event {
                    event: ServerEvent::RecordChanged(r),
                    ..
                }) => return r,
                Some(_) => {}
                None => panic!("the event stream ended"),
            }
        }
    })
    .await
    .expect("record.changed arrives within 5 s")
}

async fn connected(api: &dyn Api) -> EventStream {
    let mut events = api.events();
    tokio::time::timeout(Duration::from_secs(5), async {
        while !matches!(events.next().await, Some(StreamItem::Connected)) {}
    })
    .await
    .expect("the event stream connects");
    events
}

/// A raw `PATCH /partners/{id}` with `if_match` (none: no header) and `body`; status and JSON.
async fn raw_patch(
    srv: &TestServer,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut req = srv
        .http()
        .patch(srv.api(&format!("/partners/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string());
    if let Some(v) = if_match {
        req = req.header("if-match", v);
    }
    let res = req.send().await.expect("the server answers");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn codes_by_field(p: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_edit_is_saved_audited_once_with_before_and_after_and_announced() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let admin = srv.client("demo-admin");
    let before = csr.partner("pt_001").await.unwrap();
    let mut events = connected(&csr).await;

    let patch = PartnerPatch::default()
        .set(ProfileField::City, "  Lyon ")
        .set(ProfileField::Country, "FR")
        .set(ProfileField::TimeZone, "Europe/Paris")
        .set(ProfileField::Notes, "Prefers email.\nCall after 10:00.");
    let saved = csr
        .update_partner("pt_001", before.summary.version, &patch)
        .await
        .expect("saved");
    let p = &saved.record;
    assert_eq!(p.contact.address.city, "Lyon", "stored trimmed");
    assert_eq!(p.contact.address.country, "FR");
    assert_eq!(p.contact.time_zone, "Europe/Paris");
    assert_eq!(p.notes, "Prefers email.\nCall after 10:00.");
    assert_eq!(p.summary.version, before.summary.version + 1);
    assert!(saved.warnings.is_empty(), "{:?}", saved.warnings);
    assert_eq!(
        p.contact.address.line1, before.contact.address.line1,
        "fields not in the patch stay"
    );
    assert_eq!(
        csr.partner("pt_001").await.unwrap(),
        *p,
        "read back as saved"
    );

    let res = srv
        .http()
        .get(srv.api("/partners/pt_001"))
        .bearer_auth("demo-viewer")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["etag"], format!("\"{}\"", p.summary.version));

    let changed = next_record_changed(&mut events).await;
    assert_eq!(
        changed,
        RecordChanged {
            kind: "partner".into(),
            id: "pt_001".into(),
            version: p.summary.version,
        }
    );

    let audit = audit_about(&admin, "pt_001").await;
    assert_eq!(audit.len(), 1, "one entry per write: {audit:?}");
    let entry = &audit[0];
    assert_eq!(entry.actor, "demo-csr");
    assert_eq!(entry.action, "partner.updated");
    assert_eq!(
        entry.subject_ref,
        Some(RecordRef {
            kind: "partner".into(),
            id: "pt_001".into(),
            name: before.summary.name.clone(),
        })
    );
    let city = entry
        .changes
        .iter()
        .find(|c| c.field == "/contact/address/city")
        .expect("the city's change");
    assert_eq!(city.before.as_deref(), Some(&*before.contact.address.city));
    assert_eq!(city.after.as_deref(), Some("Lyon"));
    let fields: Vec<&str> = entry.changes.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"/contact/time_zone") && fields.contains(&"/notes"));

    // The same patch again changes nothing: no version, no entry.
    let again = csr
        .update_partner("pt_001", p.summary.version, &patch)
        .await
        .unwrap();
    assert_eq!(again.record.summary.version, p.summary.version);
    assert_eq!(audit_about(&admin, "pt_001").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_needs_if_match_and_a_stale_one_gets_the_current_partner() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let body = r#"{"contact": {"address": {"city": "Ghent"}}}"#;

    let (status, p) = raw_patch(&srv, "demo-csr", "pt_002", None, body).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (428, Some("precondition_required"))
    );
    let (status, p) = raw_patch(&srv, "demo-csr", "pt_002", Some("W/\"1\""), body).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (400, Some("invalid_if_match"))
    );

    // Someone else saves first...
    let current = csr.partner("pt_002").await.unwrap();
    let theirs = PartnerPatch::default().set(ProfileField::Phone, "+32 9 123 45 67");
    let saved = csr
        .update_partner("pt_002", current.summary.version, &theirs)
        .await
        .unwrap();
    // ...so the second edit, made against the version read before, gets 412 and the partner
    // as it is now.
    let mine = PartnerPatch::default().set(ProfileField::City, "Ghent");
    let err = csr
        .update_partner("pt_002", current.summary.version, &mine)
        .await
        .unwrap_err();
    let p = problem(&err);
    assert_eq!((p.status, p.code.as_str()), (412, "version_mismatch"));
    let now = p
        .partner
        .as_deref()
        .expect("the current partner rides along");
    assert_eq!(now.summary.version, saved.record.summary.version);
    assert_eq!(now.contact.phone, "+32 9 123 45 67");
    assert_ne!(
        now.contact.address.city, "Ghent",
        "the stale edit was not applied"
    );

    let err = csr.update_partner("pt_nope", 1, &mine).await.unwrap_err();
    assert_eq!(problem(&err).status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_invalid_field_is_reported_at_once_and_nothing_is_saved() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let admin = srv.client("demo-admin");
    let before = csr.partner("pt_003").await.unwrap();
    let v = format!("\"{}\"", before.summary.version);
    let body = json!({
        "name": "Evil\u{202E}Corp",
        "contact": {
            "email": "not an email",
            "phone": "call me",
            "website": "ftp://files",
            "address": {"country": "XX", "line1": "Line\u{7}bell", "city": 7},
            "time_zone": "Mars/Olympus_Mons",
        },
        "notes": "n".repeat(MAX_NOTES_CHARS + 1),
    });
    let (status, p) = raw_patch(&srv, "demo-csr", "pt_003", Some(&v), &body.to_string()).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (422, Some("validation_failed"))
    );
    let want = [
        ("/contact/address/city", "invalid_type"),
        ("/contact/address/country", "unknown_country"),
        ("/contact/address/line1", "unsafe_characters"),
        ("/contact/email", "invalid_email"),
        ("/contact/phone", "invalid_phone"),
        ("/contact/time_zone", "unknown_time_zone"),
        ("/contact/website", "invalid_website"),
        ("/name", "unsafe_characters"),
        ("/notes", "too_long"),
    ]
    .map(|(f, c)| (f.to_string(), c.to_string()));
    assert_eq!(codes_by_field(&p), want);

    // Required fields cannot be emptied, by "" or by null.
    let body = r#"{"name": " ", "contact": {"email": null, "time_zone": ""}}"#;
    let (status, p) = raw_patch(&srv, "demo-csr", "pt_003", Some(&v), body).await;
    assert_eq!(status, 422);
    let want = [
        ("/contact/email", "required"),
        ("/contact/time_zone", "required"),
        ("/name", "required"),
    ]
    .map(|(f, c)| (f.to_string(), c.to_string()));
    assert_eq!(codes_by_field(&p), want);

    assert_eq!(
        csr.partner("pt_003").await.unwrap(),
        before,
        "nothing saved"
    );
    assert!(
        audit_about(&admin, "pt_003").await.is_empty(),
        "nothing audited"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn warnings_come_back_with_the_saved_partner() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let p = csr.partner("pt_004").await.unwrap();
    let patch = PartnerPatch::default()
        .set(ProfileField::Phone, "030 1234 5678")
        .set(ProfileField::Website, "http://pixel-forge.example");
    let saved = csr
        .update_partner("pt_004", p.summary.version, &patch)
        .await
        .unwrap();
    let mut warned: Vec<(&str, &str)> = saved
        .warnings
        .iter()
        .map(|w| (w.field.as_str(), w.code.as_str()))
        .collect();
    warned.sort();
    assert_eq!(
        warned,
        [
            ("/contact/phone", "phone_not_international"),
            ("/contact/website", "website_not_https")
        ]
    );
    assert_eq!(saved.record.contact.phone, "030 1234 5678", "saved anyway");
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_that_are_not_a_profile_patch_are_refused() {
    let srv = TestServer::demo().await;
    let v = Some("\"1\"");
    for (body, status, code) in [
        ("[]", 400, "invalid_body"),
        ("", 400, "invalid_body"),
        ("{\"contact\": {\"fax\": \"1\"}}", 400, "invalid_body"),
        ("{\"status\": \"active\"}", 400, "invalid_body"),
        ("{\"name\": ", 400, "invalid_body"),
        ("{\"contact\": null}", 422, "validation_failed"),
    ] {
        let (got, p) = raw_patch(&srv, "demo-csr", "pt_005", v, body).await;
        assert_eq!((got, p["code"].as_str()), (status, Some(code)), "{body}");
    }
    let res = srv
        .http()
        .patch(srv.api("/partners/pt_005"))
        .bearer_auth("demo-csr")
        .header("if-match", "\"1\"")
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let huge = json!({ "notes": "n".repeat(70 * 1024) }).to_string();
    let (status, p) = raw_patch(&srv, "demo-csr", "pt_005", v, &huge).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("body_too_large")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_partner_is_found_by_its_new_name_and_contact() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let p = csr.partner("pt_006").await.unwrap();
    let patch = PartnerPatch::default()
        .set(ProfileField::Name, "Zebra Crossing Radio")
        .set(ProfileField::ContactName, "Quentin Obrador")
        .set(ProfileField::Phone, "+34 91 765 4321");
    csr.update_partner("pt_006", p.summary.version, &patch)
        .await
        .unwrap();
    for q in ["zebra crossing", "obrador", "91 765 4321"] {
        let found = csr
            .partners(&PartnerQuery {
                q: Some(q.into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        assert_eq!(
            found.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["pt_006"],
            "{q}"
        );
    }
    let old = p.summary.name.to_lowercase();
    let found = csr
        .partners(&PartnerQuery {
            q: Some(old.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert!(
        found.iter().all(|s| s.id != "pt_006"),
        "not by the old name {old}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_edits_nothing() {
    let srv = TestServer::demo().await;
    let viewer = srv.client("demo-viewer");
    let p = viewer.partner("pt_001").await.unwrap();
    let patch = PartnerPatch::default().set(ProfileField::City, "Nowhere");
    let forbidden = |r: Result<(), ApiError>| {
        let e = r.expect_err("refused");
        assert_eq!(
            (problem(&e).status, problem(&e).code.as_str()),
            (403, "forbidden")
        );
    };
    forbidden(
        viewer
            .update_partner("pt_001", p.summary.version, &patch)
            .await
            .map(drop),
    );
    let batch = first_batch(&viewer, true, false).await;
    forbidden(
        viewer
            .assign_voucher_batch("pt_001", &batch.id)
            .await
            .map(drop),
    );
    forbidden(viewer.unassign_voucher_batch("pt_001", &batch.id).await);
    // A viewer still reads them.
    viewer.members("pt_001", None, None).await.unwrap();
    viewer
        .voucher_batches(&VoucherBatchQuery::default())
        .await
        .unwrap();
    // And an admin writes like a CSR.
    srv.client("demo-admin")
        .update_partner("pt_001", p.summary.version, &patch)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn members_are_listed_page_by_page() {
    let srv = TestServer::demo().await;
    let viewer = srv.client("demo-viewer");
    let mut with_members = 0;
    for i in 1..=28 {
        let id = format!("pt_{i:03}");
        let all = viewer.members(&id, None, Some(500)).await.unwrap().items;
        assert!(all.len() <= 12, "{id}: {}", all.len());
        with_members += usize::from(!all.is_empty());
        // Pages of two give the same members, each once.
        let (mut paged, mut cursor) = (Vec::new(), None);
        loop {
            let page = viewer
                .members(&id, cursor.as_deref(), Some(2))
                .await
                .unwrap();
            paged.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(paged, all, "{id}");
    }
    assert!(with_members >= 20, "most partners have members");
    let err = viewer.members("pt_nope", None, None).await.unwrap_err();
    assert_eq!(problem(&err).status, 404);
}

/// The first batch by name that is unassigned (or assigned) and expired (or not).
async fn first_batch(api: &dyn Api, unassigned: bool, expired: bool) -> VoucherBatch {
    let today = chrono::Utc::now().date_naive();
    api.voucher_batches(&VoucherBatchQuery {
        unassigned: Some(unassigned),
        limit: Some(500),
        ..Default::default()
    })
    .await
    .unwrap()
    .items
    .into_iter()
    .find(|b| b.is_expired(today) == expired)
    .expect("the demo has such a batch")
}

#[tokio::test(flavor = "multi_thread")]
async fn voucher_batches_are_filtered_and_paged() {
    let srv = TestServer::demo().await;
    let api = srv.client("demo-viewer");
    let all = |query: VoucherBatchQuery| {
        let api = &api;
        async move {
            let (mut out, mut q) = (Vec::new(), query);
            q.limit = Some(37);
            loop {
                let page = api.voucher_batches(&q).await.unwrap();
                out.extend(page.items);
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => return out,
                }
            }
        }
    };
    let every = all(VoucherBatchQuery::default()).await;
    assert!(
        (200..=500).contains(&every.len()),
        "a few hundred: {}",
        every.len()
    );
    let today = chrono::Utc::now().date_naive();
    assert!(every.iter().any(|b| b.is_expired(today)), "some expired");
    let assigned = every.iter().filter(|b| b.partner.is_some()).count();
    assert!(assigned > 0 && assigned < every.len(), "some assigned");
    let mut ids: Vec<&str> = every.iter().map(|b| b.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), every.len(), "each once");
    for b in &every {
        let c = b.counts;
        assert_eq!(c.unused, c.total - c.used - c.expired, "{}", b.id);
    }

    let free = all(VoucherBatchQuery {
        unassigned: Some(true),
        ..Default::default()
    })
    .await;
    assert_eq!(free.len(), every.len() - assigned);
    assert!(free.iter().all(|b| b.partner.is_none()));
    let holder = every.iter().find_map(|b| b.partner.clone()).unwrap();
    let held = all(VoucherBatchQuery {
        partner_id: Some(holder.id.clone()),
        ..Default::default()
    })
    .await;
    assert!(!held.is_empty());
    assert!(held.iter().all(|b| b.partner.as_ref() == Some(&holder)));

    let some = &every[every.len() / 2];
    let found = all(VoucherBatchQuery {
        q: Some(some.exams[0].to_lowercase()),
        ..Default::default()
    })
    .await;
    assert!(found.iter().any(|b| b.id == some.id), "q finds by exam");
    assert!(found.iter().all(|b| {
        b.exams.contains(&some.exams[0])
            || b.name
                .to_lowercase()
                .contains(&some.exams[0].to_lowercase())
    }));

    let long_id = format!("partner_id={}", "p".repeat(201));
    for bad in [
        "unassigned=yes",
        "partner_id=",
        &long_id,
        "partner_id=pt_001&unassigned=true",
        "limit=0",
        "cursor=zz",
    ] {
        let res = srv
            .http()
            .get(srv.api(&format!("/voucher_batches?{bad}")))
            .bearer_auth("demo-viewer")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn assigning_is_idempotent_one_partner_per_batch_and_audited_once_per_change() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let admin = srv.client("demo-admin");
    let batch = first_batch(&csr, true, false).await;
    let mut events = connected(&csr).await;

    let first = csr.assign_voucher_batch("pt_001", &batch.id).await.unwrap();
    let holder = first.record.partner.clone().expect("assigned");
    assert_eq!(holder.id, "pt_001");
    assert_eq!(first.record.version, batch.version + 1);
    assert_eq!(
        next_record_changed(&mut events).await,
        RecordChanged {
            kind: "voucher_batch".into(),
            id: batch.id.clone(),
            version: first.record.version,
        }
    );
    // Again: no error, no change.
    let again = csr.assign_voucher_batch("pt_001", &batch.id).await.unwrap();
    assert_eq!(again.record, first.record);
    let audit = audit_about(&admin, &batch.id).await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].action, "voucher_batch.assigned");
    assert_eq!(audit[0].changes.len(), 1);
    assert_eq!(audit[0].changes[0].field, "/partner");
    assert_eq!(audit[0].changes[0].before, None);
    assert!(
        audit[0].changes[0]
            .after
            .as_deref()
            .unwrap()
            .contains("pt_001")
    );

    // Another partner cannot have it, nor take it back from the holder.
    for err in [
        csr.assign_voucher_batch("pt_002", &batch.id)
            .await
            .map(drop),
        csr.unassign_voucher_batch("pt_002", &batch.id).await,
    ] {
        let e = err.unwrap_err();
        let p = problem(&e);
        assert_eq!(
            (p.status, p.code.as_str()),
            (409, "batch_assigned_elsewhere")
        );
        let named = p.voucher_batch.as_deref().and_then(|b| b.partner.as_ref());
        assert_eq!(named, Some(&holder), "names the partner holding it");
        assert!(p.detail.contains(&holder.name), "{}", p.detail);
    }

    // Taking it back, twice: the second changes nothing.
    csr.unassign_voucher_batch("pt_001", &batch.id)
        .await
        .unwrap();
    csr.unassign_voucher_batch("pt_001", &batch.id)
        .await
        .unwrap();
    let audit = audit_about(&admin, &batch.id).await;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].action, "voucher_batch.unassigned");
    assert_eq!(audit[0].changes[0].after, None);
    let now = csr
        .voucher_batches(&VoucherBatchQuery {
            unassigned: Some(true),
            q: Some(batch.name.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(now.items.iter().any(|b| b.id == batch.id), "free again");

    // An expired batch cannot be assigned; unknown ids are 404.
    let expired = first_batch(&csr, true, true).await;
    let e = csr
        .assign_voucher_batch("pt_001", &expired.id)
        .await
        .unwrap_err();
    assert_eq!(
        (problem(&e).status, problem(&e).code.as_str()),
        (409, "batch_expired")
    );
    for (partner, batch_id) in [("pt_nope", batch.id.as_str()), ("pt_001", "vb_nope")] {
        let e = csr
            .assign_voucher_batch(partner, batch_id)
            .await
            .unwrap_err();
        assert_eq!(problem(&e).status, 404, "{partner} {batch_id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_that_changes_the_partner_moves_its_version() {
    let srv = TestServer::demo().await;
    let csr = srv.client("demo-csr");
    let page = csr
        .approvals(&ApprovalQuery {
            kinds: vec![Kind::Partnership],
            status: Some(StatusFilter::Pending),
            limit: Some(50),
            ..Default::default()
        })
        .await
        .unwrap();
    let item = page
        .items
        .into_iter()
        .find(|a| a.item.is_some())
        .expect("a pending partnership with a package");
    let before = csr.partner(&item.partner.id).await.unwrap();
    csr.approve(
        &item.id,
        &DecisionKey::new(item.version),
        &ApproveBody::default(),
    )
    .await
    .unwrap();
    let after = csr.partner(&item.partner.id).await.unwrap();
    if after.summary.package != before.summary.package
        || after.summary.status != before.summary.status
    {
        assert_eq!(after.summary.version, before.summary.version + 1);
        let patch = PartnerPatch::default().set(ProfileField::City, "Lille");
        let e = csr
            .update_partner(&item.partner.id, before.summary.version, &patch)
            .await
            .unwrap_err();
        assert_eq!(
            problem(&e).status,
            412,
            "an edit of the old version is stale"
        );
    }
}

const RECORD_SEED: &str = r#"{
  "users": [{"name": "ana", "email": "ana@x.example", "role": "csr", "token": "ana-token-1"}],
  "partners": [
    {"id": "p1", "name": "One", "status": "active",
     "contact": {"email": "one@x.example", "time_zone": "Europe/Berlin",
                 "address": {"line1": "Torstraße 1", "city": "Berlin", "postal_code": "10119",
                             "country": "DE"}},
     "notes": "Key account.",
     "members": [{"login": "kim", "first_name": "Kim", "last_name": "Lee",
                  "email": "kim@x.example"},
                 {"id": "m2", "login": "ola", "active": false}]},
    {"id": "p2", "name": "Two", "status": "active",
     "contact": {"email": "two@x.example", "address": "350 5th Ave, New York, NY 10118, USA"}}
  ],
  "voucher_batches": [
    {"id": "b1", "name": "Spring", "exams": ["EX-1"], "expires_on": "2099-01-31",
     "value": {"percent": 50}, "counts": {"total": 10, "used": 3}, "partner": "One"},
    {"name": "Gift", "expires_on": "2020-01-31", "last_exam_on": "2020-03-31",
     "value": {"money": {"amount_minor": 5000, "currency": "EUR"}},
     "counts": {"total": 5, "used": 1, "expired": 4}}
  ]
}"#;

async fn seeded(text: &str) -> Result<(TempDir, partner_console::server::RunningServer), String> {
    let dir = TempDir::new("records");
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, text).unwrap();
    let started = launch(
        &dir.path().join("pc.db"),
        SeedSource::File(seed),
        Duration::from_secs(60),
    )
    .await;
    started.map(|s| (dir, s)).map_err(|e| format!("{e:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_file_carries_addresses_members_and_batches() {
    let (_dir, srv) = seeded(RECORD_SEED).await.expect("imports");
    let api = support::client_for(&srv.url(), "ana-token-1");
    let one = api.partner("p1").await.unwrap();
    assert_eq!(one.contact.address.city, "Berlin");
    assert_eq!(one.notes, "Key account.");
    let two = api.partner("p2").await.unwrap();
    assert_eq!(
        two.contact.address.region, "NY",
        "a line is split like the migration"
    );
    assert_eq!(two.contact.time_zone, "UTC");
    let members = api.members("p1", None, None).await.unwrap().items;
    let logins: Vec<(&str, bool)> = members
        .iter()
        .map(|m| (m.login.as_str(), m.active))
        .collect();
    assert_eq!(logins, [("kim", true), ("ola", false)]);
    let batches = api
        .voucher_batches(&VoucherBatchQuery::default())
        .await
        .unwrap()
        .items;
    assert_eq!(batches.len(), 2);
    let gift = &batches[0];
    assert_eq!(gift.value, VoucherValue::Money(Money::new(5000, "EUR")));
    assert_eq!(gift.counts.unused, 0);
    assert_eq!(
        batches[1].partner.as_ref().map(|p| p.id.as_str()),
        Some("p1")
    );

    for (bad, place) in [
        (
            RECORD_SEED.replace("\"used\": 3", "\"used\": 30"),
            "voucher_batches[0].counts",
        ),
        (
            RECORD_SEED.replace("\"percent\": 50", "\"percent\": 0"),
            "voucher_batches[0].value.percent",
        ),
        (
            RECORD_SEED.replace("\"partner\": \"One\"", "\"partner\": \"Nobody\""),
            "voucher_batches[0].partner",
        ),
    ] {
        let Err(err) = seeded(&bad).await else {
            panic!("{place}: imported")
        };
        assert!(err.contains(place), "{place}: {err}");
    }
}
