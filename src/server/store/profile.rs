//! Editing a partner's profile (`PATCH /partners/{id}`), in one transaction: the version check
//! (412 with the partner as it is), the changed columns, the search keys that follow from them,
//! the audit entry and the events.

use super::db::{Connection, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::records::{RecordWrite, Written, field_change, record_written};
use super::{StoreResult, get_partner, insert_event, partner_search_keys};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// A checked change to a partner's profile: values normalized and valid.
pub struct ProfileEdit {
    pub partner_id: String,
    pub if_match: i64,
    pub changes: Vec<(ProfileField, String)>,
    pub actor: String,
    pub now: DateTime<Utc>,
}

/// The column that holds each field.
fn column(field: ProfileField) -> &'static str {
    match field {
        ProfileField::Name => "name",
        ProfileField::ContactName => "contact_name",
        ProfileField::Email => "contact_email",
        ProfileField::Phone => "contact_phone",
        ProfileField::Website => "contact_website",
        ProfileField::Line1 => "address_line1",
        ProfileField::Line2 => "address_line2",
        ProfileField::City => "address_city",
        ProfileField::Region => "address_region",
        ProfileField::PostalCode => "address_postal_code",
        ProfileField::Country => "address_country",
        ProfileField::TimeZone => "contact_time_zone",
        ProfileField::Notes => "notes",
    }
}

/// Applies `edit`. A patch that changes nothing answers the partner as it is: no new version,
/// no audit entry, no event.
pub fn edit_profile(conn: &mut Connection, edit: &ProfileEdit) -> StoreResult<Written<Partner>> {
    let tx = conn.savepoint()?;
    tx.lock_row("partners", &edit.partner_id)?;
    let current =
        get_partner(&tx, &edit.partner_id)?.ok_or_else(|| ApiProblem::not_found("partner"))?;
    if current.summary.version != edit.if_match {
        let detail = format!(
            "The partner changed since you read it (your version {}, now {}); the current partner is attached.",
            edit.if_match, current.summary.version
        );
        return Err(ApiProblem::new(
            StatusCode::PRECONDITION_FAILED,
            codes::VERSION_MISMATCH,
            detail,
        )
        .with_partner(current)
        .into());
    }
    let changed: Vec<&(ProfileField, String)> = edit
        .changes
        .iter()
        .filter(|(f, v)| f.value_in(&current) != v)
        .collect();
    if changed.is_empty() {
        return Ok(Written {
            record: current,
            added_events: false,
        });
    }
    let sets: Vec<String> = changed
        .iter()
        .enumerate()
        .map(|(i, (f, _))| format!("{} = ?{}", column(*f), i + 2))
        .collect();
    let sql = format!(
        "UPDATE partners SET {}, version = version + 1 WHERE id = ?1",
        sets.join(", ")
    );
    let mut values: Vec<&str> = vec![&edit.partner_id];
    values.extend(changed.iter().map(|(_, v)| v.as_str()));
    tx.prepare_cached(&sql)?
        .execute(super::db::params_from_iter(values))?;

    // The partner as the UPDATE left it, without reading it again.
    let mut after = current.clone();
    for (f, v) in &changed {
        f.set_in(&mut after, v.clone());
    }
    after.summary.version += 1;
    // The name's sort key and the search columns follow the fields they are made of.
    let (q_approvals, q_partners) = partner_search_keys(
        &after.summary.name,
        &after.contact.email,
        &after.summary.invoice_id,
        &after.contact.name,
        &after.contact.phone,
    );
    tx.prepare_cached(
        "UPDATE partners SET name_lower = ?2, q_approvals = ?3, q_partners = ?4 WHERE id = ?1",
    )?
    .execute(params![
        edit.partner_id,
        after.summary.name.to_lowercase(),
        q_approvals,
        q_partners
    ])?;

    let changes: Vec<FieldChange> = changed
        .iter()
        .map(|(f, v)| field_change(f.pointer(), f.value_in(&current), v))
        .collect();
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    record_written(
        &tx,
        &RecordWrite {
            actor: &edit.actor,
            record: RecordRef {
                kind: RECORD_PARTNER.into(),
                id: after.summary.id.clone(),
                name: after.summary.name.clone(),
            },
            action: "partner.updated",
            detail: format!("Profile changed: {}", fields.join(", ")),
            changes,
            version: after.summary.version,
            now: edit.now,
        },
    )?;
    // Consoles that predate `record.changed` refresh an open partner on this one.
    let data = serde_json::to_string(&PartnerUpdated {
        id: after.summary.id.clone(),
    })
    .map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
    insert_event(&tx, EVENT_PARTNER_UPDATED, &data, edit.now)?;
    tx.commit()?;
    Ok(Written {
        record: after,
        added_events: true,
    })
}

/// Migration 8: each partner's one-line `contact_address` into the structured columns
/// (`Address::from_one_line`: split only where that is safe, else all of it in line1), then
/// the old column goes.
pub(super) fn split_one_line_addresses(conn: &Connection) -> StoreResult<()> {
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT id, contact_address FROM partners")?
        .query_map(super::db::params![], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = conn.prepare(
        "UPDATE partners SET address_line1 = ?2, address_line2 = ?3, address_city = ?4,
                address_region = ?5, address_postal_code = ?6, address_country = ?7
          WHERE id = ?1",
    )?;
    for (id, line) in rows {
        let a = crate::domain::Address::from_one_line(&line);
        update.execute(super::db::params![
            id,
            a.line1,
            a.line2,
            a.city,
            a.region,
            a.postal_code,
            a.country
        ])?;
    }
    conn.execute_batch("ALTER TABLE partners DROP COLUMN contact_address")?;
    Ok(())
}
