//! A node of any level as one value ([`Record`]): read by level and id, written into the audit
//! field by field, and inserted (distributors and tenants; a partner's row is the directory's).

use super::db::{Connection, params};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{StoreResult, get_distributor, get_partner, get_tenant, ts};
use crate::domain::*;

/// A node as its level's `GET /{collection}/{id}` answers it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Record {
    Distributor(Distributor),
    Partner(Box<Partner>),
    Tenant(Tenant),
}

impl Record {
    pub fn version(&self) -> i64 {
        match self {
            Record::Distributor(d) => d.version,
            Record::Partner(p) => p.summary.version,
            Record::Tenant(t) => t.version,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Record::Distributor(d) => &d.name,
            Record::Partner(p) => &p.summary.name,
            Record::Tenant(t) => &t.name,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Record::Distributor(d) => &d.id,
            Record::Partner(p) => &p.summary.id,
            Record::Tenant(t) => &t.id,
        }
    }

    pub fn level(&self) -> Level {
        match self {
            Record::Distributor(_) => Level::Distributor,
            Record::Partner(_) => Level::Partner,
            Record::Tenant(_) => Level::Tenant,
        }
    }

    /// The audit's name for it.
    pub fn as_ref(&self) -> RecordRef {
        RecordRef {
            kind: self.level().as_str().into(),
            id: self.id().into(),
            name: self.name().into(),
        }
    }

    /// Every field the node has, as JSON pointers and their values as text, leaving out what
    /// is worked out from other rows (counts, standing) and the version: what a create's or a
    /// delete's audit entry lists.
    pub fn fields(&self) -> Vec<(String, String)> {
        const DERIVED: &[&str] = &[
            "/partner_count",
            "/tenant_count",
            "/effective_status",
            "/suspended_by",
            "/version",
        ];
        let mut out = Vec::new();
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        flatten("", &value, &mut out);
        out.retain(|(pointer, _)| !DERIVED.iter().any(|d| pointer.starts_with(d)));
        out
    }
}

fn flatten(at: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        Value::String(s) => out.push((at.to_string(), s.clone())),
        Value::Object(members) => {
            for (k, v) in members {
                let k = k.replace('~', "~0").replace('/', "~1");
                flatten(&format!("{at}/{k}"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{at}/{i}"), v, out);
            }
        }
        other => out.push((at.to_string(), other.to_string())),
    }
}

/// The node of `level` with `id`, unless there is none or it was deleted.
pub fn get_record(conn: &Connection, level: Level, id: &str) -> StoreResult<Option<Record>> {
    Ok(match level {
        Level::Distributor => get_distributor(conn, id)?.map(Record::Distributor),
        Level::Partner => get_partner(conn, id)?.map(|p| Record::Partner(Box::new(p))),
        Level::Tenant => get_tenant(conn, id)?.map(Record::Tenant),
    })
}

/// A distributor or a tenant as it is inserted (a seed's, or a create's).
pub struct NewNodeRow<'a> {
    pub level: Level,
    pub id: &'a str,
    /// The partner of a tenant.
    pub parent_id: Option<&'a str>,
    pub name: &'a str,
    pub status: NodeStatus,
    pub contact: &'a NodeContact,
    pub created_at: DateTime<Utc>,
}

/// Inserts a distributor or a tenant (a partner is a row of the directory: `partners`).
pub fn insert_node(conn: &Connection, n: &NewNodeRow<'_>) -> super::db::Result<()> {
    let created = ts(n.created_at);
    let status = n.status.as_str();
    let lower = n.name.to_lowercase();
    match n.level {
        Level::Tenant => conn
            .prepare_cached(
                "INSERT INTO tenants (id, partner_id, name, name_lower, status, contact_name,
                        contact_email, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                n.id,
                n.parent_id,
                n.name,
                lower,
                status,
                n.contact.name,
                n.contact.email,
                created
            ])?,
        _ => conn
            .prepare_cached(
                "INSERT INTO distributors (id, name, name_lower, status, contact_name,
                        contact_email, contact_phone, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                n.id,
                n.name,
                lower,
                status,
                n.contact.name,
                n.contact.email,
                n.contact.phone,
                created
            ])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_records_fields_leave_out_what_other_rows_decide() {
        let t = Record::Tenant(Tenant {
            id: "tn_1".into(),
            name: "North/West".into(),
            status: NodeStatus::Suspended,
            partner: PartnerRef {
                id: "pt_1".into(),
                name: "Acme".into(),
            },
            contact: NodeContact {
                name: String::new(),
                email: "a@b.example".into(),
                phone: String::new(),
            },
            admins: vec![UserRef {
                id: "us_1".into(),
                name: "Ann".into(),
            }],
            standing: Standing {
                effective_status: NodeStatus::Suspended,
                suspended_by: None,
            },
            version: 3,
            created_at: DateTime::UNIX_EPOCH,
        });
        let fields = t.fields();
        let mut pointers: Vec<&str> = fields.iter().map(|(p, _)| p.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                "/admins/0/id",
                "/admins/0/name",
                "/contact/email",
                "/created_at",
                "/id",
                "/name",
                "/partner/id",
                "/partner/name",
                "/status",
            ]
        );
        assert!(fields.contains(&("/name".into(), "North/West".into())));
    }
}
