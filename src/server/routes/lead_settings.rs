//! A partner's lead exchange (RECORDS.md §4): `GET`/`PATCH /partners/{id}/lead_settings`, the
//! preview of the delivery body (`POST …/lead_settings/preview`) and the portal invitation
//! (`POST /partners/{id}/portal_invite`). Any staff role reads and previews; CSRs and
//! administrators change the settings and invite. The rules are the domain's (`lead_rules`,
//! `lead_template`), the same the console's form runs.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use serde::Deserialize;

use super::request::{idempotency_key, json_body};
use super::response::{json, stored};
use super::write::{self, merge_patch, version_sent, writer};
use super::{Res, S};
use crate::domain::lead_rules::{self, DecodeRefused};
use crate::domain::{FieldError, LEAD_SETTINGS_MEMBERS, PreviewRequest, Role, lead_template};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, IdempotencyKey, InviteRequest, LeadSettingsEdit};

/// Where a preview's template errors point: the preview's own body.
const TEMPLATE_AT: &str = "/body_template";

/// `GET /partners/{id}/lead_settings`: the settings, their version (the `ETag`) and the
/// warnings they deserve, the same a save answers.
pub(super) async fn get(State(st): S, caller: Caller, Path(id): Path<String>) -> Res {
    caller.user(Role::Viewer)?;
    let settings = st.store.read(move |c| store::lead_settings(c, &id)).await?;
    let warnings = lead_rules::check(&settings.record).warnings;
    let version = settings.version;
    Ok(write::saved(settings, version, warnings))
}

/// `PATCH /partners/{id}/lead_settings`: a JSON merge patch against the version read. What is
/// not settings at all is refused here, before the store (400 whatever the version); the rest
/// is judged on the settings as the patch leaves them (`store::edit_lead_settings`).
pub(super) async fn patch(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let actor = writer(&caller)?;
    let if_match = version_sent(&headers)?;
    let patch = merge_patch(&headers, &body)?;
    let Some(members) = patch.as_object() else {
        return Err(store::refusal(DecodeRefused::NotAnObject));
    };
    if let Some(name) = members
        .keys()
        .find(|k| !LEAD_SETTINGS_MEMBERS.contains(&k.as_str()))
    {
        return Err(store::refusal(DecodeRefused::UnknownMember(name.clone())));
    }
    let edit = LeadSettingsEdit {
        partner_id: id,
        if_match,
        patch,
        actor,
        now: Utc::now(),
    };
    let saved = write::run(&st, move |c| store::edit_lead_settings(c, &edit)).await?;
    let version = saved.record.version;
    Ok(write::saved(saved.record, version, saved.warnings))
}

/// `POST /partners/{id}/lead_settings/preview`: the body the partner's API would receive for
/// the sample lead, with the form's unsaved method and template where it sends them and the
/// saved ones where it does not. Renders only: the URL is never fetched, nothing is saved.
pub(super) async fn preview(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    caller.user(Role::Viewer)?;
    let req: PreviewRequest = json_body(&headers, &body)?;
    let saved = st
        .store
        .read(move |c| store::lead_settings(c, &id))
        .await?
        .record
        .internet_delivery;
    let method = req.method.unwrap_or(saved.method);
    let template = req.body_template.unwrap_or(saved.body_template);
    let errors = lead_rules::check_template(TEMPLATE_AT, &template);
    if !errors.is_empty() {
        return Err(ApiProblem::validation_failed(errors));
    }
    let rendered = lead_template::preview(method, &template).map_err(|e| {
        ApiProblem::validation_failed(vec![FieldError::new(TEMPLATE_AT, e.code(), e.detail())])
    })?;
    Ok(json(StatusCode::OK, &rendered))
}

/// The body of an invitation: nothing to say (`{}` or none); anything else is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {}

/// `POST /partners/{id}/portal_invite`: a one-time link by email to the partner's contact,
/// exactly once per `Idempotency-Key`; 202 with where it went, never the token.
pub(super) async fn portal_invite(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = caller.user(Role::Csr)?.clone();
    let key = idempotency_key(&headers)?;
    let InviteBody {} = json_body(&headers, &body)?;
    let token = store::new_secret("inv_");
    let invite = InviteRequest {
        idempotency: IdempotencyKey {
            user_id: user.id.clone(),
            key,
            fingerprint: store::token_hash(&format!("portal_invite\n{id}")),
        },
        partner_id: id,
        token,
        actor_id: user.id,
        actor_name: user.name,
        now: Utc::now(),
    };
    let outcome = st
        .store
        .write(move |c| store::portal_invite(c, &invite))
        .await?;
    Ok(stored(&st, outcome))
}
