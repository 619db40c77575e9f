//! The router and its handlers: authenticate, validate, call the store, shape the response.
//! No SQL here and no business rule the store should own.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::AppState;
use super::auth::Caller;
use super::problem::{ApiProblem, problemize};
use super::store::{
    self, ApprovalFilter, DecideRequest, Decider, Decision, PartnerFilter, StatsFilter,
};
use crate::domain::*;

type S = State<Arc<AppState>>;
type Res = Result<Response, ApiProblem>;

/// Request bodies are small JSON documents; anything larger is refused with 413.
const BODY_LIMIT: usize = 64 * 1024;
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;
const MAX_Q: usize = 200;
const MAX_IMPERSONATION_REASON: usize = 500;
/// `GET /approvals/stats` without `from`/`to`: the last 30 days, today included.
const STATS_DEFAULT_DAYS: u64 = 30;
/// The longest window `GET /approvals/stats` counts.
const STATS_MAX_DAYS: i64 = 366;

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/healthz", get(healthz))
        .route("/me", get(me))
        .route("/summary", get(summary))
        .route("/events", get(events))
        .route("/approvals", get(list_approvals))
        // A static segment wins over `{id}` in axum's router, whatever the order; it comes
        // first here for the reader.
        .route("/approvals/stats", get(approval_stats))
        .route("/approvals/export", get(export_approvals))
        .route("/approvals/{id}", get(get_approval))
        .route("/approvals/{id}/approve", post(approve))
        .route("/approvals/{id}/reject", post(reject))
        .route("/partners", get(list_partners))
        .route("/partners/{id}", get(get_partner))
        .route("/partners/{id}/impersonations", post(impersonate))
        .route("/impersonations/{id}", delete(end_impersonation))
        .route("/partner/me", get(partner_me))
        .route("/partner/channels", get(partner_channels))
        .route("/partner/engagements", get(partner_engagements))
        .route("/audit", get(audit))
        .route("/outbox", get(outbox))
        .route("/users", get(users));
    Router::new()
        .nest("/api/v1", api)
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(problemize))
        .with_state(state)
}

async fn no_route() -> ApiProblem {
    ApiProblem::new(
        StatusCode::NOT_FOUND,
        codes::NO_ROUTE,
        "No such route; the API lives under /api/v1.",
    )
}

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    // Into a plain `Vec` rather than `axum::Json`'s `BytesMut` writer: serde_json writes many
    // small pieces, and each `BytesMut::put_slice` checks and reserves on its own (13% of a
    // history page's server time went there).
    let mut body = Vec::with_capacity(8 * 1024);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => json_response(status, body),
        Err(e) => {
            tracing::error!("cannot encode a response: {e}");
            ApiProblem::internal().into_response()
        }
    }
}

/// A response of JSON already encoded.
fn json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.into(),
    )
        .into_response()
}

fn with_etag(mut res: Response, version: impl std::fmt::Display) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// Partners carry no version number; their ETag is a digest of what is sent.
fn partner_response(p: &Partner) -> Response {
    let body = serde_json::to_string(p).unwrap_or_default();
    let digest = store::token_hash(&body);
    with_etag(json_response(StatusCode::OK, body), &digest[..16])
}

// ---- query parameters -------------------------------------------------------------------

/// The query string as pairs; each handler takes what it knows and validates it here, so a bad
/// value is a 400 naming the parameter rather than axum's generic rejection.
type Params = Query<Vec<(String, String)>>;

fn param<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    p.0.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn limit(p: &Params) -> Result<u32, ApiProblem> {
    limit_up_to(p, DEFAULT_LIMIT, MAX_LIMIT)
}

/// `limit`, from 1 to `max`; `default` when absent.
fn limit_up_to(p: &Params, default: u32, max: u32) -> Result<u32, ApiProblem> {
    // An empty `limit=` is not an integer: 400 like any other bad value (the contract's schema).
    match param(p, "limit") {
        None => Ok(default),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiProblem::bad_param(format!(
                "limit must be an integer from 1 to {max}."
            ))),
        },
    }
}

fn cursor(p: &Params) -> Option<String> {
    param(p, "cursor")
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

fn query_text(p: &Params) -> Result<Option<String>, ApiProblem> {
    match param(p, "q") {
        Some(q) if q.chars().count() > MAX_Q => Err(ApiProblem::bad_param(format!(
            "q is limited to {MAX_Q} characters."
        ))),
        Some(q) if !q.trim().is_empty() => Ok(Some(q.to_string())),
        _ => Ok(None),
    }
}

fn time(p: &Params, name: &str) -> Result<Option<DateTime<Utc>>, ApiProblem> {
    match param(p, name) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                ApiProblem::bad_param(format!(
                    "{name} must be an RFC 3339 date-time, e.g. 2026-11-01T00:00:00Z."
                ))
            }),
    }
}

// ---- bodies and headers -----------------------------------------------------------------

/// Parse a JSON body; an empty body counts as `{}` where `{}` is a valid body.
fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, ApiProblem> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    if !body.is_empty() {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime != "application/json" && !mime.ends_with("+json") {
            return Err(ApiProblem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                codes::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as application/json.",
            ));
        }
    }
    serde_json::from_slice(text).map_err(|e| {
        ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_BODY,
            format!("The body is not valid: {e}."),
        )
    })
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiProblem> {
    let Some(v) = headers.get("idempotency-key") else {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::IDEMPOTENCY_KEY_REQUIRED,
            "Decisions need an Idempotency-Key header (a new UUID per decision, the same on every retry).",
        ));
    };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(k.to_string())
        }
        _ => Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::IDEMPOTENCY_KEY_INVALID,
            "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )),
    }
}

fn if_match(headers: &HeaderMap) -> Result<i64, ApiProblem> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Err(ApiProblem::new(
            StatusCode::PRECONDITION_REQUIRED,
            codes::PRECONDITION_REQUIRED,
            "Decisions need If-Match with the version you saw, e.g. If-Match: \"3\".",
        ));
    };
    // Exactly a strong ETag of a version: `"` 1..=18 digits `"` (always fits an i64), as the
    // contract's pattern says; anything else (weak, unquoted, `*`, a list) is refused.
    v.to_str()
        .ok()
        .map(str::trim)
        .and_then(|s| s.strip_prefix('"')?.strip_suffix('"'))
        .and_then(parse_small_uint)
        .ok_or_else(|| {
            ApiProblem::new(
                StatusCode::BAD_REQUEST,
                codes::INVALID_IF_MATCH,
                "If-Match must be the approval's version as an ETag, e.g. \"3\".",
            )
        })
}

/// 1..=18 ASCII digits (no sign, no spaces) as an i64; `None` for anything else.
fn parse_small_uint(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Trimmed, required, bounded text (reasons).
fn required_text(text: &str, max: usize, what: &str) -> Result<String, ApiProblem> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ApiProblem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::REASON_REQUIRED,
            format!("A {what} is required."),
        ));
    }
    if t.chars().count() > max {
        return Err(ApiProblem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::REASON_TOO_LONG,
            format!("The {what} is limited to {max} characters."),
        ));
    }
    Ok(t.to_string())
}

// ---- handlers ---------------------------------------------------------------------------

async fn healthz() -> Response {
    json(
        StatusCode::OK,
        &Health {
            status: "ok".into(),
        },
    )
}

async fn me(caller: Caller) -> Res {
    Ok(json(StatusCode::OK, &caller.user(Role::Viewer)?.to_me()))
}

async fn summary(State(st): S, caller: Caller) -> Res {
    caller.user(Role::Viewer)?;
    let s = st.store.read(store::summary).await?;
    Ok(json(StatusCode::OK, &s))
}

async fn events(State(st): S, caller: Caller, headers: HeaderMap) -> Res {
    caller.user(Role::Viewer)?;
    let last = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| parse_small_uint(s.trim()))
                .ok_or_else(|| {
                    ApiProblem::bad_param("Last-Event-ID must be an id this server sent.")
                })?,
        ),
    };
    Ok(st.events.stream(last).await?.into_response())
}

/// `kind` (a comma-separated list) and `status` (`default` when absent) of the approval lists.
fn kinds_and_status(
    p: &Params,
    default: StatusFilter,
) -> Result<(Vec<Kind>, StatusFilter), ApiProblem> {
    // Absent: all kinds. Present: a non-empty list without empty items (`kind=` and `kind=ad,`
    // are refused like any other value that is not a list of kinds).
    let mut kinds = Vec::new();
    for k in param(p, "kind").map(|v| v.split(',')).into_iter().flatten() {
        kinds.push(Kind::parse(k).ok_or_else(|| {
            ApiProblem::bad_param(format!(
                "kind {k:?} is not one of partnership, addon, broadcast, advertising_package, ad."
            ))
        })?);
    }
    let status = match param(p, "status") {
        None => default,
        Some(s) => StatusFilter::parse(s).ok_or_else(|| {
            ApiProblem::bad_param("status must be pending, approved, rejected or decided.")
        })?,
    };
    Ok((kinds, status))
}

async fn list_approvals(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let filter = approval_filter(&p, limit(&p)?)?;
    let page = st
        .store
        .read(move |c| store::list_approvals(c, &filter))
        .await?;
    Ok(json(StatusCode::OK, &page))
}

/// The filters `GET /approvals` and `GET /approvals/export` share, with the page size.
fn approval_filter(p: &Params, limit: u32) -> Result<ApprovalFilter, ApiProblem> {
    let (kinds, status) = kinds_and_status(p, StatusFilter::Pending)?;
    Ok(ApprovalFilter {
        kinds,
        status,
        q: query_text(p)?,
        from: time(p, "from")?,
        to: time(p, "to")?,
        cursor: cursor(p),
        limit,
    })
}

/// `GET /approvals/export`: the page `GET /approvals` would list, as lean rows, in pages of up
/// to `EXPORT_PAGE_MAX`.
async fn export_approvals(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let limit = limit_up_to(&p, EXPORT_PAGE_MAX, EXPORT_PAGE_MAX)?;
    let filter = approval_filter(&p, limit)?;
    let body = st
        .store
        .read(move |c| store::export_approvals(c, &filter, store::EXPORT_PAGE_BYTES))
        .await?;
    Ok(json_response(StatusCode::OK, body))
}

/// The window `GET /approvals/stats` counts: `from`/`to` as given; without `to`, the end of
/// today (UTC); without `from`, the start of the 30th day before `to`'s day, so the default is
/// the last 30 days with today. At most 366 days.
fn stats_window(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiProblem> {
    let start_of = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let to = to.unwrap_or_else(|| {
        start_of(now.date_naive()) + chrono::Duration::days(1) - chrono::Duration::milliseconds(1)
    });
    let from = match from {
        Some(f) => f,
        None => start_of(
            to.date_naive()
                .checked_sub_days(chrono::Days::new(STATS_DEFAULT_DAYS - 1))
                .unwrap_or(chrono::NaiveDate::MIN),
        ),
    };
    if from > to {
        return Err(ApiProblem::bad_param("from must not be after to."));
    }
    if to - from > chrono::Duration::days(STATS_MAX_DAYS) {
        return Err(ApiProblem::bad_param(format!(
            "from and to may be at most {STATS_MAX_DAYS} days apart."
        )));
    }
    Ok((from, to))
}

async fn approval_stats(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let (kinds, status) = kinds_and_status(&p, StatusFilter::Decided)?;
    if status == StatusFilter::Pending {
        return Err(ApiProblem::bad_param(
            "stats count decisions: status must be decided, approved or rejected (pending counts are in /summary).",
        ));
    }
    let (from, to) = stats_window(time(&p, "from")?, time(&p, "to")?, Utc::now())?;
    let filter = StatsFilter {
        kinds,
        status,
        q: query_text(&p)?,
        from,
        to,
    };
    let stats = st
        .store
        .read(move |c| store::approval_stats(c, &filter))
        .await?;
    Ok(json(StatusCode::OK, &stats))
}

async fn get_approval(State(st): S, caller: Caller, Path(id): Path<String>) -> Res {
    caller.user(Role::Viewer)?;
    let a = st
        .store
        .read(move |c| store::get_approval(c, &id))
        .await?
        .ok_or_else(|| ApiProblem::not_found("approval"))?;
    let v = a.version;
    Ok(with_etag(json(StatusCode::OK, &a), v))
}

async fn approve(
    st: S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let pre = Preconditions::check(&caller, &headers)?;
    let parsed: ApproveRequest = json_body(&headers, &body)?;
    let comment = match parsed.comment.as_deref().map(str::trim) {
        Some(c) if c.chars().count() > MAX_REASON_CHARS => {
            return Err(ApiProblem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::REASON_TOO_LONG,
                format!("The comment is limited to {MAX_REASON_CHARS} characters."),
            ));
        }
        Some(c) if !c.is_empty() => Some(c.to_string()),
        _ => None,
    };
    decide(st, pre, id, Decision::Approve { comment }).await
}

async fn reject(
    st: S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let pre = Preconditions::check(&caller, &headers)?;
    let parsed: RejectBody = json_body(&headers, &body)?;
    let reason = required_text(&parsed.reason, MAX_REASON_CHARS, "reason")?;
    decide(st, pre, id, Decision::Reject { reason }).await
}

/// `ApproveBody` as the server reads it: `comment` may be absent but, when present, must be a
/// string (the contract's schema); `"comment": null` is a 400 `invalid_body`, not "no comment".
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveRequest {
    #[serde(default, deserialize_with = "present_string")]
    comment: Option<String>,
}

fn present_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    <String as serde::Deserialize>::deserialize(d).map(Some)
}

/// What every decision needs before its body is even read: the role, the key, the version.
struct Preconditions {
    decider: Decider,
    key: String,
    version: i64,
}

impl Preconditions {
    fn check(caller: &Caller, headers: &HeaderMap) -> Result<Self, ApiProblem> {
        let user = caller.user(Role::Csr)?;
        Ok(Preconditions {
            decider: Decider {
                id: user.id.clone(),
                name: user.name.clone(),
            },
            key: idempotency_key(headers)?,
            version: if_match(headers)?,
        })
    }
}

async fn decide(State(st): S, pre: Preconditions, id: String, decision: Decision) -> Res {
    // The fingerprint is what makes "the same request": route, approval and canonical body.
    let fingerprint = match &decision {
        Decision::Approve { comment } => {
            format!("approve\n{id}\n{}", comment.as_deref().unwrap_or(""))
        }
        Decision::Reject { reason } => format!("reject\n{id}\n{reason}"),
    };
    let fingerprint = store::token_hash(&fingerprint);
    let outcome = st
        .store
        .write(move |c| {
            store::decide(
                c,
                DecideRequest {
                    approval_id: &id,
                    decider: &pre.decider,
                    decision,
                    idempotency_key: &pre.key,
                    fingerprint: &fingerprint,
                    if_match: pre.version,
                    now: Utc::now(),
                },
            )
        })
        .await?;
    if let Some((event_id, _, _)) = &outcome.event {
        st.events.published(*event_id);
    }
    let status = StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::OK);
    let mut res = (status, outcome.body).into_response();
    let ct = if status.is_success() {
        "application/json"
    } else {
        super::problem::PROBLEM_JSON
    };
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Some(etag) = outcome.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
        res.headers_mut().insert(header::ETAG, etag);
    }
    if outcome.replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}

async fn list_partners(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let status = match param(&p, "status") {
        None => None,
        Some(s) => Some(PartnerStatus::parse(s).ok_or_else(|| {
            ApiProblem::bad_param("status must be active, pending, suspended or inactive.")
        })?),
    };
    let sort = match param(&p, "sort") {
        None | Some("name") => PartnerSort::Name,
        Some("status") => PartnerSort::Status,
        Some(_) => return Err(ApiProblem::bad_param("sort must be name or status.")),
    };
    let filter = PartnerFilter {
        q: query_text(&p)?,
        status,
        sort,
        cursor: cursor(&p),
        limit: limit(&p)?,
    };
    let page = st
        .store
        .read(move |c| store::list_partners(c, &filter))
        .await?;
    Ok(json(StatusCode::OK, &page))
}

async fn get_partner(State(st): S, caller: Caller, Path(id): Path<String>) -> Res {
    caller.user(Role::Viewer)?;
    let p = st
        .store
        .read(move |c| store::get_partner(c, &id))
        .await?
        .ok_or_else(|| ApiProblem::not_found("partner"))?;
    Ok(partner_response(&p))
}

async fn impersonate(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = caller.user(Role::Csr)?.clone();
    let req: ImpersonationRequest = json_body(&headers, &body)?;
    let reason = required_text(&req.reason, MAX_IMPERSONATION_REASON, "reason")?;
    let pid = id.clone();
    let partner_name = st
        .store
        .read(move |c| store::partner_name(c, &pid))
        .await?
        .ok_or_else(|| ApiProblem::not_found("partner"))?;
    // 244 random bits; only its hash is stored.
    let token = format!(
        "imp_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let session_id = store::new_id("im");
    let started_at = Utc::now();
    let ttl =
        chrono::Duration::from_std(st.impersonation_ttl).unwrap_or(chrono::Duration::minutes(30));
    let expires_at = started_at + ttl;
    {
        let (sid, hash, pname, pid, reason) = (
            session_id.clone(),
            store::token_hash(&token),
            partner_name.clone(),
            id.clone(),
            reason.clone(),
        );
        let (uid, uname) = (user.id.clone(), user.name.clone());
        st.store
            .write(move |c| {
                store::start_session(
                    c,
                    &store::NewSession {
                        id: &sid,
                        token_hash: &hash,
                        csr_id: &uid,
                        csr_name: &uname,
                        partner_id: &pid,
                        partner_name: &pname,
                        reason: &reason,
                        started_at,
                        expires_at,
                    },
                )
            })
            .await?;
    }
    let out = Impersonation {
        id: session_id,
        token,
        partner: PartnerRef {
            id,
            name: partner_name,
        },
        role: Role::PartnerOwner,
        started_at,
        expires_at,
    };
    Ok(json(StatusCode::CREATED, &out))
}

async fn end_impersonation(State(st): S, caller: Caller, Path(id): Path<String>) -> Res {
    let sid = id.clone();
    let session = st
        .store
        .read(move |c| store::session_by_id(c, &sid))
        .await?
        .ok_or_else(|| ApiProblem::not_found("impersonation"))?;
    // The CSR who started it, an admin, or the impersonation token itself may end it.
    let by = match &caller {
        Caller::Partner(s) if s.id == session.id => s.csr_name.clone(),
        Caller::User(u) if u.id == session.csr_id || u.role == Role::Admin => u.name.clone(),
        _ => {
            return Err(ApiProblem::forbidden(
                "Only the CSR who started an impersonation, an admin, or its own token may end it.",
            ));
        }
    };
    st.store
        .write(move |c| store::end_session(c, &session, &by, Utc::now()))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Impersonation calls are audited, each naming the CSR and the partner.
async fn audit_partner_call(
    st: &AppState,
    s: &store::SessionRow,
    what: &str,
) -> Result<(), ApiProblem> {
    let (csr, partner, sid, what) = (
        s.csr_name.clone(),
        s.partner_name.clone(),
        s.id.clone(),
        what.to_string(),
    );
    st.store
        .write(move |c| {
            store::insert_audit(
                c,
                Utc::now(),
                &csr,
                Some(&partner),
                "impersonation.call",
                &sid,
                &what,
            )
        })
        .await?;
    Ok(())
}

async fn partner_me(State(st): S, caller: Caller) -> Res {
    let s = caller.partner()?;
    audit_partner_call(&st, s, "GET /partner/me").await?;
    let pid = s.partner_id.clone();
    let p = st
        .store
        .read(move |c| store::get_partner(c, &pid))
        .await?
        .ok_or_else(|| ApiProblem::not_found("partner"))?;
    Ok(partner_response(&p))
}

async fn partner_channels(State(st): S, caller: Caller, p: Params) -> Res {
    let s = caller.partner()?;
    audit_partner_call(&st, s, "GET /partner/channels").await?;
    let (pid, cur, lim) = (s.partner_id.clone(), cursor(&p), limit(&p)?);
    let page = st
        .store
        .read(move |c| store::channels(c, &pid, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &page))
}

async fn partner_engagements(State(st): S, caller: Caller, p: Params) -> Res {
    let s = caller.partner()?;
    audit_partner_call(&st, s, "GET /partner/engagements").await?;
    let (pid, cur, lim) = (s.partner_id.clone(), cursor(&p), limit(&p)?);
    let page = st
        .store
        .read(move |c| store::engagements(c, &pid, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &page))
}

async fn audit(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Admin)?;
    let (cur, lim) = (cursor(&p), limit(&p)?);
    let page = st
        .store
        .read(move |c| store::list_audit(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &page))
}

async fn outbox(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Admin)?;
    let (cur, lim) = (cursor(&p), limit(&p)?);
    let page = st
        .store
        .read(move |c| store::list_outbox(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &page))
}

async fn users(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Admin)?;
    let (cur, lim) = (cursor(&p), limit(&p)?);
    let page = st
        .store
        .read(move |c| store::list_users(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &page))
}
