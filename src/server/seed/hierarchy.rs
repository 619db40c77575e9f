//! The hierarchy in seed data (RECORDS.md §1): distributors, the distributor each partner is
//! under, tenants, and the users' assignments, checked and inserted in the import's
//! transaction. Like every other part of a seed, the first problem refuses the whole file and
//! names its place (`tenants[3].partner`).

use std::collections::HashSet;

use crate::server::store::db::{Connection, OptionalExtension};

use super::file::{SeedAssignment, SeedDistributor, SeedTenant};
use super::import::{ImportError, PartnerIds, invalid, required};
use crate::domain::{Level, NodeContact};
use crate::server::store::{NewNodeRow, UNASSIGNED_DISTRIBUTOR, id_prefix, insert_node, new_id};

/// The distributors a seed made, by id; and whether "Unassigned" was made for partners that
/// name none.
pub(super) struct Distributors {
    ids: HashSet<String>,
    unassigned: bool,
    now: chrono::DateTime<chrono::Utc>,
}

/// A row that could not be inserted because its id is taken: the place's error, not SQLite's.
fn taken(
    place: String,
    id: &str,
    what: &str,
) -> impl FnOnce(crate::server::store::db::Error) -> ImportError {
    let (id, what) = (id.to_string(), what.to_string());
    move |e| match e {
        e if e.is_constraint_violation() => {
            invalid(place, format!("{id:?} is used by another {what}"))
        }
        other => ImportError::Sql(other),
    }
}

pub(super) fn import_distributors(
    tx: &Connection,
    distributors: &[SeedDistributor],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Distributors, ImportError> {
    let mut ids = HashSet::new();
    for (i, d) in distributors.iter().enumerate() {
        let place = |f: &str| format!("distributors[{i}].{f}");
        required(place("name"), &d.name)?;
        let id =
            d.id.clone()
                .unwrap_or_else(|| new_id(id_prefix(Level::Distributor)));
        required(place("id"), &id)?;
        insert_node(
            tx,
            &NewNodeRow {
                level: Level::Distributor,
                id: &id,
                parent_id: None,
                name: &d.name,
                status: d.status,
                contact: &d.contact,
                created_at: d.created_at.unwrap_or(now),
            },
        )
        .map_err(taken(place("id"), &id, "distributor"))?;
        ids.insert(id);
    }
    Ok(Distributors {
        ids,
        unassigned: false,
        now,
    })
}

impl Distributors {
    /// The id of the distributor a partner at `place` names; none: "Unassigned", made the
    /// first time a partner needs it (unless the seed has a distributor of that id).
    pub(super) fn resolve(
        &mut self,
        tx: &Connection,
        place: String,
        named: Option<&str>,
    ) -> Result<String, ImportError> {
        if let Some(id) = named {
            return if self.ids.contains(id) {
                Ok(id.to_string())
            } else {
                Err(invalid(place, format!("no distributor has the id {id:?}")))
            };
        }
        if !self.unassigned && !self.ids.contains(UNASSIGNED_DISTRIBUTOR) {
            insert_node(
                tx,
                &NewNodeRow {
                    level: Level::Distributor,
                    id: UNASSIGNED_DISTRIBUTOR,
                    parent_id: None,
                    name: "Unassigned",
                    status: Default::default(),
                    contact: &NodeContact::default(),
                    created_at: self.now,
                },
            )?;
        }
        self.unassigned = true;
        Ok(UNASSIGNED_DISTRIBUTOR.to_string())
    }
}

/// Inserts the tenants as they come (a large seed streams a million), each under the partner
/// it names by id or unique name. Returns how many.
pub(super) fn import_tenants(
    tx: &Connection,
    tenants: impl IntoIterator<Item = SeedTenant>,
    partners: &PartnerIds,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, ImportError> {
    let mut n = 0;
    for (i, t) in tenants.into_iter().enumerate() {
        let place = |f: &str| format!("tenants[{i}].{f}");
        required(place("name"), &t.name)?;
        let partner_id = partners.resolve(place("partner"), &t.partner)?;
        let id =
            t.id.clone()
                .unwrap_or_else(|| new_id(id_prefix(Level::Tenant)));
        required(place("id"), &id)?;
        let contact = NodeContact {
            name: t.contact.name,
            email: t.contact.email,
            phone: String::new(),
        };
        insert_node(
            tx,
            &NewNodeRow {
                level: Level::Tenant,
                id: &id,
                parent_id: Some(&partner_id),
                name: &t.name,
                status: t.status,
                contact: &contact,
                created_at: t.created_at.unwrap_or(now),
            },
        )
        .map_err(taken(place("id"), &id, "tenant"))?;
        n += 1;
    }
    Ok(n)
}

/// The assignments of the user `users[user]` (already inserted as `user_id`): each over a
/// node of its role's level that the seed has.
pub(super) fn import_assignments(
    tx: &Connection,
    user: usize,
    user_id: &str,
    assignments: &[SeedAssignment],
) -> Result<(), ImportError> {
    let mut ins = tx.prepare_cached(
        "INSERT INTO assignments (user_id, role, scope_kind, scope_id)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?;
    for (j, a) in assignments.iter().enumerate() {
        let place = format!("users[{user}].assignments[{j}].scope");
        let level = a.role.level();
        let exists = tx
            .prepare_cached(&format!(
                "SELECT 1 FROM {} WHERE id = ?1",
                level.collection()
            ))?
            .query_row([&a.scope], |_| Ok(()))
            .optional()?
            .is_some();
        if !exists {
            return Err(invalid(
                place,
                format!(
                    "no {} has the id {:?} ({} is held over a {})",
                    level.as_str(),
                    a.scope,
                    a.role.as_str(),
                    level.as_str()
                ),
            ));
        }
        ins.execute(crate::server::store::db::params![
            user_id,
            a.role.as_str(),
            level.as_str(),
            a.scope
        ])?;
    }
    Ok(())
}
