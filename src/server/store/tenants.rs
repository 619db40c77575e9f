//! Reading tenants: a page by name under a partner or of them all (`GET /tenants`), and one by
//! id, each with its partner, administrators and standing in the one statement.

use std::sync::LazyLock;

use super::db::{Connection, OptionalExtension, Row};

use super::hierarchy::{
    NodePage, admins_at, admins_sql, from_sql, node_page, node_status, standing_at, standing_sql,
};
use super::{StoreResult, parse_ts};
use crate::domain::*;

/// The columns [`tenant_from_row`] reads, of the tenant `t` and its ancestors; the page's key
/// last.
pub(super) static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "t.id, t.name, t.status, p.id, p.name, t.contact_name, t.contact_email, t.version,
         t.created_at, {}, {}, t.name_lower, t.id",
        admins_sql(Level::Tenant),
        standing_sql(Level::Tenant)
    )
});

fn tenant_from_row(r: &Row<'_>) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: r.get(0)?,
        name: r.get(1)?,
        status: node_status(&r.get::<_, String>(2)?)?,
        partner: PartnerRef {
            id: r.get(3)?,
            name: r.get(4)?,
        },
        contact: NodeContact {
            name: r.get(5)?,
            email: r.get(6)?,
            phone: String::new(),
        },
        version: r.get(7)?,
        created_at: parse_ts(&r.get::<_, String>(8)?)?,
        admins: admins_at(r, 9)?,
        standing: standing_at(r, 10)?,
    })
}

/// A page of tenants by name, then id: `partner_id`'s, or all of them; `q` searches their
/// names.
pub fn list_tenants(
    conn: &Connection,
    partner_id: Option<&str>,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Tenant>> {
    node_page(
        conn,
        &NodePage {
            level: Level::Tenant,
            columns: &COLUMNS,
            parent: partner_id.map(|id| ("t.partner_id", id)),
            q,
            cursor,
            limit,
        },
        tenant_from_row,
    )
}

pub fn get_tenant(conn: &Connection, id: &str) -> StoreResult<Option<Tenant>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE t.id = ?1 AND t.deleted_at IS NULL",
        *COLUMNS,
        from_sql(Level::Tenant)
    );
    conn.prepare_cached(&sql)?
        .query_row([id], |r| Ok(tenant_from_row(r)))
        .optional()?
        .transpose()
}
