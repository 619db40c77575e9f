//! The transport under [`HttpApi`]: the reqwest clients with their timeouts, the token, sending
//! one request and retrying it when that is allowed and worth it (QUALITY.md 3, 4, 5, 7, 8).
//!
//! What a call sends (path, query, body, whether it may be retried) is the endpoints' business
//! (`endpoints.rs`); what an error answer means is `problem.rs`'s. Here bytes go out and come
//! back, within their limits.

use std::time::Duration;

use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, IF_MATCH, RETRY_AFTER,
};
use reqwest::{Method, RequestBuilder, Response};

use super::error::clip;
use super::problem::error_from_parts;
use super::query::Query;
use super::retry::parse_retry_after;
use super::{ApiError, ApiResult, RetryPolicy};
use crate::domain::codes;
use crate::secret::Secret;

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
    /// CA certificates trusted besides the operating system's store (a profile's `ca_file`).
    pub extra_roots: Vec<reqwest::Certificate>,
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
            extra_roots: Vec::new(),
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
            .field("extra_roots", &self.extra_roots.len())
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
    /// This console's id (a UUID made once per client), sent on every call as `Console-Id`:
    /// the server tells one console's presence from another's by it, the same user's too.
    console_id: HeaderValue,
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
        // Plain HTTP is allowed to this machine only because nothing crosses the network: a
        // proxy from HTTP_PROXY would carry the token across it. Elsewhere, HTTPS_PROXY,
        // HTTP_PROXY, ALL_PROXY and NO_PROXY are honoured (reqwest reads them).
        let direct = reqwest::Url::parse(&opts.base_url)
            .ok()
            .and_then(|url| url.host_str().map(crate::config::is_loopback))
            .unwrap_or(false);
        let builder = || {
            let mut builder = reqwest::Client::builder();
            if direct {
                builder = builder.no_proxy();
            }
            // The system's roots (or SSL_CERT_FILE / SSL_CERT_DIR) come with the
            // rustls-tls-native-roots feature; a profile's ca_file adds to them.
            for root in &opts.extra_roots {
                builder = builder.add_root_certificate(root.clone());
            }
            builder
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
            console_id: HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or_else(|_| HeaderValue::from_static("console")),
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

    /// What the event stream needs to open `/events` with this client's token.
    pub(super) fn stream_connect(&self) -> StreamConnect {
        StreamConnect {
            client: self.stream_client.clone(),
            url: format!("{}/events", self.api_root),
            auth: self.auth.clone(),
            open_timeout: self.stream_open_timeout,
            console_id: self.console_id.clone(),
        }
    }

    /// Send `req`, retrying when it is allowed and worth it. Returns the body of a 2xx answer.
    pub(super) async fn execute(&self, req: &Request<'_>) -> ApiResult<Vec<u8>> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let (err, retry_after) = match self.attempt(req, attempt).await {
                Ok(body) => return Ok(body),
                Err(e) => e,
            };
            // `request_in_flight` is our own earlier attempt still running on the server; the same
            // key will get its stored answer once it is done. `too_many_pending` is a 429 that
            // only a CSR's decisions lift: sending it again a moment later changes nothing.
            let worth_it = (err.is_retryable() && err.code() != Some(codes::TOO_MANY_PENDING))
                || (req.idempotency_key.is_some() && err.code() == Some(codes::REQUEST_IN_FLIGHT));
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
            .header(ACCEPT, "application/json, application/problem+json")
            .header(CONSOLE_ID, self.console_id.clone());
        if !req.query.is_empty() {
            rb = rb.query(&req.query);
        }
        if let Some(key) = req.idempotency_key {
            let idem = HeaderValue::from_str(key).map_err(|_| {
                let message = "the idempotency key cannot be sent as a header".to_string();
                (ApiError::Invalid { message }, None)
            })?;
            rb = rb.header("Idempotency-Key", idem);
        }
        if let Some(version) = req.if_match {
            rb = rb.header(IF_MATCH, format!("\"{version}\""));
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

/// One call, described so that it can be sent again unchanged (same key, same body).
pub(super) struct Request<'a> {
    pub method: Method,
    /// Below `/api/v1`, starting with `/`, ids already percent-encoded.
    pub path: String,
    pub query: Query,
    pub body: Option<Vec<u8>>,
    /// `Idempotency-Key`: a decision's or a create's, the same on every retry.
    pub idempotency_key: Option<&'a str>,
    /// The version the change was made against, sent as `If-Match` (a decision, a `PATCH`).
    pub if_match: Option<i64>,
    /// May it be sent again after a retryable failure?
    pub retry: bool,
}

/// Everything the event stream's task needs to (re)open `/events`.
pub(super) struct StreamConnect {
    /// A client without a total or read timeout (the stream is meant to stay open), but with a
    /// connect timeout and TCP keepalive so a dead peer is noticed.
    pub client: reqwest::Client,
    pub url: String,
    pub auth: Auth,
    /// Until the response head arrives: a server that accepts and says nothing is "offline",
    /// not an eternal "connecting".
    pub open_timeout: Duration,
    /// The console's `Console-Id`: when its last stream closes, its presence ends.
    pub console_id: HeaderValue,
}

/// The header that names the console a call comes from (`HttpApi::console_id`).
pub(super) const CONSOLE_ID: &str = "Console-Id";

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

/// Read an error answer (its body up to `MAX_ERROR_BODY_BYTES`) into an `ApiError`; what the
/// body means is [`error_from_parts`]'s to say.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Api;
    use crate::client::testserver::{Reply, api, json, reply, serve};
    use crate::domain::Role;

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
    async fn no_token_no_authorization_header() {
        let server = serve(vec![json(200, r#"{"status":"ok"}"#)]).await;
        let h = api(&server.base_url, None).health().await.unwrap();
        assert_eq!(h.status, "ok");
        let reqs = server.requests();
        assert_eq!(reqs[0].target, "/api/v1/healthz");
        assert_eq!(reqs[0].header("authorization"), None);
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
}
