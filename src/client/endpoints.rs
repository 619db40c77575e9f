//! The [`Api`] implementation of [`HttpApi`]: every endpoint of the contract as a request (its
//! path, query, body, and whether it may be retried) and the decoding of its answer, cleaned for
//! the terminal. Sending is the transport's (`transport.rs`).

use async_trait::async_trait;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::clip;
use super::query::{
    Query, approvals_query, page_query, partners_query, seg, voucher_batches_query,
};
use super::sse::{self, EventStream};
use super::transport::Request;
use super::{Api, ApiError, ApiResult, DecisionKey, HttpApi};
use crate::domain::*;
use crate::secret::Secret;
use crate::text::Clean;

impl HttpApi {
    /// A read: retried when worth it, its answer decoded and cleaned.
    pub(super) async fn get<T: DeserializeOwned + Clean>(
        &self,
        path: String,
        query: Query,
    ) -> ApiResult<T> {
        let req = Request {
            method: Method::GET,
            path,
            query,
            body: None,
            idempotency_key: None,
            if_match: None,
            retry: true,
        };
        decode(&self.execute(&req).await?)
    }

    /// `POST /approvals/{id}/{verb}` under the decision's key and version.
    async fn decide(
        &self,
        id: &str,
        verb: &str,
        key: &DecisionKey,
        body: &impl Serialize,
    ) -> ApiResult<Approval> {
        let req = Request {
            method: Method::POST,
            path: format!("/approvals/{}/{verb}", seg(id)),
            query: Vec::new(),
            body: Some(to_json(body)?),
            idempotency_key: Some(&key.idempotency_key),
            if_match: Some(key.version),
            // Safe to repeat: the server answers a repeated key with the stored response.
            retry: true,
        };
        decode(&self.execute(&req).await?)
    }
}

/// Assigning (`PUT`) or taking back (`DELETE`) a voucher batch: it says what should be so, so
/// sending it again is safe.
fn assignment(method: Method, partner_id: &str, batch_id: &str) -> Request<'static> {
    Request {
        method,
        path: format!(
            "/partners/{}/voucher_batches/{}",
            seg(partner_id),
            seg(batch_id)
        ),
        query: Query::new(),
        body: None,
        idempotency_key: None,
        if_match: None,
        retry: true,
    }
}

pub(super) fn to_json(body: &impl Serialize) -> ApiResult<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| ApiError::Invalid {
        message: format!("the request body could not be encoded ({e})"),
    })
}

/// Decode a success body, cleaned for the terminal right here (QUALITY.md 1): nothing the
/// server wrote leaves the client uncleaned.
pub(super) fn decode<T: DeserializeOwned + Clean>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body)
        .map(Clean::clean)
        .map_err(|e| ApiError::Decode {
            message: describe_json_error(&e),
        })
}

/// A write's answer whose record is decoded by `record` (one of several kinds, by what was
/// written), with the `warnings` beside it, cleaned like every answer.
pub(super) fn decode_saved_as<T>(
    body: &[u8],
    record: impl FnOnce(&[u8]) -> ApiResult<T>,
) -> ApiResult<Saved<T>> {
    #[derive(serde::Deserialize)]
    struct Warnings {
        #[serde(default)]
        warnings: Vec<FieldError>,
    }
    let warnings = serde_json::from_slice::<Warnings>(body).map_or(Vec::new(), |w| w.warnings);
    Ok(Saved {
        record: record(body)?,
        warnings: warnings.clean(),
    })
}

/// A short account of why JSON did not decode; serde's data errors quote the offending value,
/// which a hostile server controls, so that part is cut short.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "the answer was cut short".into(),
        Category::Syntax => format!("malformed JSON at line {} column {}", e.line(), e.column()),
        Category::Data => format!("unexpected content: {}", clip(&e.to_string(), 160)),
        Category::Io => "the answer could not be read".into(),
    }
}

/// The rows of an export page, if its columns are the ones this client knows: positional values
/// under other names cannot be read safely.
fn export_page(page: ExportPage) -> ApiResult<Page<ExportRow>> {
    if page.columns != EXPORT_COLUMNS {
        return Err(ApiError::Decode {
            // The names are the backend's text: cleaned and cut like any error detail.
            message: format!(
                "the backend's export has the columns {}, not {:?}",
                clip(&format!("{:?}", page.columns), 200),
                EXPORT_COLUMNS
            ),
        });
    }
    Ok(Page {
        items: page.rows,
        next_cursor: page.next_cursor,
    })
}

/// A spawned task that is aborted when its handle is dropped (a cancelled export's page in
/// flight), and whose panic, if it panics, is the awaiter's.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> std::future::Future for AbortOnDrop<ApiResult<T>> {
    type Output = ApiResult<T>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<ApiResult<T>> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|joined| match joined {
                Ok(result) => result,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // Only a runtime that is shutting down cancels the task.
                Err(e) => Err(ApiError::Unreachable {
                    message: format!("the request was stopped: {e}"),
                }),
            })
    }
}

#[async_trait]
impl Api for HttpApi {
    async fn health(&self) -> ApiResult<Health> {
        self.get("/healthz".into(), Query::new()).await
    }

    async fn me(&self) -> ApiResult<Me> {
        self.get("/me".into(), Query::new()).await
    }

    async fn summary(&self) -> ApiResult<Summary> {
        self.get("/summary".into(), Query::new()).await
    }

    async fn approvals(&self, query: &ApprovalQuery) -> ApiResult<Page<Approval>> {
        self.get("/approvals".into(), approvals_query(query)).await
    }

    async fn export_rows(&self, query: &ApprovalQuery) -> ApiResult<Page<ExportRow>> {
        // An export writes one page while it fetches the next (`export::export_history`). The
        // page is fetched and decoded on a task of its own, so that decoding (most of the
        // client's work) runs on another thread beside the writing instead of after it.
        let this = self.clone();
        let params = approvals_query(query);
        let fetch = AbortOnDrop(tokio::spawn(async move {
            this.get::<ExportPage>("/approvals/export".into(), params)
                .await
        }));
        export_page(fetch.await?)
    }

    async fn approval(&self, id: &str) -> ApiResult<Approval> {
        self.get(format!("/approvals/{}", seg(id)), Query::new())
            .await
    }

    async fn approval_stats(&self, query: &ApprovalQuery) -> ApiResult<ApprovalStats> {
        // Counts have no order and no pages.
        let filters = ApprovalQuery {
            cursor: None,
            limit: None,
            sort: None,
            ..query.clone()
        };
        self.get("/approvals/stats".into(), approvals_query(&filters))
            .await
    }

    async fn approve(
        &self,
        id: &str,
        key: &DecisionKey,
        body: &ApproveBody,
    ) -> ApiResult<Approval> {
        self.decide(id, "approve", key, body).await
    }

    async fn reject(&self, id: &str, key: &DecisionKey, reason: &str) -> ApiResult<Approval> {
        let body = RejectBody {
            reason: reason.to_string(),
        };
        self.decide(id, "reject", key, &body).await
    }

    async fn partners(&self, query: &PartnerQuery) -> ApiResult<Page<PartnerSummary>> {
        self.get("/partners".into(), partners_query(query)).await
    }

    async fn partner(&self, id: &str) -> ApiResult<Partner> {
        self.get(format!("/partners/{}", seg(id)), Query::new())
            .await
    }

    async fn update_partner(
        &self,
        id: &str,
        version: i64,
        patch: &PartnerPatch,
    ) -> ApiResult<Saved<Partner>> {
        let req = Request {
            method: Method::PATCH,
            path: format!("/partners/{}", seg(id)),
            query: Query::new(),
            body: Some(to_json(&patch.to_json())?),
            idempotency_key: None,
            if_match: Some(version),
            retry: false,
        };
        decode(&self.execute(&req).await?)
    }

    async fn members(
        &self,
        partner_id: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> ApiResult<Page<Member>> {
        let path = format!("/partners/{}/members", seg(partner_id));
        self.get(path, page_query(cursor, limit)).await
    }

    async fn voucher_batches(&self, query: &VoucherBatchQuery) -> ApiResult<Page<VoucherBatch>> {
        self.get("/voucher_batches".into(), voucher_batches_query(query))
            .await
    }

    async fn assign_voucher_batch(
        &self,
        partner_id: &str,
        batch_id: &str,
    ) -> ApiResult<Saved<VoucherBatch>> {
        let req = assignment(Method::PUT, partner_id, batch_id);
        decode(&self.execute(&req).await?)
    }

    async fn unassign_voucher_batch(&self, partner_id: &str, batch_id: &str) -> ApiResult<()> {
        let req = assignment(Method::DELETE, partner_id, batch_id);
        // 204: nothing to decode.
        self.execute(&req).await.map(drop)
    }

    async fn nodes(&self, query: &NodeQuery) -> ApiResult<Page<Node>> {
        self.list_nodes(query).await
    }

    async fn node(&self, level: Level, id: &str) -> ApiResult<Node> {
        self.get_node(level, id).await
    }

    async fn create_node(&self, key: &str, node: &NewNode) -> ApiResult<Saved<Node>> {
        self.post_node(key, node).await
    }

    async fn update_node(
        &self,
        level: Level,
        id: &str,
        version: i64,
        patch: &NodePatch,
    ) -> ApiResult<Saved<Node>> {
        self.patch_node(level, id, version, patch).await
    }

    async fn suspend_node(
        &self,
        level: Level,
        id: &str,
        version: i64,
        reason: Option<&str>,
    ) -> ApiResult<Node> {
        self.post_suspension(level, id, version, reason).await
    }

    async fn delete_node(&self, level: Level, id: &str, version: i64) -> ApiResult<()> {
        self.delete_node_at(level, id, version).await
    }

    async fn admins(&self, level: Level, id: &str) -> ApiResult<Page<UserRef>> {
        self.list_admins(level, id).await
    }

    async fn add_admin(&self, level: Level, id: &str, admin: &NewAdmin) -> ApiResult<UserRef> {
        self.post_admin(level, id, admin).await
    }

    async fn remove_admin(&self, level: Level, id: &str, user_id: &str) -> ApiResult<()> {
        self.delete_admin(level, id, user_id).await
    }

    async fn settings(&self) -> ApiResult<Settings> {
        self.get("/settings".into(), Query::new()).await
    }

    async fn tiers(&self) -> ApiResult<Page<Tier>> {
        self.get("/tiers".into(), Query::new()).await
    }

    async fn campaigns(&self) -> ApiResult<Page<Campaign>> {
        self.get("/campaigns".into(), Query::new()).await
    }

    async fn periods(&self, kind: PeriodKind, partner_id: &str) -> ApiResult<Page<Period>> {
        self.list_periods(kind, partner_id).await
    }

    async fn create_period(
        &self,
        kind: PeriodKind,
        partner_id: &str,
        key: &str,
        what: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> ApiResult<Saved<Period>> {
        self.post_period(kind, partner_id, key, what, starts_at, expires_at)
            .await
    }

    async fn update_period(
        &self,
        kind: PeriodKind,
        id: &str,
        version: i64,
        patch: &DatesPatch,
    ) -> ApiResult<Saved<Period>> {
        self.patch_period(kind, id, version, patch).await
    }

    async fn delete_period(&self, kind: PeriodKind, id: &str, version: i64) -> ApiResult<()> {
        self.delete_period_at(kind, id, version).await
    }

    async fn partner_products(&self, partner_id: &str) -> ApiResult<PartnerProducts> {
        self.get(
            format!("/partners/{}/products", seg(partner_id)),
            Query::new(),
        )
        .await
    }

    async fn expiring(&self, query: &ExpiringQuery) -> ApiResult<Page<Period>> {
        self.list_expiring(query).await
    }

    async fn lead_settings(&self, partner_id: &str) -> ApiResult<Saved<Versioned<LeadSettings>>> {
        self.get_lead_settings(partner_id).await
    }

    async fn update_lead_settings(
        &self,
        partner_id: &str,
        version: i64,
        patch: &serde_json::Value,
    ) -> ApiResult<Saved<Versioned<LeadSettings>>> {
        self.patch_lead_settings(partner_id, version, patch).await
    }

    async fn preview_lead_body(
        &self,
        partner_id: &str,
        preview: &PreviewRequest,
    ) -> ApiResult<LeadPreview> {
        self.post_lead_preview(partner_id, preview).await
    }

    async fn portal_invite(&self, partner_id: &str, key: &str) -> ApiResult<PortalInvite> {
        self.post_portal_invite(partner_id, key).await
    }

    async fn impersonate(&self, partner_id: &str, reason: &str) -> ApiResult<Impersonation> {
        let body = ImpersonationRequest {
            reason: reason.to_string(),
        };
        let req = Request {
            method: Method::POST,
            path: format!("/partners/{}/impersonations", seg(partner_id)),
            query: Query::new(),
            body: Some(to_json(&body)?),
            idempotency_key: None,
            if_match: None,
            // Not idempotent: a retry could start a second impersonation.
            retry: false,
        };
        decode(&self.execute(&req).await?)
    }

    async fn end_impersonation(&self, impersonation_id: &str) -> ApiResult<()> {
        let req = Request {
            method: Method::DELETE,
            path: format!("/impersonations/{}", seg(impersonation_id)),
            query: Query::new(),
            body: None,
            idempotency_key: None,
            if_match: None,
            retry: false,
        };
        // 204: nothing to decode.
        self.execute(&req).await.map(drop)
    }

    async fn partner_me(&self) -> ApiResult<Partner> {
        self.get("/partner/me".into(), Query::new()).await
    }

    async fn partner_channels(&self, cursor: Option<&str>) -> ApiResult<Page<Channel>> {
        self.get("/partner/channels".into(), page_query(cursor, None))
            .await
    }

    async fn partner_engagements(&self, cursor: Option<&str>) -> ApiResult<Page<Engagement>> {
        self.get("/partner/engagements".into(), page_query(cursor, None))
            .await
    }

    async fn submit_request(&self, key: &str, request: &NewRequest) -> ApiResult<PartnerRequest> {
        self.post_request(key, request).await
    }

    async fn partner_requests(&self, cursor: Option<&str>) -> ApiResult<Page<PartnerRequest>> {
        self.get_requests(cursor).await
    }

    async fn presence(&self, approval_id: Option<&str>) -> ApiResult<()> {
        self.post_presence(approval_id).await
    }

    async fn audit(&self, cursor: Option<&str>, limit: Option<u32>) -> ApiResult<Page<AuditEntry>> {
        self.get("/audit".into(), page_query(cursor, limit)).await
    }

    async fn outbox(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> ApiResult<Page<OutboxEmail>> {
        self.get("/outbox".into(), page_query(cursor, limit)).await
    }

    async fn users(&self, cursor: Option<&str>, limit: Option<u32>) -> ApiResult<Page<Me>> {
        self.get("/users".into(), page_query(cursor, limit)).await
    }

    fn with_partner_token(&self, token: Secret) -> std::sync::Arc<dyn Api> {
        std::sync::Arc::new(self.with_token(token))
    }

    fn events(&self) -> EventStream {
        sse::spawn(self.stream_connect())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::testserver::{APPROVAL, api, json, problem, reply, serve};
    use crate::client::{HttpApiOptions, RetryPolicy};

    #[tokio::test]
    async fn export_rows_are_read_only_under_the_known_columns() {
        let columns = serde_json::to_string(&EXPORT_COLUMNS).unwrap();
        let row = r#"["ap_1","addon","Gold add-on","Acme\u001b[2J","a@example.com","Gold",4900,"EUR",
            "approved","Ann","2025-01-03T00:00:00.500Z","2025-01-02T03:04:05Z",null]"#;
        let good = format!(r#"{{"columns":{columns},"rows":[{row}],"next_cursor":"c2"}}"#);
        let mut swapped = EXPORT_COLUMNS;
        swapped.swap(3, 4);
        let swapped = serde_json::to_string(&swapped).unwrap();
        let bad = format!(r#"{{"columns":{swapped},"rows":[{row}],"next_cursor":null}}"#);
        let server = serve(vec![json(200, &good), json(200, &bad)]).await;
        let api = api(&server.base_url, Some("t"));
        let query = ApprovalQuery {
            status: Some(StatusFilter::Decided),
            limit: Some(1000),
            ..Default::default()
        };
        let page = api.export_rows(&query).await.unwrap();
        assert_eq!(page.next_cursor.as_deref(), Some("c2"));
        let r = &page.items[0];
        assert_eq!(
            (r.id.as_str(), r.kind, r.status),
            ("ap_1", Kind::Addon, Status::Approved)
        );
        assert_eq!(r.partner, "Acme[2J", "cleaned like every decoded string");
        assert_eq!(
            (r.price_minor, r.currency.as_deref()),
            (Some(4900), Some("EUR"))
        );
        assert_eq!(
            r.decided_at
                .map(crate::domain::timestamp::millis)
                .as_deref(),
            Some("2025-01-03T00:00:00.500Z")
        );
        assert_eq!(r.reason, None);
        let err = api.export_rows(&query).await.unwrap_err();
        assert!(
            matches!(&err, ApiError::Decode { message } if message.contains("columns")),
            "{err:?}"
        );
        let reqs = server.requests();
        assert_eq!(
            reqs[0].target,
            "/api/v1/approvals/export?status=decided&limit=1000"
        );
    }

    #[tokio::test]
    async fn decisions_retry_with_the_same_key_and_if_match() {
        let server = serve(vec![
            reply(503, "text/plain", &[("Retry-After", "0")], "busy"),
            problem(409, codes::REQUEST_IN_FLIGHT, ""),
            reply(502, "text/html", &[], "<h1>bad gateway</h1>"),
            json(200, APPROVAL),
        ])
        .await;
        let api = HttpApi::new(HttpApiOptions {
            base_url: server.base_url.clone(),
            token: Some(Secret::new("t")),
            retry: RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(20),
            },
            ..HttpApiOptions::default()
        })
        .unwrap();
        let key = DecisionKey::new(3);
        let a = api.reject("ap_1", &key, "Not a fit").await.unwrap();
        assert_eq!(a.id, "ap_1");
        let reqs = server.requests();
        assert_eq!(reqs.len(), 4);
        for r in &reqs {
            assert_eq!(r.method, "POST");
            assert_eq!(r.target, "/api/v1/approvals/ap_1/reject");
            assert_eq!(
                r.header("idempotency-key"),
                Some(key.idempotency_key.as_str())
            );
            assert_eq!(r.header("if-match"), Some("\"3\""));
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert_eq!(r.body, br#"{"reason":"Not a fit"}"#);
        }
    }

    #[tokio::test]
    async fn approve_sends_its_body() {
        let server = serve(vec![json(200, APPROVAL), json(200, APPROVAL)]).await;
        let api = api(&server.base_url, Some("t"));
        api.approve("ap_1", &DecisionKey::new(1), &ApproveBody::default())
            .await
            .unwrap();
        let body = ApproveBody {
            comment: Some("ok".into()),
        };
        api.approve("ap_1", &DecisionKey::new(1), &body)
            .await
            .unwrap();
        let reqs = server.requests();
        assert_eq!(reqs[0].target, "/api/v1/approvals/ap_1/approve");
        assert_eq!(reqs[0].body, b"{}");
        assert_eq!(reqs[1].body, br#"{"comment":"ok"}"#);
    }

    #[tokio::test]
    async fn impersonation_is_never_retried() {
        let server = serve(vec![
            reply(503, "", &[("Retry-After", "0")], ""),
            reply(503, "", &[], ""),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let err = api.impersonate("p/1", "ticket 42").await.unwrap_err();
        assert_eq!(err.status(), Some(503));
        let err = api.end_impersonation("im_1").await.unwrap_err();
        assert_eq!(err.status(), Some(503));
        let reqs = server.requests();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].method, "POST");
        assert_eq!(reqs[0].target, "/api/v1/partners/p%2F1/impersonations");
        assert_eq!(reqs[0].body, br#"{"reason":"ticket 42"}"#);
        assert_eq!(reqs[0].header("idempotency-key"), None);
        assert_eq!(reqs[1].method, "DELETE");
        assert_eq!(reqs[1].target, "/api/v1/impersonations/im_1");
    }

    #[tokio::test]
    async fn impersonation_round_trip_and_token_switch() {
        let started = r#"{"id":"im_1","token":"imp-token-xyz","partner":{"id":"p_1","name":"Acme"},
            "role":"partner_owner","started_at":"2025-01-01T00:00:00Z","expires_at":"2025-01-01T00:30:00Z"}"#;
        let page = r#"{"items":[{"id":"c1","name":"News","kind":"email","followers":12}],"next_cursor":"n"}"#;
        let server = serve(vec![
            reply(201, "application/json", &[], started),
            json(200, page),
            reply(204, "", &[], ""),
        ])
        .await;
        let csr = api(&server.base_url, Some("csr-token"));
        let imp = csr.impersonate("p_1", "ticket").await.unwrap();
        assert_eq!(imp.role, Role::PartnerOwner);
        let as_partner = csr.with_token(Secret::new(imp.token.clone()));
        let channels = as_partner.partner_channels(Some("c")).await.unwrap();
        assert_eq!(channels.items[0].followers, 12);
        csr.end_impersonation(&imp.id).await.unwrap();
        let reqs = server.requests();
        assert_eq!(reqs[1].target, "/api/v1/partner/channels?cursor=c");
        assert_eq!(
            reqs[1].header("authorization"),
            Some("Bearer imp-token-xyz")
        );
        assert_eq!(reqs[2].header("authorization"), Some("Bearer csr-token"));
        assert!(!format!("{as_partner:?}").contains("imp-token"));
        assert!(!format!("{csr:?}").contains("csr-token"));
    }

    #[tokio::test]
    async fn bad_success_bodies_are_decode_errors() {
        let server = serve(vec![
            json(200, r#"{"pending": {"partnership": 1"#),
            json(200, r#"{"pending": {"partnership": "many"}}"#),
            json(200, "<html>"),
            json(200, ""),
            reply(
                200,
                "application/json",
                &[("Content-Length", "999999999")],
                "{}",
            ),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let mut messages = Vec::new();
        for _ in 0..4 {
            match api.summary().await {
                Err(ApiError::Decode { message }) => messages.push(message),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(messages[0], "the answer was cut short");
        assert!(
            messages[1].starts_with("unexpected content: invalid type"),
            "{}",
            messages[1]
        );
        assert!(
            messages[2].starts_with("malformed JSON at line 1"),
            "{}",
            messages[2]
        );
        assert_eq!(messages[3], "the answer was cut short");
        // Duplicate Content-Length headers are a protocol error: that is a transport failure
        // (retried, then reported), never a panic or an attempt to buffer 1 GB.
        let once = HttpApi::new(HttpApiOptions {
            base_url: server.base_url.clone(),
            retry: RetryPolicy::none(),
            ..HttpApiOptions::default()
        })
        .unwrap();
        let err = once.summary().await.unwrap_err();
        assert!(
            matches!(err, ApiError::Unreachable { .. } | ApiError::Decode { .. }),
            "{err:?}"
        );
    }
}
