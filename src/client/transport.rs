//! The reqwest implementation of [`Api`]: one connection pool, timeouts on every call, bounded
//! retries for reads and keyed decisions only (QUALITY.md 3, 4, 5, 7, 8).

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, IF_MATCH, RETRY_AFTER,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::retry::parse_retry_after;
use super::sse::{self, EventStream};
use super::{Api, ApiError, ApiResult, DecisionKey, RetryPolicy};
use crate::domain::*;
use crate::secret::Secret;
use crate::text::Clean;

/// Largest response body the client reads. The contract's biggest page (500 approvals) is far
/// below this; anything larger is a broken or hostile server, refused before it eats memory.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Error bodies are read up to this much; a longer one is reported without its content.
const MAX_ERROR_BODY_BYTES: usize = 256 * 1024;

/// How to reach the backend. `Default` gives the timeouts of QUALITY.md 5 and no token.
#[derive(Clone)]
pub struct HttpApiOptions {
    /// Scheme, host and port, e.g. `http://127.0.0.1:8080`; the client appends `/api/v1`
    /// (unless the URL already ends with it).
    pub base_url: String,
    pub token: Option<Secret>,
    /// Establishing the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response bytes.
    pub read_timeout: Duration,
    /// The whole request, body included, per attempt. Not applied to the event stream.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub user_agent: String,
}

impl Default for HttpApiOptions {
    fn default() -> Self {
        HttpApiOptions {
            base_url: "http://127.0.0.1:8080".into(),
            token: None,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            user_agent: concat!("partner-console/", env!("CARGO_PKG_VERSION")).into(),
        }
    }
}

// By hand: the token must not show.
impl std::fmt::Debug for HttpApiOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpApiOptions")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// The `Authorization` header, prepared once. A token that cannot be a header value (a newline
/// in it) is not an error until a call is made, so `with_token` need not fail.
#[derive(Clone)]
pub(super) enum Auth {
    None,
    Bearer(HeaderValue),
    Unusable,
}

impl Auth {
    fn new(token: Option<&Secret>) -> Auth {
        match token {
            None => Auth::None,
            Some(t) => match HeaderValue::from_str(&format!("Bearer {}", t.expose())) {
                Ok(mut v) => {
                    // Keeps it out of hyper's and reqwest's own Debug output too.
                    v.set_sensitive(true);
                    Auth::Bearer(v)
                }
                Err(_) => Auth::Unusable,
            },
        }
    }

    pub(super) fn apply(&self, rb: RequestBuilder) -> Result<RequestBuilder, ApiError> {
        match self {
            Auth::None => Ok(rb),
            Auth::Bearer(v) => Ok(rb.header(AUTHORIZATION, v.clone())),
            Auth::Unusable => Err(ApiError::Invalid {
                message: "the token contains characters that cannot be sent".into(),
            }),
        }
    }
}

/// The REST client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct HttpApi {
    client: reqwest::Client,
    /// For `/events`: no total or read timeout, since the stream is meant to stay open.
    stream_client: reqwest::Client,
    base_url: String,
    /// `base_url` + `/api/v1`, without a trailing slash.
    api_root: String,
    auth: Auth,
    retry: RetryPolicy,
    /// How long `/events` may take to send its response head (connect + read timeout).
    stream_open_timeout: Duration,
}

impl std::fmt::Debug for HttpApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpApi")
            .field("api_root", &self.api_root)
            .field("token", &self.has_token().then_some("<redacted>"))
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl HttpApi {
    /// Build the client. Fails only on an unusable base URL or token, or if TLS cannot be set up.
    /// Whether plain HTTP is acceptable for this host is the caller's (config's) decision.
    pub fn new(opts: HttpApiOptions) -> Result<HttpApi, ApiError> {
        let api_root = api_root(&opts.base_url)?;
        let auth = Auth::new(opts.token.as_ref());
        if matches!(auth, Auth::Unusable) {
            return Err(ApiError::Invalid {
                message: "the token contains characters that cannot be sent".into(),
            });
        }
        let builder = || {
            reqwest::Client::builder()
                .use_rustls_tls()
                .connect_timeout(opts.connect_timeout)
                .user_agent(opts.user_agent.clone())
                // A redirect could carry a decision to somewhere else; the contract has none.
                .redirect(reqwest::redirect::Policy::none())
                // Notice a dead peer on an idle connection (and on the event stream) in ~1 min.
                .tcp_keepalive(Duration::from_secs(30))
                .tcp_keepalive_interval(Duration::from_secs(10))
                .tcp_keepalive_retries(3)
        };
        let build_err = |e: reqwest::Error| ApiError::Invalid {
            message: format!("the HTTP client could not be set up: {}", e.without_url()),
        };
        let client = builder()
            .read_timeout(opts.read_timeout)
            .timeout(opts.request_timeout)
            .build()
            .map_err(build_err)?;
        let stream_client = builder().build().map_err(build_err)?;
        Ok(HttpApi {
            client,
            stream_client,
            base_url: opts.base_url.trim_end_matches('/').to_string(),
            api_root,
            auth,
            retry: opts.retry,
            stream_open_timeout: opts.connect_timeout.saturating_add(opts.read_timeout),
        })
    }

    /// The same backend and connection pool with another token: for impersonation tokens.
    pub fn with_token(&self, token: Secret) -> HttpApi {
        HttpApi {
            auth: Auth::new(Some(&token)),
            ..self.clone()
        }
    }

    /// The base URL as configured (without `/api/v1`), for "connected to ..." lines.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn has_token(&self) -> bool {
        !matches!(self.auth, Auth::None)
    }

    async fn get<T: DeserializeOwned + Clean>(&self, path: String, query: Query) -> ApiResult<T> {
        let req = Request {
            method: Method::GET,
            path,
            query,
            body: None,
            decision: None,
            retry: true,
        };
        decode(&self.execute(&req).await?)
    }

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
            decision: Some(key),
            // Safe to repeat: the server answers a repeated key with the stored response.
            retry: true,
        };
        decode(&self.execute(&req).await?)
    }

    /// Send `req`, retrying when it is allowed and worth it. Returns the body of a 2xx answer.
    async fn execute(&self, req: &Request<'_>) -> ApiResult<Vec<u8>> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let (err, retry_after) = match self.attempt(req, attempt).await {
                Ok(body) => return Ok(body),
                Err(e) => e,
            };
            // `request_in_flight` is our own earlier attempt still running on the server; the same
            // key will get its stored answer once it is done.
            let worth_it = err.is_retryable()
                || (req.decision.is_some() && err.code() == Some(codes::REQUEST_IN_FLIGHT));
            if !(req.retry && worth_it && self.retry.allows_retry_after(attempt)) {
                return Err(err);
            }
            let delay = self.retry.delay_for(attempt, retry_after);
            tracing::debug!(
                method = %req.method, path = %req.path, attempt, delay_ms = delay.as_millis() as u64,
                error = %err, "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        req: &Request<'_>,
        attempt: u32,
    ) -> Result<Vec<u8>, (ApiError, Option<Duration>)> {
        let url = format!("{}{}", self.api_root, req.path);
        let mut rb = self
            .client
            .request(req.method.clone(), url)
            .header(ACCEPT, "application/json, application/problem+json");
        if !req.query.is_empty() {
            rb = rb.query(&req.query);
        }
        if let Some(key) = req.decision {
            let idem = HeaderValue::from_str(&key.idempotency_key).map_err(|_| {
                let message = "the idempotency key cannot be sent as a header".to_string();
                (ApiError::Invalid { message }, None)
            })?;
            rb = rb
                .header("Idempotency-Key", idem)
                .header(IF_MATCH, format!("\"{}\"", key.version));
        }
        if let Some(body) = &req.body {
            rb = rb
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let rb = self.auth.apply(rb).map_err(|e| (e, None))?;

        let resp = rb.send().await.map_err(|e| {
            let err = map_reqwest_error(e);
            tracing::debug!(method = %req.method, path = %req.path, attempt, error = %err, "api call failed");
            (err, None)
        })?;
        let status = resp.status();
        tracing::debug!(method = %req.method, path = %req.path, status = status.as_u16(), attempt, "api call");
        if status.is_success() {
            let (body, complete) = read_body(resp, MAX_BODY_BYTES)
                .await
                .map_err(|e| (e, None))?;
            if !complete {
                let message = format!("the answer is larger than {} MiB", MAX_BODY_BYTES >> 20);
                return Err((ApiError::Decode { message }, None));
            }
            Ok(body)
        } else {
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            Err((error_from_response(resp).await, retry_after))
        }
    }
}

type Query = Vec<(&'static str, String)>;

/// One call, described so that it can be sent again unchanged (same key, same body).
struct Request<'a> {
    method: Method,
    /// Below `/api/v1`, starting with `/`, ids already percent-encoded.
    path: String,
    query: Query,
    body: Option<Vec<u8>>,
    decision: Option<&'a DecisionKey>,
    retry: bool,
}

/// `base_url` + `/api/v1`, checked: http(s) only, and no user name or password in it (they would
/// end up in logs; the token has its own header).
fn api_root(base_url: &str) -> Result<String, ApiError> {
    let invalid = |message: String| ApiError::Invalid { message };
    let trimmed = base_url.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed)
        .map_err(|e| invalid(format!("the backend URL is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            "the backend URL must start with http:// or https://".into(),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the backend URL has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "the backend URL must not contain a user name or password".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("the backend URL must not contain ? or #".into()));
    }
    Ok(if trimmed.ends_with("/api/v1") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/api/v1")
    })
}

/// Percent-encode one path segment: everything but RFC 3986 unreserved characters, so an id
/// can never add a segment (`/`), a query (`?`) or climb (`..` stays inside one segment).
pub(super) fn seg(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // "." and ".." are dot-segments even when alone; encode them so they stay literal ids.
    match out.as_str() {
        "." => "%2E".into(),
        ".." => "%2E%2E".into(),
        _ => out,
    }
}

fn to_json(body: &impl Serialize) -> ApiResult<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| ApiError::Invalid {
        message: format!("the request body could not be encoded ({e})"),
    })
}

/// Decode a success body, cleaned for the terminal right here (QUALITY.md 1): nothing the
/// server wrote leaves the client uncleaned.
fn decode<T: DeserializeOwned + Clean>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body)
        .map(Clean::clean)
        .map_err(|e| ApiError::Decode {
            message: describe_json_error(&e),
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

/// At most `max` characters, cleaned (this can end up on screen or in a log).
fn clip(s: &str, max: usize) -> String {
    let cleaned = crate::text::clean_line(s);
    let mut out: String = cleaned.chars().take(max).collect();
    if cleaned.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Classify a transport error. The URL is dropped from messages (it is known, and long).
pub(super) fn map_reqwest_error(e: reqwest::Error) -> ApiError {
    if e.is_connect() {
        return ApiError::Unreachable {
            message: root_cause(&e),
        };
    }
    if e.is_timeout() {
        return ApiError::Timeout;
    }
    if e.is_builder() {
        return ApiError::Invalid {
            message: e.without_url().to_string(),
        };
    }
    // A request or body error after connecting: the connection was closed or reset mid-way.
    ApiError::Unreachable {
        message: format!("connection closed: {}", root_cause(&e)),
    }
}

/// The innermost error's text ("Connection refused (os error 111)"), which says the most.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    clip(&cur.to_string(), 200)
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

/// Read a body up to `cap` bytes. `complete` is false when it was longer (the rest is not read).
async fn read_body(mut resp: Response, cap: usize) -> Result<(Vec<u8>, bool), ApiError> {
    let declared = resp
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return Ok((Vec::new(), false));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(map_reqwest_error)? {
        if body.len() + chunk.len() > cap {
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}

/// Turn an error answer into an `ApiError`: a problem body (`application/problem+json`, or any
/// JSON with `code` and `status`) becomes `Problem`, anything else `Http`.
pub(super) async fn error_from_response(resp: Response) -> ApiError {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    // If even the error body cannot be read, the status alone still says what happened.
    let (body, complete) = read_body(resp, MAX_ERROR_BODY_BYTES)
        .await
        .unwrap_or_default();
    error_from_parts(status, &content_type, &body, complete)
}

fn error_from_parts(
    status: StatusCode,
    content_type: &str,
    body: &[u8],
    complete: bool,
) -> ApiError {
    let is_json = content_type == "application/json" || content_type.ends_with("+json");
    if complete
        && is_json
        && let Some(mut problem) = parse_problem(body).map(Clean::clean)
    {
        // RFC 9457: the body's `status` is advisory; the real one decides retries and messages.
        problem.status = status.as_u16();
        return ApiError::Problem(Box::new(problem));
    }
    let reason = status.canonical_reason().unwrap_or("error").to_string();
    let message = if complete && content_type == "text/plain" {
        let text = String::from_utf8_lossy(body);
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        if first.is_empty() {
            reason
        } else {
            format!("{reason}: {}", clip(first, 120))
        }
    } else {
        reason
    };
    ApiError::Http {
        status: status.as_u16(),
        message,
    }
}

/// A problem body, leniently: if the current approval in it does not decode, the problem still
/// counts (its `code` is what the UI acts on) without the approval.
fn parse_problem(body: &[u8]) -> Option<Problem> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = value.as_object_mut()?;
    if !obj.get("code").is_some_and(|c| c.is_string())
        || !obj.get("status").is_some_and(|s| s.is_u64())
    {
        return None;
    }
    if let Ok(p) = serde_json::from_value::<Problem>(value.clone()) {
        return Some(p);
    }
    let obj = value.as_object_mut()?;
    obj.remove("approval");
    // Wrong types in the optional text fields: keep code and status, drop the rest.
    for field in ["type", "title", "detail"] {
        if obj.get(field).is_some_and(|v| !v.is_string()) {
            obj.remove(field);
        }
    }
    serde_json::from_value::<Problem>(value).ok()
}

fn page_query(cursor: Option<&str>, limit: Option<u32>) -> Query {
    let mut q = Query::new();
    if let Some(c) = cursor {
        q.push(("cursor", c.to_string()));
    }
    if let Some(l) = limit {
        q.push(("limit", l.to_string()));
    }
    q
}

fn approvals_query(query: &ApprovalQuery) -> Query {
    let mut q = Query::new();
    if !query.kinds.is_empty() {
        let kinds: Vec<&str> = query.kinds.iter().map(|k| k.as_str()).collect();
        q.push(("kind", kinds.join(",")));
    }
    if let Some(s) = query.status {
        q.push(("status", s.as_str().to_string()));
    }
    if let Some(text) = query.q.as_deref().filter(|t| !t.is_empty()) {
        q.push(("q", text.to_string()));
    }
    let rfc3339 =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    if let Some(from) = &query.from {
        q.push(("from", rfc3339(from)));
    }
    if let Some(to) = &query.to {
        q.push(("to", rfc3339(to)));
    }
    q.extend(page_query(query.cursor.as_deref(), query.limit));
    q
}

fn partners_query(query: &PartnerQuery) -> Query {
    let mut q = Query::new();
    if let Some(text) = query.q.as_deref().filter(|t| !t.is_empty()) {
        q.push(("q", text.to_string()));
    }
    if let Some(s) = query.status {
        q.push(("status", s.as_str().to_string()));
    }
    if query.sort != PartnerSort::Name {
        q.push(("sort", query.sort.as_str().to_string()));
    }
    q.extend(page_query(query.cursor.as_deref(), query.limit));
    q
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
        let filters = ApprovalQuery {
            cursor: None,
            limit: None,
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

    async fn impersonate(&self, partner_id: &str, reason: &str) -> ApiResult<Impersonation> {
        let body = ImpersonationRequest {
            reason: reason.to_string(),
        };
        let req = Request {
            method: Method::POST,
            path: format!("/partners/{}/impersonations", seg(partner_id)),
            query: Query::new(),
            body: Some(to_json(&body)?),
            decision: None,
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
            decision: None,
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
        sse::spawn(sse::Connect {
            client: self.stream_client.clone(),
            url: format!("{}/events", self.api_root),
            auth: self.auth.clone(),
            open_timeout: self.stream_open_timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::testserver::{Reply, json, problem, reply, serve};

    const APPROVAL: &str = r#"{"id":"ap_1","kind":"addon","status":"pending","version":3,"title":"Gold add-on",
        "partner":{"id":"p_1","name":"Acme","status":"active","email":"a@example.com","phone":"1","website":"https://acme.example"},
        "item":{"name":"Gold","price":{"amount_minor":4900,"currency":"EUR"}},"description":"please",
        "requested_at":"2025-01-02T03:04:05Z","decided_at":null,"decided_by":null,"reason":null,"details":{}}"#;

    fn api(base_url: &str, token: Option<&str>) -> HttpApi {
        HttpApi::new(HttpApiOptions {
            base_url: base_url.into(),
            token: token.map(Secret::new),
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(20),
            },
            ..HttpApiOptions::default()
        })
        .unwrap()
    }

    #[tokio::test]
    async fn get_sends_token_and_decodes() {
        let server = serve(vec![json(
            200,
            r#"{"id":"u1","name":"Ann","email":"ann@example.com","role":"csr"}"#,
        )])
        .await;
        let me = api(&server.base_url, Some("sekrit-token"))
            .me()
            .await
            .unwrap();
        assert_eq!(me.role, Role::Csr);
        let reqs = server.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].method, "GET");
        assert_eq!(reqs[0].target, "/api/v1/me");
        assert_eq!(reqs[0].header("authorization"), Some("Bearer sekrit-token"));
        assert!(
            reqs[0]
                .header("user-agent")
                .unwrap()
                .starts_with("partner-console/")
        );
    }

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
    async fn no_token_no_authorization_header() {
        let server = serve(vec![json(200, r#"{"status":"ok"}"#)]).await;
        let h = api(&server.base_url, None).health().await.unwrap();
        assert_eq!(h.status, "ok");
        let reqs = server.requests();
        assert_eq!(reqs[0].target, "/api/v1/healthz");
        assert_eq!(reqs[0].header("authorization"), None);
    }

    #[tokio::test]
    async fn queries_and_path_ids_are_encoded() {
        let page = r#"{"items":[],"next_cursor":null}"#;
        let server = serve(vec![
            json(200, page),
            json(200, APPROVAL),
            json(200, page),
            json(200, page),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let from = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        api.approvals(&ApprovalQuery {
            kinds: vec![Kind::Ad, Kind::Addon],
            status: Some(StatusFilter::Decided),
            q: Some("a&b c/é".into()),
            from: Some(from),
            to: None,
            cursor: Some("abc=".into()),
            limit: Some(50),
        })
        .await
        .unwrap();
        api.approval("a/b?c d#..").await.unwrap();
        api.partners(&PartnerQuery {
            status: Some(PartnerStatus::Suspended),
            ..PartnerQuery::default()
        })
        .await
        .unwrap();
        api.audit(Some("x"), Some(10)).await.unwrap();
        let t: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
        assert_eq!(
            t[0],
            "/api/v1/approvals?kind=ad%2Caddon&status=decided&q=a%26b+c%2F%C3%A9&from=2025-01-01T00%3A00%3A00Z&cursor=abc%3D&limit=50"
        );
        assert_eq!(t[1], "/api/v1/approvals/a%2Fb%3Fc%20d%23..");
        assert_eq!(t[2], "/api/v1/partners?status=suspended");
        assert_eq!(t[3], "/api/v1/audit?cursor=x&limit=10");
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
    async fn already_decided_carries_the_current_approval() {
        let extra = format!(r#","approval":{APPROVAL}"#);
        let server = serve(vec![
            problem(409, codes::ALREADY_DECIDED, &extra),
            problem(412, codes::VERSION_MISMATCH, r#","approval":{"id":5}"#),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let err = api
            .approve("ap_1", &DecisionKey::new(1), &ApproveBody::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(codes::ALREADY_DECIDED));
        assert_eq!(err.status(), Some(409));
        assert_eq!(err.current_approval().unwrap().id, "ap_1");
        assert_eq!(err.user_message(), "D already_decided.");
        // A broken approval does not hide the code.
        let err = api
            .approve("ap_1", &DecisionKey::new(1), &ApproveBody::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(codes::VERSION_MISMATCH));
        assert!(err.current_approval().is_none());
        assert_eq!(server.requests().len(), 2, "conflicts are not retried");
    }

    #[tokio::test]
    async fn plain_json_with_code_and_status_is_a_problem() {
        let server = serve(vec![
            json(
                403,
                r#"{"status":403,"code":"forbidden","title":"Forbidden"}"#,
            ),
            json(400, r#"{"error":"nope"}"#),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let err = api.outbox(None, None).await.unwrap_err();
        assert_eq!(err.code(), Some("forbidden"));
        assert_eq!(err.user_message(), "Forbidden.");
        let err = api.outbox(None, None).await.unwrap_err();
        assert!(matches!(err, ApiError::Http { status: 400, .. }), "{err:?}");
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
    async fn reads_retry_on_overload_but_not_on_500() {
        let server = serve(vec![
            reply(504, "", &[], ""),
            reply(429, "", &[("Retry-After", "0")], ""),
            reply(503, "", &[], ""),
            reply(500, "text/plain", &[], "boom\nstack trace"),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let err = api.summary().await.unwrap_err();
        assert_eq!(err.status(), Some(503), "gave up after max_attempts");
        let err = api.summary().await.unwrap_err();
        assert_eq!(
            err,
            ApiError::Http {
                status: 500,
                message: "Internal Server Error: boom".into()
            }
        );
        assert_eq!(server.requests().len(), 4);
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

    #[tokio::test]
    async fn oversized_bodies_are_refused() {
        let big = format!(
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY_BYTES + 1
        );
        let chunked = "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n\
                       10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
        let server = serve(vec![
            Reply::Raw(big.into_bytes()),
            Reply::Raw(chunked.as_bytes().to_vec()),
        ])
        .await;
        let err = api(&server.base_url, None).summary().await.unwrap_err();
        assert!(
            matches!(&err, ApiError::Decode { message } if message.contains("larger")),
            "{err:?}"
        );
        let resp = reqwest::get(format!("{}/x", server.base_url))
            .await
            .unwrap();
        let (body, complete) = read_body(resp, 20).await.unwrap();
        assert!(!complete);
        assert!(body.len() <= 20);
    }

    #[tokio::test]
    async fn connection_closed_midway_is_unreachable() {
        let cut = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pending\":";
        let server = serve(vec![
            Reply::Raw(cut.as_bytes().to_vec()),
            Reply::Raw(Vec::new()),
        ])
        .await;
        let api = HttpApi::new(HttpApiOptions {
            base_url: server.base_url.clone(),
            retry: RetryPolicy::none(),
            ..HttpApiOptions::default()
        })
        .unwrap();
        let err = api.summary().await.unwrap_err();
        assert!(matches!(err, ApiError::Unreachable { .. }), "{err:?}");
        assert!(err.is_retryable());
        let err = api.summary().await.unwrap_err();
        assert!(matches!(err, ApiError::Unreachable { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn hung_and_trickling_servers_time_out() {
        let slow = vec![
            (
                Duration::ZERO,
                b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{".to_vec(),
            ),
            (Duration::from_millis(100), b" ".to_vec()),
            (Duration::from_millis(100), b" ".to_vec()),
            (Duration::from_millis(100), b" ".to_vec()),
            (Duration::from_millis(100), b" ".to_vec()),
            (Duration::from_millis(100), b" ".to_vec()),
        ];
        let stall = vec![
            (
                Duration::ZERO,
                b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{".to_vec(),
            ),
            (Duration::from_secs(5), b" ".to_vec()),
        ];
        let server = serve(vec![Reply::Hang, Reply::Paced(slow), Reply::Paced(stall)]).await;
        let api = HttpApi::new(HttpApiOptions {
            base_url: server.base_url.clone(),
            read_timeout: Duration::from_millis(250),
            request_timeout: Duration::from_millis(350),
            retry: RetryPolicy::none(),
            ..HttpApiOptions::default()
        })
        .unwrap();
        let t = std::time::Instant::now();
        assert_eq!(api.summary().await.unwrap_err(), ApiError::Timeout);
        assert_eq!(
            api.summary().await.unwrap_err(),
            ApiError::Timeout,
            "total timeout covers the body"
        );
        assert_eq!(
            api.summary().await.unwrap_err(),
            ApiError::Timeout,
            "read timeout"
        );
        assert!(t.elapsed() < Duration::from_secs(3));
    }

    #[tokio::test]
    async fn unreachable_backend() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let api = HttpApi::new(HttpApiOptions {
            base_url: format!("http://{addr}"),
            token: Some(Secret::new("tok-never-shown")),
            retry: RetryPolicy::none(),
            ..HttpApiOptions::default()
        })
        .unwrap();
        let err = api.me().await.unwrap_err();
        assert!(matches!(err, ApiError::Unreachable { .. }), "{err:?}");
        assert_eq!(err.user_message(), "The backend could not be reached.");
        assert!(!format!("{err} {err:?}").contains("tok-never-shown"));
    }

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            api_root("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/api/v1"
        );
        assert_eq!(
            api_root("https://pc.example/").unwrap(),
            "https://pc.example/api/v1"
        );
        assert_eq!(
            api_root("https://pc.example/api/v1/").unwrap(),
            "https://pc.example/api/v1"
        );
        assert_eq!(
            api_root("https://pc.example/prefix").unwrap(),
            "https://pc.example/prefix/api/v1"
        );
        for bad in [
            "ftp://x",
            "not a url",
            "https://user:pw@pc.example",
            "http://h/?a=b",
            "file:///etc",
        ] {
            assert!(
                matches!(api_root(bad), Err(ApiError::Invalid { .. })),
                "{bad}"
            );
        }
        let err = HttpApi::new(HttpApiOptions {
            token: Some(Secret::new("bad\ntoken")),
            ..HttpApiOptions::default()
        })
        .unwrap_err();
        assert!(!err.to_string().contains("token\n") && !err.to_string().contains("bad\n"));
    }

    #[tokio::test]
    async fn unusable_impersonation_token_fails_calls_not_construction() {
        let api = api("http://127.0.0.1:9", Some("t")).with_token(Secret::new("x\r\ny"));
        assert!(matches!(api.me().await, Err(ApiError::Invalid { .. })));
    }

    #[test]
    fn path_segments() {
        assert_eq!(seg("ap_01-x.y~z"), "ap_01-x.y~z");
        assert_eq!(seg("a/b"), "a%2Fb");
        assert_eq!(seg("a b?c#d%"), "a%20b%3Fc%23d%25");
        assert_eq!(seg("é"), "%C3%A9");
        assert_eq!(seg(".."), "%2E%2E");
        assert_eq!(seg("."), "%2E");
        assert_eq!(seg(""), "");
    }

    #[test]
    fn options_debug_hides_the_token() {
        let o = HttpApiOptions {
            token: Some(Secret::new("very-secret")),
            ..HttpApiOptions::default()
        };
        assert!(!format!("{o:?}").contains("very-secret"));
        assert_eq!(o.connect_timeout, Duration::from_secs(5));
        assert_eq!(o.read_timeout, Duration::from_secs(15));
        assert_eq!(o.request_timeout, Duration::from_secs(30));
    }

    #[test]
    fn clip_drops_controls_and_cuts() {
        assert_eq!(clip("a\x1b[31mb\u{7}", 10), "a[31mb");
        assert_eq!(clip("abcdef", 3), "abc…");
    }
}
