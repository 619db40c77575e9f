//! Partners submit requests (RECORDS.md §5): a new pending approval, exactly once per
//! `Idempotency-Key`, checked by the domain's rules of a new request, refused for a suspended
//! partner (409) and past the pending limit of its kind (429); its audit entry and its
//! `approval.created` event commit with it. The partner's own requests, newest first. Also
//! what the simulation (`serve --simulate`) needs to play partners.

use super::db::{Connection, OptionalExtension, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::approvals::{APPROVAL_COLUMNS, PARTNER_JOIN, approval_from_row};
use super::hierarchy::located;
use super::idempotency::{IdempotencyKey, StoredResponse, remember, replay};
use super::keyset::{after_key, keyset_page};
use super::{StoreError, StoreResult, get_approval, insert_event, new_id, ts};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// The audit action of a submission.
pub const ACTION_REQUESTED: &str = "approval.requested";
/// The audit actor of what the simulation submits.
pub const SIMULATION_ACTOR: &str = "simulation";

/// Who submits on the partner's behalf.
#[derive(Debug, Clone)]
pub enum Submitter {
    /// The partner's owner, through an impersonation token: the CSR who started it is named
    /// in the audit beside the partner.
    Impersonation {
        session_id: String,
        csr_name: String,
    },
    /// `serve --simulate`, playing the partner.
    Simulation,
}

pub struct Submission<'a> {
    pub partner_id: &'a str,
    pub by: &'a Submitter,
    pub request: NewRequest,
    /// The caller's key (the endpoint's); the simulation, which never retries, has none.
    pub idempotency: Option<&'a IdempotencyKey>,
    /// The most pending requests of one kind a partner may have (`serve --max-pending`).
    pub max_pending: u32,
    pub now: DateTime<Utc>,
}

/// One submission, in a savepoint of the writer's transaction: a replay of its key answers
/// what was answered then; otherwise the request is checked (422), its partner must not be
/// suspended (409) nor at its limit (429), and the approval, its audit entry, its event and the
/// key's answer are written together. Refusals are not kept with the key: a retry after the
/// partner is enabled, or after a CSR's decisions made room, goes through.
pub fn submit_request(conn: &mut Connection, s: Submission<'_>) -> StoreResult<StoredResponse> {
    let tx = conn.savepoint()?;
    if let Some(k) = s.idempotency
        && let Some(earlier) = replay(&tx, k)?
    {
        return Ok(earlier);
    }
    // Checked here, after the replay, rather than before the write: "in the future" is judged
    // at the first submission, and a retry of an accepted request is the same request even
    // when its start has passed since.
    let request = s.request.normalized();
    let errors = check_request(&request, s.now);
    if !errors.is_empty() {
        return Err(ApiProblem::validation_failed(errors).into());
    }
    // The count of pending requests below is the partner's own: one submission at a time.
    tx.lock_row("partners", &s.partner_id)?;
    let partner = located(&tx, Level::Partner, s.partner_id)?;
    if partner.standing.suspended() {
        let by = match &partner.standing.suspended_by {
            Some(above) => format!(" by its {} {}", above.kind.as_str(), above.name),
            None => String::new(),
        };
        return Err(ApiProblem::new(
            StatusCode::CONFLICT,
            codes::PARTNER_SUSPENDED,
            format!(
                "{} is suspended{by}; a suspended partner cannot submit requests.",
                partner.name
            ),
        )
        .into());
    }
    let pending = pending_of(&tx, s.partner_id, request.kind)?;
    if pending >= i64::from(s.max_pending) {
        return Err(ApiProblem::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::TOO_MANY_PENDING,
            format!(
                "{} already has {pending} pending {} requests, the most a partner may have waiting; a CSR's decisions make room.",
                partner.name,
                request.kind.label().to_lowercase()
            ),
        )
        .into());
    }

    let id = new_id("ap");
    let details =
        serde_json::to_string(&request.details).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO approvals (id, kind, status, version, title, partner_id, item_name,
                item_amount, item_currency, description, requested_at, details)
         VALUES (?1, ?2, 'pending', 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        id,
        request.kind.as_str(),
        request.title,
        s.partner_id,
        request.item.as_ref().map(|i| &i.name),
        request.item.as_ref().map(|i| i.price.amount_minor),
        request.item.as_ref().map(|i| &i.price.currency),
        request.description,
        ts(s.now),
        details,
    ])?;
    let approval = get_approval(&tx, &id)?
        .ok_or_else(|| StoreError::Corrupt(format!("approval {id} vanished as it was written")))?;
    audit_submission(&tx, &approval, s.by, s.now)?;
    let created = serde_json::to_string(&ApprovalCreated {
        id: id.clone(),
        kind: request.kind,
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    insert_event(&tx, EVENT_APPROVAL_CREATED, &created, s.now)?;
    let body = serde_json::to_string(&PartnerRequest::from(approval))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let answer = StoredResponse {
        status: 201,
        body,
        etag: Some("\"1\"".into()),
        replayed: false,
        added_events: true,
    };
    if let Some(k) = s.idempotency {
        remember(&tx, k, &answer, s.now)?;
    }
    tx.commit()?;
    Ok(answer)
}

/// How many requests of `kind` the partner has waiting (the partial index of pending rows).
fn pending_of(conn: &Connection, partner_id: &str, kind: Kind) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM approvals INDEXED BY approvals_partner_pending
              WHERE partner_id = ?1 AND kind = ?2 AND status = 'pending'",
        )?
        .query_row(params![partner_id, kind.as_str()], |r| r.get(0))?)
}

/// The submission's audit entry: the partner as its subject (by id too, as names change), the
/// approval as its target, and in its actor and detail the CSR behind the impersonation.
fn audit_submission(
    conn: &Connection,
    a: &Approval,
    by: &Submitter,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let what = format!("{} request \"{}\"", a.kind.label(), a.title);
    let (actor, detail) = match by {
        Submitter::Impersonation {
            session_id,
            csr_name,
        } => (
            csr_name.as_str(),
            format!(
                "{what} submitted for {} by {csr_name}, impersonating (impersonation {session_id})",
                a.partner.name
            ),
        ),
        Submitter::Simulation => (
            SIMULATION_ACTOR,
            format!(
                "{what} submitted for {} by the simulation (serve --simulate)",
                a.partner.name
            ),
        ),
    };
    let subject = serde_json::to_string(&RecordRef {
        kind: RECORD_PARTNER.into(),
        id: a.partner.id.clone(),
        name: a.partner.name.clone(),
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO audit (id, at, actor, subject, action, target, detail, subject_ref)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        new_id("au"),
        ts(now),
        actor,
        a.partner.name,
        ACTION_REQUESTED,
        a.id,
        detail,
        subject
    ])?;
    Ok(())
}

/// The partner's own requests, newest first, keyset by (requested_at, id) downwards.
pub fn partner_requests(
    conn: &Connection,
    partner_id: &str,
    cursor_arg: Option<&str>,
    limit: u32,
) -> StoreResult<Page<PartnerRequest>> {
    // Newest first: the first page starts below a key above every timestamp and id.
    let (at, id) = match cursor_arg {
        None => ("~".to_string(), "~".to_string()),
        Some(_) => after_key(cursor_arg)?,
    };
    let sql = format!(
        "SELECT {}, a.requested_at, a.id FROM approvals a {PARTNER_JOIN}
          WHERE a.partner_id = ?4 AND (a.requested_at, a.id) < (?1, ?2)
          ORDER BY a.requested_at DESC, a.id DESC LIMIT ?3",
        *APPROVAL_COLUMNS
    );
    keyset_page(
        conn,
        &sql,
        (&at, &id),
        &[&partner_id],
        limit,
        APPROVAL_COLUMNS_N,
        |r| approval_from_row(r).map(PartnerRequest::from),
    )
}

/// How many columns `APPROVAL_COLUMNS` is: what a query selects after them starts here.
const APPROVAL_COLUMNS_N: usize = 25;

/// Whether an approval with this id exists (`POST /presence` names one).
pub fn approval_exists(conn: &Connection, id: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM approvals WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A partner the simulation may play: not deleted, not suspended (by itself or its
/// distributor), with what a realistic request of it needs.
#[derive(Debug, Clone)]
pub struct SimulatedPartner {
    pub id: String,
    pub name: String,
    pub website: String,
    /// Its package's currency, if it has one.
    pub currency: Option<String>,
}

/// The partners the simulation may play, by id (so a seeded simulation picks the same ones on
/// the same data), at most `limit`.
pub fn simulation_partners(conn: &Connection, limit: u32) -> StoreResult<Vec<SimulatedPartner>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.name, p.contact_website, p.package_currency
           FROM partners p LEFT JOIN distributors d ON d.id = p.distributor_id
          WHERE p.deleted_at IS NULL AND p.status IS DISTINCT FROM 'suspended'
            AND d.status IS DISTINCT FROM 'suspended'
          ORDER BY p.id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(SimulatedPartner {
            id: r.get(0)?,
            name: r.get(1)?,
            website: r.get(2)?,
            currency: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
