//! What the three levels of the hierarchy (RECORDS.md §1) share in SQL: how a node reaches its
//! ancestors (`d` distributor, `p` partner, `t` tenant), its standing worked out from them in
//! the same statement, its administrators, where it sits (`Lineage`), who may write it, and a
//! page of one level under one parent.

use super::db::{Connection, OptionalExtension, Row};

use super::{StoreError, StoreResult, like_pattern};
use crate::domain::permission::{Lineage, may_write};
use crate::domain::*;
use crate::server::cursor;
use crate::server::problem::ApiProblem;

use super::audit::UserRow;

/// The distributor migration 9 and seeds without distributors put partners under.
pub const UNASSIGNED_DISTRIBUTOR: &str = "ds_unassigned";

/// The prefix of a new node's id (`ds_…`, `pt_…`, `tn_…`).
pub fn id_prefix(level: Level) -> &'static str {
    match level {
        Level::Distributor => "ds",
        Level::Partner => "pt",
        Level::Tenant => "tn",
    }
}

/// The alias of a level's table in every query of the hierarchy.
pub(super) fn alias(level: Level) -> &'static str {
    match level {
        Level::Distributor => "d",
        Level::Partner => "p",
        Level::Tenant => "t",
    }
}

/// A level's table joined with its ancestors' (a partner's distributor may be missing only in
/// a database written by hand, hence the outer join).
pub(super) fn from_sql(level: Level) -> &'static str {
    match level {
        Level::Distributor => "distributors d",
        Level::Partner => "partners p LEFT JOIN distributors d ON d.id = p.distributor_id",
        Level::Tenant => {
            "tenants t JOIN partners p ON p.id = t.partner_id
             LEFT JOIN distributors d ON d.id = p.distributor_id"
        }
    }
}

/// The levels above `level`, highest first.
fn ancestors(level: Level) -> &'static [Level] {
    match level {
        Level::Distributor => &[],
        Level::Partner => &[Level::Distributor],
        Level::Tenant => &[Level::Distributor, Level::Partner],
    }
}

/// Four columns of a node's [`Standing`], read by [`standing_at`]: whether it is suspended by
/// its own status or any ancestor's, then the kind, id and name of the highest suspended
/// ancestor (NULL when none is).
pub(super) fn standing_sql(level: Level) -> String {
    let suspended = |l: Level| format!("{}.status IS NOT DISTINCT FROM 'suspended'", alias(l));
    let mut any: Vec<String> = ancestors(level).iter().map(|l| suspended(*l)).collect();
    any.push(suspended(level));
    let highest = |what: &dyn Fn(Level) -> String| -> String {
        if ancestors(level).is_empty() {
            return "NULL".into();
        }
        let arms: Vec<String> = ancestors(level)
            .iter()
            .map(|l| format!("WHEN {} THEN {}", suspended(*l), what(*l)))
            .collect();
        format!("CASE {} END", arms.join(" "))
    };
    format!(
        "({}), {}, {}, {}",
        any.join(" OR "),
        highest(&|l| format!("'{}'", l.as_str())),
        highest(&|l| format!("{}.id", alias(l))),
        highest(&|l| format!("{}.name", alias(l))),
    )
}

/// The [`Standing`] in the four columns of [`standing_sql`] from column `at`.
pub(super) fn standing_at(r: &Row<'_>, at: usize) -> StoreResult<Standing> {
    let suspended: bool = r.get(at)?;
    let by = match (
        r.get::<_, Option<String>>(at + 1)?,
        r.get::<_, Option<String>>(at + 2)?,
        r.get::<_, Option<String>>(at + 3)?,
    ) {
        (Some(kind), Some(id), Some(name)) => Some(NodeRef {
            kind: Level::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("level {kind:?}")))?,
            id,
            name,
        }),
        _ => None,
    };
    Ok(Standing {
        effective_status: if suspended {
            NodeStatus::Suspended
        } else {
            NodeStatus::Active
        },
        suspended_by: by,
    })
}

/// One column: the node's administrators as a JSON array of `{id, name}`, by name (read by
/// [`admins_at`]).
pub(super) fn admins_sql(level: Level) -> String {
    format!(
        "(SELECT json_group_array(json_object('id', x.id, 'name', x.name)) FROM
           (SELECT u.id, u.name FROM assignments asg JOIN users u ON u.id = asg.user_id
             WHERE asg.scope_id = {}.id AND asg.role = '{}' ORDER BY u.name, u.id) x)",
        alias(level),
        level.admin_role().as_str()
    )
}

pub(super) fn admins_at(r: &Row<'_>, at: usize) -> StoreResult<Vec<UserRef>> {
    match r.get::<_, Option<String>>(at)? {
        None => Ok(Vec::new()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("administrators: {e}"))),
    }
}

/// A node's own status column as a [`NodeStatus`].
pub(super) fn node_status(s: &str) -> StoreResult<NodeStatus> {
    NodeStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("node status {s:?}")))
}

/// A node as a write needs it: where it sits, its version, whether its own status suspends
/// it, and its standing (the parent's, for a node about to be created under it).
pub(super) struct Located {
    pub name: String,
    pub version: i64,
    pub lineage: Lineage,
    pub own_suspended: bool,
    pub standing: Standing,
}

/// The node of `level` with `id`, unless there is none or it was deleted.
pub(super) fn locate(conn: &Connection, level: Level, id: &str) -> StoreResult<Option<Located>> {
    let x = alias(level);
    let (distributor, partner) = match level {
        Level::Distributor => ("d.id", "NULL"),
        Level::Partner | Level::Tenant => ("p.distributor_id", "p.id"),
    };
    let sql = format!(
        "SELECT {x}.name, {x}.version, {distributor}, {partner}, {x}.status IS NOT DISTINCT FROM 'suspended',
                {}
           FROM {} WHERE {x}.id = ?1 AND {x}.deleted_at IS NULL",
        standing_sql(level),
        from_sql(level)
    );
    conn.prepare_cached(&sql)?
        .query_row([id], |r| {
            Ok((|| -> StoreResult<_> {
                Ok(Located {
                    name: r.get(0)?,
                    version: r.get(1)?,
                    lineage: Lineage {
                        distributor: r.get(2)?,
                        partner: r.get(3)?,
                    },
                    own_suspended: r.get(4)?,
                    standing: standing_at(r, 5)?,
                })
            })())
        })
        .optional()?
        .transpose()
}

/// [`locate`], or 404 naming the level.
pub(super) fn located(conn: &Connection, level: Level, id: &str) -> StoreResult<Located> {
    locate(conn, level, id)?.ok_or_else(|| ApiProblem::not_found(level.as_str()).into())
}

/// The user's assignments over nodes that are not deleted, each scope with its name.
pub fn assignments_of(conn: &Connection, user_id: &str) -> StoreResult<Vec<Assignment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT asg.role, coalesce(d.id, p.id, t.id), coalesce(d.name, p.name, t.name)
           FROM assignments asg
           LEFT JOIN distributors d ON asg.scope_kind = 'distributor' AND d.id = asg.scope_id
                AND d.deleted_at IS NULL
           LEFT JOIN partners p ON asg.scope_kind = 'partner' AND p.id = asg.scope_id
                AND p.deleted_at IS NULL
           LEFT JOIN tenants t ON asg.scope_kind = 'tenant' AND t.id = asg.scope_id
                AND t.deleted_at IS NULL
          WHERE asg.user_id = ?1 AND coalesce(d.id, p.id, t.id) IS NOT NULL
          ORDER BY asg.scope_kind, 3, 2",
    )?;
    let mut rows = stmt.query([user_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let role: String = r.get(0)?;
        let role = AssignmentRole::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("assignment role {role:?}")))?;
        out.push(Assignment {
            role,
            scope: NodeRef {
                kind: role.level(),
                id: r.get(1)?,
                name: r.get(2)?,
            },
        });
    }
    Ok(out)
}

/// `GET /me`: the user with their assignments, read now (never cached with the token, so a new
/// assignment counts from the next request on).
pub fn me(conn: &Connection, user: &UserRow) -> StoreResult<Me> {
    Ok(Me {
        assignments: assignments_of(conn, &user.id)?,
        ..user.to_me()
    })
}

/// May `user` write a node of `level` at `lineage` (RECORDS.md §1, decided by
/// [`may_write`])? 403 `forbidden` naming the level needed otherwise: "{doing} needs …".
pub(super) fn authorize(
    conn: &Connection,
    user: &UserRow,
    level: Level,
    lineage: &Lineage,
    doing: &str,
) -> StoreResult<()> {
    let assignments = assignments_of(conn, &user.id)?;
    may_write(user.role, &assignments, level, lineage).map_err(|needed| {
        ApiProblem::forbidden(format!("{doing} needs {}.", needed.words())).into()
    })
}

/// The children a node has that are not deleted (none for a tenant).
pub(super) fn child_counts(conn: &Connection, level: Level, id: &str) -> StoreResult<ChildCounts> {
    let count = |sql: &str| -> StoreResult<u64> {
        Ok(conn
            .prepare_cached(sql)?
            .query_row([id], |r| r.get::<_, i64>(0))?
            .max(0) as u64)
    };
    Ok(match level {
        Level::Distributor => ChildCounts {
            partners: Some(count(
                "SELECT count(*) FROM partners WHERE distributor_id = ?1 AND deleted_at IS NULL",
            )?),
            tenants: None,
        },
        Level::Partner => ChildCounts {
            partners: None,
            tenants: Some(count(
                "SELECT count(*) FROM tenants WHERE partner_id = ?1 AND deleted_at IS NULL",
            )?),
        },
        Level::Tenant => ChildCounts::default(),
    })
}

/// The query of a [`NodePage`]: one range of its level's index by (parent,) name, read in
/// order.
pub(super) fn node_page_sql(page: &NodePage<'_>) -> StoreResult<(String, super::query::Sql)> {
    let (after_name, after_id) = match page.cursor {
        None => (String::new(), String::new()),
        Some(c) => {
            let p = cursor::decode(c, 2).ok_or_else(ApiProblem::invalid_cursor)?;
            (p[0].clone(), p[1].clone())
        }
    };
    let x = alias(page.level);
    let mut sql = super::query::Sql::default();
    let mut terms = vec![format!("{x}.deleted_at IS NULL")];
    if let Some((column, id)) = page.parent {
        terms.push(format!("{column} = {}", sql.arg(id.to_string())));
    }
    if let Some(q) = page.q.map(str::trim).filter(|q| !q.is_empty()) {
        terms.push(format!(
            "{x}.name_lower LIKE {} ESCAPE '\\'",
            sql.arg(like_pattern(q))
        ));
    }
    terms.push(format!(
        "({x}.name_lower, {x}.id) > ({}, {})",
        sql.arg(after_name),
        sql.arg(after_id)
    ));
    let text = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {x}.name_lower, {x}.id LIMIT {}",
        page.columns,
        from_sql(page.level),
        terms.join(" AND "),
        sql.arg(page.limit as i64 + 1)
    );
    Ok((text, sql))
}

/// A page of one level's nodes (distributors, or tenants) by name, then id: under `parent`
/// when given, whose name holds `q` when given. `columns` end with `name_lower` and `id`, the
/// key the cursor carries.
pub(super) struct NodePage<'a> {
    pub level: Level,
    pub columns: &'a str,
    /// The column the parent's id is in, with the id (`t.partner_id`, …).
    pub parent: Option<(&'a str, &'a str)>,
    pub q: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: u32,
}

pub(super) fn node_page<T>(
    conn: &Connection,
    page: &NodePage<'_>,
    map: impl Fn(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    let (text, sql) = node_page_sql(page)?;
    let mut stmt = conn.prepare_cached(&text)?;
    let mut rows = stmt.query(sql.params().as_slice())?;
    let width = rows.column_count();
    let mut items = Vec::new();
    let mut last = (String::new(), String::new());
    while let Some(r) = rows.next()? {
        if items.len() == page.limit as usize {
            return Ok(Page {
                items,
                next_cursor: Some(cursor::encode(&[&last.0, &last.1])),
            });
        }
        last = (r.get(width - 2)?, r.get(width - 1)?);
        items.push(map(&r)?);
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}
