//! Lead-exchange settings over real HTTP (RECORDS.md §4, seed 004): each rule refused with its
//! code at its JSON pointer, every rule of a request at once, each warning saved and read back,
//! type errors, 412/428, who may write, the audit and `record.changed`, a patch that changes
//! nothing, the lazy defaults; the preview (escaping per method, content types, the form's
//! unsaved values, unknown variables, the 64 KiB cap, no fetch of the URL); the portal
//! invitation (one email with a one-time link, never the token in an answer, idempotent,
//! audited, refused without a contact email); seed files' settings, the demo's, and the
//! README's list of template variables. Through the crate's client where it has the call, raw
//! requests where a header or a body must be exact or wrong on purpose.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use partner_console::client::{Api, ApiError, EventStream, HttpApi, StreamItem};
use partner_console::domain::*;
use partner_console::server::SeedSource;
use reqwest::Method;
use serde_json::{Value, json};
use support::{TempDir, TestServer, launch};

/// Three users; four partners: Alpha (a GBP package, a London profile), Beta (no package, an
/// empty time zone), Gamma (suspended), Delta (seeded settings).
const WORLD: &str = r#"{
  "users": [
    {"name": "root", "email": "root@hq.example", "role": "admin", "token": "tok-admin"},
    {"name": "carl", "email": "carl@hq.example", "role": "csr", "token": "tok-csr-1"},
    {"name": "vera", "email": "vera@hq.example", "role": "viewer", "token": "tok-viewer"}
  ],
  "distributors": [{"id": "d1", "name": "One Distribution"}],
  "partners": [
    {"id": "p1", "distributor_id": "d1", "name": "Alpha Leads", "status": "active",
     "package": {"name": "Gold", "price": {"amount_minor": 4900, "currency": "GBP"}},
     "contact": {"name": "Ann Keller", "email": "hi@alpha.example", "phone": "+44 20 7946 0000",
                 "time_zone": "Europe/London"}},
    {"id": "p2", "distributor_id": "d1", "name": "Beta", "status": "active",
     "contact": {"email": "hi@beta.example", "time_zone": ""}},
    {"id": "p3", "distributor_id": "d1", "name": "Gamma", "status": "suspended",
     "contact": {"email": "hi@gamma.example"}},
    {"id": "p4", "distributor_id": "d1", "name": "Delta", "status": "active",
     "contact": {"email": "hi@delta.example", "time_zone": "Europe/Berlin"},
     "lead_settings": {"partner_type": "buyer", "lead_cost": null,
                       "lead_value": {"amount_minor": 2500, "currency": "EUR"},
                       "daily_limit": 1, "monthly_limit": 50}}
  ]
}"#;

const ADMIN: &str = "tok-admin";
const CSR: &str = "tok-csr-1";
const VIEWER: &str = "tok-viewer";

/// The server on [`WORLD`], with the directory its seed file is in.
struct World {
    _seed: TempDir,
    srv: TestServer,
    http: reqwest::Client,
}

/// A response as the server sent it.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// `(field, code)` of each error, or of each warning.
    fn pairs(&self, member: &str) -> Vec<(String, String)> {
        self.body[member]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or("").to_string(),
                            e["code"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn has_error(&self, field: &str, code: &str) -> bool {
        self.pairs("errors")
            .iter()
            .any(|(f, c)| f == field && c == code)
    }

    fn has_warning(&self, field: &str, code: &str) -> bool {
        self.pairs("warnings")
            .iter()
            .any(|(f, c)| f == field && c == code)
    }

    fn etag(&self) -> Option<&str> {
        self.headers.get("etag").and_then(|v| v.to_str().ok())
    }
}

async fn world() -> World {
    let seed = TempDir::new("leads");
    let file = seed.path().join("seed.json");
    std::fs::write(&file, WORLD).unwrap();
    let srv = TestServer::start(SeedSource::File(file), Duration::from_secs(1800)).await;
    World {
        _seed: seed,
        srv,
        http: reqwest::Client::new(),
    }
}

impl World {
    fn api(&self, token: &str) -> HttpApi {
        self.srv.client(token)
    }

    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> Answer {
        let mut req = self
            .http
            .request(method, self.srv.api(path))
            .bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let res = req.send().await.expect("the server answers");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            body,
        }
    }

    async fn get(&self, token: &str, partner: &str) -> Answer {
        let path = format!("/partners/{partner}/lead_settings");
        self.call(token, Method::GET, &path, &[], None).await
    }

    /// `PATCH` as a merge patch, with `If-Match: "<version>"` unless `None`.
    async fn patch_as(
        &self,
        token: &str,
        partner: &str,
        version: Option<i64>,
        patch: &Value,
    ) -> Answer {
        let mut req = self
            .http
            .patch(self.srv.api(&format!("/partners/{partner}/lead_settings")))
            .bearer_auth(token)
            .header("content-type", "application/merge-patch+json")
            .body(patch.to_string());
        if let Some(v) = version {
            req = req.header("if-match", format!("\"{v}\""));
        }
        let res = req.send().await.expect("the server answers");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            body,
        }
    }

    async fn patch(&self, partner: &str, version: i64, patch: &Value) -> Answer {
        self.patch_as(CSR, partner, Some(version), patch).await
    }

    async fn preview(&self, token: &str, partner: &str, body: &Value) -> Answer {
        let path = format!("/partners/{partner}/lead_settings/preview");
        self.call(token, Method::POST, &path, &[], Some(body)).await
    }

    async fn invite(&self, token: &str, partner: &str, key: &str) -> Answer {
        let path = format!("/partners/{partner}/portal_invite");
        let headers = [("idempotency-key", key.to_string())];
        self.call(token, Method::POST, &path, &headers, Some(&json!({})))
            .await
    }

    /// The database, read and written beside the server (what no API call can do).
    fn db(&self) -> support::postgres::SideDb {
        support::postgres::SideDb::new(&self.srv.db)
    }

    async fn outbox(&self) -> Vec<OutboxEmail> {
        self.api(ADMIN)
            .outbox(None, Some(500))
            .await
            .expect("outbox")
            .items
    }

    /// The audit entries whose record is `id`, newest first.
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

fn money(amount_minor: i64, currency: &str) -> Value {
    json!({"amount_minor": amount_minor, "currency": currency})
}

fn problem(e: &ApiError) -> &Problem {
    e.problem()
        .unwrap_or_else(|| panic!("expected a problem, got {e:?}"))
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

#[tokio::test(flavor = "multi_thread")]
async fn an_untouched_partner_reads_defaults_made_from_its_profile_without_a_row() {
    let w = world().await;
    let a = w.get(VIEWER, "p1").await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.etag(), Some("\"1\""));
    let s = &a.body;
    assert_eq!(s["version"], 1);
    assert_eq!(s["partner_type"], "introducer");
    assert_eq!(s["lead_cost"], money(0, "GBP"), "the package's currency");
    assert_eq!(s["billing"], "prepay");
    assert_eq!(s["schedule"]["time_zone"], "Europe/London");
    assert_eq!(
        s["schedule"]["days"]["mon"],
        json!({"enabled": true, "start": "09:00", "end": "17:00"})
    );
    assert_eq!(s["schedule"]["days"]["sun"]["enabled"], false);
    assert_eq!(s["contact"]["email"], "hi@alpha.example");
    assert_eq!(s["contact"]["phone"], "+44 20 7946 0000");
    assert!(
        a.has_warning("/daily_limit", "limit_disabled"),
        "{}",
        a.text
    );
    assert!(a.has_warning("/monthly_limit", "limit_disabled"));
    assert!(a.pairs("errors").is_empty());

    // No package, an empty time zone: EUR and UTC.
    let b = w.get(CSR, "p2").await;
    assert_eq!(b.body["lead_cost"], money(0, "EUR"));
    assert_eq!(b.body["schedule"]["time_zone"], "UTC");

    // The client reads the same.
    let read = w.api(VIEWER).lead_settings("p1").await.expect("read");
    assert_eq!(read.record.version, 1);
    assert_eq!(read.record.record.partner_type, LeadPartnerType::Introducer);
    assert_eq!(read.warnings.len(), 2);

    let rows: i64 = w.db().number("SELECT count(*) FROM lead_settings");
    assert_eq!(
        rows, 1,
        "only the seeded partner has a row; reads write none"
    );

    // The seeded partner: its settings, version 1, with their warning.
    let d = w.get(VIEWER, "p4").await;
    assert_eq!(d.body["partner_type"], "buyer");
    assert_eq!(d.body["lead_value"], money(2500, "EUR"));
    assert_eq!(d.body["version"], 1);
    assert!(d.has_warning("/monthly_limit", "unreachable_monthly_limit"));

    assert_eq!(w.get(VIEWER, "nobody").await.status, 404);
    // A deleted partner is gone from here too.
    let gamma = w
        .call(
            ADMIN,
            Method::DELETE,
            "/partners/p3",
            &[("if-match", "\"1\"".into())],
            None,
        )
        .await;
    assert_eq!(gamma.status, 204, "{}", gamma.text);
    let gone = w.get(VIEWER, "p3").await;
    assert_eq!((gone.status, gone.code()), (404, "not_found"));
    let patched = w.patch("p3", 1, &json!({"daily_limit": 3})).await;
    assert_eq!(patched.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_rule_is_refused_with_its_code_at_its_pointer() {
    let w = world().await;
    let gbp = |n| money(n, "GBP");
    let headers = json!([{"name": "X-Api-Key", "value": "k"}]);
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"lead_cost": null}), "/lead_cost", "required"),
        (json!({"partner_type": "buyer"}), "/lead_value", "required"),
        (json!({"partner_type": "both"}), "/lead_value", "required"),
        (
            json!({"partner_type": "both", "lead_cost": null, "lead_value": gbp(100)}),
            "/lead_cost",
            "required",
        ),
        (
            json!({"credit_limit": gbp(100_000)}),
            "/credit_limit",
            "credit_limit_not_postpay",
        ),
        (json!({"billing": "postpay"}), "/credit_limit", "required"),
        (
            json!({"partner_type": "both", "lead_value": money(100, "USD")}),
            "/lead_value/currency",
            "currency_mismatch",
        ),
        (
            json!({"internet_delivery": {"url": "http://api.alpha.example/leads"}}),
            "/internet_delivery/url",
            "url_invalid",
        ),
        (
            json!({"internet_delivery": {"url": "https://no-dot-host/leads"}}),
            "/internet_delivery/url",
            "url_invalid",
        ),
        (
            json!({"internet_delivery": {"enabled": true, "body_template": "{{lead_id}}"}}),
            "/internet_delivery/url",
            "required",
        ),
        (
            json!({"internet_delivery": {"method": "json", "headers": headers}}),
            "/internet_delivery/headers",
            "headers_unsupported",
        ),
        (
            json!({"internet_delivery": {"method": "soap11", "headers": headers}}),
            "/internet_delivery/headers",
            "headers_unsupported",
        ),
        (
            json!({"internet_delivery": {"method": "soap12", "headers": headers}}),
            "/internet_delivery/headers",
            "headers_unsupported",
        ),
        (
            json!({"text_alerts": {"on_referral": true, "on_low_funds": false}}),
            "/contact/mobile",
            "mobile_required",
        ),
        (
            json!({"text_alerts": {"on_referral": false, "on_low_funds": true},
                   "low_funds_threshold": gbp(5000)}),
            "/contact/mobile",
            "mobile_required",
        ),
        (
            json!({"text_alerts": {"on_referral": false, "on_low_funds": true},
                   "contact": {"mobile": "+44 7700 900123"}}),
            "/low_funds_threshold",
            "required",
        ),
        (
            json!({"schedule": {"days": {"mon": {"enabled": true, "start": "17:00", "end": "09:00"}}}}),
            "/schedule/days/mon/end",
            "end_before_start",
        ),
        (
            json!({"schedule": {"days": {"fri": {"enabled": true, "start": "9am", "end": "17:00"}}}}),
            "/schedule/days/fri/start",
            "invalid_time",
        ),
        (json!({"daily_limit": -1}), "/daily_limit", "out_of_range"),
        (
            json!({"monthly_limit": -5}),
            "/monthly_limit",
            "out_of_range",
        ),
        (
            json!({"schedule": {"time_zone": "Mars/Olympus"}}),
            "/schedule/time_zone",
            "unknown_time_zone",
        ),
        (
            json!({"internet_delivery": {"body_template": "<a>{{favourite_colour}}</a>"}}),
            "/internet_delivery/body_template",
            "unknown_variable",
        ),
        (
            json!({"internet_delivery": {"body_template": "<a>{{first_name</a>"}}),
            "/internet_delivery/body_template",
            "template_invalid",
        ),
        (
            json!({"email_delivery": {"enabled": true, "address": ""}}),
            "/email_delivery/address",
            "required",
        ),
        (
            json!({"contact": {"email": "not an email"}}),
            "/contact/email",
            "invalid_email",
        ),
    ];
    for (patch, field, code) in &cases {
        let a = w.patch("p1", 1, patch).await;
        assert_eq!(
            (a.status, a.code()),
            (422, "validation_failed"),
            "{patch}: {}",
            a.text
        );
        assert!(
            a.has_error(field, code),
            "{patch}: expected {field} {code}, got {:?}",
            a.pairs("errors")
        );
    }
    let unknown = w
        .patch(
            "p1",
            1,
            &json!({"internet_delivery": {"body_template": "{{favourite_colour}}"}}),
        )
        .await;
    assert!(
        unknown.text.contains("favourite_colour"),
        "the detail names the variable: {}",
        unknown.text
    );
    let after = w.get(VIEWER, "p1").await;
    assert_eq!(after.body["version"], 1, "nothing was saved");
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_rules_allow_is_saved() {
    let w = world().await;
    let mut version = 1;
    let key = json!([{"name": "X-Api-Key", "value": "alpha-secret"}]);
    let allowed = [
        json!({"internet_delivery": {"enabled": true, "method": "xml",
               "url": "https://api.alpha.example/leads", "body_template": "<l>{{lead_id}}</l>",
               "headers": key}}),
        json!({"internet_delivery": {"method": "post", "body_template": "id={{lead_id}}"}}),
        json!({"schedule": {"days": {"mon": {"enabled": true, "start": "00:00", "end": "00:00"}}}}),
        json!({"schedule": {"days": {"tue": {"enabled": true, "start": "09:00", "end": "00:00"}}}}),
        json!({"billing": "postpay", "credit_limit": money(500_000, "GBP")}),
        json!({"partner_type": "both", "lead_value": money(3000, "GBP"),
               "text_alerts": {"on_referral": true, "on_low_funds": true},
               "low_funds_threshold": money(10_000, "GBP"),
               "contact": {"mobile": "+44 7700 900123"}}),
        json!({"daily_limit": 0, "monthly_limit": 0}),
    ];
    for patch in &allowed {
        let a = w.patch("p1", version, patch).await;
        assert_eq!(a.status, 200, "{patch}: {}", a.text);
        if a.body["version"] != version {
            version += 1;
        }
        assert_eq!(a.body["version"], version);
        assert_eq!(a.etag(), Some(format!("\"{version}\"").as_str()));
    }
    let s = w.api(VIEWER).lead_settings("p1").await.unwrap().record;
    assert_eq!(s.version, 7, "six changes (the last changed nothing)");
    let s = s.record;
    assert_eq!(s.internet_delivery.method, DeliveryMethod::Post);
    assert_eq!(s.internet_delivery.headers[0].name, "X-Api-Key");
    assert_eq!(s.schedule.days.mon, DayWindow::new(true, "00:00", "00:00"));
    assert_eq!(s.schedule.days.tue, DayWindow::new(true, "09:00", "00:00"));
    assert_eq!(s.credit_limit, Some(Money::new(500_000, "GBP")));
    assert_eq!(s.partner_type, LeadPartnerType::Both);

    // A money field is cleared with null; a buyer needs no lead cost.
    let a = w
        .patch(
            "p1",
            7,
            &json!({"partner_type": "buyer", "lead_cost": null}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["lead_cost"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn warnings_are_saved_and_read_back() {
    let w = world().await;
    let csr = w.api(CSR);
    let saved = csr
        .update_lead_settings("p1", 1, &json!({"daily_limit": 1, "monthly_limit": 50}))
        .await
        .expect("saved despite the warning");
    assert_eq!(saved.record.version, 2);
    let unreachable = saved
        .warnings
        .iter()
        .find(|w| w.code == "unreachable_monthly_limit")
        .expect("the warning");
    assert_eq!(unreachable.field, "/monthly_limit");
    assert!(unreachable.detail.contains("23"), "{}", unreachable.detail);
    let read = csr.lead_settings("p1").await.unwrap();
    assert_eq!(read.record.record.daily_limit, 1);
    assert!(
        read.warnings
            .iter()
            .any(|w| w.field == "/monthly_limit" && w.code == "unreachable_monthly_limit")
    );
    let raw = w.get(VIEWER, "p1").await;
    assert!(raw.has_warning("/monthly_limit", "unreachable_monthly_limit"));

    let a = w.patch("p1", 2, &json!({"monthly_limit": 0})).await;
    assert!(
        a.has_warning("/monthly_limit", "limit_disabled"),
        "{}",
        a.text
    );
    assert!(!a.has_warning("/daily_limit", "limit_disabled"));

    let a = w
        .patch("p1", 3, &json!({"daily_limit": 60, "monthly_limit": 50}))
        .await;
    assert!(
        a.has_warning("/daily_limit", "daily_above_monthly"),
        "{}",
        a.text
    );

    let off = json!({"enabled": false, "start": "09:00", "end": "17:00"});
    let days: serde_json::Map<String, Value> = WEEKDAY_KEYS
        .iter()
        .map(|d| (d.to_string(), off.clone()))
        .collect();
    let a = w
        .patch(
            "p1",
            4,
            &json!({"schedule": {"days": days},
                    "email_delivery": {"enabled": true, "address": "leads@alpha.example"}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(
        a.has_warning("/schedule/days", "no_delivery_days"),
        "{}",
        a.text
    );

    let a = w
        .patch("p1", 5, &json!({"contact": {"phone": "020 7946 0000"}}))
        .await;
    assert!(
        a.has_warning("/contact/phone", "phone_not_international"),
        "{}",
        a.text
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_broken_rule_of_a_request_comes_back_at_once() {
    let w = world().await;
    let a = w
        .patch(
            "p1",
            1,
            &json!({
                "partner_type": "both",
                "billing": "postpay",
                "internet_delivery": {"enabled": true, "method": "json",
                                      "url": "http://api.alpha.example",
                                      "headers": [{"name": "X-Api-Key", "value": "k"}],
                                      "body_template": "{{nope}}"},
                "text_alerts": {"on_referral": true, "on_low_funds": false},
                "daily_limit": -3,
                "schedule": {"time_zone": "Nowhere/Land",
                             "days": {"wed": {"enabled": true, "start": "18:00", "end": "08:00"}}}
            }),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (422, "validation_failed"),
        "{}",
        a.text
    );
    let expected = [
        ("/lead_value", "required"),
        ("/credit_limit", "required"),
        ("/internet_delivery/url", "url_invalid"),
        ("/internet_delivery/body_template", "unknown_variable"),
        ("/internet_delivery/headers", "headers_unsupported"),
        ("/daily_limit", "out_of_range"),
        ("/schedule/time_zone", "unknown_time_zone"),
        ("/schedule/days/wed/end", "end_before_start"),
        ("/contact/mobile", "mobile_required"),
    ];
    for (field, code) in expected {
        assert!(
            a.has_error(field, code),
            "{field} {code}: {:?}",
            a.pairs("errors")
        );
    }
    assert_eq!(
        a.pairs("errors").len(),
        expected.len(),
        "{:?}",
        a.pairs("errors")
    );
    assert!(a.body["detail"].as_str().unwrap().starts_with("9 fields"));
}

#[tokio::test(flavor = "multi_thread")]
async fn members_of_the_wrong_type_or_unknown_are_refused() {
    let w = world().await;
    let a = w
        .patch(
            "p1",
            1,
            &json!({"daily_limit": "ten", "billing": "monthly", "require_accept": "yes",
                    "contact": {"phone": 5}}),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (422, "validation_failed"),
        "{}",
        a.text
    );
    for field in ["/daily_limit", "/billing", "/require_accept", "/contact"] {
        assert!(
            a.has_error(field, "invalid_type"),
            "{field}: {:?}",
            a.pairs("errors")
        );
    }
    assert_eq!(a.pairs("errors").len(), 4);
    // A required member cleared with null is of the wrong type too.
    let a = w.patch("p1", 1, &json!({"partner_type": null})).await;
    assert!(a.has_error("/partner_type", "invalid_type"), "{}", a.text);

    for (patch, named) in [
        (json!({"fax": "1"}), "/fax"),
        (json!({"contact": {"fax": "1"}}), "/contact/fax"),
        (
            json!({"internet_delivery": {"headers": [{"name": "X-A", "value": "1", "note": "x"}]}}),
            "/internet_delivery/headers/0/note",
        ),
    ] {
        let a = w.patch("p1", 1, &patch).await;
        assert_eq!(
            (a.status, a.code()),
            (400, "invalid_body"),
            "{patch}: {}",
            a.text
        );
        assert!(a.text.contains(named), "{patch}: {}", a.text);
    }
    for not_an_object in ["[1]", "\"x\"", "null"] {
        let res = w
            .http
            .patch(w.srv.api("/partners/p1/lead_settings"))
            .bearer_auth(CSR)
            .header("content-type", "application/merge-patch+json")
            .header("if-match", "\"1\"")
            .body(not_an_object)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{not_an_object}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_version_gets_412_with_the_current_settings_and_none_gets_428() {
    let w = world().await;
    assert_eq!(
        w.patch("p1", 1, &json!({"daily_limit": 9})).await.status,
        200
    );
    let stale = w.patch("p1", 1, &json!({"daily_limit": 10})).await;
    assert_eq!(
        (stale.status, stale.code()),
        (412, "version_mismatch"),
        "{}",
        stale.text
    );
    assert!(
        stale.body["detail"]
            .as_str()
            .unwrap()
            .contains("the current one is attached")
    );
    assert_eq!(stale.body["lead_settings"]["version"], 2);
    assert_eq!(stale.body["lead_settings"]["daily_limit"], 9);

    let err = w
        .api(CSR)
        .update_lead_settings("p1", 1, &json!({"daily_limit": 10}))
        .await
        .unwrap_err();
    let current = problem(&err).lead_settings.as_ref().expect("attached");
    assert_eq!((current.version, current.record.daily_limit), (2, 9));

    let none = w
        .patch_as(CSR, "p1", None, &json!({"daily_limit": 10}))
        .await;
    assert_eq!((none.status, none.code()), (428, "precondition_required"));
    assert_eq!(w.get(VIEWER, "p1").await.body["daily_limit"], 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn viewers_read_and_preview_and_only_csrs_and_admins_write() {
    let w = world().await;
    assert_eq!(w.get(VIEWER, "p1").await.status, 200);
    let a = w
        .patch_as(VIEWER, "p1", Some(1), &json!({"daily_limit": 2}))
        .await;
    assert_eq!((a.status, a.code()), (403, "forbidden"));
    let p = w
        .preview(VIEWER, "p1", &json!({"body_template": "{{email}}"}))
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let i = w.invite(VIEWER, "p1", "k-viewer").await;
    assert_eq!((i.status, i.code()), (403, "forbidden"));
    assert_eq!(
        w.patch_as(CSR, "p1", Some(1), &json!({"daily_limit": 2}))
            .await
            .status,
        200
    );
    assert_eq!(
        w.patch_as(ADMIN, "p1", Some(2), &json!({"daily_limit": 3}))
            .await
            .status,
        200
    );
    let none = w.get("nobody-token", "p1").await;
    assert_eq!(none.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_is_audited_once_with_each_member_and_announced() {
    let w = world().await;
    let csr = w.api(CSR);
    let mut events = connected(&csr).await;
    let saved = w
        .patch(
            "p1",
            1,
            &json!({"daily_limit": 5, "monthly_limit": 100, "require_accept": false}),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let changed = next_record_changed(&mut events).await;
    assert_eq!(
        changed,
        RecordChanged {
            kind: RECORD_LEAD_SETTINGS.into(),
            id: "p1".into(),
            version: 2
        }
    );
    let entries = w.audit_about("p1").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e.action, "lead_settings.updated");
    assert_eq!(e.actor, "carl");
    assert_eq!(
        e.subject_ref,
        Some(RecordRef {
            kind: "lead_settings".into(),
            id: "p1".into(),
            name: "Alpha Leads".into()
        })
    );
    let changes: Vec<(&str, Option<&str>, Option<&str>)> = e
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.before.as_deref(), c.after.as_deref()))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("/daily_limit", Some("0"), Some("5")),
            ("/monthly_limit", Some("0"), Some("100")),
        ],
        "require_accept did not change"
    );

    // An object member is shown whole, as JSON.
    let a = w
        .patch("p1", 2, &json!({"contact": {"mobile": "+44 7700 900123"}}))
        .await;
    assert_eq!(a.status, 200);
    let e = &w.audit_about("p1").await[0];
    assert_eq!(e.changes.len(), 1);
    assert_eq!(e.changes[0].field, "/contact");
    assert!(
        e.changes[0]
            .after
            .as_deref()
            .unwrap()
            .contains("+44 7700 900123")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patch_that_changes_nothing_answers_as_is() {
    let w = world().await;
    let a = w
        .patch("p1", 1, &json!({"daily_limit": 0, "billing": "prepay"}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        (a.body["version"].as_i64(), a.etag()),
        (Some(1), Some("\"1\""))
    );
    assert!(a.has_warning("/daily_limit", "limit_disabled"));
    assert!(w.audit_about("p1").await.is_empty());
    let rows: i64 = w
        .db()
        .number("SELECT count(*) FROM lead_settings WHERE partner_id = 'p1'");
    assert_eq!(rows, 0, "the defaults are still not written");

    assert_eq!(
        w.patch("p1", 1, &json!({"daily_limit": 4})).await.status,
        200
    );
    let again = w.patch("p1", 2, &json!({"daily_limit": 4})).await;
    assert_eq!(again.body["version"], 2);
    assert_eq!(w.audit_about("p1").await.len(), 1);
}

// ---- the preview -------------------------------------------------------------------------

/// The sample lead's notes: a quote and a `</body>`, which must stay text.
const NOTES: &str = "Call after 5 pm, \"not before\" </body> <b>thanks</b>";

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_escapes_the_sample_lead_for_each_method() {
    let w = world().await;
    let xml = "<lead><notes>{{notes}}</notes><n last=\"{{last_name}}\"/></lead>";
    for (method, content_type) in [
        ("xml", "application/xml; charset=utf-8"),
        ("soap11", "text/xml; charset=utf-8"),
        ("soap12", "application/soap+xml; charset=utf-8"),
    ] {
        let a = w
            .preview(CSR, "p1", &json!({"method": method, "body_template": xml}))
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.body["content_type"], content_type);
        assert_eq!(a.body["truncated"], false);
        let body = a.body["body"].as_str().unwrap();
        assert_eq!(
            body,
            "<lead><notes>Call after 5 pm, &quot;not before&quot; &lt;/body&gt; &lt;b&gt;thanks&lt;/b&gt;</notes><n last=\"O&apos;Neill\"/></lead>",
            "{method}"
        );
        assert!(!body.contains("</body>"));
    }

    let a = w
        .preview(
            CSR,
            "p1",
            &json!({"method": "json", "body_template": "{\"notes\": \"{{notes}}\", \"last\": \"{{last_name}}\"}"}),
        )
        .await;
    assert_eq!(a.body["content_type"], "application/json");
    let body = a.body["body"].as_str().unwrap();
    assert!(!body.contains("</body>"), "{body}");
    let parsed: Value = serde_json::from_str(body).expect("still one JSON document");
    assert_eq!(parsed["notes"], NOTES);
    assert_eq!(parsed["last"], "O'Neill");
    assert_eq!(parsed.as_object().unwrap().len(), 2);

    let a = w
        .preview(
            CSR,
            "p1",
            &json!({"method": "post", "body_template": "n={{notes}}&l={{last_name}}"}),
        )
        .await;
    assert_eq!(a.body["content_type"], "application/x-www-form-urlencoded");
    assert!(
        a.body["body"]
            .as_str()
            .unwrap()
            .starts_with("n=Call+after+5+pm%2C+%22not+before%22+%3C%2Fbody%3E")
    );

    // Through the client, the same.
    let p = w
        .api(VIEWER)
        .preview_lead_body(
            "p1",
            &PreviewRequest {
                method: Some(DeliveryMethod::Soap12),
                body_template: Some("<x>{{notes}}</x>".into()),
            },
        )
        .await
        .unwrap();
    assert!(p.body.contains("&lt;/body&gt;") && !p.truncated);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_uses_the_unsaved_values_over_the_saved_ones() {
    let w = world().await;
    let saved = w
        .patch(
            "p1",
            1,
            &json!({"internet_delivery": {"enabled": true, "method": "xml",
                    "url": "https://api.alpha.example/leads",
                    "body_template": "<saved>{{last_name}}</saved>"}}),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let cases = [
        (
            json!({}),
            "application/xml; charset=utf-8",
            "<saved>O&apos;Neill</saved>",
        ),
        (
            json!({"method": "json"}),
            "application/json",
            "<saved>O'Neill</saved>",
        ),
        (
            json!({"body_template": "<form>{{first_name}}</form>"}),
            "application/xml; charset=utf-8",
            "<form>Ada</form>",
        ),
        (
            json!({"method": "post", "body_template": "last={{last_name}}"}),
            "application/x-www-form-urlencoded",
            "last=O%27Neill",
        ),
    ];
    for (req, content_type, body) in cases {
        let a = w.preview(CSR, "p1", &req).await;
        assert_eq!(a.status, 200, "{req}: {}", a.text);
        assert_eq!(
            (a.body["content_type"].as_str(), a.body["body"].as_str()),
            (Some(content_type), Some(body)),
            "{req}"
        );
    }
    // Nothing was saved by previewing.
    let after = w.get(VIEWER, "p1").await;
    assert_eq!(after.body["version"], 2);
    assert_eq!(
        after.body["internet_delivery"]["body_template"],
        "<saved>{{last_name}}</saved>"
    );
    // An untouched partner's saved template is empty: so is its body.
    let empty = w.preview(CSR, "p2", &json!({})).await;
    assert_eq!((empty.status, empty.body["body"].as_str()), (200, Some("")));
    assert_eq!(empty.body["content_type"], "application/json");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_the_rules_refuse_is_a_422_at_body_template() {
    let w = world().await;
    let a = w
        .preview(
            CSR,
            "p1",
            &json!({"body_template": "<a>{{favourite_colour}}</a>"}),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (422, "validation_failed"),
        "{}",
        a.text
    );
    assert_eq!(
        a.pairs("errors"),
        vec![("/body_template".to_string(), "unknown_variable".to_string())]
    );
    assert!(
        a.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("favourite_colour")
    );

    let err = w
        .api(CSR)
        .preview_lead_body(
            "p1",
            &PreviewRequest {
                method: None,
                body_template: Some("{{favourite_colour}}".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(problem(&err).errors[0].code, "unknown_variable");

    let a = w
        .preview(CSR, "p1", &json!({"body_template": "{{first_name"}))
        .await;
    assert!(
        a.has_error("/body_template", "template_invalid"),
        "{}",
        a.text
    );
    let long = "x".repeat(lead_template::MAX_TEMPLATE_CHARS + 1);
    let a = w.preview(CSR, "p1", &json!({"body_template": long})).await;
    assert!(a.has_error("/body_template", "too_long"), "{}", a.text);

    // Not a preview's body: 400.
    let a = w.preview(CSR, "p1", &json!({"method": "yaml"})).await;
    assert_eq!((a.status, a.code()), (400, "invalid_body"));
    let a = w
        .preview(CSR, "p1", &json!({"url": "https://x.example"}))
        .await;
    assert_eq!((a.status, a.code()), (400, "invalid_body"));
    assert_eq!(w.preview(CSR, "nobody", &json!({})).await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_body_is_cut_at_64_kib_and_says_so() {
    let w = world().await;
    // 1,700 × 9 characters fit a template; each renders the notes escaped, ~80 bytes.
    let template = "{{notes}}".repeat(1_700);
    let a = w
        .preview(
            CSR,
            "p1",
            &json!({"method": "xml", "body_template": template}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text.len());
    assert_eq!(a.body["truncated"], true);
    let body = a.body["body"].as_str().unwrap();
    assert!(
        body.len() <= 64 * 1024 && body.len() > 60 * 1024,
        "{}",
        body.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_preview_never_fetches_the_url() {
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let saved = w
        .patch(
            "p1",
            1,
            &json!({"internet_delivery": {"enabled": true, "method": "json",
                    "url": format!("https://localhost:{port}/leads"),
                    "body_template": "{\"id\": \"{{lead_id}}\"}"}}),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    for req in [
        json!({}),
        json!({"method": "post", "body_template": "id={{lead_id}}"}),
    ] {
        let a = w.preview(CSR, "p1", &req).await;
        assert_eq!(a.status, 200, "{}", a.text);
    }
    let accepted = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await;
    assert!(accepted.is_err(), "the partner's URL was called");
}

// ---- the portal invitation ----------------------------------------------------------------

/// The one-time link in an invitation email, and its token.
fn link_in(body: &str) -> (String, String) {
    let start = body.find("https://portal.example/invite/").expect("a link");
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let token = link.rsplit('/').next().unwrap().to_string();
    (link, token)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_portal_invitation_is_one_email_with_a_one_time_link_never_in_an_answer() {
    let w = world().await;
    let key = uuid::Uuid::new_v4().to_string();
    let a = w.invite(CSR, "p1", &key).await;
    assert_eq!(a.status, 202, "{}", a.text);
    assert_eq!(a.body["partner_id"], "p1");
    assert_eq!(a.body["to"], "hi@alpha.example");
    let queued: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(a.body["queued_at"].clone()).unwrap();
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(a.body["expires_at"].clone()).unwrap();
    assert_eq!(expires - queued, chrono::Duration::days(7));
    assert_eq!(a.body.as_object().unwrap().len(), 4, "{}", a.text);

    let emails = w.outbox().await;
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.to, "hi@alpha.example");
    let (link, token) = link_in(&email.body);
    assert!(token.len() >= 32, "{link}");
    assert!(
        email.body.contains("never send passwords"),
        "{}",
        email.body
    );
    assert!(email.body.contains("Alpha Leads"));
    assert!(!a.text.contains(&token), "the token is never in an answer");

    // Only the token's hash is kept with the invitation.
    let row = w.db().row("SELECT token_hash, sent_to FROM portal_invites");
    let (hash, sent_to) = (row[0].clone().unwrap(), row[1].clone().unwrap());
    assert_ne!(hash, token);
    assert!(!hash.contains(&token));
    assert_eq!(sent_to, "hi@alpha.example");

    // The same key again: the same answer, replayed, and still one email.
    let again = w.invite(CSR, "p1", &key).await;
    assert_eq!(again.status, 202);
    assert_eq!(again.body, a.body);
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(w.outbox().await.len(), 1);

    // Through the client, with a new key: a second email, and the first link no longer works.
    let invite = w
        .api(CSR)
        .portal_invite("p1", "key-2")
        .await
        .expect("invited");
    assert_eq!(invite.to, "hi@alpha.example");
    assert_eq!(w.outbox().await.len(), 2);
    let open: i64 = w.db().number(
        "SELECT count(*) FROM portal_invites WHERE superseded_at IS NULL AND used_at IS NULL",
    );
    assert_eq!(open, 1);

    let audited: Vec<AuditEntry> = w
        .audit_about("p1")
        .await
        .into_iter()
        .filter(|e| e.action == "partner.portal_invited")
        .collect();
    assert_eq!(audited.len(), 2);
    let e = &audited[1];
    assert_eq!(e.actor, "carl");
    assert_eq!(e.subject.as_deref(), Some("Alpha Leads"));
    assert_eq!(e.subject_ref.as_ref().unwrap().kind, "partner");
    assert!(e.detail.contains("hi@alpha.example"), "{}", e.detail);
    assert!(!e.detail.contains(&token));
    assert!(
        audited[0].detail.contains("no longer works"),
        "{}",
        audited[0].detail
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_goes_to_the_lead_contact_first_and_is_refused_without_any() {
    let w = world().await;
    let a = w
        .patch(
            "p2",
            1,
            &json!({"contact": {"email": "leads@beta.example"}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let i = w.invite(CSR, "p2", "k1").await;
    assert_eq!(
        (i.status, i.body["to"].as_str()),
        (202, Some("leads@beta.example"))
    );
    assert_eq!(w.outbox().await[0].to, "leads@beta.example");

    // Without a lead contact email, the profile's.
    assert_eq!(
        w.patch("p2", 2, &json!({"contact": {"email": ""}}))
            .await
            .status,
        200
    );
    let i = w.invite(CSR, "p2", "k2").await;
    assert_eq!(i.body["to"], "hi@beta.example");

    // A profile that lost its email (the API never allows it; an older import might have): 409.
    w.db()
        .execute("UPDATE partners SET contact_email = '' WHERE id = 'p2'");
    let i = w.invite(CSR, "p2", "k3").await;
    assert_eq!(
        (i.status, i.code()),
        (409, "no_contact_email"),
        "{}",
        i.text
    );
    assert_eq!(w.outbox().await.len(), 2);

    let suspended = w.invite(CSR, "p3", "k4").await;
    assert_eq!(
        (suspended.status, suspended.code()),
        (409, "partner_suspended")
    );
    assert_eq!(w.invite(CSR, "nobody", "k5").await.status, 404);
    let keyless = w
        .call(
            CSR,
            Method::POST,
            "/partners/p1/portal_invite",
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(
        (keyless.status, keyless.code()),
        (400, "idempotency_key_required")
    );
    let extra = w
        .call(
            CSR,
            Method::POST,
            "/partners/p1/portal_invite",
            &[("idempotency-key", "k6".into())],
            Some(&json!({"password": "hunter2"})),
        )
        .await;
    assert_eq!((extra.status, extra.code()), (400, "invalid_body"));
}

// ---- seed files ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_file_with_broken_settings_is_refused_by_place() {
    for (settings, place) in [
        (
            json!({"schedule": {"days": {"mon": {"enabled": true, "start": "17:00", "end": "09:00"}}}}),
            "partners[0].lead_settings.schedule.days.mon.end",
        ),
        (
            json!({"internet_delivery": {"method": "json", "headers": [{"name": "X-A", "value": "1"}]}}),
            "partners[0].lead_settings.internet_delivery.headers",
        ),
        (
            json!({"daily_limit": "ten"}),
            "partners[0].lead_settings.daily_limit",
        ),
        (json!({"fax": 1}), "partners[0].lead_settings.fax"),
    ] {
        let dir = TempDir::new("leads-seed");
        let file = dir.path().join("seed.json");
        let seed = json!({
            "users": [{"name": "root", "email": "r@hq.example", "role": "admin", "token": "tok-admin"}],
            "partners": [{"id": "p1", "name": "Alpha", "status": "active",
                          "contact": {"email": "hi@alpha.example"}, "lead_settings": settings}]
        });
        std::fs::write(&file, seed.to_string()).unwrap();
        let err = launch(
            &dir.path().join("pc.db"),
            SeedSource::File(file),
            Duration::from_secs(60),
        )
        .await
        .err()
        .expect("refused");
        let msg = format!("{err:#}");
        assert!(msg.contains(place), "{settings}: {msg}");
    }
}

// ---- the demo and the README --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_has_varied_settings_and_one_partner_with_inconsistent_limits() {
    let srv = TestServer::demo().await;
    let viewer = srv.client("demo-viewer");
    let brightside = viewer.lead_settings("pt_009").await.expect("read");
    assert_eq!(
        (
            brightside.record.record.daily_limit,
            brightside.record.record.monthly_limit
        ),
        (1, 50)
    );
    assert!(
        brightside
            .warnings
            .iter()
            .any(|w| w.code == "unreachable_monthly_limit")
    );
    // Every method among them; most partners on their defaults (version 1, never written).
    let mut methods = std::collections::BTreeSet::new();
    let mut set_up = 0;
    for i in 1..=48 {
        let s = viewer
            .lead_settings(&format!("pt_{i:03}"))
            .await
            .expect("read");
        assert_eq!(s.record.version, 1);
        let net = &s.record.record.internet_delivery;
        if net.enabled {
            methods.insert(net.method.as_str());
        }
        if s.record.record.daily_limit != 0 {
            set_up += 1;
        }
    }
    assert_eq!(methods.len(), 5, "{methods:?}");
    assert_eq!(set_up, 10);
}

#[test]
fn the_readme_lists_every_template_variable() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (name, what, sample) in lead_template::TEMPLATE_VARIABLES {
        let row = format!("| `{{{{{name}}}}}` | {what} | `{sample}` |");
        assert!(readme.contains(&row), "README lacks {row}");
    }
}
