//! Reading distributors: a page by name (`GET /distributors`) and one by id, each with its
//! partner count, administrators and standing in the one statement.

use std::sync::LazyLock;

use super::db::{Connection, OptionalExtension, Row};

use super::hierarchy::{NodePage, admins_at, admins_sql, node_page, node_status, standing_sql};
use super::{StoreResult, parse_ts};
use crate::domain::*;

/// The columns [`distributor_from_row`] reads, of `distributors d`; the page's key last.
pub(super) static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "d.id, d.name, d.status, d.contact_name, d.contact_email, d.contact_phone, d.version,
         d.created_at,
         (SELECT count(*) FROM partners pc WHERE pc.distributor_id = d.id
             AND pc.deleted_at IS NULL),
         {}, {}, d.name_lower, d.id",
        admins_sql(Level::Distributor),
        standing_sql(Level::Distributor)
    )
});

fn distributor_from_row(r: &Row<'_>) -> StoreResult<Distributor> {
    Ok(Distributor {
        id: r.get(0)?,
        name: r.get(1)?,
        status: node_status(&r.get::<_, String>(2)?)?,
        contact: NodeContact {
            name: r.get(3)?,
            email: r.get(4)?,
            phone: r.get(5)?,
        },
        version: r.get(6)?,
        created_at: parse_ts(&r.get::<_, String>(7)?)?,
        partner_count: r.get::<_, i64>(8)?.max(0) as u64,
        admins: admins_at(r, 9)?,
        standing: super::hierarchy::standing_at(r, 10)?,
    })
}

/// A page of distributors by name, then id; `q` searches their names.
pub fn list_distributors(
    conn: &Connection,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Distributor>> {
    node_page(
        conn,
        &NodePage {
            level: Level::Distributor,
            columns: &COLUMNS,
            parent: None,
            q,
            cursor,
            limit,
        },
        distributor_from_row,
    )
}

pub fn get_distributor(conn: &Connection, id: &str) -> StoreResult<Option<Distributor>> {
    let sql = format!(
        "SELECT {} FROM distributors d WHERE d.id = ?1 AND d.deleted_at IS NULL",
        *COLUMNS
    );
    conn.prepare_cached(&sql)?
        .query_row([id], |r| Ok(distributor_from_row(r)))
        .optional()?
        .transpose()
}
