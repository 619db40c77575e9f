//! A decision, exactly once: the idempotency record, the conditional UPDATE, the partner's
//! change (for an approval, `effects`), the audit row, the outbox email (for a rejection) and the
//! events commit together in one transaction, or none do.

use super::db::{Connection, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::approvals::{Decided, decide_if_pending};
use super::effects::{Applied, apply_approval};
use super::idempotency::{IdempotencyKey, StoredResponse, remember, replay_later};
use super::{StoreResult, get_approval, insert_audit_changes, insert_event, new_id, ts};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// Who is deciding: the user as the decided approval names them.
pub type Decider = UserRef;

#[derive(Debug, Clone)]
pub enum Decision {
    Approve { comment: Option<String> },
    Reject { reason: String },
}

impl Decision {
    fn status(&self) -> Status {
        match self {
            Decision::Approve { .. } => Status::Approved,
            Decision::Reject { .. } => Status::Rejected,
        }
    }
}

pub struct DecideRequest<'a> {
    pub approval_id: &'a str,
    pub decider: &'a Decider,
    pub decision: Decision,
    /// The caller's key; its fingerprint identifies the request: route and canonical body.
    pub idempotency: &'a IdempotencyKey,
    pub if_match: i64,
    pub now: DateTime<Utc>,
}

pub fn decide(conn: &mut Connection, req: DecideRequest<'_>) -> StoreResult<StoredResponse> {
    // A savepoint inside the writer's `BEGIN IMMEDIATE` (`Store::write`): the write lock is
    // taken before anything is read, so two deciders never both read "pending"; a refusal or
    // error rolls back this decision alone.
    let tx = conn.savepoint()?;

    // The key's earlier answer is read in the decision's first round trip, and the decision
    // goes on as if there were none; if there was, it wins and the savepoint is rolled back
    // (a retry's conditional update matches nothing anyway: its approval was decided).
    let earlier = replay_later(&tx, req.idempotency)?;
    let outcome = decide_fresh(&tx, &req)?;
    if let Some(earlier) = earlier.answer(&tx)? {
        return Ok(earlier);
    }
    remember(&tx, req.idempotency, &outcome, req.now)?;
    tx.commit()?;
    Ok(outcome)
}

/// The decision proper, inside the caller's transaction. Refusals (404, 409, 412) are returned
/// as stored responses too, so a retry with the same key sees the same answer.
fn decide_fresh(conn: &Connection, req: &DecideRequest<'_>) -> StoreResult<StoredResponse> {
    let refusal = |p: ApiProblem| StoredResponse {
        status: p.0.status,
        body: p.body(),
        etag: None,
        replayed: false,
        added_events: false,
    };
    let status = req.decision.status();
    // An approval's optional comment is kept where a rejection keeps its reason, so the
    // history shows either in one place.
    let reason = match &req.decision {
        Decision::Reject { reason } => Some(reason.as_str()),
        Decision::Approve { comment } => comment.as_deref(),
    };
    let written = Decided {
        status,
        at: &ts(req.now),
        by: req.decider,
        reason,
    };
    // The update first, on the condition that the approval is pending at the version the
    // decider saw; only when it matches nothing is the approval read, to say why.
    let Some(mut decided) = decide_if_pending(conn, req.approval_id, req.if_match, &written)?
    else {
        return Ok(refusal(why_not_pending(conn, req)?));
    };

    // An approval changes its partner (package, status, add-ons) in this same transaction; a
    // rejection changes nothing.
    let Applied {
        changes,
        partner_version,
    } = match &req.decision {
        Decision::Approve { .. } => apply_approval(conn, &decided, req.now)?,
        Decision::Reject { .. } => Applied::default(),
    };
    if let Some(now) = changes
        .iter()
        .find(|c| c.field == super::effects::FIELD_STATUS)
        .and_then(|c| c.after.as_deref())
        .and_then(PartnerStatus::parse)
    {
        // The approval as answered shows its partner as it is now.
        decided.partner.status = now;
    }
    let mut audit_detail = match &req.decision {
        Decision::Approve { comment: Some(c) } => format!("{}: approved ({c})", decided.title),
        Decision::Approve { comment: None } => format!("{}: approved", decided.title),
        Decision::Reject { reason } => format!("{}: rejected: {reason}", decided.title),
    };
    for c in &changes {
        let none = || "none".to_string();
        audit_detail.push_str(&format!(
            "; {}: {} → {}",
            c.field,
            c.before.clone().unwrap_or_else(none),
            c.after.clone().unwrap_or_else(none)
        ));
    }
    insert_audit_changes(
        conn,
        req.now,
        &req.decider.name,
        Some(&decided.partner.name),
        &format!("approval.{}", status.as_str()),
        &decided.id,
        &audit_detail,
        &changes,
    )?;
    if let Decision::Reject { reason } = &req.decision {
        let (subject, body) = rejection_email(&decided, reason);
        conn.execute_later(
            "INSERT INTO outbox (id, to_addr, subject, body, approval_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                new_id("em"),
                decided.partner.email,
                subject,
                body,
                decided.id,
                ts(req.now)
            ],
        )?;
    }
    let data = serde_json::to_string(&ApprovalDecided {
        id: decided.id.clone(),
        kind: decided.kind,
        status,
        decided_by: req.decider.clone(),
    })
    .map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
    insert_event(conn, EVENT_APPROVAL_DECIDED, &data, req.now)?;
    if let Some(version) = partner_version {
        // Committed with the decision, so the wake-up for `approval.decided` sends it too.
        let partner = serde_json::to_string(&PartnerUpdated {
            id: decided.partner.id.clone(),
        })
        .map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
        insert_event(conn, EVENT_PARTNER_UPDATED, &partner, req.now)?;
        let changed = serde_json::to_string(&RecordChanged {
            kind: RECORD_PARTNER.into(),
            id: decided.partner.id.clone(),
            version,
        })
        .map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
        insert_event(conn, EVENT_RECORD_CHANGED, &changed, req.now)?;
    }
    let body =
        serde_json::to_string(&decided).map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
    Ok(StoredResponse {
        status: 200,
        body,
        etag: Some(format!("\"{}\"", decided.version)),
        replayed: false,
        added_events: true,
    })
}

/// Why a decision's conditional update matched nothing: the approval is gone (404), decided
/// already (409), or at another version than the decider saw (412).
fn why_not_pending(conn: &Connection, req: &DecideRequest<'_>) -> StoreResult<ApiProblem> {
    // Whatever made the update match nothing is committed by now: the update waited for any
    // other write holding the row.
    let Some(current) = get_approval(conn, req.approval_id)? else {
        return Ok(ApiProblem::not_found("approval"));
    };
    if current.status != Status::Pending {
        let who = current
            .decided_by
            .as_ref()
            .map(|u| u.name.as_str())
            .unwrap_or("someone");
        let when = current.decided_at.map(ts).unwrap_or_default();
        let detail = format!("Already {} by {who} at {when}.", current.status.as_str());
        return Ok(
            ApiProblem::new(StatusCode::CONFLICT, codes::ALREADY_DECIDED, detail)
                .with_approval(current),
        );
    }
    if current.version != req.if_match {
        let detail = format!(
            "The approval changed since you saw it (your version {}, now {}); look again and decide anew.",
            req.if_match, current.version
        );
        return Ok(ApiProblem::new(
            StatusCode::PRECONDITION_FAILED,
            codes::VERSION_MISMATCH,
            detail,
        )
        .with_approval(current));
    }
    // Pending at that version, yet the update matched nothing: refuse rather than guess.
    Err(super::StoreError::Corrupt(
        "conditional update matched no row".into(),
    ))
}

fn rejection_email(a: &Approval, reason: &str) -> (String, String) {
    let what = match &a.item {
        Some(item) => format!("{} \"{}\"", a.kind.label().to_lowercase(), item.name),
        None => format!("{} \"{}\"", a.kind.label().to_lowercase(), a.title),
    };
    let subject = format!("Your {what} request was not approved");
    let body = format!(
        "Hello {},\n\nyour {what} request of {} was not approved.\n\nReason:\n{reason}\n\nReply to this email if you have questions.\n",
        a.partner.name,
        a.requested_at.format("%Y-%m-%d"),
    );
    (subject, body)
}
