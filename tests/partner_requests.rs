//! Partners submit requests, the queues live, and CSRs see each other (issue 21, RECORDS.md §5),
//! over real HTTP: a request of each kind through the crate's client with an impersonation
//! token, announced (`approval.created`) and counted (`/summary`); every rule of a new request
//! with its code and JSON pointer; the idempotent replay; the pending limit (429); a suspended
//! partner (409); who may call what; the partner's own list with a rejection's reason; the
//! audit naming both the partner and the CSR. Presence: join, switch, leave when the console's
//! stream closes, expire a minute after the last word on the server's clock (set, never slept
//! on). And `serve --simulate 600` as a process, whose `/summary` grows.
#![cfg(feature = "server")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use partner_console::client::{Api, ApiError, EventStream, HttpApi, StreamItem};
use partner_console::domain::*;
use partner_console::secret::Secret;
use partner_console::server::{Clock, RunningServer, SeedSource, ServerOptions};
use reqwest::Method;
use serde_json::{Value, json};
use support::{ServerProc, TempDir, client_for, launch_options};

/// Four staff users, three partners under one distributor, two pending approvals.
const WORLD: &str = r#"{
  "users": [
    {"name": "Root Admin", "email": "root@hq.example", "role": "admin", "token": "tok-admin"},
    {"name": "Carl Rossi", "email": "carl@hq.example", "role": "csr", "token": "tok-carl"},
    {"name": "Dana Reyes", "email": "dana@hq.example", "role": "csr", "token": "tok-dana"},
    {"name": "Vera Novak", "email": "vera@hq.example", "role": "viewer", "token": "tok-vera"}
  ],
  "distributors": [{"id": "d1", "name": "One Distribution"}],
  "partners": [
    {"id": "p1", "distributor_id": "d1", "name": "Alpha Media", "status": "active",
     "contact": {"email": "hi@alpha.example", "website": "https://alpha.example"}},
    {"id": "p2", "distributor_id": "d1", "name": "Beta Radio", "status": "active",
     "contact": {"email": "hi@beta.example"}},
    {"id": "p3", "distributor_id": "d1", "name": "Gamma Pods", "status": "pending",
     "contact": {"email": "hi@gamma.example"}}
  ],
  "approvals": [
    {"id": "ap_one", "kind": "partnership", "title": "Gold package", "partner": "p1",
     "requested_at": "2026-11-01T10:00:00Z",
     "item": {"name": "Gold", "price": {"amount_minor": 4900, "currency": "EUR"}}},
    {"id": "ap_two", "kind": "addon", "title": "Analytics Pro", "partner": "p2",
     "requested_at": "2026-11-01T11:00:00Z",
     "item": {"name": "Analytics Pro", "price": {"amount_minor": 1500, "currency": "EUR"}}}
  ]
}"#;

const ADMIN: &str = "tok-admin";
const CARL: &str = "tok-carl";
const DANA: &str = "tok-dana";
const VERA: &str = "tok-vera";
/// Long enough for an event to cross the loopback; a wait for one that must come.
const SOON: Duration = Duration::from_secs(5);

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

/// The world on a server whose clock the test holds, with at most `max_pending` pending
/// requests per partner and kind.
async fn world_with(max_pending: u32) -> World {
    let dir = TempDir::new("requests");
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, WORLD).unwrap();
    let clock = Clock::fixed(Utc::now());
    let server = launch_options(ServerOptions {
        clock: clock.clone(),
        max_pending,
        ..ServerOptions::new(dir.path().join("pc.db"), SeedSource::File(seed))
    })
    .await
    .expect("the world starts");
    World {
        _dir: dir,
        server,
        clock,
        http: reqwest::Client::new(),
    }
}

async fn world() -> World {
    world_with(20).await
}

/// A new request of `kind` that breaks no rule: what a partner's form would send.
fn request(kind: Kind) -> NewRequest {
    let soon = Utc::now() + chrono::Duration::days(3);
    let mut details = Details::default();
    let (title, item) = match kind {
        Kind::Partnership => ("Gold package", Some(("Gold", 4900))),
        Kind::Addon => ("Analytics Pro", Some(("Analytics Pro", 1500))),
        Kind::AdvertisingPackage => {
            details.impressions = Some(50_000);
            ("Starter 50k", Some(("Starter 50k impressions", 9900)))
        }
        Kind::Broadcast => {
            details.engagement_type = Some("Poll".into());
            details.audience = Some("Everyone who watched last month".into());
            details.estimated_reach = Some(12_000);
            details.preview = Some("Vote for the best episode!\nIt takes a minute.".into());
            details.starts_at = Some(soon);
            ("Weekend poll", None)
        }
        Kind::Ad => {
            details.headline = Some("Fresh bread, every morning".into());
            details.body = Some("Order before 9.".into());
            details.image_url = Some("https://alpha.example/ads/banner.png".into());
            details.target_url = Some("https://alpha.example/offer".into());
            details.impressions = Some(20_000);
            details.starts_at = Some(soon);
            details.ends_at = Some(soon + chrono::Duration::days(7));
            ("Fresh bread", None)
        }
    };
    NewRequest {
        kind,
        title: title.into(),
        item: item.map(|(name, amount)| Item {
            name: name.into(),
            price: Money::new(amount, "EUR"),
        }),
        description: "We would like to reach more listeners.".into(),
        details,
    }
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn problem(e: &ApiError) -> &Problem {
    e.problem()
        .unwrap_or_else(|| panic!("not a problem: {e:?}"))
}

impl World {
    fn url(&self) -> String {
        self.server.url()
    }

    fn api(&self, token: &str) -> HttpApi {
        client_for(&self.url(), token)
    }

    /// An impersonation of `partner` started by the staff user `by`: its token.
    async fn impersonate(&self, by: &str, partner: &str) -> String {
        self.api(by)
            .impersonate(partner, "Ticket 4711: the partner cannot submit")
            .await
            .expect("impersonate")
            .token
    }

    /// The partner's own API under an impersonation by `by`.
    async fn partner(&self, by: &str, partner: &str) -> Arc<dyn Api> {
        let token = self.impersonate(by, partner).await;
        self.api(by).with_partner_token(Secret::new(token))
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
            .request(method, format!("{}/api/v1{path}", self.url()))
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

    /// `POST /partner/requests` with `token` and the idempotency `key`.
    async fn submit(&self, token: &str, key: &str, body: Value) -> Answer {
        let headers = [("idempotency-key", key.to_string())];
        self.call(
            token,
            Method::POST,
            "/partner/requests",
            &headers,
            Some(body),
        )
        .await
    }

    async fn pending(&self) -> PendingCounts {
        self.api(VERA).summary().await.expect("summary").pending
    }

    /// The audit entries whose target is `target`, newest first.
    async fn audit_of(&self, target: &str) -> Vec<AuditEntry> {
        self.api(ADMIN)
            .audit(None, Some(500))
            .await
            .expect("audit")
            .items
            .into_iter()
            .filter(|e| e.target == target)
            .collect()
    }
}

/// `api`'s event stream, once connected.
async fn connected(api: &dyn Api) -> EventStream {
    let mut events = api.events();
    tokio::time::timeout(SOON, async {
        while !matches!(events.next().await, Some(StreamItem::Connected)) {}
    })
    .await
    .expect("the event stream connects");
    events
}

/// The events that arrive on `events` within `wait`, that `pick` picks.
async fn within<T>(
    events: &mut EventStream,
    wait: Duration,
    mut pick: impl FnMut(ServerEvent) -> Option<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, async {
        while let Some(item) = events.next().await {
            if let StreamItem::Event { event, .. } = item
                && let Some(t) = pick(event)
            {
                out.push(t);
            }
        }
    })
    .await;
    out
}

/// The next event `pick` picks, within [`SOON`].
async fn next<T>(events: &mut EventStream, mut pick: impl FnMut(ServerEvent) -> Option<T>) -> T {
    tokio::time::timeout(SOON, async {
        loop {
            match events.next().await {
                Some(StreamItem::Event { event, .. }) => {
                    if let Some(t) = pick(event) {
                        return t;
                    }
                }
                Some(_) => {}
                None => panic!("the event stream ended"),
            }
        }
    })
    .await
    .expect("the event arrives")
}

fn created(e: ServerEvent) -> Option<ApprovalCreated> {
    match e {
        ServerEvent::ApprovalCreated(c) => Some(c),
        _ => None,
    }
}

/// `approval: name, name` of a presence event.
fn presence(e: ServerEvent) -> Option<String> {
    match e {
        ServerEvent::Presence(p) => {
            let names: Vec<&str> = p.viewers.iter().map(|v| v.name.as_str()).collect();
            Some(format!("{}: {}", p.approval_id, names.join(", ")))
        }
        _ => None,
    }
}

// ---- submitting ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_request_of_every_kind_is_submitted_announced_and_counted() {
    let w = world().await;
    let mut events = connected(&w.api(CARL)).await;
    let alpha = w.partner(CARL, "p1").await;
    for kind in Kind::ALL {
        let before = w.pending().await.get(kind);
        let sent = request(kind);
        let made = alpha
            .submit_request(&key(), &sent)
            .await
            .expect("submitted");
        assert_eq!(
            (made.kind, made.status, made.title.as_str()),
            (kind, Status::Pending, sent.title.as_str())
        );
        assert_eq!(made.item, sent.item, "{kind:?}");
        assert_eq!(made.details, sent.details, "{kind:?}");
        assert_eq!((made.decided_at, made.reason.as_deref()), (None, None));
        let announced = next(&mut events, created).await;
        assert_eq!(
            (announced.id.as_str(), announced.kind),
            (made.id.as_str(), kind)
        );
        assert_eq!(w.pending().await.get(kind), before + 1, "{kind:?}");
        // The CSR's queue has it, the partner's own view of it.
        let seen = w
            .api(CARL)
            .approval(&made.id)
            .await
            .expect("the CSR reads it");
        assert_eq!(
            (seen.partner.id.as_str(), seen.status, seen.version),
            ("p1", Status::Pending, 1)
        );
    }
    // A pending partner (waiting for its first package) asks too.
    let gamma = w.partner(DANA, "p3").await;
    gamma
        .submit_request(&key(), &request(Kind::Partnership))
        .await
        .expect("a pending partner submits");
}

/// A change to a good request's body.
type Change = Box<dyn Fn(&mut Value)>;

#[tokio::test(flavor = "multi_thread")]
async fn every_rule_of_a_new_request_is_refused_at_once_by_its_pointer() {
    let w = world().await;
    let token = w.impersonate(CARL, "p1").await;
    let good = |kind| serde_json::to_value(request(kind)).unwrap();
    let past = (Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    // (kind, change, what the 422 lists)
    let cases: Vec<(Kind, Change, Vec<&str>)> = vec![
        (
            Kind::Partnership,
            Box::new(|b: &mut Value| b["item"] = Value::Null),
            vec!["/item required"],
        ),
        (
            Kind::Addon,
            Box::new(|b: &mut Value| {
                b["item"]["price"] = json!({"amount_minor": -1, "currency": "eur"})
            }),
            vec![
                "/item/price/currency invalid_currency",
                "/item/price/amount_minor out_of_range",
            ],
        ),
        (
            Kind::AdvertisingPackage,
            Box::new(|b: &mut Value| {
                b["item"]["name"] = " ".into();
                b["details"]["impressions"] = 0.into();
            }),
            vec!["/item/name required", "/details/impressions out_of_range"],
        ),
        (
            Kind::Broadcast,
            Box::new(move |b: &mut Value| b["details"]["starts_at"] = past.clone().into()),
            vec!["/details/starts_at in_the_past"],
        ),
        (
            Kind::Broadcast,
            Box::new(|b: &mut Value| {
                b["item"] = json!({"name": "x", "price": {"amount_minor": 1, "currency": "EUR"}});
                b["details"]["headline"] = "not a broadcast's".into();
                b["details"]["preview"] = Value::Null;
            }),
            vec![
                "/item not_for_kind",
                "/details/headline not_for_kind",
                "/details/preview required",
            ],
        ),
        (
            Kind::Ad,
            Box::new(|b: &mut Value| {
                let starts = b["details"]["starts_at"].clone();
                b["details"]["ends_at"] = starts;
                b["details"]["target_url"] = "http://alpha.example/offer".into();
                b["details"]["image_url"] = "javascript:alert(1)".into();
            }),
            vec![
                "/details/image_url url_invalid",
                "/details/target_url url_invalid",
                "/details/ends_at end_before_start",
            ],
        ),
        (
            Kind::Ad,
            Box::new(|b: &mut Value| {
                b["title"] = "x".repeat(201).into();
                b["description"] = "Call us\u{202E}gnp.exe".into();
                b["details"]["headline"] = "Free\u{1b}]52;c;eA==\u{7}".into();
            }),
            vec![
                "/title too_long",
                "/description unsafe_characters",
                "/details/headline unsafe_characters",
            ],
        ),
    ];
    let before = w.pending().await;
    for (kind, change, want) in cases {
        let mut body = good(kind);
        change(&mut body);
        let a = w.submit(&token, &key(), body.clone()).await;
        assert_eq!((a.status, a.code()), (422, "validation_failed"), "{body}");
        assert_eq!(a.errors(), want, "{body}");
    }
    assert_eq!(w.pending().await, before, "nothing refused was kept");

    // Shapes are the body's mistake (400), and so is a member a request does not have.
    let mut wrong_type = good(Kind::Addon);
    wrong_type["details"] = json!({"fax": "1"});
    for body in [
        json!({"kind": "voucher", "title": "x", "description": "", "details": {}}),
        json!({"kind": "addon", "title": 5, "description": "", "details": {}}),
        json!({"kind": "addon", "title": "x", "description": ""}),
        json!({"kind": "addon", "title": "x", "description": "", "details": {}, "extra": 1}),
        wrong_type,
    ] {
        let a = w.submit(&token, &key(), body.clone()).await;
        assert_eq!((a.status, a.code()), (400, "invalid_body"), "{body}");
    }
    let no_key = w
        .call(
            &token,
            Method::POST,
            "/partner/requests",
            &[],
            Some(good(Kind::Addon)),
        )
        .await;
    assert_eq!(
        (no_key.status, no_key.code()),
        (400, "idempotency_key_required")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_with_the_same_key_replays_one_request_and_one_event() {
    let w = world().await;
    let token = w.impersonate(CARL, "p1").await;
    let mut events = connected(&w.api(VERA)).await;
    let before = w.pending().await.addon;
    let body = serde_json::to_value(request(Kind::Addon)).unwrap();
    let k = key();
    let first = w.submit(&token, &k, body.clone()).await;
    let again = w.submit(&token, &k, body.clone()).await;
    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(first.body, again.body, "the stored answer, as it was");
    assert_eq!(first.body["id"], again.body["id"]);
    assert!(first.headers.get("idempotent-replayed").is_none());
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.headers["etag"], "\"1\"");
    let announced = within(&mut events, Duration::from_millis(1500), created).await;
    assert_eq!(announced.len(), 1, "one event: {announced:?}");
    assert_eq!(w.pending().await.addon, before + 1, "one request");
    // The same key for another request is a mistake.
    let mut other = body;
    other["title"] = "Something else".into();
    let reused = w.submit(&token, &k, other).await;
    assert_eq!(
        (reused.status, reused.code()),
        (422, "idempotency_key_reused")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn past_the_pending_limit_a_submission_is_429_until_a_decision_makes_room() {
    let w = world_with(2).await;
    let alpha = w.partner(CARL, "p1").await;
    // p1 already has one pending partnership (the seed's): one more fits.
    alpha
        .submit_request(&key(), &request(Kind::Partnership))
        .await
        .expect("the second fits");
    let token = w.impersonate(CARL, "p1").await;
    let body = serde_json::to_value(request(Kind::Partnership)).unwrap();
    let refused_key = key();
    let full = w.submit(&token, &refused_key, body.clone()).await;
    assert_eq!((full.status, full.code()), (429, "too_many_pending"));
    assert_eq!(full.headers["retry-after"], "60");
    assert!(
        full.body["detail"]
            .as_str()
            .unwrap()
            .contains("Alpha Media"),
        "{}",
        full.body
    );
    // Through the client: refused at once, not retried.
    let err = alpha
        .submit_request(&key(), &request(Kind::Partnership))
        .await
        .unwrap_err();
    assert_eq!(problem(&err).code, codes::TOO_MANY_PENDING);
    // The limit is per kind and per partner.
    alpha
        .submit_request(&key(), &request(Kind::Ad))
        .await
        .expect("another kind");
    let beta = w.partner(CARL, "p2").await;
    beta.submit_request(&key(), &request(Kind::Partnership))
        .await
        .expect("another partner");
    // A CSR's decision makes room; the same key goes through now (a refusal is not kept).
    let carl = w.api(CARL);
    let one = carl.approval("ap_one").await.unwrap();
    carl.reject(
        "ap_one",
        &partner_console::client::DecisionKey::new(one.version),
        "Not this quarter.",
    )
    .await
    .unwrap();
    let refused_then_room = w.submit(&token, &refused_key, body.clone()).await;
    assert_eq!(refused_then_room.status, 201, "{}", refused_then_room.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_suspended_during_its_impersonation_cannot_submit() {
    let w = world().await;
    let beta = w.partner(CARL, "p2").await;
    let admin = w.api(ADMIN);
    let version = admin.node(Level::Partner, "p2").await.unwrap().version();
    admin
        .suspend_node(Level::Partner, "p2", version, Some("Unpaid invoices"))
        .await
        .expect("suspended");
    let err = beta
        .submit_request(&key(), &request(Kind::Addon))
        .await
        .unwrap_err();
    assert_eq!(
        (problem(&err).status, problem(&err).code.as_str()),
        (409, codes::PARTNER_SUSPENDED)
    );
    // Its distributor's suspension counts too (after the partner is enabled again).
    let version = admin.node(Level::Partner, "p2").await.unwrap().version();
    admin
        .suspend_node(Level::Partner, "p2", version, None)
        .await
        .expect("enabled");
    beta.submit_request(&key(), &request(Kind::Addon))
        .await
        .expect("enabled, it submits");
    let version = admin
        .node(Level::Distributor, "d1")
        .await
        .unwrap()
        .version();
    admin
        .suspend_node(Level::Distributor, "d1", version, Some("Contract ended"))
        .await
        .expect("distributor suspended");
    let err = beta
        .submit_request(&key(), &request(Kind::Addon))
        .await
        .unwrap_err();
    assert_eq!(problem(&err).code, codes::PARTNER_SUSPENDED);
    assert!(problem(&err).detail.contains("One Distribution"), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_tokens_cannot_submit_and_partner_tokens_cannot_say_presence() {
    let w = world().await;
    let body = serde_json::to_value(request(Kind::Addon)).unwrap();
    for token in [ADMIN, CARL, VERA] {
        let a = w.submit(token, &key(), body.clone()).await;
        assert_eq!((a.status, a.code()), (403, "forbidden"), "{token}");
        let a = w
            .call(token, Method::GET, "/partner/requests", &[], None)
            .await;
        assert_eq!(a.status, 403, "{token}");
    }
    let partner = w.impersonate(CARL, "p1").await;
    let said = w
        .call(
            &partner,
            Method::POST,
            "/presence",
            &[],
            Some(json!({"approval_id": "ap_one"})),
        )
        .await;
    assert_eq!((said.status, said.code()), (403, "forbidden"));
    let anonymous = w
        .http
        .post(format!("{}/api/v1/presence", w.url()))
        .json(&json!({"approval_id": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_partner_reads_its_own_requests_newest_first_with_a_rejections_reason() {
    let w = world().await;
    let alpha = w.partner(DANA, "p1").await;
    let mut made = Vec::new();
    for kind in [Kind::Addon, Kind::Broadcast, Kind::Ad] {
        made.push(alpha.submit_request(&key(), &request(kind)).await.unwrap());
        // Distinct request times, so "newest first" is a fact to check, not a tie.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let carl = w.api(CARL);
    let reason = "The ad links to a page that does not match the offer.";
    carl.reject(
        &made[2].id,
        &partner_console::client::DecisionKey::new(1),
        reason,
    )
    .await
    .unwrap();
    let body = ApproveBody {
        comment: Some("Welcome aboard.".into()),
    };
    carl.approve(
        &made[0].id,
        &partner_console::client::DecisionKey::new(1),
        &body,
    )
    .await
    .unwrap();

    // Page by page, two at a time: the three new ones and the seed's, newest first.
    let token = w.impersonate(DANA, "p1").await;
    let mut cursor: Option<String> = None;
    let mut seen: Vec<Value> = Vec::new();
    loop {
        let path = match &cursor {
            None => "/partner/requests?limit=2".to_string(),
            Some(c) => format!("/partner/requests?limit=2&cursor={c}"),
        };
        let page = w.call(&token, Method::GET, &path, &[], None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.body["items"].as_array().unwrap().clone();
        assert!(items.len() <= 2);
        seen.extend(items);
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let ids: Vec<&str> = seen.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [&made[2].id, &made[1].id, &made[0].id, "ap_one"]);
    let rejected = &seen[0];
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["reason"], reason);
    assert!(rejected["decided_at"].is_string());
    assert!(
        rejected.get("decided_by").is_none() && rejected.get("partner").is_none(),
        "who decided is the staff's business: {rejected}"
    );
    assert_eq!(
        (seen[1]["status"].as_str(), seen[1]["reason"].is_null()),
        (Some("pending"), true)
    );
    assert_eq!(
        (seen[2]["status"].as_str(), seen[2]["reason"].as_str()),
        (Some("approved"), Some("Welcome aboard."))
    );
    // Through the client, and no other partner's.
    let page = alpha.partner_requests(None).await.unwrap();
    assert_eq!(page.items.len(), 4);
    assert_eq!(page.items[0].reason.as_deref(), Some(reason));
    let beta = w.partner(DANA, "p2").await;
    let theirs = beta.partner_requests(None).await.unwrap();
    assert_eq!(
        theirs
            .items
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["ap_two"]
    );
    // A cursor is the partner's own.
    let other = w
        .call(
            &w.impersonate(DANA, "p2").await,
            Method::GET,
            &format!("/partner/requests?cursor={}", cursor_of(&w, &token).await),
            &[],
            None,
        )
        .await;
    assert_eq!((other.status, other.code()), (400, "invalid_cursor"));
}

/// A next-page cursor of the partner behind `token`.
async fn cursor_of(w: &World, token: &str) -> String {
    let page = w
        .call(token, Method::GET, "/partner/requests?limit=1", &[], None)
        .await;
    page.body["next_cursor"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_names_the_partner_and_the_csr_behind_the_impersonation() {
    let w = world().await;
    let alpha = w.partner(DANA, "p1").await;
    let made = alpha
        .submit_request(&key(), &request(Kind::Broadcast))
        .await
        .unwrap();
    let audit = w.audit_of(&made.id).await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    let e = &audit[0];
    assert_eq!(
        (e.action.as_str(), e.actor.as_str(), e.subject.as_deref()),
        ("approval.requested", "Dana Reyes", Some("Alpha Media"))
    );
    let subject = e.subject_ref.as_ref().expect("the partner, by id");
    assert_eq!(
        (subject.kind.as_str(), subject.id.as_str()),
        ("partner", "p1")
    );
    assert!(
        e.detail.contains("Alpha Media") && e.detail.contains("Dana Reyes"),
        "{}",
        e.detail
    );
    assert!(e.detail.contains("Weekend poll"), "{}", e.detail);
}

// ---- presence --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn presence_joins_switches_and_leaves_when_the_consoles_stream_closes() {
    let w = world().await;
    let mut carls = connected(&w.api(CARL)).await;
    let dana = w.api(DANA);
    let danas_stream = connected(&dana).await;

    dana.presence(Some("ap_one")).await.expect("204");
    assert_eq!(next(&mut carls, presence).await, "ap_one: Dana Reyes");
    // A viewer counts too, listed by name.
    let vera = w.api(VERA);
    vera.presence(Some("ap_one"))
        .await
        .expect("a viewer is someone");
    assert_eq!(
        next(&mut carls, presence).await,
        "ap_one: Dana Reyes, Vera Novak"
    );
    // A console that connects now is told who is where.
    let mut late = connected(&w.api(ADMIN)).await;
    assert_eq!(
        next(&mut late, presence).await,
        "ap_one: Dana Reyes, Vera Novak"
    );

    dana.presence(Some("ap_two")).await.unwrap();
    assert_eq!(next(&mut carls, presence).await, "ap_one: Vera Novak");
    assert_eq!(next(&mut carls, presence).await, "ap_two: Dana Reyes");
    vera.presence(None).await.unwrap();
    assert_eq!(next(&mut carls, presence).await, "ap_one: ");

    // Dana's console goes (its stream closes): she leaves what she had open.
    drop(danas_stream);
    assert_eq!(next(&mut carls, presence).await, "ap_two: ");

    // Only approvals that are there, and a body that says what is open.
    let err = dana.presence(Some("ap_nowhere")).await.unwrap_err();
    assert_eq!(problem(&err).status, 404);
    let said = w
        .call(DANA, Method::POST, "/presence", &[], Some(json!({})))
        .await;
    assert_eq!((said.status, said.code()), (400, "invalid_body"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_with_two_consoles_stays_while_one_is_open() {
    let w = world().await;
    let mut carls = connected(&w.api(CARL)).await;
    let (laptop, desktop) = (w.api(DANA), w.api(DANA));
    let laptop_stream = connected(&laptop).await;
    let _desktop_stream = connected(&desktop).await;
    laptop.presence(Some("ap_one")).await.unwrap();
    desktop.presence(Some("ap_one")).await.unwrap();
    assert_eq!(next(&mut carls, presence).await, "ap_one: Dana Reyes");
    drop(laptop_stream);
    let changes = within(&mut carls, Duration::from_millis(1500), presence).await;
    assert!(changes.is_empty(), "the desktop still has it: {changes:?}");
    desktop.presence(None).await.unwrap();
    assert_eq!(next(&mut carls, presence).await, "ap_one: ");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_is_forgotten_a_minute_after_its_last_word() {
    let w = world().await;
    let start = w.clock.now();
    let mut carls = connected(&w.api(CARL)).await;
    let dana = w.api(DANA);
    dana.presence(Some("ap_one")).await.unwrap();
    assert_eq!(next(&mut carls, presence).await, "ap_one: Dana Reyes");
    w.clock.set(start + chrono::Duration::seconds(59));
    let early = within(&mut carls, Duration::from_millis(2500), presence).await;
    assert!(early.is_empty(), "59 s is not a minute: {early:?}");
    // Her word again holds for another minute from now.
    dana.presence(Some("ap_one")).await.unwrap();
    w.clock.set(start + chrono::Duration::seconds(61));
    let renewed = within(&mut carls, Duration::from_millis(2500), presence).await;
    assert!(renewed.is_empty(), "renewed at 59 s: {renewed:?}");
    w.clock.set(start + chrono::Duration::seconds(120));
    assert_eq!(next(&mut carls, presence).await, "ap_one: ");
}

// ---- the simulation --------------------------------------------------------------------------

fn total(summary: &Value) -> u64 {
    Kind::ALL
        .iter()
        .map(|k| summary["pending"][k.as_str()].as_u64().unwrap_or(0))
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_simulate_600_grows_the_summary() {
    let server = ServerProc::start_with(&[
        "--seed",
        "demo",
        "--simulate",
        "600",
        "--simulate-seed",
        "21",
    ]);
    let http = reqwest::Client::new();
    let summary = || async {
        http.get(format!("{}/api/v1/summary", server.url))
            .bearer_auth("demo-viewer")
            .send()
            .await
            .expect("summary answers")
            .json::<Value>()
            .await
            .expect("summary is JSON")
    };
    let first = total(&summary().await);
    // Ten a second: it grows within a few seconds, or the simulation does not run.
    let grown = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = total(&summary().await);
            if now > first {
                return now;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("/summary did not grow\n{}", server.stderr_text()));
    assert!(grown > first);
    // Through the same path as a partner's: audited as the simulation's.
    let audit: Value = http
        .get(format!("{}/api/v1/audit?limit=50", server.url))
        .bearer_auth("demo-admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let simulated = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "approval.requested" && e["actor"] == "simulation")
        .count();
    assert!(simulated > 0, "{audit}");
}
