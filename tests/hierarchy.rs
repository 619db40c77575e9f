//! The hierarchy over real HTTP (RECORDS.md §1): who may write each level (a permission matrix
//! against seed 002's table, written out here), suspension inherited three levels down, each
//! guarded delete, idempotent creates under retries, impersonating a suspended partner, a
//! suspended partner's pending request in its queue, `GET /me`'s assignments, the seeds.
//! Raw requests throughout, so that each status and header is seen as the server sent it.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use partner_console::server::{RunningServer, SeedSource};
use reqwest::Method;
use serde_json::{Value, json};
use support::{TempDir, TestServer, launch};

/// Two distributors, a partner under each, a tenant under the first partner, a pending request
/// of the second partner, and one user for each column of the matrix.
const TREE: &str = r#"{
  "users": [
    {"name": "root", "email": "root@hq.example", "role": "admin", "token": "tok-admin"},
    {"name": "dana", "email": "dana@one.example", "role": "csr", "token": "tok-dist-this",
     "assignments": [{"role": "distributor_admin", "scope": "d1"}]},
    {"name": "dave", "email": "dave@two.example", "role": "csr", "token": "tok-dist-other",
     "assignments": [{"role": "distributor_admin", "scope": "d2"}]},
    {"name": "paula", "email": "paula@alpha.example", "role": "csr", "token": "tok-part-this",
     "assignments": [{"role": "partner_admin", "scope": "p1"}]},
    {"name": "pete", "email": "pete@beta.example", "role": "csr", "token": "tok-part-other",
     "assignments": [{"role": "partner_admin", "scope": "p2"}]},
    {"name": "carl", "email": "carl@hq.example", "role": "csr", "token": "tok-csr-only"},
    {"name": "vera", "email": "vera@hq.example", "role": "viewer", "token": "tok-viewer"}
  ],
  "distributors": [
    {"id": "d1", "name": "One Distribution"},
    {"id": "d2", "name": "Two Distribution", "contact": {"email": "hi@two.example"}}
  ],
  "partners": [
    {"id": "p1", "distributor_id": "d1", "name": "Alpha", "status": "active",
     "contact": {"email": "hi@alpha.example"}},
    {"id": "p2", "distributor_id": "d2", "name": "Beta", "status": "pending",
     "contact": {"email": "hi@beta.example"}}
  ],
  "tenants": [
    {"id": "t1", "name": "Tee One", "partner": "p1", "contact": {"email": "t@one.example"}}
  ],
  "approvals": [
    {"id": "ap_beta", "kind": "partnership", "title": "Gold package", "partner": "p2",
     "requested_at": "2026-11-01T10:00:00Z",
     "item": {"name": "Gold", "price": {"amount_minor": 4900, "currency": "EUR"}}}
  ]
}"#;

const ADMIN: &str = "tok-admin";

struct Tree {
    _dir: TempDir,
    server: RunningServer,
    http: reqwest::Client,
}

async fn seeded(text: &str) -> Result<Tree, String> {
    let dir = TempDir::new("hierarchy");
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, text).unwrap();
    let server = launch(
        &dir.path().join("pc.db"),
        SeedSource::File(seed),
        Duration::from_secs(600),
    )
    .await
    .map_err(|e| format!("{e:#}"))?;
    Ok(Tree {
        _dir: dir,
        server,
        http: reqwest::Client::new(),
    })
}

async fn tree() -> Tree {
    seeded(TREE).await.expect("the tree seeds")
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
}

impl Tree {
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

    /// The node's version as its `ETag` says, for `If-Match`.
    async fn etag(&self, path: &str) -> String {
        let a = self.get(ADMIN, path).await;
        assert_eq!(a.status, 200, "GET {path}: {}", a.body);
        a.headers["etag"].to_str().unwrap().to_string()
    }

    /// A write made against the node's current version.
    async fn write_at(
        &self,
        token: &str,
        method: Method,
        node: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let version = self.etag(node).await;
        self.call(token, method, path, &[("if-match", version)], body)
            .await
    }

    async fn create(&self, token: &str, collection: &str, body: Value) -> Answer {
        let key = uuid::Uuid::new_v4().to_string();
        self.call(
            token,
            Method::POST,
            collection,
            &[("idempotency-key", key)],
            Some(body),
        )
        .await
    }

    async fn suspend(&self, token: &str, node: &str) -> Answer {
        let body = json!({"reason": "Unpaid invoices"});
        self.write_at(
            token,
            Method::POST,
            node,
            &format!("{node}/suspend"),
            Some(body),
        )
        .await
    }

    async fn enable(&self, token: &str, node: &str) -> Answer {
        self.write_at(token, Method::POST, node, &format!("{node}/enable"), None)
            .await
    }

    /// The audit entries about `id`, newest first.
    async fn audit_about(&self, id: &str) -> Vec<Value> {
        let page = self.get(ADMIN, "/audit?limit=500").await;
        page.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["subject_ref"]["id"] == id)
            .cloned()
            .collect()
    }
}

/// The columns of the matrix: who writes.
const WHO: [(&str, &str); 7] = [
    ("platform admin", "tok-admin"),
    ("distributor admin of this node", "tok-dist-this"),
    ("distributor admin of another", "tok-dist-other"),
    ("partner admin of this node", "tok-part-this"),
    ("partner admin of another", "tok-part-other"),
    ("csr with no assignment", "tok-csr-only"),
    ("viewer", "tok-viewer"),
];

/// Seed 002's table for the nodes `d1` (a distributor), `p1` (a partner of `d1`) and `t1` (a
/// tenant of `p1`): who may write each level, column by column as in `WHO`.
const DISTRIBUTOR_WRITERS: [bool; 7] = [true, false, false, false, false, false, false];
const PARTNER_WRITERS: [bool; 7] = [true, true, false, false, false, false, false];
const TENANT_WRITERS: [bool; 7] = [true, true, false, true, false, false, false];

/// What a 403 says is needed, by level.
fn needed(level: &str) -> &'static str {
    match level {
        "distributor" => "needs a platform administrator.",
        "partner" => "needs the distributor administrator or a platform administrator.",
        _ => {
            "needs the partner administrator, the distributor administrator or a platform administrator."
        }
    }
}

/// Every write of the hierarchy on one node, by one user; the answer's status.
async fn write(t: &Tree, token: &str, write: &str, level: &str, n: usize) -> Answer {
    let (collection, node, parent) = match level {
        "distributor" => ("/distributors", "/distributors/d1", None),
        "partner" => ("/partners", "/partners/p1", Some(("distributor_id", "d1"))),
        _ => ("/tenants", "/tenants/t1", Some(("partner_id", "p1"))),
    };
    let new_body = |name: String| {
        let mut b = json!({"name": name, "contact": {"email": "new@node.example"}});
        if let Some((k, v)) = parent {
            b[k] = json!(v);
        }
        b
    };
    match write {
        "create" => {
            t.create(token, collection, new_body(format!("New {n}")))
                .await
        }
        "change" if level == "partner" => {
            // A partner's PATCH is its profile, a CSR's work (issue 17): not in this table.
            unreachable!()
        }
        "change" => {
            t.write_at(
                token,
                Method::PATCH,
                node,
                node,
                Some(json!({"contact": {"name": format!("Contact {n}")}})),
            )
            .await
        }
        "delete" => {
            // A node of its own, suspended, with this node's parent: only who may is tested.
            let made = t
                .create(ADMIN, collection, new_body(format!("Gone {n}")))
                .await;
            assert_eq!(made.status, 201, "{}", made.body);
            let victim = format!("{collection}/{}", made.body["id"].as_str().unwrap());
            assert_eq!(t.suspend(ADMIN, &victim).await.status, 200);
            t.write_at(token, Method::DELETE, &victim, &victim, None)
                .await
        }
        "add admin" => {
            let body = json!({"name": format!("Admin {level} {n}"), "email": format!("a{n}@{level}.example")});
            t.call(
                token,
                Method::POST,
                &format!("{node}/admins"),
                &[],
                Some(body),
            )
            .await
        }
        "remove admin" => {
            let body = json!({"name": format!("Gone admin {level} {n}"), "email": format!("g{n}@{level}.example")});
            let added = t
                .call(
                    ADMIN,
                    Method::POST,
                    &format!("{node}/admins"),
                    &[],
                    Some(body),
                )
                .await;
            assert_eq!(added.status, 201, "{}", added.body);
            let user = added.body["id"].as_str().unwrap().to_string();
            t.call(
                token,
                Method::DELETE,
                &format!("{node}/admins/{user}"),
                &[],
                None,
            )
            .await
        }
        "suspend" => t.suspend(token, node).await,
        "enable" => t.enable(token, node).await,
        other => panic!("no write {other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_write_is_allowed_exactly_to_the_levels_of_seed_002() {
    let t = tree().await;
    // Suspensions last (a suspended parent takes no children), each followed by its enable.
    let writes = [
        "create",
        "change",
        "delete",
        "add admin",
        "remove admin",
        "suspend",
        "enable",
    ];
    let mut n = 0;
    let mut failures = Vec::new();
    for (level, allowed) in [
        ("distributor", DISTRIBUTOR_WRITERS),
        ("partner", PARTNER_WRITERS),
        ("tenant", TENANT_WRITERS),
    ] {
        for w in writes {
            if w == "change" && level == "partner" {
                continue;
            }
            for ((who, token), allowed) in WHO.iter().zip(allowed) {
                n += 1;
                let a = write(&t, token, w, level, n).await;
                let ok = if allowed {
                    (200..300).contains(&a.status)
                } else {
                    a.status == 403
                        && a.code() == "forbidden"
                        && a.body["detail"]
                            .as_str()
                            .is_some_and(|d| d.ends_with(needed(level)))
                };
                if !ok {
                    failures.push(format!(
                        "{w} {level} as {who}: expected {}, got {} {}",
                        if allowed { "2xx" } else { "403" },
                        a.status,
                        a.body
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // An impersonation token reaches none of it.
    let imp = t
        .call(
            "tok-csr-only",
            Method::POST,
            "/partners/p1/impersonations",
            &[],
            Some(json!({"reason": "matrix"})),
        )
        .await;
    assert_eq!(imp.status, 201, "{}", imp.body);
    let token = imp.body["token"].as_str().unwrap();
    let a = t
        .create(
            token,
            "/tenants",
            json!({"partner_id": "p1", "name": "By the partner"}),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(t.get(token, "/distributors").await.status, 403);
}

/// (own status, effective status, suspended_by's id) of a node as `GET` gives it.
async fn standing(t: &Tree, path: &str) -> (String, String, Option<String>) {
    let b = t.get("tok-viewer", path).await.body;
    (
        b["status"].as_str().unwrap().to_string(),
        b["effective_status"].as_str().unwrap().to_string(),
        b["suspended_by"]["id"].as_str().map(str::to_string),
    )
}

fn is(own: &str, effective: &str, by: Option<&str>) -> (String, String, Option<String>) {
    (own.into(), effective.into(), by.map(str::to_string))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suspension_reaches_three_levels_down_and_enabling_gives_it_back() {
    let t = tree().await;
    assert_eq!(
        standing(&t, "/tenants/t1").await,
        is("active", "active", None)
    );
    let d1 = t.suspend(ADMIN, "/distributors/d1").await;
    assert_eq!(d1.status, 200, "{}", d1.body);
    assert_eq!(d1.body["status"], "suspended");
    assert_eq!(d1.headers["etag"], "\"2\"");
    assert_eq!(
        standing(&t, "/partners/p1").await,
        is("active", "suspended", Some("d1"))
    );
    assert_eq!(
        standing(&t, "/tenants/t1").await,
        is("active", "suspended", Some("d1"))
    );
    // The rows of the lists say the same.
    let rows = t.get("tok-viewer", "/tenants?partner_id=p1").await.body;
    assert_eq!(rows["items"][0]["suspended_by"]["name"], "One Distribution");
    let rows = t
        .get("tok-viewer", "/partners?distributor_id=d1")
        .await
        .body;
    assert_eq!(rows["items"][0]["effective_status"], "suspended");

    // The partner suspended as well: the highest suspended node is still the one named.
    assert_eq!(t.suspend(ADMIN, "/partners/p1").await.status, 200);
    assert_eq!(
        standing(&t, "/tenants/t1").await,
        is("active", "suspended", Some("d1"))
    );
    // Suspending again changes nothing: same version, no second audit entry.
    let again = t.suspend(ADMIN, "/distributors/d1").await;
    assert_eq!(again.headers["etag"], "\"2\"");
    assert_eq!(t.audit_about("d1").await.len(), 1);

    assert_eq!(t.enable(ADMIN, "/distributors/d1").await.status, 200);
    assert_eq!(
        standing(&t, "/partners/p1").await,
        is("suspended", "suspended", None)
    );
    assert_eq!(
        standing(&t, "/tenants/t1").await,
        is("active", "suspended", Some("p1"))
    );
    assert_eq!(t.enable(ADMIN, "/partners/p1").await.status, 200);
    assert_eq!(
        standing(&t, "/tenants/t1").await,
        is("active", "active", None)
    );
    // A pending partner, suspended and enabled, is pending again.
    t.suspend(ADMIN, "/partners/p2").await;
    let back = t.enable(ADMIN, "/partners/p2").await;
    assert_eq!(back.body["status"], "pending");
    let audit = t.audit_about("p2").await;
    let actions: Vec<&str> = audit
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["partner.enabled", "partner.suspended"]);
    assert_eq!(audit[1]["detail"], "Suspended: Unpaid invoices");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delete_is_guarded_and_soft() {
    let t = tree().await;
    // Children first: a distributor with a partner, a partner with a tenant.
    t.suspend(ADMIN, "/distributors/d1").await;
    let a = t
        .write_at(
            ADMIN,
            Method::DELETE,
            "/distributors/d1",
            "/distributors/d1",
            None,
        )
        .await;
    assert_eq!((a.status, a.code()), (409, "has_children"), "{}", a.body);
    assert_eq!(a.body["counts"], json!({"partners": 1}));
    t.enable(ADMIN, "/distributors/d1").await;
    t.suspend(ADMIN, "/partners/p1").await;
    let a = t
        .write_at(ADMIN, Method::DELETE, "/partners/p1", "/partners/p1", None)
        .await;
    assert_eq!((a.status, a.code()), (409, "has_children"), "{}", a.body);
    assert_eq!(a.body["counts"], json!({"tenants": 1}));
    // Nothing is made under a suspended partner, nor under its suspended distributor.
    let a = t
        .create(
            ADMIN,
            "/tenants",
            json!({"partner_id": "p1", "name": "Late"}),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (422, "parent_suspended"),
        "{}",
        a.body
    );
    t.enable(ADMIN, "/partners/p1").await;
    t.suspend(ADMIN, "/distributors/d1").await;
    let a = t
        .create(
            ADMIN,
            "/tenants",
            json!({"partner_id": "p1", "name": "Late"}),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (422, "parent_suspended"),
        "{}",
        a.body
    );
    t.enable(ADMIN, "/distributors/d1").await;

    // Not suspended itself (its parents' suspension does not count).
    let a = t
        .write_at(ADMIN, Method::DELETE, "/tenants/t1", "/tenants/t1", None)
        .await;
    assert_eq!((a.status, a.code()), (409, "not_suspended"), "{}", a.body);
    // A partner whose requests wait is not deleted either.
    t.suspend(ADMIN, "/partners/p2").await;
    let a = t
        .write_at(ADMIN, Method::DELETE, "/partners/p2", "/partners/p2", None)
        .await;
    assert_eq!(
        (a.status, a.code()),
        (409, "has_pending_approvals"),
        "{}",
        a.body
    );
    // A stale version is refused with the tenant as it is.
    let a = t
        .call(
            ADMIN,
            Method::DELETE,
            "/tenants/t1",
            &[("if-match", "\"9\"".into())],
            None,
        )
        .await;
    assert_eq!((a.status, a.code()), (412, "version_mismatch"));
    assert_eq!(a.body["tenant"]["id"], "t1");
    let a = t
        .call(ADMIN, Method::DELETE, "/tenants/t1", &[], None)
        .await;
    assert_eq!((a.status, a.code()), (428, "precondition_required"));

    t.suspend(ADMIN, "/tenants/t1").await;
    let a = t
        .write_at(ADMIN, Method::DELETE, "/tenants/t1", "/tenants/t1", None)
        .await;
    assert_eq!(a.status, 204, "{}", a.body);
    // Gone from every list and lookup.
    assert_eq!(t.get(ADMIN, "/tenants/t1").await.status, 404);
    assert_eq!(t.get(ADMIN, "/tenants/t1/admins").await.status, 404);
    for list in ["/tenants?partner_id=p1", "/tenants", "/tenants?q=tee"] {
        let rows = t.get(ADMIN, list).await.body;
        assert_eq!(rows["items"], json!([]), "{list}");
    }
    assert_eq!(t.get(ADMIN, "/partners/p1").await.body["tenant_count"], 0);
    // The audit keeps every field it had.
    let audit = t.audit_about("t1").await;
    let deleted = &audit[0];
    assert_eq!(deleted["action"], "tenant.deleted");
    let fields: Vec<(&str, &str)> = deleted["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["field"].as_str().unwrap(), c["before"].as_str().unwrap()))
        .collect();
    for want in [
        ("/name", "Tee One"),
        ("/partner/id", "p1"),
        ("/status", "suspended"),
        ("/contact/email", "t@one.example"),
    ] {
        assert!(fields.contains(&want), "{want:?} in {fields:?}");
    }
    // Now the partner has no children: suspended, it goes too; the history keeps its name.
    t.suspend(ADMIN, "/partners/p1").await;
    let a = t
        .write_at(ADMIN, Method::DELETE, "/partners/p1", "/partners/p1", None)
        .await;
    assert_eq!(a.status, 204, "{}", a.body);
    assert_eq!(t.get(ADMIN, "/partners/p1").await.status, 404);
    let rows = t.get(ADMIN, "/partners?q=alpha").await.body;
    assert_eq!(rows["items"], json!([]));
    let imp = t
        .call(
            "tok-csr-only",
            Method::POST,
            "/partners/p1/impersonations",
            &[],
            Some(json!({"reason": "gone"})),
        )
        .await;
    assert_eq!(imp.status, 404);
    assert_eq!(
        t.get(ADMIN, "/distributors/d1").await.body["partner_count"],
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_retried_makes_one_node() {
    let t = tree().await;
    let body = json!({"distributor_id": "d1", "name": "Gamma", "contact": {"email": "hi@gamma.example", "phone": "+49 30 1234 5678"}});
    let key = [("idempotency-key", "create-gamma-1".to_string())];
    // The retries of one create, some at once.
    let tries = (0..4).map(|_| {
        t.call(
            "tok-dist-this",
            Method::POST,
            "/partners",
            &key,
            Some(body.clone()),
        )
    });
    let answers = futures_util::future::join_all(tries).await;
    let ids: Vec<&str> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 201, "{}", a.body);
            a.body["id"].as_str().unwrap()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let replayed = answers
        .iter()
        .filter(|a| a.headers.get("idempotent-replayed").is_some())
        .count();
    assert_eq!(replayed, 3);
    let made = &answers[0].body;
    assert_eq!(made["status"], "active");
    assert_eq!(made["distributor"]["id"], "d1");
    assert_eq!(made["contact"]["time_zone"], "UTC");
    assert!(made["invoice_id"].as_str().unwrap().starts_with("INV-"));
    assert_eq!(made["warnings"], json!([]));
    let rows = t
        .get(ADMIN, "/partners?distributor_id=d1&q=gamma")
        .await
        .body;
    assert_eq!(rows["items"].as_array().unwrap().len(), 1);
    let audit = t.audit_about(ids[0]).await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["action"], "partner.created");
    assert_eq!(audit[0]["actor"], "dana");

    // The same key with another body is refused; without a key, nothing is made.
    let other = json!({"distributor_id": "d1", "name": "Gamma 2", "contact": {"email": "hi@gamma.example"}});
    let a = t
        .call(
            "tok-dist-this",
            Method::POST,
            "/partners",
            &key,
            Some(other.clone()),
        )
        .await;
    assert_eq!((a.status, a.code()), (422, "idempotency_key_reused"));
    let a = t
        .call("tok-dist-this", Method::POST, "/partners", &[], Some(other))
        .await;
    assert_eq!((a.status, a.code()), (400, "idempotency_key_required"));
    // Every invalid field at once.
    let a = t
        .create(
            ADMIN,
            "/partners",
            json!({"distributor_id": "d1", "name": " ", "contact": {"email": "nope", "phone": "x"}}),
        )
        .await;
    assert_eq!((a.status, a.code()), (422, "validation_failed"));
    let mut fields: Vec<&str> = a.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["/contact/email", "/contact/phone", "/name"]);
    let a = t
        .create(
            ADMIN,
            "/partners",
            json!({"distributor_id": "d9", "name": "X", "contact": {"email": "a@b.example"}}),
        )
        .await;
    assert_eq!(a.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_needs_the_version_and_every_field_is_checked() {
    let t = tree().await;
    let a = t
        .call(
            ADMIN,
            Method::PATCH,
            "/tenants/t1",
            &[],
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(a.status, 428);
    let a = t
        .write_at(
            ADMIN,
            Method::PATCH,
            "/tenants/t1",
            "/tenants/t1",
            Some(json!({"name": "Tee Two", "contact": {"email": null}})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["name"], "Tee Two");
    assert_eq!(a.body["contact"]["email"], "");
    assert_eq!(a.headers["etag"], "\"2\"");
    let a = t
        .call(
            ADMIN,
            Method::PATCH,
            "/tenants/t1",
            &[("if-match", "\"1\"".into())],
            Some(json!({"name": "Tee Three"})),
        )
        .await;
    assert_eq!((a.status, a.code()), (412, "version_mismatch"));
    assert_eq!(a.body["tenant"]["name"], "Tee Two");
    let a = t
        .write_at(
            ADMIN,
            Method::PATCH,
            "/distributors/d1",
            "/distributors/d1",
            Some(json!({"name": null, "contact": {"email": "no", "phone": "+1 (555) 0100"}})),
        )
        .await;
    assert_eq!((a.status, a.code()), (422, "validation_failed"));
    assert_eq!(a.body["errors"].as_array().unwrap().len(), 2, "{}", a.body);
    let a = t
        .write_at(
            ADMIN,
            Method::PATCH,
            "/tenants/t1",
            "/tenants/t1",
            Some(json!({"contact": {"phone": "+1 555 0100"}})),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "invalid_body"));
    // A renamed node is found by its new name.
    let rows = t.get(ADMIN, "/tenants?q=two").await.body;
    assert_eq!(rows["items"][0]["id"], "t1");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suspended_partner_is_not_impersonated_and_its_requests_stay_marked() {
    let t = tree().await;
    let impersonate = || {
        t.call(
            "tok-csr-only",
            Method::POST,
            "/partners/p2/impersonations",
            &[],
            Some(json!({"reason": "Ticket 12"})),
        )
    };
    assert_eq!(impersonate().await.status, 201);
    t.suspend(ADMIN, "/partners/p2").await;
    let a = impersonate().await;
    assert_eq!(
        (a.status, a.code()),
        (409, "partner_suspended"),
        "{}",
        a.body
    );
    let queue = t
        .get("tok-csr-only", "/approvals?kind=partnership")
        .await
        .body;
    let row = &queue["items"][0];
    assert_eq!(row["id"], "ap_beta", "still in its queue");
    assert_eq!(row["partner"]["effective_status"], "suspended");
    assert_eq!(row["partner"]["suspended_by"], Value::Null);
    // By its distributor: the request says which.
    t.enable(ADMIN, "/partners/p2").await;
    t.suspend(ADMIN, "/distributors/d2").await;
    let one = t.get("tok-csr-only", "/approvals/ap_beta").await.body;
    assert_eq!(one["partner"]["suspended_by"]["id"], "d2");
    assert_eq!(one["partner"]["status"], "pending");
    let a = impersonate().await;
    assert_eq!(
        (a.status, a.code()),
        (409, "partner_suspended"),
        "{}",
        a.body
    );
    assert!(
        a.body["detail"]
            .as_str()
            .unwrap()
            .contains("Two Distribution")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn me_lists_the_assignments_as_they_are_now() {
    let t = tree().await;
    let me = t.get("tok-dist-this", "/me").await.body;
    assert_eq!(
        me["assignments"],
        json!([{"role": "distributor_admin", "scope": {"kind": "distributor", "id": "d1", "name": "One Distribution"}}])
    );
    assert_eq!(
        t.get("tok-csr-only", "/me").await.body["assignments"],
        json!([])
    );
    // Made an administrator of p2 by email: the next call sees it, and it may write there.
    let a = t
        .call(
            ADMIN,
            Method::POST,
            "/partners/p2/admins",
            &[],
            Some(json!({"name": "ignored", "email": "CARL@hq.example"})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["name"], "carl");
    let me = t.get("tok-csr-only", "/me").await.body;
    assert_eq!(me["assignments"][0]["scope"]["id"], "p2");
    let a = t
        .create(
            "tok-csr-only",
            "/tenants",
            json!({"partner_id": "p2", "name": "Carl's"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    // A deleted scope is left out.
    let tenant = format!("/tenants/{}", a.body["id"].as_str().unwrap());
    let a = t
        .call(
            ADMIN,
            Method::POST,
            &format!("{tenant}/admins"),
            &[],
            Some(json!({"name": "Tina", "email": "tina@new.example"})),
        )
        .await;
    assert_eq!(a.status, 201);
    let users = t.get(ADMIN, "/users?limit=500").await.body;
    let tina = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "Tina")
        .expect("a new user");
    assert_eq!(tina["role"], "viewer");
    let a = t
        .call(
            ADMIN,
            Method::POST,
            &format!("{tenant}/admins"),
            &[],
            Some(json!({"name": "carl", "email": "carl@hq.example"})),
        )
        .await;
    assert_eq!(a.status, 201);
    let me = t.get("tok-csr-only", "/me").await.body;
    assert_eq!(me["assignments"].as_array().unwrap().len(), 2, "{me}");
    t.suspend(ADMIN, &tenant).await;
    assert_eq!(
        t.write_at(ADMIN, Method::DELETE, &tenant, &tenant, None)
            .await
            .status,
        204
    );
    let me = t.get("tok-csr-only", "/me").await.body;
    assert_eq!(
        me["assignments"],
        json!([{"role": "partner_admin", "scope": {"kind": "partner", "id": "p2", "name": "Beta"}}]),
        "the deleted tenant's is left out"
    );
    let a = t
        .call(
            ADMIN,
            Method::POST,
            "/distributors/d1/admins",
            &[],
            Some(json!({"name": "carl", "email": "someone@else.example"})),
        )
        .await;
    assert_eq!((a.status, a.code()), (422, "validation_failed"));
    assert_eq!(a.body["errors"][0]["code"], "name_taken");
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_page_by_name_under_their_parent() {
    let t = tree().await;
    for i in 0..5 {
        let a = t
            .create(
                ADMIN,
                "/partners",
                json!({"distributor_id": "d2", "name": format!("Zeta {i}"), "contact": {"email": "z@z.example"}}),
            )
            .await;
        assert_eq!(a.status, 201);
    }
    let first = t
        .get(ADMIN, "/partners?distributor_id=d2&limit=4")
        .await
        .body;
    let names: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Beta", "Zeta 0", "Zeta 1", "Zeta 2"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let next = t
        .get(
            ADMIN,
            &format!("/partners?distributor_id=d2&limit=4&cursor={cursor}"),
        )
        .await
        .body;
    assert_eq!(next["items"].as_array().unwrap().len(), 2);
    assert_eq!(next["next_cursor"], Value::Null);
    // The cursor belongs to its distributor's list.
    let a = t
        .get(
            ADMIN,
            &format!("/partners?distributor_id=d1&limit=4&cursor={cursor}"),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "invalid_cursor"));
    let d = t.get(ADMIN, "/distributors?q=two").await.body;
    assert_eq!(d["items"][0]["partner_count"], 6);
    assert_eq!(d["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_file_names_its_mistakes_in_the_hierarchy() {
    for (bad, place) in [
        (
            TREE.replace(r#""distributor_id": "d1""#, r#""distributor_id": "d9""#),
            "partners[0].distributor_id",
        ),
        (
            TREE.replace(
                r#""partner": "p1", "contact""#,
                r#""partner": "nobody", "contact""#,
            ),
            "tenants[0].partner",
        ),
        (
            TREE.replace(r#""scope": "d2""#, r#""scope": "p2""#),
            "users[2].assignments[0].scope",
        ),
        (
            TREE.replace(r#""id": "d2""#, r#""id": "d1""#),
            "distributors[1].id",
        ),
        (
            TREE.replace(r#""name": "Tee One""#, r#""name": "  ""#),
            "tenants[0].name",
        ),
    ] {
        let Err(err) = seeded(&bad).await else {
            panic!("{place}: imported")
        };
        assert!(err.contains(place), "{place}: {err}");
    }
    // Partners that name no distributor go under "Unassigned".
    let plain = r#"{"users": [{"name": "a", "email": "a@x.example", "role": "admin", "token": "tok-admin"}],
                   "partners": [{"id": "p", "name": "P", "status": "active", "contact": {"email": "p@x.example"}}]}"#;
    let t = seeded(plain).await.expect("imports");
    let p = t.get(ADMIN, "/partners/p").await.body;
    assert_eq!(p["distributor"]["name"], "Unassigned");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_has_five_distributors_and_two_administrators() {
    let srv = TestServer::demo().await;
    let http = srv.http();
    let get = |token: &'static str, path: &str| {
        let req = http.get(srv.api(path)).bearer_auth(token);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let ds = get("demo-viewer", "/distributors").await;
    let ds = ds["items"].as_array().unwrap();
    assert_eq!(ds.len(), 5);
    let suspended: Vec<&Value> = ds.iter().filter(|d| d["status"] == "suspended").collect();
    assert_eq!(suspended.len(), 1);
    assert!(ds.iter().all(|d| d["partner_count"].as_u64().unwrap() > 0));

    let me = get("demo-distributor", "/me").await;
    assert_eq!(me["role"], "csr");
    let scope = &me["assignments"][0]["scope"];
    assert_eq!(me["assignments"][0]["role"], "distributor_admin");
    let theirs = ds.iter().find(|d| d["id"] == scope["id"]).unwrap();
    assert_eq!(theirs["effective_status"], "active");
    let me = get("demo-partner-admin", "/me").await;
    assert_eq!(me["assignments"][0]["role"], "partner_admin");
    let partner = get(
        "demo-viewer",
        &format!(
            "/partners/{}",
            me["assignments"][0]["scope"]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(partner["status"], "active");
    assert_eq!(partner["effective_status"], "active");

    // A suspended partner under an active distributor; tenants, at most 20 a partner.
    let partners = get("demo-viewer", "/partners?limit=500").await;
    let partners = partners["items"].as_array().unwrap();
    assert!(partners.iter().any(|p| {
        p["status"] == "suspended"
            && p["suspended_by"].is_null()
            && ds
                .iter()
                .any(|d| d["id"] == p["distributor"]["id"] && d["status"] == "active")
    }));
    assert!(
        partners
            .iter()
            .all(|p| p["tenant_count"].as_u64().unwrap() <= 20)
    );
    assert!(
        partners
            .iter()
            .any(|p| p["tenant_count"].as_u64().unwrap() > 0)
    );
}

#[tokio::test]
async fn a_create_not_yours_is_refused_before_its_fields_are_judged() {
    let t = tree().await;
    // No email (a partner needs one) and under another distributor: the 403 comes first,
    // so a caller learns nothing of the rules there.
    let bad = json!({"distributor_id": "d1", "name": "Gamma"});
    let key = |k: &str| [("idempotency-key", k.to_string())];
    let other = t
        .call(
            "tok-dist-other",
            Method::POST,
            "/partners",
            &key("c-1"),
            Some(bad.clone()),
        )
        .await;
    assert_eq!(
        (other.status, other.code()),
        (403, "forbidden"),
        "{}",
        other.body
    );
    // Its own administrator hears what to mend, every field at once.
    let own = t
        .call(
            "tok-dist-this",
            Method::POST,
            "/partners",
            &key("c-2"),
            Some(bad),
        )
        .await;
    assert_eq!(
        (own.status, own.code()),
        (422, "validation_failed"),
        "{}",
        own.body
    );
    assert_eq!(own.body["errors"][0]["field"], "/contact/email");
}
