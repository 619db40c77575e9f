//! A node's administrators: the staff users assigned its level's admin role over it
//! (`distributor_admin` of a distributor, …). Listed by anyone on staff; added and removed by
//! whoever may write the node. Adding one names them by email: the user with that email, or a
//! new staff user (a viewer, whose token nobody knows) when there is none.

use super::db::{Connection, OptionalExtension, params};

use super::audit::UserRow;
use super::hierarchy::{authorize, located};
use super::node_writes::bump;
use super::nodes::get_record;
use super::records::{RecordWrite, Written, field_change, record_written};
use super::{StoreResult, new_id, token_hash};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// A change to the administrators of the node `id` of `level`, by `user`.
pub struct AdminChange {
    pub user: UserRow,
    pub level: Level,
    pub id: String,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The administrators of the node, by name (404 if there is no such node).
pub fn list_admins(conn: &Connection, level: Level, id: &str) -> StoreResult<Vec<UserRef>> {
    located(conn, level, id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name FROM assignments asg JOIN users u ON u.id = asg.user_id
          WHERE asg.scope_id = ?1 AND asg.role = ?2 ORDER BY u.name, u.id",
    )?;
    let rows = stmt.query_map(params![id, level.admin_role().as_str()], |r| {
        Ok(UserRef {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An administrator added: who, and whether they were not one already.
pub struct AdminAdded {
    pub admin: UserRef,
    pub added: bool,
}

/// Makes the user with `admin.email` (or a new one: a viewer named `admin.name`) an
/// administrator of the node. Already one: nothing changes. The node gets a new version (its
/// `admins` changed) but is not checked against `If-Match`: the list is a set, whoever adds
/// to it last loses nothing.
pub fn add_admin(
    conn: &mut Connection,
    w: &AdminChange,
    admin: &NewAdmin,
) -> StoreResult<Written<AdminAdded>> {
    let tx = conn.savepoint()?;
    let node = located(&tx, w.level, &w.id)?;
    let doing = format!("Changing the administrators of this {}", w.level.as_str());
    authorize(&tx, &w.user, w.level, &node.lineage, &doing)?;
    let found: Option<(String, String)> = tx
        .prepare_cached(
            "SELECT id, name FROM users WHERE lower(email) = lower(?1) ORDER BY id LIMIT 1",
        )?
        .query_row([&admin.email], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (user, made) = match found {
        Some((id, name)) => (UserRef { id, name }, false),
        None => (new_viewer(&tx, admin)?, true),
    };
    let role = w.level.admin_role();
    let added = tx
        .prepare_cached(
            "INSERT INTO assignments (user_id, role, scope_kind, scope_id)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )?
        .execute(params![user.id, role.as_str(), w.level.as_str(), w.id])?
        == 1;
    if !added {
        return Ok(Written {
            record: AdminAdded {
                admin: user,
                added: false,
            },
            added_events: false,
        });
    }
    bump(&tx, w.level, &w.id)?;
    let who = format!("{} ({})", user.name, user.id);
    let detail = if made {
        format!(
            "Added {who} as {}, a new viewer with the email {}",
            role.label(),
            admin.email
        )
    } else {
        format!("Added {who} as {}", role.label())
    };
    changed_admins(&tx, w, detail, field_change("/admins", "", &who))?;
    tx.commit()?;
    Ok(Written {
        record: AdminAdded {
            admin: user,
            added: true,
        },
        added_events: true,
    })
}

/// A staff user for `admin`: a viewer whose token is random and never shown, so they sign in
/// only once someone gives them one.
fn new_viewer(conn: &Connection, admin: &NewAdmin) -> StoreResult<UserRef> {
    let taken: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)")?
        .query_row([&admin.name], |r| r.get(0))?;
    if taken {
        return Err(ApiProblem::validation_failed(vec![FieldError::new(
            "/name",
            field_codes::NAME_TAKEN,
            "Another user (with another email) has this name; give this one another name.",
        )])
        .into());
    }
    let id = new_id("us");
    let unusable = super::new_secret("");
    conn.prepare_cached(
        "INSERT INTO users (id, name, email, role, token_hash) VALUES (?1, ?2, ?3, 'viewer', ?4)",
    )?
    .execute(params![id, admin.name, admin.email, token_hash(&unusable)])?;
    Ok(UserRef {
        id,
        name: admin.name.clone(),
    })
}

/// The user `user_id` is no longer an administrator of the node (not one already: nothing
/// changes; no such user: 404).
pub fn remove_admin(
    conn: &mut Connection,
    w: &AdminChange,
    user_id: &str,
) -> StoreResult<Written<()>> {
    let tx = conn.savepoint()?;
    let node = located(&tx, w.level, &w.id)?;
    let doing = format!("Changing the administrators of this {}", w.level.as_str());
    authorize(&tx, &w.user, w.level, &node.lineage, &doing)?;
    let name: String = tx
        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| ApiProblem::not_found("user"))?;
    let removed = tx
        .prepare_cached(
            "DELETE FROM assignments WHERE user_id = ?1 AND role = ?2 AND scope_id = ?3",
        )?
        .execute(params![user_id, w.level.admin_role().as_str(), w.id])?
        == 1;
    if !removed {
        return Ok(Written {
            record: (),
            added_events: false,
        });
    }
    bump(&tx, w.level, &w.id)?;
    let who = format!("{name} ({user_id})");
    let detail = format!("Removed {who} as {}", w.level.admin_role().label());
    changed_admins(&tx, w, detail, field_change("/admins", &who, ""))?;
    tx.commit()?;
    Ok(Written {
        record: (),
        added_events: true,
    })
}

/// The audit entry and `record.changed` of a change to the node's administrators.
fn changed_admins(
    conn: &Connection,
    w: &AdminChange,
    detail: String,
    change: FieldChange,
) -> StoreResult<()> {
    let record =
        get_record(conn, w.level, &w.id)?.ok_or_else(|| ApiProblem::not_found(w.level.as_str()))?;
    record_written(
        conn,
        &RecordWrite {
            actor: &w.user.name,
            record: record.as_ref(),
            action: &format!("{}.admins_changed", w.level.as_str()),
            detail,
            changes: vec![change],
            version: record.version(),
            now: w.now,
        },
    )
}
