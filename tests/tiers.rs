//! Tiers and campaigns over real HTTP (RECORDS.md §3, seed 000): each rule of a period's write
//! (`expires_before_start`, `assignment_overlap` with its edges, `outside_campaign_window`,
//! `tiers_disabled`, 428/412, idempotent creates under retries), states derived from the
//! server's clock at their exact instants (the clock is set, never slept on), a partner's
//! products against a table of cases, `/expiring`'s order, window and pages, who may write,
//! the audit and `record.changed`, the seeds. Through the crate's client where it has the
//! call (so the console's side of the contract is exercised too), raw requests where a header
//! or a body must be wrong on purpose.
#![cfg(feature = "server")]

mod support;

use chrono::{DateTime, Duration, Utc};
use partner_console::client::{Api, ApiError, EventStream, HttpApi, StreamItem};
use partner_console::domain::*;
use partner_console::server::{Clock, RunningServer, SeedSource};
use reqwest::Method;
use serde_json::{Value, json};
use support::{TempDir, client_for, launch_at};

/// Three users, two partners, three tiers, three products, two campaigns; tiers enabled.
const WORLD: &str = r#"{
  "users": [
    {"name": "root", "email": "root@hq.example", "role": "admin", "token": "tok-admin"},
    {"name": "carl", "email": "carl@hq.example", "role": "csr", "token": "tok-csr-1"},
    {"name": "vera", "email": "vera@hq.example", "role": "viewer", "token": "tok-viewer"}
  ],
  "distributors": [{"id": "d1", "name": "One Distribution"}],
  "partners": [
    {"id": "p1", "distributor_id": "d1", "name": "Alpha", "status": "active",
     "contact": {"email": "hi@alpha.example"}},
    {"id": "p2", "distributor_id": "d1", "name": "Beta", "status": "active",
     "contact": {"email": "hi@beta.example"}}
  ],
  "settings": {"tiers_enabled": true},
  "tiers": [
    {"id": "gold", "name": "Gold", "precedence": 2},
    {"id": "platinum", "name": "Platinum", "precedence": 1},
    {"id": "silver", "name": "Silver", "precedence": 3}
  ],
  "products": [
    {"id": "anyone", "name": "Anyone"},
    {"id": "gold_up", "name": "Gold and up", "tier_precedence": 2},
    {"id": "top", "name": "Top only", "tier_precedence": 1}
  ],
  "campaigns": [
    {"id": "winter", "name": "Winter", "starts_at": "2026-12-01T00:00:00Z",
     "expires_at": "2027-01-01T00:00:00Z"},
    {"id": "always", "name": "Always", "starts_at": "2026-01-01T00:00:00Z"}
  ]
}"#;

const ADMIN: &str = "tok-admin";
const CSR: &str = "tok-csr-1";
const VIEWER: &str = "tok-viewer";
const TIER: PeriodKind = PeriodKind::TierAssignment;
const LINK: PeriodKind = PeriodKind::CampaignLink;

/// `2026-12-01`, or a full RFC 3339 time.
fn t(s: &str) -> DateTime<Utc> {
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    DateTime::parse_from_rfc3339(&full)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

struct World {
    _dir: TempDir,
    server: RunningServer,
    clock: Clock,
    http: reqwest::Client,
}

/// A response as the server sent it.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// `field code` of each error, in order.
    fn errors(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| format!("{} {}", e["field"].as_str().unwrap(), e["code"]))
                    .map(|s| s.replace('"', ""))
                    .collect()
            })
            .unwrap_or_default()
    }
}

async fn seeded(text: &str, now: DateTime<Utc>) -> Result<World, String> {
    let dir = TempDir::new("tiers");
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, text).unwrap();
    let clock = Clock::fixed(now);
    let server = launch_at(
        &dir.path().join("pc.db"),
        SeedSource::File(seed),
        clock.clone(),
    )
    .await
    .map_err(|e| format!("{e:#}"))?;
    Ok(World {
        _dir: dir,
        server,
        clock,
        http: reqwest::Client::new(),
    })
}

/// The world at 2026-12-10, midnight UTC.
async fn world() -> World {
    seeded(WORLD, t("2026-12-10"))
        .await
        .expect("the world seeds")
}

impl World {
    fn api(&self, token: &str) -> HttpApi {
        client_for(&self.server.url(), token)
    }

    fn set(&self, now: &str) {
        self.clock.set(t(now));
    }

    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.server.url()))
            .bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("the server answers");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, token: &str, path: &str) -> Answer {
        self.call(token, Method::GET, path, &[], None).await
    }

    /// `POST /partners/{partner}/{collection}` with a new key.
    async fn post(&self, token: &str, kind: PeriodKind, partner: &str, body: Value) -> Answer {
        let key = uuid::Uuid::new_v4().to_string();
        let path = format!("/partners/{partner}/{}", kind.collection());
        self.call(
            token,
            Method::POST,
            &path,
            &[("idempotency-key", key)],
            Some(body),
        )
        .await
    }

    /// `POST path` as the CSR with the idempotency `key`.
    async fn post_keyed(&self, path: &str, key: &str, body: Value) -> Answer {
        self.call(
            CSR,
            Method::POST,
            path,
            &[("idempotency-key", key.to_string())],
            Some(body),
        )
        .await
    }

    /// A tier assignment or a link from `starts` to `expires` (`None`: no expiry), made by the
    /// CSR through the client.
    async fn add(
        &self,
        kind: PeriodKind,
        partner: &str,
        what: &str,
        starts: &str,
        expires: Option<&str>,
    ) -> Result<Period, ApiError> {
        let key = uuid::Uuid::new_v4().to_string();
        self.api(CSR)
            .create_period(kind, partner, &key, what, t(starts), expires.map(t))
            .await
            .map(|saved| saved.record)
    }

    async fn periods(&self, kind: PeriodKind, partner: &str) -> Vec<Period> {
        self.api(VIEWER)
            .periods(kind, partner)
            .await
            .expect("periods")
            .items
    }

    async fn products(&self, partner: &str) -> PartnerProducts {
        self.api(VIEWER)
            .partner_products(partner)
            .await
            .expect("products")
    }

    /// `GET /expiring` as the ids of its rows, every page of `limit`.
    async fn expiring(&self, within_days: Option<u32>, limit: u32) -> Vec<String> {
        let mut query = ExpiringQuery {
            within_days,
            cursor: None,
            limit: Some(limit),
        };
        let mut ids = Vec::new();
        loop {
            let page = self.api(CSR).expiring(&query).await.expect("expiring");
            assert!(page.items.len() <= limit as usize);
            ids.extend(page.items.iter().map(|p| p.id().to_string()));
            match page.next_cursor {
                Some(c) => query.cursor = Some(c),
                None => return ids,
            }
        }
    }

    /// The audit entries about the record `id`, newest first.
    async fn audit_about(&self, id: &str) -> Vec<AuditEntry> {
        self.api(ADMIN)
            .audit(None, Some(500))
            .await
            .expect("audit")
            .items
            .into_iter()
            .filter(|e| e.subject_ref.as_ref().is_some_and(|s| s.id == id))
            .collect()
    }
}

fn problem(r: Result<Period, ApiError>) -> Problem {
    match r {
        Ok(p) => panic!("expected a refusal, got {p:?}"),
        Err(e) => e
            .problem()
            .cloned()
            .unwrap_or_else(|| panic!("expected a problem, got {e:?}")),
    }
}

fn field_codes(p: &Problem) -> Vec<String> {
    p.errors
        .iter()
        .map(|e| format!("{} {}", e.field, e.code))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expiry_must_come_after_the_start() {
    let w = world().await;
    for expires in ["2026-12-01", "2026-11-30"] {
        let p = problem(w.add(TIER, "p1", "gold", "2026-12-01", Some(expires)).await);
        assert_eq!((p.status, p.code.as_str()), (422, "expires_before_start"));
        assert_eq!(field_codes(&p), ["/expires_at expires_before_start"]);
        let p = problem(
            w.add(LINK, "p1", "winter", "2026-12-01", Some(expires))
                .await,
        );
        assert_eq!(p.code, "expires_before_start", "a link too");
    }
    // A change is judged on the dates it leaves.
    let a = w
        .add(TIER, "p1", "gold", "2026-12-01", Some("2026-12-20"))
        .await
        .unwrap();
    let patch = DatesPatch {
        starts_at: Some(t("2026-12-20")),
        expires_at: None,
    };
    let e = w
        .api(CSR)
        .update_period(TIER, a.id(), a.version(), &patch)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("expires_before_start"));
    assert!(w.periods(LINK, "p1").await.is_empty(), "nothing saved");
}

#[tokio::test(flavor = "multi_thread")]
async fn tier_assignments_may_not_overlap_but_may_touch() {
    let w = world().await;
    let december = w
        .add(TIER, "p1", "gold", "2026-12-01", Some("2027-01-01"))
        .await
        .unwrap();
    // Ending exactly when the next starts is no overlap, either way round.
    w.add(TIER, "p1", "silver", "2027-01-01", Some("2027-02-01"))
        .await
        .expect("starts when December ends");
    w.add(TIER, "p1", "silver", "2026-11-01", Some("2026-12-01"))
        .await
        .expect("ends when December starts");
    // Inside, across the end, without an end, around: each names the first it overlaps.
    let gold = "Overlaps Gold from 2026-12-01 to 2027-01-01.";
    for (starts, expires, named) in [
        ("2026-12-10", Some("2026-12-20"), gold),
        ("2026-12-15", Some("2027-01-15"), gold),
        ("2026-12-31T23:59:59Z", None, gold),
        (
            "2026-10-01",
            Some("2027-03-01"),
            "Overlaps Silver from 2026-11-01 to 2026-12-01.",
        ),
    ] {
        let p = problem(w.add(TIER, "p1", "platinum", starts, expires).await);
        assert_eq!((p.status, p.code.as_str()), (409, "assignment_overlap"));
        assert_eq!(p.detail, named, "{starts} to {expires:?}");
    }
    let p = problem(
        w.add(TIER, "p1", "platinum", "2026-12-10", Some("2026-12-20"))
            .await,
    );
    assert_eq!(
        p.overlapping.unwrap().id,
        december.id(),
        "the other, attached"
    );

    // No expiry overlaps everything after its start, however far.
    let open = w
        .add(TIER, "p1", "platinum", "2027-03-01", None)
        .await
        .unwrap();
    let p = problem(
        w.add(TIER, "p1", "gold", "2030-01-01", Some("2030-02-01"))
            .await,
    );
    assert_eq!(p.overlapping.as_ref().unwrap().id, open.id());
    assert_eq!(
        p.detail,
        "Overlaps Platinum from 2027-03-01, without expiry."
    );
    w.add(TIER, "p1", "gold", "2027-02-01", Some("2027-03-01"))
        .await
        .expect("the gap before it");
    // Another partner's assignments are no concern.
    w.add(TIER, "p2", "gold", "2026-12-01", None).await.unwrap();

    // A change may not make one either, and a period does not overlap itself.
    let api = w.api(CSR);
    let later = DatesPatch {
        starts_at: None,
        expires_at: Some(Some(t("2027-01-15"))),
    };
    let e = api
        .update_period(TIER, december.id(), december.version(), &later)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("assignment_overlap"));
    let same_end_earlier_start = DatesPatch {
        starts_at: Some(t("2026-12-05")),
        expires_at: None,
    };
    let saved = api
        .update_period(
            TIER,
            december.id(),
            december.version(),
            &same_end_earlier_start,
        )
        .await
        .expect("it may move within its own time");
    assert_eq!(saved.record.starts_at(), t("2026-12-05"));
    assert_eq!(saved.record.version(), december.version() + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_lies_inside_its_campaign() {
    let w = world().await;
    let refused = |r: Result<Period, ApiError>| {
        let p = problem(r);
        assert_eq!(
            (p.status, p.code.as_str()),
            (422, "outside_campaign_window")
        );
        field_codes(&p)
    };
    assert_eq!(
        refused(
            w.add(LINK, "p1", "winter", "2026-11-30", Some("2026-12-20"))
                .await
        ),
        ["/starts_at outside_campaign_window"]
    );
    assert_eq!(
        refused(
            w.add(LINK, "p1", "winter", "2026-12-05", Some("2027-01-02"))
                .await
        ),
        ["/expires_at outside_campaign_window"]
    );
    assert_eq!(
        refused(w.add(LINK, "p1", "winter", "2026-12-05", None).await),
        ["/expires_at outside_campaign_window"],
        "no expiry is outside a campaign that has one"
    );
    assert_eq!(
        refused(w.add(LINK, "p1", "winter", "2026-11-01", None).await),
        [
            "/starts_at outside_campaign_window",
            "/expires_at outside_campaign_window"
        ],
        "every end at once"
    );
    let whole = w
        .add(LINK, "p1", "winter", "2026-12-01", Some("2027-01-01"))
        .await
        .expect("the campaign's own dates");
    w.add(LINK, "p1", "always", "2026-06-01", None)
        .await
        .expect("no expiry in a campaign without one");
    let e = w
        .api(CSR)
        .update_period(
            LINK,
            whole.id(),
            whole.version(),
            &DatesPatch {
                starts_at: None,
                expires_at: Some(None),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("outside_campaign_window"));
    // Links do not exclude one another: the overlap rule is the tiers'.
    w.add(LINK, "p1", "winter", "2026-12-10", Some("2026-12-20"))
        .await
        .expect("a second link");
    let unknown = problem(w.add(LINK, "p1", "summer", "2026-12-10", None).await);
    assert_eq!((unknown.status, unknown.code.as_str()), (404, "not_found"));
    let nobody = problem(w.add(LINK, "p9", "winter", "2026-12-10", None).await);
    assert_eq!(nobody.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn while_tiers_are_disabled_tier_assignments_wait_and_products_fail_closed() {
    let w = world().await;
    let gold = w.add(TIER, "p1", "gold", "2026-12-01", None).await.unwrap();
    let settings = w.get(VIEWER, "/settings").await;
    assert_eq!(settings.body, json!({"tiers_enabled": true, "version": 1}));
    assert_eq!(settings.headers["etag"], "\"1\"");
    let off = w
        .call(
            ADMIN,
            Method::PATCH,
            "/settings",
            &[("if-match", "\"1\"".into())],
            Some(json!({"tiers_enabled": false})),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.body["tiers_enabled"], false);
    assert_eq!(off.headers["etag"], "\"2\"");

    let p = problem(w.add(TIER, "p1", "gold", "2027-06-01", None).await);
    assert_eq!((p.status, p.code.as_str()), (409, "tiers_disabled"));
    let api = w.api(CSR);
    let patch = DatesPatch {
        starts_at: None,
        expires_at: Some(Some(t("2027-01-01"))),
    };
    let e = api
        .update_period(TIER, gold.id(), gold.version(), &patch)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("tiers_disabled"));
    let e = api
        .delete_period(TIER, gold.id(), gold.version())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("tiers_disabled"));
    // Reads still read; campaign links are no tiers' business.
    assert_eq!(w.periods(TIER, "p1").await.len(), 1);
    w.add(LINK, "p1", "always", "2026-12-01", None)
        .await
        .expect("links still work");
    // No tier is in effect: nothing is available, not even to every tier.
    let products = w.products("p1").await;
    assert_eq!(products.tier, None);
    assert!(
        products
            .products
            .iter()
            .all(|p| !p.available && p.reason == Some(Unavailable::NoActiveTier)),
        "{products:?}"
    );

    let on = w
        .call(
            ADMIN,
            Method::PATCH,
            "/settings",
            &[("if-match", "\"2\"".into())],
            Some(json!({"tiers_enabled": true})),
        )
        .await;
    assert_eq!(on.status, 200);
    assert_eq!(
        w.products("p1").await.tier.map(|a| a.id),
        Some(gold.id().to_string())
    );
    // A stale version, a body that is not the settings.
    let stale = w
        .call(
            ADMIN,
            Method::PATCH,
            "/settings",
            &[("if-match", "\"1\"".into())],
            Some(json!({"tiers_enabled": false})),
        )
        .await;
    assert_eq!((stale.status, stale.code()), (412, "version_mismatch"));
    assert_eq!(
        stale.body["settings"],
        json!({"tiers_enabled": true, "version": 3})
    );
    for (body, status) in [
        (json!({"tiers_enabled": "no"}), 422),
        (json!({"tiers_enabled": null}), 422),
        (json!({"tiers": true}), 400),
    ] {
        let a = w
            .call(
                ADMIN,
                Method::PATCH,
                "/settings",
                &[("if-match", "\"3\"".into())],
                Some(body.clone()),
            )
            .await;
        assert_eq!(a.status, status, "{body}: {}", a.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_or_a_delete_needs_the_version_read() {
    let w = world().await;
    let link = w
        .add(LINK, "p1", "winter", "2026-12-01", Some("2026-12-20"))
        .await
        .unwrap();
    let path = format!("/campaign_links/{}", link.id());
    let body = json!({"expires_at": "2026-12-25T00:00:00Z"});
    let none = w
        .call(CSR, Method::PATCH, &path, &[], Some(body.clone()))
        .await;
    assert_eq!((none.status, none.code()), (428, "precondition_required"));
    let none = w.call(CSR, Method::DELETE, &path, &[], None).await;
    assert_eq!(none.status, 428);
    let bad = w
        .call(
            CSR,
            Method::DELETE,
            &path,
            &[("if-match", "1".into())],
            None,
        )
        .await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_if_match"));

    let ok = w
        .call(
            CSR,
            Method::PATCH,
            &path,
            &[("if-match", "\"1\"".into())],
            Some(body.clone()),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.headers["etag"], "\"2\"");
    assert_eq!(ok.body["expires_at"], "2026-12-25T00:00:00Z");
    assert_eq!(ok.body["warnings"], json!([]));
    assert!(
        ok.body.get("kind").is_none(),
        "its collection says its kind"
    );
    for method in [Method::PATCH, Method::DELETE] {
        let stale = w
            .call(
                CSR,
                method.clone(),
                &path,
                &[("if-match", "\"1\"".into())],
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (stale.status, stale.code()),
            (412, "version_mismatch"),
            "{method}"
        );
        assert_eq!(stale.body["campaign_link"]["version"], 2);
        assert_eq!(
            stale.body["campaign_link"]["expires_at"],
            "2026-12-25T00:00:00Z"
        );
    }
    // A patch that changes nothing answers the link as it is.
    let same = w
        .call(
            CSR,
            Method::PATCH,
            &path,
            &[("if-match", "\"2\"".into())],
            Some(body),
        )
        .await;
    assert_eq!((same.status, same.body["version"].as_i64()), (200, Some(2)));
    // What a patch may not say.
    for (body, status, codes) in [
        (json!({"campaign_id": "always"}), 400, vec![]),
        (json!({"starts_at": null}), 422, vec!["/starts_at required"]),
        (
            json!({"starts_at": "soon", "expires_at": 5}),
            422,
            vec!["/starts_at invalid_date", "/expires_at invalid_type"],
        ),
    ] {
        let a = w
            .call(
                CSR,
                Method::PATCH,
                &path,
                &[("if-match", "\"2\"".into())],
                Some(body),
            )
            .await;
        assert_eq!(a.status, status, "{}", a.body);
        assert_eq!(a.errors(), codes);
    }
    let missing = w
        .call(
            CSR,
            Method::PATCH,
            "/tier_assignments/ta_nope",
            &[("if-match", "\"1\"".into())],
            Some(json!({})),
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_retried_makes_one_period() {
    let w = world().await;
    let body = json!({"tier_id": "gold", "starts_at": "2026-12-01T00:00:00Z"});
    let key = uuid::Uuid::new_v4().to_string();
    let send = |body: Value| w.post_keyed("/partners/p1/tier_assignments", &key, body);
    let (a, b, c) = tokio::join!(send(body.clone()), send(body.clone()), send(body.clone()));
    for x in [&a, &b, &c] {
        assert_eq!(x.status, 201, "{}", x.body);
        assert_eq!(x.body["id"], a.body["id"]);
        assert_eq!(x.headers["etag"], "\"1\"");
    }
    let replays = [&a, &b, &c]
        .iter()
        .filter(|x| x.headers.get("idempotent-replayed").is_some())
        .count();
    assert_eq!(replays, 2, "one made it, two were answered with it");
    assert_eq!(w.periods(TIER, "p1").await.len(), 1);
    let other = send(json!({"tier_id": "silver", "starts_at": "2026-12-01T00:00:00Z"})).await;
    assert_eq!(
        (other.status, other.code()),
        (422, "idempotency_key_reused")
    );
    // A refusal is not kept: corrected, the same key makes it.
    let key = uuid::Uuid::new_v4().to_string();
    let post = |body: Value| w.post_keyed("/partners/p2/campaign_links", &key, body);
    let first = post(
        json!({"campaign_id": "winter", "starts_at": "2026-11-01T00:00:00Z",
                            "expires_at": "2026-12-15T00:00:00Z"}),
    )
    .await;
    assert_eq!(first.code(), "outside_campaign_window");
    let fixed = post(
        json!({"campaign_id": "winter", "starts_at": "2026-12-01T00:00:00Z",
                            "expires_at": "2026-12-15T00:00:00Z"}),
    )
    .await;
    assert_eq!(fixed.status, 201, "{}", fixed.body);
    // Without a key, or a body of the wrong shape.
    let no_key = w
        .call(
            CSR,
            Method::POST,
            "/partners/p1/tier_assignments",
            &[],
            Some(body),
        )
        .await;
    assert_eq!(
        (no_key.status, no_key.code()),
        (400, "idempotency_key_required")
    );
    let a = w
        .post(CSR, TIER, "p1", json!({"tier_id": 7, "expires_at": "2027"}))
        .await;
    assert_eq!(
        (a.status, a.errors()),
        (
            422,
            vec![
                "/tier_id invalid_type".to_string(),
                "/starts_at required".into(),
                "/expires_at invalid_date".into()
            ]
        )
    );
    let a = w
        .post(
            CSR,
            TIER,
            "p1",
            json!({"tier_id": "gold", "starts_at": "2026-12-01T00:00:00Z", "campaign_id": "x"}),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "invalid_body"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_periods_state_follows_the_clock_to_the_instant() {
    let w = world().await;
    let a = w
        .add(TIER, "p1", "gold", "2026-12-20", Some("2026-12-25"))
        .await
        .unwrap();
    let state = || async { w.periods(TIER, "p1").await[0].state() };
    let ms = Duration::milliseconds(1);
    assert_eq!(a.state(), AssignmentState::Scheduled, "at the 10th");
    for (now, expected) in [
        (t("2026-12-20") - ms, AssignmentState::Scheduled),
        (t("2026-12-20"), AssignmentState::Active),
        (t("2026-12-25") - ms, AssignmentState::Active),
        (t("2026-12-25"), AssignmentState::Expired),
        (t("2027-06-01"), AssignmentState::Expired),
    ] {
        w.clock.set(now);
        assert_eq!(state().await, expected, "at {now}");
        let tier = w.products("p1").await.tier.map(|a| a.state);
        let active = expected == AssignmentState::Active;
        assert_eq!(tier, active.then_some(AssignmentState::Active), "at {now}");
    }
    // An offset is a zone, not another time.
    w.clock.set(t("2026-12-19T23:30:00Z"));
    let b = w
        .post(
            CSR,
            LINK,
            "p1",
            json!({"campaign_id": "always", "starts_at": "2026-12-20T00:00:00+01:00"}),
        )
        .await;
    assert_eq!(b.status, 201, "{}", b.body);
    assert_eq!(b.body["starts_at"], "2026-12-19T23:00:00Z");
    assert_eq!(b.body["state"], "active");
}

/// (now, the tier the products see, each product's availability: anyone, gold_up, top)
type Case = (
    &'static str,
    Option<&'static str>,
    [Result<(), Unavailable>; 3],
);

#[tokio::test(flavor = "multi_thread")]
async fn a_partners_products_against_a_table_of_cases() {
    let w = world().await;
    // Silver in November, Gold to the 20th of December, nothing until Platinum from January.
    w.add(TIER, "p1", "silver", "2026-11-01", Some("2026-12-01"))
        .await
        .unwrap();
    w.add(TIER, "p1", "gold", "2026-12-01", Some("2026-12-20"))
        .await
        .unwrap();
    w.add(TIER, "p1", "platinum", "2027-01-01", None)
        .await
        .unwrap();
    let too_low = |tier, product| {
        Err(Unavailable::PrecedenceTooLow {
            tier_precedence: tier,
            product_precedence: product,
        })
    };
    let expired = || {
        Err(Unavailable::TierExpired {
            expired_at: t("2026-12-20"),
        })
    };
    let cases: Vec<Case> = vec![
        (
            "2026-10-15",
            None,
            [
                Err(Unavailable::NoActiveTier),
                Err(Unavailable::NoActiveTier),
                Err(Unavailable::NoActiveTier),
            ],
        ),
        (
            "2026-11-15",
            Some("Silver"),
            [Ok(()), too_low(3, 2), too_low(3, 1)],
        ),
        ("2026-12-10", Some("Gold"), [Ok(()), Ok(()), too_low(2, 1)]),
        ("2026-12-20", None, [expired(), expired(), expired()]),
        (
            "2026-12-31T23:59:59Z",
            None,
            [expired(), expired(), expired()],
        ),
        ("2027-01-01", Some("Platinum"), [Ok(()), Ok(()), Ok(())]),
    ];
    for (now, tier, expected) in cases {
        w.set(now);
        let got = w.products("p1").await;
        assert_eq!(
            got.tier.as_ref().map(|a| a.tier.name.as_str()),
            tier,
            "at {now}"
        );
        let by_id: Vec<(&str, Result<(), Unavailable>)> = got
            .products
            .iter()
            .map(|p| {
                let judged = match &p.reason {
                    None => Ok(()),
                    Some(r) => Err(r.clone()),
                };
                assert_eq!(p.available, judged.is_ok());
                (p.product.id.as_str(), judged)
            })
            .collect();
        // By name: Anyone, Gold and up, Top only.
        let want: Vec<(&str, Result<(), Unavailable>)> = ["anyone", "gold_up", "top"]
            .into_iter()
            .zip(expected)
            .collect();
        assert_eq!(by_id, want, "at {now}");
    }
    let none = w.get(VIEWER, "/partners/p9/products").await;
    assert_eq!(none.status, 404);
    let catalogue = w.get(VIEWER, "/products").await;
    assert_eq!(catalogue.body["items"][0]["tier_precedence"], Value::Null);
    assert_eq!(catalogue.body["next_cursor"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn expiring_lists_the_soonest_ends_within_the_window_a_page_at_a_time() {
    let w = world().await;
    let id = |p: Period| p.id().to_string();
    // At the 10th: ends on the 12th (link), the 15th (tier, p2), the 17th (scheduled link),
    // the 9th (over), in January (past a week), never.
    let soon = id(w
        .add(LINK, "p1", "winter", "2026-12-01", Some("2026-12-12"))
        .await
        .unwrap());
    let tier = id(w
        .add(TIER, "p2", "gold", "2026-12-01", Some("2026-12-15"))
        .await
        .unwrap());
    let scheduled = id(w
        .add(LINK, "p2", "winter", "2026-12-16", Some("2026-12-17"))
        .await
        .unwrap());
    w.add(TIER, "p1", "silver", "2026-12-01", Some("2026-12-09"))
        .await
        .unwrap();
    let january = id(w
        .add(TIER, "p1", "gold", "2026-12-09", Some("2027-01-05"))
        .await
        .unwrap());
    w.add(LINK, "p1", "always", "2026-12-01", None)
        .await
        .unwrap();
    let same_end = id(w
        .add(LINK, "p1", "winter", "2026-12-02", Some("2026-12-12"))
        .await
        .unwrap());
    let mut first_two = vec![soon.clone(), same_end.clone()];
    first_two.sort(); // an end shared: by id
    let week: Vec<String> = first_two
        .iter()
        .cloned()
        .chain([tier.clone(), scheduled.clone()])
        .collect();
    assert_eq!(w.expiring(Some(7), 50).await, week);
    assert_eq!(w.expiring(Some(7), 1).await, week, "page by page, the same");
    let month: Vec<String> = week.iter().cloned().chain([january.clone()]).collect();
    assert_eq!(w.expiring(None, 2).await, month, "30 days by default");
    // Rows say their kind.
    let rows = w.get(CSR, "/expiring?within_days=7").await.body;
    let kinds: Vec<&str> = rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "campaign_link",
            "campaign_link",
            "tier_assignment",
            "campaign_link"
        ]
    );
    // The window is the clock's: on the 12th, what ended then is over and gone.
    w.set("2026-12-12");
    assert_eq!(
        w.expiring(Some(7), 50).await,
        [tier.clone(), scheduled.clone()]
    );
    w.set("2026-12-10");

    // A cursor belongs to its window; the window is 1 to 365 days.
    let page = w.get(CSR, "/expiring?within_days=7&limit=1").await.body;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let other = w
        .get(
            CSR,
            &format!("/expiring?within_days=30&limit=1&cursor={cursor}"),
        )
        .await;
    assert_eq!((other.status, other.code()), (400, "invalid_cursor"));
    for bad in ["0", "366", "x", "", "-1"] {
        let a = w.get(CSR, &format!("/expiring?within_days={bad}")).await;
        assert_eq!((a.status, a.code()), (400, "invalid_parameter"), "{bad:?}");
    }
    assert_eq!(w.get(CSR, "/expiring?within_days=365").await.status, 200);

    // A deleted partner's periods leave every list.
    for (path, body) in [
        ("/partners/p2/suspend", Some(json!({"reason": "Closing"}))),
        ("/partners/p2", None),
    ] {
        let version = w.get(ADMIN, "/partners/p2").await.headers["etag"]
            .to_str()
            .unwrap()
            .to_string();
        let method = if body.is_some() {
            Method::POST
        } else {
            Method::DELETE
        };
        let a = w
            .call(ADMIN, method, path, &[("if-match", version)], body)
            .await;
        assert!(a.status < 300, "{path}: {}", a.body);
    }
    assert_eq!(w.expiring(Some(7), 50).await, first_two);
    assert_eq!(
        w.get(CSR, "/partners/p2/tier_assignments").await.status,
        404
    );
    let gone = w
        .call(
            CSR,
            Method::DELETE,
            &format!("/tier_assignments/{tier}"),
            &[("if-match", "\"1\"".into())],
            None,
        )
        .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn viewers_read_csrs_write_and_only_administrators_change_the_settings() {
    let w = world().await;
    for path in [
        "/settings",
        "/tiers",
        "/products",
        "/campaigns",
        "/partners/p1/tier_assignments",
        "/partners/p1/campaign_links",
        "/partners/p1/products",
        "/expiring",
    ] {
        let a = w.get(VIEWER, path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.body);
    }
    let tiers = w.get(VIEWER, "/tiers").await.body;
    let names: Vec<&str> = tiers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Platinum", "Gold", "Silver"], "by precedence");

    let body = json!({"tier_id": "gold", "starts_at": "2026-12-01T00:00:00Z"});
    let a = w.post(VIEWER, TIER, "p1", body.clone()).await;
    assert_eq!((a.status, a.code()), (403, "forbidden"));
    let a = w.post(ADMIN, TIER, "p1", body).await;
    assert_eq!(a.status, 201, "an administrator is a CSR too");
    let id = a.body["id"].as_str().unwrap().to_string();
    for method in [Method::PATCH, Method::DELETE] {
        let a = w
            .call(
                VIEWER,
                method,
                &format!("/tier_assignments/{id}"),
                &[("if-match", "\"1\"".into())],
                Some(json!({"expires_at": null})),
            )
            .await;
        assert_eq!(a.status, 403);
    }
    for token in [VIEWER, CSR] {
        let a = w
            .call(
                token,
                Method::PATCH,
                "/settings",
                &[("if-match", "\"1\"".into())],
                Some(json!({"tiers_enabled": false})),
            )
            .await;
        assert_eq!((a.status, a.code()), (403, "forbidden"), "{token}");
    }
    assert_eq!(w.get(VIEWER, "/settings").await.body["tiers_enabled"], true);
}

async fn connected(api: &dyn Api) -> EventStream {
    let mut events = api.events();
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while !matches!(events.next().await, Some(StreamItem::Connected)) {}
    })
    .await
    .expect("the event stream connects");
    events
}

/// The next two `record.changed` on `events`: the period's, then its partner's.
async fn two_changes(events: &mut EventStream) -> Vec<(String, String)> {
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut out = Vec::new();
        while out.len() < 2 {
            match events.next().await {
                Some(StreamItem::Event {
                    event: ServerEvent::RecordChanged(r),
                    ..
                }) => out.push((r.kind, r.id)),
                Some(_) => {}
                None => panic!("the event stream ended"),
            }
        }
        out
    })
    .await
    .expect("record.changed arrives within 5 s")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_write_is_audited_once_and_announced_for_the_period_and_its_partner() {
    let w = world().await;
    let api = w.api(CSR);
    let mut events = connected(&api).await;
    let a = w
        .add(TIER, "p1", "gold", "2026-12-01", Some("2026-12-20"))
        .await
        .unwrap();
    let id = a.id().to_string();
    let changed = |kind: &str| {
        vec![
            (kind.to_string(), id.clone()),
            ("partner".into(), "p1".into()),
        ]
    };
    assert_eq!(two_changes(&mut events).await, changed("tier_assignment"));
    let patch = DatesPatch {
        starts_at: None,
        expires_at: Some(None),
    };
    api.update_period(TIER, &id, 1, &patch).await.unwrap();
    assert_eq!(two_changes(&mut events).await, changed("tier_assignment"));
    // Active at the 10th: a delete ends it now, and it stays in the partner's history.
    api.delete_period(TIER, &id, 2).await.unwrap();
    assert_eq!(two_changes(&mut events).await, changed("tier_assignment"));
    let ended = &w.periods(TIER, "p1").await[0];
    assert_eq!(
        (ended.state(), ended.expires_at(), ended.version()),
        (AssignmentState::Expired, Some(t("2026-12-10")), 3)
    );
    // Expired now: a delete deletes it.
    api.delete_period(TIER, &id, 3).await.unwrap();
    assert_eq!(two_changes(&mut events).await, changed("tier_assignment"));
    assert!(w.periods(TIER, "p1").await.is_empty());

    let entries = w.audit_about(&id).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "tier_assignment.deleted",
            "tier_assignment.ended",
            "tier_assignment.updated",
            "tier_assignment.created"
        ]
    );
    for e in &entries {
        assert_eq!(e.actor, "carl");
        assert_eq!(e.subject.as_deref(), Some("Gold tier of Alpha"));
        assert!(e.detail.starts_with("Alpha: "), "{}", e.detail);
        assert_eq!(e.subject_ref.as_ref().unwrap().kind, "tier_assignment");
    }
    let change = |e: &AuditEntry, field: &str| {
        e.changes
            .iter()
            .find(|c| c.field == field)
            .map(|c| (c.before.clone(), c.after.clone()))
    };
    let stamp = |s: &str| Some(s.to_string());
    assert_eq!(
        change(&entries[3], "/starts_at"),
        Some((None, stamp("2026-12-01T00:00:00.000Z")))
    );
    assert_eq!(change(&entries[3], "/tier_id"), Some((None, stamp("gold"))));
    assert_eq!(
        change(&entries[2], "/expires_at"),
        Some((stamp("2026-12-20T00:00:00.000Z"), None))
    );
    assert_eq!(change(&entries[2], "/starts_at"), None, "only what changed");
    assert_eq!(
        change(&entries[1], "/expires_at"),
        Some((None, stamp("2026-12-10T00:00:00.000Z")))
    );
    assert_eq!(
        change(&entries[0], "/starts_at"),
        Some((stamp("2026-12-01T00:00:00.000Z"), None))
    );

    // A link likewise; a scheduled one is deleted outright.
    let link = w
        .add(LINK, "p1", "winter", "2026-12-15", Some("2026-12-20"))
        .await
        .unwrap();
    assert_eq!(
        two_changes(&mut events).await,
        vec![
            ("campaign_link".to_string(), link.id().to_string()),
            ("partner".into(), "p1".into())
        ]
    );
    api.delete_period(LINK, link.id(), 1).await.unwrap();
    assert!(w.periods(LINK, "p1").await.is_empty());
    let actions: Vec<String> = w
        .audit_about(link.id())
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["campaign_link.deleted", "campaign_link.created"]);

    // A settings change is audited and announced too.
    let a = w
        .call(
            ADMIN,
            Method::PATCH,
            "/settings",
            &[("if-match", "\"1\"".into())],
            Some(json!({"tiers_enabled": false})),
        )
        .await;
    assert_eq!(a.status, 200);
    let entry = &w.audit_about("settings").await[0];
    assert_eq!(
        (entry.action.as_str(), entry.actor.as_str()),
        ("settings.updated", "root")
    );
    assert_eq!(
        change(entry, "/tiers_enabled"),
        Some((stamp("true"), stamp("false")))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_file_names_its_mistakes_in_tiers_and_campaigns() {
    let base: Value = serde_json::from_str(WORLD).unwrap();
    let with = |key: &str, value: Value| {
        let mut seed = base.clone();
        seed[key] = value;
        seed.to_string()
    };
    let cases = [
        (
            with(
                "tiers",
                json!([{"name": "A", "precedence": 1}, {"name": "B", "precedence": 1}]),
            ),
            "tiers[1].precedence: 1 is the precedence of another tier",
        ),
        (
            with(
                "tier_assignments",
                json!([
                    {"partner": "Alpha", "tier": "Gold", "starts_at": "2026-12-01T00:00:00Z",
                     "expires_at": "2027-01-01T00:00:00Z"},
                    {"partner": "p1", "tier": "silver", "starts_at": "2026-12-31T00:00:00Z"}
                ]),
            ),
            "tier_assignments[1]: Overlaps Gold from 2026-12-01 to 2027-01-01.",
        ),
        (
            with(
                "tier_assignments",
                json!([{"partner": "p1", "tier": "bronze",
                                              "starts_at": "2026-12-01T00:00:00Z"}]),
            ),
            "tier_assignments[0].tier: no tier has the id or name \"bronze\"",
        ),
        (
            with(
                "tier_assignments",
                json!([{"partner": "p1", "tier": "gold",
                                              "starts_at": "2026-12-01T00:00:00Z",
                                              "expires_at": "2026-12-01T00:00:00Z"}]),
            ),
            "tier_assignments[0].expires_at: The expiry (2026-12-01) must be after the start (2026-12-01).",
        ),
        (
            with(
                "campaign_links",
                json!([{"partner": "p1", "campaign": "Winter",
                                            "starts_at": "2026-12-01T00:00:00Z"}]),
            ),
            "campaign_links[0].expires_at: Has no expiry, but the campaign Winter ends on 2027-01-01",
        ),
    ];
    for (seed, expected) in cases {
        let err = seeded(&seed, t("2026-12-10")).await.err().expect("refused");
        assert!(err.contains(expected), "{err}\n  should say: {expected}");
    }
    // Touching assignments and a link inside its campaign are fine; ids come from the file.
    let good = with(
        "tier_assignments",
        json!([
            {"id": "ta_a", "partner": "p1", "tier": "gold", "starts_at": "2026-11-01T00:00:00Z",
             "expires_at": "2026-12-01T00:00:00Z"},
            {"id": "ta_b", "partner": "p1", "tier": "gold", "starts_at": "2026-12-01T00:00:00Z"}
        ]),
    );
    let w = seeded(&good, t("2026-12-10")).await.expect("seeds");
    let states: Vec<(String, AssignmentState)> = w
        .periods(TIER, "p1")
        .await
        .iter()
        .map(|p| (p.id().to_string(), p.state()))
        .collect();
    assert_eq!(
        states,
        [
            ("ta_a".to_string(), AssignmentState::Expired),
            ("ta_b".to_string(), AssignmentState::Active)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_has_tiers_products_campaigns_and_something_expiring_soon() {
    let dir = TempDir::new("tiers-demo");
    let clock = Clock::fixed(t("2027-03-14T15:00:00Z"));
    let server = launch_at(
        &dir.path().join("pc.db"),
        SeedSource::Demo { decided: Some(0) },
        clock,
    )
    .await
    .unwrap();
    let api = client_for(&server.url(), "demo-csr");
    assert!(api.settings().await.unwrap().tiers_enabled);
    let tiers = api.tiers().await.unwrap().items;
    let precedences: Vec<u32> = tiers.iter().map(|t| t.precedence).collect();
    assert_eq!(precedences, [1, 2, 3, 4]);
    let campaigns = api.campaigns().await.unwrap().items;
    assert_eq!(campaigns.len(), 6);
    let now = t("2027-03-14T15:00:00Z");
    let states: std::collections::BTreeSet<&str> = campaigns
        .iter()
        .map(|c| AssignmentState::at(c.starts_at, c.expires_at, now).as_str())
        .collect();
    assert_eq!(states.len(), 3, "past, current and future: {states:?}");
    assert!(campaigns.iter().any(|c| c.expires_at.is_none()));
    let products: Value = reqwest::get(format!("{}/api/v1/products", server.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(products["code"], "unauthorized", "a token is needed");
    let http = reqwest::Client::new();
    let products: Value = http
        .get(format!("{}/api/v1/products", server.url()))
        .bearer_auth("demo-csr")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = products["items"].as_array().unwrap();
    assert!(
        (18..=22).contains(&items.len()),
        "about twenty: {}",
        items.len()
    );
    assert!(items.iter().any(|p| p["tier_precedence"].is_null()));
    // Within two weeks of the seeding, something ends; every state is there.
    let soon = api
        .expiring(&ExpiringQuery {
            within_days: Some(14),
            cursor: None,
            limit: Some(500),
        })
        .await
        .unwrap()
        .items;
    assert!(soon.len() >= 5, "{} ending within 14 days", soon.len());
    assert!(soon.iter().any(|p| p.kind() == TIER) && soon.iter().any(|p| p.kind() == LINK));
    let mut seen = std::collections::BTreeSet::new();
    for id in ["pt_001", "pt_002", "pt_003", "pt_004", "pt_005", "pt_006"] {
        for p in api.periods(TIER, id).await.unwrap().items {
            seen.insert(p.state().as_str());
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    let reasons: std::collections::BTreeSet<String> = ["pt_001", "pt_003", "pt_004"]
        .into_iter()
        .map(|id| api.partner_products(id))
        .collect::<futures_util::future::JoinAll<_>>()
        .await
        .into_iter()
        .flat_map(|p| p.unwrap().products)
        .filter_map(|p| p.reason.map(|r| r.words()))
        .map(|w| w.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        reasons.len(),
        3,
        "every reason shows in the demo: {reasons:?}"
    );
    server.shutdown().await;
}

// ----- The catalogues, written by an administrator -----

impl World {
    /// `POST path` as `token` with a new idempotency key.
    async fn create(&self, token: &str, path: &str, body: Value) -> Answer {
        let key = uuid::Uuid::new_v4().to_string();
        self.call(
            token,
            Method::POST,
            path,
            &[("idempotency-key", key)],
            Some(body),
        )
        .await
    }

    /// `PATCH path` as `token` against `version`.
    async fn change(&self, token: &str, path: &str, version: i64, body: Value) -> Answer {
        self.call(
            token,
            Method::PATCH,
            path,
            &[("if-match", format!("\"{version}\""))],
            Some(body),
        )
        .await
    }

    /// `DELETE path` as `token` against `version`.
    async fn delete(&self, token: &str, path: &str, version: i64) -> Answer {
        self.call(
            token,
            Method::DELETE,
            path,
            &[("if-match", format!("\"{version}\""))],
            None,
        )
        .await
    }
}

fn etag(a: &Answer) -> i64 {
    a.headers["etag"]
        .to_str()
        .unwrap()
        .trim_matches('"')
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_creates_changes_and_deletes_each_catalogue_entry() {
    let w = world().await;
    let api = w.api(ADMIN);
    let mut events = connected(&api).await;
    let cases = [
        (
            "/tiers",
            json!({"name": "Bronze", "precedence": 4}),
            json!({"name": "Bronze plus"}),
            "tier",
        ),
        (
            "/products",
            json!({"name": "Extra", "tier_precedence": 3}),
            json!({"tier_precedence": null}),
            "product",
        ),
        (
            "/campaigns",
            json!({"name": "Spring", "starts_at": "2027-03-01T00:00:00Z", "expires_at": null}),
            json!({"expires_at": "2027-06-01T00:00:00Z"}),
            "campaign",
        ),
    ];
    for (path, new, patch, kind) in cases {
        let made = w.create(ADMIN, path, new).await;
        assert_eq!(made.status, 201, "{path}: {}", made.body);
        assert_eq!(etag(&made), 1);
        let id = made.body["id"].as_str().unwrap().to_string();
        assert_eq!(made.body["version"], 1);
        let changed = w.change(ADMIN, &format!("{path}/{id}"), 1, patch).await;
        assert_eq!(changed.status, 200, "{path}: {}", changed.body);
        assert_eq!(etag(&changed), 2);
        // Its list row carries the version a write sends back.
        let listed = w.get(VIEWER, path).await;
        let row = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id.as_str())
            .cloned()
            .unwrap_or_default();
        assert_eq!(row["version"], 2, "{path}: {row}");
        // A stale write is refused with the entry as it is now.
        let stale = w.delete(ADMIN, &format!("{path}/{id}"), 1).await;
        assert_eq!(stale.status, 412, "{path}");
        assert_eq!(
            stale.body[kind]["id"],
            id.as_str(),
            "{path}: {}",
            stale.body
        );
        assert_eq!(stale.body[kind]["version"], 2, "{path}: {}", stale.body);
        assert_eq!(
            stale.body[kind], row,
            "{path}: the current entry, as listed"
        );
        let gone = w.delete(ADMIN, &format!("{path}/{id}"), 2).await;
        assert_eq!(gone.status, 204, "{path}: {}", gone.body);
        let listed = w.get(VIEWER, path).await;
        assert!(
            !listed.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["id"] == id.as_str()),
            "{path}: a deleted entry is not listed"
        );
        let actions: Vec<String> = w
            .audit_about(&id)
            .await
            .iter()
            .map(|e| e.action.clone())
            .collect();
        assert_eq!(
            actions,
            [
                format!("{kind}.deleted"),
                format!("{kind}.updated"),
                format!("{kind}.created")
            ],
            "{path}"
        );
        let announced = two_changes(&mut events).await;
        assert_eq!(
            announced,
            [
                (kind.to_string(), id.clone()),
                (kind.to_string(), id.clone())
            ]
        );
        let last = next_change(&mut events).await;
        assert_eq!(last, (kind.to_string(), id.clone()));
    }
}

/// The next `record.changed` on `events`.
async fn next_change(events: &mut EventStream) -> (String, String) {
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match events.next().await {
                Some(StreamItem::Event {
                    event: ServerEvent::RecordChanged(r),
                    ..
                }) => return (r.kind, r.id),
                Some(_) => {}
                None => panic!("the event stream ended"),
            }
        }
    })
    .await
    .expect("record.changed arrives within 5 s")
}

#[tokio::test(flavor = "multi_thread")]
async fn only_administrators_write_the_catalogues() {
    let w = world().await;
    for token in [CSR, VIEWER] {
        for (path, body) in [
            ("/tiers", json!({"name": "Bronze", "precedence": 4})),
            ("/products", json!({"name": "Extra"})),
            (
                "/campaigns",
                json!({"name": "Spring", "starts_at": "2027-03-01T00:00:00Z"}),
            ),
        ] {
            assert_eq!(w.create(token, path, body).await.status, 403, "{path}");
        }
        let patch = w
            .change(token, "/tiers/gold", 1, json!({"name": "Golden"}))
            .await;
        assert_eq!(patch.status, 403);
        assert_eq!(w.delete(token, "/products/top", 1).await.status, 403);
        assert_eq!(w.delete(token, "/campaigns/always", 1).await.status, 403);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tiers_precedence_is_unique_and_at_least_one() {
    let w = world().await;
    let taken = w
        .create(ADMIN, "/tiers", json!({"name": "Bronze", "precedence": 2}))
        .await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.code(), codes::PRECEDENCE_TAKEN);
    assert!(taken.body["detail"].as_str().unwrap().contains("Gold"));
    for bad in [json!(0), json!(-1), json!(1.5), json!("4")] {
        let a = w
            .create(
                ADMIN,
                "/tiers",
                json!({"name": "Bronze", "precedence": bad}),
            )
            .await;
        assert_eq!(a.status, 422, "{bad}");
        assert_eq!(a.errors(), ["/precedence invalid_type"], "{bad}");
    }
    let named = w
        .create(
            ADMIN,
            "/tiers",
            json!({"name": "Bad\u{202e}", "precedence": 9}),
        )
        .await;
    assert_eq!(named.errors(), ["/name unsafe_characters"]);
    let long = w
        .create(
            ADMIN,
            "/tiers",
            json!({"name": "x".repeat(201), "precedence": 9}),
        )
        .await;
    assert_eq!(long.errors(), ["/name too_long"]);
    let moved = w
        .change(ADMIN, "/tiers/silver", 1, json!({"precedence": 1}))
        .await;
    assert_eq!(moved.code(), codes::PRECEDENCE_TAKEN);
    assert!(moved.body["detail"].as_str().unwrap().contains("Platinum"));
    // A deleted tier gives its precedence up.
    assert_eq!(w.delete(ADMIN, "/tiers/silver", 1).await.status, 204);
    let again = w
        .create(ADMIN, "/tiers", json!({"name": "Bronze", "precedence": 3}))
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_campaign_expires_after_it_starts_and_keeps_its_links_inside() {
    let w = world().await;
    let bad = w
        .create(
            ADMIN,
            "/campaigns",
            json!({"name": "Back", "starts_at": "2027-03-01T00:00:00Z",
                   "expires_at": "2027-02-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.code(), codes::EXPIRES_BEFORE_START);
    w.add(LINK, "p1", "winter", "2026-12-05", Some("2026-12-20"))
        .await
        .expect("a link inside winter");
    let strands = w
        .change(
            ADMIN,
            "/campaigns/winter",
            1,
            json!({"expires_at": "2026-12-15T00:00:00Z"}),
        )
        .await;
    assert_eq!(strands.status, 409, "{}", strands.body);
    assert_eq!(strands.code(), codes::OUTSIDE_CAMPAIGN_WINDOW);
    assert_eq!(strands.errors(), ["/expires_at outside_campaign_window"]);
    let fine = w
        .change(
            ADMIN,
            "/campaigns/winter",
            1,
            json!({"expires_at": "2026-12-25T00:00:00Z"}),
        )
        .await;
    assert_eq!(fine.status, 200, "{}", fine.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_periods_use_is_not_deleted() {
    let w = world().await;
    w.add(TIER, "p1", "gold", "2026-12-01", None)
        .await
        .expect("gold");
    w.add(LINK, "p1", "always", "2026-12-01", None)
        .await
        .expect("always");
    let tier = w.delete(ADMIN, "/tiers/gold", 1).await;
    assert_eq!(tier.status, 409);
    assert_eq!(tier.code(), codes::IN_USE);
    let campaign = w.delete(ADMIN, "/campaigns/always", 1).await;
    assert_eq!(campaign.status, 409);
    assert_eq!(campaign.code(), codes::IN_USE);
    // Unused, they go.
    assert_eq!(w.delete(ADMIN, "/tiers/platinum", 1).await.status, 204);
    assert_eq!(w.delete(ADMIN, "/campaigns/winter", 1).await.status, 204);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catalogue_create_retried_makes_one_entry() {
    let w = world().await;
    let key = uuid::Uuid::new_v4().to_string();
    let body = json!({"name": "Bronze", "precedence": 4});
    let headers = [("idempotency-key", key.clone())];
    let send = |body: Value| w.call(ADMIN, Method::POST, "/tiers", &headers, Some(body));
    let first = send(body.clone()).await;
    assert_eq!(first.status, 201);
    let again = send(body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    let other = send(json!({"name": "Bronze", "precedence": 5})).await;
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(other.code(), "idempotency_key_reused");
    let tiers = w.get(VIEWER, "/tiers").await;
    assert_eq!(tiers.body["items"].as_array().unwrap().len(), 4);
}
