//! A partner's lead-exchange settings (RECORDS.md §4): read (the saved row, or the defaults its
//! profile gives while it has none), and changed by a JSON merge patch in one transaction: the
//! version check (412 with the settings as they are), every rule of `lead_rules` on the
//! settings as the patch leaves them, the row, one audit entry and `record.changed`. The
//! portal invitation is in `portal_invites`.

use super::db::{Connection, OptionalExtension, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::records::{RecordWrite, Written, record_written};
use super::{StoreError, StoreResult, ts};
use crate::domain::lead_rules::{self, DecodeRefused};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// What a partner's default settings are made from (its profile), and its name.
pub(super) struct Profile {
    pub name: String,
    pub email: String,
    currency: Option<String>,
    time_zone: String,
    phone: String,
}

/// The profile of the partner `id`, unless there is none or it was deleted.
pub(super) fn profile(conn: &Connection, id: &str) -> StoreResult<Option<Profile>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, contact_email, package_currency, contact_time_zone, contact_phone
               FROM partners WHERE id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([id], |r| {
            Ok(Profile {
                name: r.get(0)?,
                email: r.get(1)?,
                currency: r.get(2)?,
                time_zone: r.get(3)?,
                phone: r.get(4)?,
            })
        })
        .optional()?)
}

/// [`profile`], or 404.
pub(super) fn profile_of(conn: &Connection, id: &str) -> StoreResult<Profile> {
    profile(conn, id)?.ok_or_else(|| ApiProblem::not_found("partner").into())
}

/// The settings of the partner whose profile is `p`: its row, or (none yet) the defaults
/// at version 1, made now from the profile; nothing is written for a read.
pub(super) fn settings_of(
    conn: &Connection,
    id: &str,
    p: &Profile,
) -> StoreResult<Versioned<LeadSettings>> {
    let row: Option<(String, i64)> = conn
        .prepare_cached("SELECT settings, version FROM lead_settings WHERE partner_id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((json, version)) = row else {
        let currency = p.currency.as_deref().unwrap_or("EUR");
        return Ok(Versioned {
            record: LeadSettings::defaults(currency, &p.time_zone, &p.email, &p.phone),
            version: 1,
        });
    };
    let record = serde_json::from_str(&json)
        .map_err(|e| StoreError::Corrupt(format!("lead settings of {id}: {e}")))?;
    Ok(Versioned { record, version })
}

/// `GET /partners/{id}/lead_settings`: the settings with their version (404 for a partner
/// that is not there).
pub fn lead_settings(conn: &Connection, id: &str) -> StoreResult<Versioned<LeadSettings>> {
    let p = profile_of(conn, id)?;
    settings_of(conn, id, &p)
}

/// A change to a partner's settings: a JSON merge patch (an object) against `if_match`.
pub struct LeadSettingsEdit {
    pub partner_id: String,
    pub if_match: i64,
    pub patch: Value,
    pub actor: String,
    pub now: DateTime<Utc>,
}

/// RFC 7396: `patch` applied to `target` (`null` removes a member; an object merges into an
/// object; anything else replaces).
pub fn apply_merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (key, value) in members {
            if value.is_null() {
                t.remove(key);
            } else {
                apply_merge_patch(t.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// Settings read from JSON, or the client's 400 / 422 ([`refusal`]).
fn decoded(value: &Value) -> Result<LeadSettings, ApiProblem> {
    lead_rules::decode(value).map_err(refusal)
}

/// Why settings could not be read, as the client's answer: 400 `invalid_body` for what is
/// not settings at all (not an object, a member they do not have), 422 `validation_failed`
/// naming every member of the wrong type.
pub fn refusal(refused: DecodeRefused) -> ApiProblem {
    match refused {
        DecodeRefused::NotAnObject => ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_BODY,
            "Send the settings that changed as a JSON object (a merge patch).",
        ),
        DecodeRefused::UnknownMember(name) => {
            let at = if name.starts_with('/') {
                name
            } else {
                format!("/{name}")
            };
            ApiProblem::new(
                StatusCode::BAD_REQUEST,
                codes::INVALID_BODY,
                format!("{at} is not a member of the lead settings."),
            )
        }
        DecodeRefused::Types(errors) => ApiProblem::validation_failed(errors),
    }
}

/// A member's value as the audit shows it: a string as it is, anything else as JSON.
fn as_text(v: Option<&Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn to_value<T: serde::Serialize>(value: &T) -> StoreResult<Value> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Applies `edit`: every rule at once (422), else the new version, its audit entry and
/// `record.changed`. A patch that changes nothing answers the settings as they are: no new
/// version, no row, no audit entry, no event. Answers the settings with the warnings `check`
/// gives them.
pub fn edit_lead_settings(
    conn: &mut Connection,
    edit: &LeadSettingsEdit,
) -> StoreResult<Written<Saved<Versioned<LeadSettings>>>> {
    let tx = conn.savepoint()?;
    tx.lock_row("partners", &edit.partner_id)?;
    let p = profile_of(&tx, &edit.partner_id)?;
    let current = settings_of(&tx, &edit.partner_id, &p)?;
    if current.version != edit.if_match {
        let detail = format!(
            "The lead settings changed since you read them (your version {}, now {}); the current one is attached.",
            edit.if_match, current.version
        );
        return Err(ApiProblem::new(
            StatusCode::PRECONDITION_FAILED,
            codes::VERSION_MISMATCH,
            detail,
        )
        .with_lead_settings(current)
        .into());
    }
    let before = to_value(&current.record)?;
    let mut after = before.clone();
    apply_merge_patch(&mut after, &edit.patch);
    let settings = decoded(&after)?;
    let checked = lead_rules::check(&settings);
    if !checked.errors.is_empty() {
        return Err(ApiProblem::validation_failed(checked.errors).into());
    }
    if settings == current.record {
        return Ok(Written {
            record: Saved {
                record: current,
                warnings: checked.warnings,
            },
            added_events: false,
        });
    }
    // The settings as they will be read back (members in the wire's order).
    let after = to_value(&settings)?;
    let changes: Vec<FieldChange> = LEAD_SETTINGS_MEMBERS
        .iter()
        .filter(|m| before.get(**m) != after.get(**m))
        .map(|m| FieldChange {
            field: format!("/{m}"),
            before: as_text(before.get(*m)),
            after: as_text(after.get(*m)),
        })
        .collect();
    let version = current.version + 1;
    tx.prepare_cached(
        "INSERT INTO lead_settings (partner_id, settings, version, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (partner_id) DO UPDATE
            SET settings = excluded.settings, version = excluded.version,
                updated_at = excluded.updated_at",
    )?
    .execute(params![
        edit.partner_id,
        json(&settings)?,
        version,
        ts(edit.now)
    ])?;
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    record_written(
        &tx,
        &RecordWrite {
            actor: &edit.actor,
            record: RecordRef {
                kind: RECORD_LEAD_SETTINGS.into(),
                id: edit.partner_id.clone(),
                name: p.name.clone(),
            },
            action: "lead_settings.updated",
            detail: format!("Lead settings changed: {}", fields.join(", ")),
            changes,
            version,
            now: edit.now,
        },
    )?;
    tx.commit()?;
    Ok(Written {
        record: Saved {
            record: Versioned {
                record: settings,
                version,
            },
            warnings: checked.warnings,
        },
        added_events: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_merge_patch_merges_objects_removes_nulls_and_replaces_the_rest() {
        let mut v = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]});
        apply_merge_patch(
            &mut v,
            &json!({"a": null, "b": {"c": 5, "x": {"y": 1}}, "e": [3]}),
        );
        assert_eq!(v, json!({"b": {"c": 5, "d": 3, "x": {"y": 1}}, "e": [3]}));
        apply_merge_patch(&mut v, &json!([1]));
        assert_eq!(v, json!([1]));
    }
}
