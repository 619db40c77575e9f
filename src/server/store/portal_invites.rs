//! Portal invitations (RECORDS.md §4): `POST /partners/{id}/portal_invite` queues one email
//! (the outbox) with a one-time link to the partner's contact, exactly once per
//! `Idempotency-Key`. Only the token's hash is kept; the token itself is only ever in the
//! email, never in an answer, a log or the audit. A new invitation supersedes the partner's
//! open ones, so only the newest link works. No password is set, shown or sent by anyone.

use super::db::{Connection, params};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};

use super::hierarchy::located;
use super::idempotency::{IdempotencyKey, StoredResponse, remember, replay};
use super::lead_settings::{profile_of, settings_of};
use super::records::{RecordWrite, audit_record};
use super::{StoreError, StoreResult, new_id, to_millis, token_hash, ts};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// Where the partner portal takes an invitation's token. The reference backend has no portal
/// of its own (nor a setting naming one): the link shows the shape a deployment's would have.
pub const PORTAL_INVITE_URL: &str = "https://portal.example/invite/";

/// How long an invitation's link works.
pub const INVITE_VALID_DAYS: i64 = 7;

/// `POST /partners/{id}/portal_invite` by a CSR, with the token the route made.
pub struct InviteRequest {
    pub partner_id: String,
    /// The one-time token: its hash is stored, the token goes into the email's link only.
    pub token: String,
    pub actor_id: String,
    pub actor_name: String,
    pub idempotency: IdempotencyKey,
    pub now: DateTime<Utc>,
}

/// The invitation email: the link, when it stops working, and that no password is sent.
fn invite_email(partner: &str, link: &str, expires_at: DateTime<Utc>) -> (String, String) {
    let subject = "Your invitation to the partner portal".to_string();
    let body = format!(
        "Hello {partner},\n\n\
         you are invited to the partner portal, where you follow the leads you exchange with us.\n\n\
         Open this link to set up your access:\n{link}\n\n\
         The link works once and expires on {} UTC. You choose your own password when you open \
         it: we never send passwords, and nobody from our team will ask you for yours.\n\n\
         If you did not expect this invitation, ignore this email; nothing happens until the \
         link is opened.\n",
        expires_at.format("%Y-%m-%d %H:%M")
    );
    (subject, body)
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Queues the invitation of `r` (202 with where it goes and until when), or replays the
/// answer its key got. Refused: a partner that is not there (404), a suspended one (409
/// `partner_suspended`), one without any contact email (409 `no_contact_email`). Only the 202
/// is kept for the key: a refusal may be put right and sent again with the same key.
pub fn portal_invite(conn: &mut Connection, r: &InviteRequest) -> StoreResult<StoredResponse> {
    let tx = conn.savepoint()?;
    if let Some(earlier) = replay(&tx, &r.idempotency)? {
        return Ok(earlier);
    }
    let profile = profile_of(&tx, &r.partner_id)?;
    let node = located(&tx, Level::Partner, &r.partner_id)?;
    if node.standing.suspended() {
        let by = match &node.standing.suspended_by {
            Some(above) => format!(" by its {} {}", above.kind.as_str(), above.name),
            None => String::new(),
        };
        return Err(ApiProblem::new(
            StatusCode::CONFLICT,
            codes::PARTNER_SUSPENDED,
            format!(
                "{} is suspended{by}; a suspended partner is not invited to its portal (enable it first).",
                profile.name
            ),
        )
        .into());
    }
    // The lead exchange's own contact first: it is who the platform writes to about leads.
    let settings = settings_of(&tx, &r.partner_id, &profile)?;
    let Some(to) = [settings.record.contact.email.trim(), profile.email.trim()]
        .into_iter()
        .find(|e| !e.is_empty())
        .map(str::to_string)
    else {
        return Err(ApiProblem::new(
            StatusCode::CONFLICT,
            codes::NO_CONTACT_EMAIL,
            format!(
                "{} has no contact email, in its lead settings or its profile; add one, then invite.",
                profile.name
            ),
        )
        .into());
    };

    let now = to_millis(r.now);
    let expires_at = now + Duration::days(INVITE_VALID_DAYS);
    let superseded = tx
        .prepare_cached(
            "UPDATE portal_invites SET superseded_at = ?2
              WHERE partner_id = ?1 AND superseded_at IS NULL AND used_at IS NULL",
        )?
        .execute(params![r.partner_id, ts(now)])?;
    let id = new_id("pi");
    tx.prepare_cached(
        "INSERT INTO portal_invites (id, partner_id, token_hash, sent_to, created_by, created_at,
             expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id,
        r.partner_id,
        token_hash(&r.token),
        to,
        r.actor_id,
        ts(now),
        ts(expires_at)
    ])?;
    let link = format!("{PORTAL_INVITE_URL}{}", r.token);
    let (subject, body) = invite_email(&profile.name, &link, expires_at);
    tx.prepare_cached(
        "INSERT INTO outbox (id, to_addr, subject, body, approval_id, created_at)
         VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
    )?
    .execute(params![new_id("em"), to, subject, body, ts(now)])?;

    let replaces = match superseded {
        0 => String::new(),
        1 => "; the earlier open invitation no longer works".to_string(),
        n => format!("; the {n} earlier open invitations no longer work"),
    };
    audit_record(
        &tx,
        &RecordWrite {
            actor: &r.actor_name,
            record: RecordRef {
                kind: RECORD_PARTNER.into(),
                id: r.partner_id.clone(),
                name: profile.name.clone(),
            },
            action: "partner.portal_invited",
            detail: format!(
                "Portal invitation {id} sent to {to}, valid until {} UTC{replaces}",
                expires_at.format("%Y-%m-%d %H:%M")
            ),
            changes: Vec::new(),
            version: node.version,
            now,
        },
    )?;
    let out = StoredResponse {
        status: StatusCode::ACCEPTED.as_u16(),
        body: json(&PortalInvite {
            partner_id: r.partner_id.clone(),
            to,
            queued_at: now,
            expires_at,
        })?,
        etag: None,
        replayed: false,
        added_events: false,
    };
    remember(&tx, &r.idempotency, &out, Utc::now())?;
    tx.commit()?;
    Ok(out)
}
