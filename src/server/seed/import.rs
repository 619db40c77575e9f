//! Check seed data and insert it in one transaction: the first problem refuses the whole
//! import, naming its place (`approvals[3].partner`), and nothing is written.

use std::collections::{HashMap, HashSet};

use crate::server::store::db::{Connection, params};

use super::file::{
    SeedApproval, SeedDistributor, SeedPartner, SeedRole, SeedTenant, SeedTiers, SeedUser,
    SeedVoucherBatch,
};
use super::hierarchy::{import_assignments, import_distributors, import_tenants};
use super::leads::import_lead_settings;
use super::records::{import_batches, import_members};
use super::tiers::import_tiers;
use crate::domain::field_rules::is_currency_code;
use crate::domain::{Kind, MAX_REASON_CHARS, Status};
use crate::server::store::{new_id, partner_search_keys, token_hash, ts};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{place}: {message}")]
    Invalid { place: String, message: String },
    #[error("database: {0}")]
    Sql(#[from] crate::server::store::db::Error),
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Sql(e.into())
    }
}

pub(super) fn invalid(place: String, message: impl Into<String>) -> ImportError {
    ImportError::Invalid {
        place,
        message: message.into(),
    }
}

pub(super) fn required(place: String, value: &str) -> Result<(), ImportError> {
    if value.trim().is_empty() {
        return Err(invalid(place, "must not be empty"));
    }
    Ok(())
}

/// A price's currency is an ISO 4217 code, three capital letters (`EUR`), by the rule every
/// price follows (`field_rules::is_currency_code`).
pub(super) fn currency(place: String, code: &str) -> Result<(), ImportError> {
    if is_currency_code(code) {
        return Ok(());
    }
    Err(invalid(
        place,
        format!("{code:?} is not a currency code (three capital letters, like \"EUR\")"),
    ))
}

/// Names under `/approvals/` that are routes of their own: an approval with one of these ids
/// could never be fetched by `GET /approvals/{id}`.
const APPROVAL_ROUTES: [&str; 2] = ["export", "stats"];

/// Partners by id and by name (`None`: the name is not unique), to resolve a reference that
/// names a partner either way.
#[derive(Default)]
pub(super) struct PartnerIds {
    by_id: HashMap<String, String>,
    by_name: HashMap<String, Option<String>>,
}

impl PartnerIds {
    /// The id of the partner `reference` names, by id or by (unique) name.
    pub(super) fn resolve(&self, place: String, reference: &str) -> Result<String, ImportError> {
        if let Some(id) = self.by_id.get(reference) {
            return Ok(id.clone());
        }
        match self.by_name.get(reference) {
            Some(Some(id)) => Ok(id.clone()),
            Some(None) => Err(invalid(
                place,
                format!("{reference:?} names more than one partner; use its id"),
            )),
            None => Err(invalid(
                place,
                format!("no partner has the id or name {reference:?}"),
            )),
        }
    }
}

/// Everything a seed holds, apart from the approvals (which may be many, and come as they are
/// made). Tenants, a million in a large seed, come as they are made too.
pub struct SeedRecords {
    pub users: Vec<SeedUser>,
    pub distributors: Vec<SeedDistributor>,
    pub partners: Vec<SeedPartner>,
    pub tenants: Box<dyn Iterator<Item = SeedTenant> + Send>,
    pub voucher_batches: Vec<SeedVoucherBatch>,
    pub tiers: SeedTiers,
}

pub fn import(
    conn: &mut Connection,
    records: SeedRecords,
    approvals: impl IntoIterator<Item = SeedApproval>,
) -> Result<(), ImportError> {
    // A seed is one transaction that nobody sees before it commits, so it is not synced as it
    // goes; it is synced once at the end, with the connection's own setting (FULL) back: by the
    // checkpoint below in WAL mode, or by the switch back to WAL (`seed::apply` loads a new
    // database with a rollback journal), whose header write syncs the database file. A bigger
    // page cache keeps the growing edges of the tables in memory and lets the index builds
    // sort in memory.
    let Some(sqlite) = conn.sqlite() else {
        // PostgreSQL: one transaction, synced at its commit; then the planner's statistics,
        // which a bulk load leaves behind (autovacuum gets to it later, and until then the
        // first lists and searches are planned for empty tables).
        import_in_one_transaction(conn, records, approvals)?;
        // This schema's tables only (a bare ANALYZE reads every table of the database), and
        // only those the seed filled. An empty table analyzed is known to be empty, and a
        // statement prepared against it keeps a plan for an empty table (a scan of the whole
        // table for a lookup by key) while the table grows; one never analyzed is planned as
        // if it had a few pages, which lookups by key read through their index.
        let tables: Vec<String> = conn
            .prepare(
                "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                       WHERE schemaname = current_schema()",
            )?
            .query_map(crate::server::store::db::params![], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut filled = Vec::new();
        for table in tables {
            let rows: bool = conn.query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {table})"),
                crate::server::store::db::params![],
                |r| r.get(0),
            )?;
            if rows {
                filled.push(table);
            }
        }
        if !filled.is_empty() {
            conn.execute_batch(&format!("ANALYZE {}", filled.join(", ")))?;
        }
        return Ok(());
    };
    let synchronous: i64 = sqlite.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    let cache_size: i64 = sqlite.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    sqlite.pragma_update(None, "synchronous", "OFF")?;
    sqlite.pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
    let imported = import_in_one_transaction(conn, records, approvals);
    let sqlite = conn.sqlite().expect("SQLite");
    sqlite.pragma_update(None, "cache_size", cache_size)?;
    sqlite.pragma_update(None, "synchronous", synchronous)?;
    imported?;
    // Copy the write-ahead log into the database file and sync both; the log of a big seed is
    // as big as the data, and TRUNCATE gives that space back.
    sqlite.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// The page cache while importing, in KiB (SQLite's negative `cache_size`).
const IMPORT_CACHE_KIB: i64 = -64 * 1024;

/// The indexes and triggers of `table`, dropped, with the SQL to make them again. A bulk load
/// builds each index once at the end (one sort) far faster than it updates them row by row.
/// This happens inside the import's transaction, so a refused import leaves them as they were.
fn drop_indexes_and_triggers(tx: &Connection, table: &str) -> Result<Vec<String>, ImportError> {
    if tx.is_postgres() {
        // PostgreSQL keeps its indexes (and builds them as fast row by row); its triggers are
        // switched off for the load the same way, and on again at the end.
        tx.execute_batch(&format!("ALTER TABLE {table} DISABLE TRIGGER USER"))?;
        return Ok(vec![format!("ALTER TABLE {table} ENABLE TRIGGER USER")]);
    }
    let found: Vec<(String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT type, name, sql FROM sqlite_master
              WHERE type IN ('index', 'trigger') AND tbl_name = ?1 AND sql IS NOT NULL
              ORDER BY type, name",
        )?;
        let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (kind, name, _) in &found {
        let kind = if kind == "trigger" {
            "TRIGGER"
        } else {
            "INDEX"
        };
        tx.execute_batch(&format!("DROP {kind} \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(found.into_iter().map(|(_, _, sql)| sql).collect())
}

fn import_in_one_transaction(
    conn: &mut Connection,
    records: SeedRecords,
    approvals: impl IntoIterator<Item = SeedApproval>,
) -> Result<(), ImportError> {
    let SeedRecords {
        users,
        distributors,
        partners,
        tenants,
        voucher_batches,
        tiers,
    } = records;
    let tx = conn.transaction()?;
    let now = chrono::Utc::now();
    // The directory and the tree are loaded like the approvals: their indexes are built once,
    // at the end (`drop_indexes_and_triggers`).
    let mut derived = drop_indexes_and_triggers(&tx, "partners")?;
    derived.extend(drop_indexes_and_triggers(&tx, "tenants")?);

    // Users: by name and by email, for `decided_by`.
    let mut user_ids: HashMap<String, (String, String)> = HashMap::new();
    let mut tokens = std::collections::HashSet::new();
    {
        let mut ins = tx.prepare(
            "INSERT INTO users (id, name, email, role, token_hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (i, u) in users.iter().enumerate() {
            let place = |f: &str| format!("users[{i}].{f}");
            required(place("name"), &u.name)?;
            required(place("email"), &u.email)?;
            if u.token.trim().len() < 8 {
                return Err(invalid(place("token"), "must be at least 8 characters"));
            }
            if !tokens.insert(u.token.clone()) {
                return Err(invalid(place("token"), "is used by another user"));
            }
            if user_ids.contains_key(&u.name) {
                return Err(invalid(
                    place("name"),
                    format!("{:?} is used by another user", u.name),
                ));
            }
            let id = new_id("us");
            let role = match u.role {
                SeedRole::Viewer => "viewer",
                SeedRole::Csr => "csr",
                SeedRole::Admin => "admin",
            };
            ins.execute(params![
                id,
                u.name,
                u.email,
                role,
                token_hash(u.token.trim())
            ])?;
            user_ids.insert(u.name.clone(), (id.clone(), u.name.clone()));
            user_ids
                .entry(u.email.clone())
                .or_insert((id, u.name.clone()));
        }
    }

    let mut in_distributors = import_distributors(&tx, &distributors, now)?;

    // Partners: by id and by (unique) name, for an approval's `partner`.
    let mut ids = PartnerIds::default();
    {
        let mut ins = tx.prepare(
            "INSERT INTO partners (id, name, name_lower, status, invoice_id, package_name, package_amount,
                package_currency, contact_name, contact_email, contact_phone, contact_website,
                address_line1, address_line2, address_city, address_region, address_postal_code,
                address_country, contact_time_zone, created_at, q_approvals, q_partners, notes,
                distributor_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
        )?;
        let mut ch = tx.prepare(
            "INSERT INTO channels (id, partner_id, position, name, kind, followers) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut en = tx.prepare(
            "INSERT INTO engagements (id, partner_id, title, engagement_type, status, starts_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (i, p) in partners.iter().enumerate() {
            let place = |f: &str| format!("partners[{i}].{f}");
            required(place("name"), &p.name)?;
            required(place("contact.email"), &p.contact.email)?;
            let id = p.id.clone().unwrap_or_else(|| new_id("pt"));
            required(place("id"), &id)?;
            if let Some(package) = &p.package {
                currency(place("package.price.currency"), &package.price.currency)?;
            }
            let address = p.contact.address.to_address();
            let distributor_id = in_distributors.resolve(
                &tx,
                place("distributor_id"),
                p.distributor_id.as_deref(),
            )?;
            if ids.by_id.contains_key(&id) {
                return Err(invalid(
                    place("id"),
                    format!("{id:?} is used by another partner"),
                ));
            }
            let invoice = p
                .invoice_id
                .clone()
                .unwrap_or_else(|| format!("INV-{:06}", i + 1));
            let (q_approvals, q_partners) = partner_search_keys(
                &p.name,
                &p.contact.email,
                &invoice,
                &p.contact.name,
                &p.contact.phone,
            );
            ins.execute(params![
                id,
                p.name,
                p.name.to_lowercase(),
                p.status.as_str(),
                invoice,
                p.package.as_ref().map(|x| x.name.clone()),
                p.package.as_ref().map(|x| x.price.amount_minor),
                p.package.as_ref().map(|x| x.price.currency.clone()),
                p.contact.name,
                p.contact.email,
                p.contact.phone,
                p.contact.website,
                address.line1,
                address.line2,
                address.city,
                address.region,
                address.postal_code,
                address.country,
                p.contact.time_zone,
                ts(p.created_at.unwrap_or(now)),
                q_approvals,
                q_partners,
                p.notes,
                distributor_id,
            ])?;
            import_members(&tx, i, &id, &p.members)?;
            import_lead_settings(&tx, i, &id, p, now)?;
            for (j, c) in p.channels.iter().enumerate() {
                required(format!("partners[{i}].channels[{j}].name"), &c.name)?;
                let cid = c.id.clone().unwrap_or_else(|| new_id("ch"));
                ch.execute(params![cid, id, j as i64, c.name, c.kind, c.followers])
                    .map_err(|e| {
                        invalid(format!("partners[{i}].channels[{j}].id"), e.to_string())
                    })?;
            }
            for (j, e) in p.engagements.iter().enumerate() {
                let eid = e.id.clone().unwrap_or_else(|| new_id("en"));
                en.execute(params![
                    eid,
                    id,
                    e.title,
                    e.engagement_type,
                    e.status,
                    ts(e.starts_at)
                ])
                .map_err(|err| {
                    invalid(
                        format!("partners[{i}].engagements[{j}].id"),
                        err.to_string(),
                    )
                })?;
            }
            ids.by_id.insert(id.clone(), id.clone());
            ids.by_name
                .entry(p.name.clone())
                .and_modify(|v| *v = None)
                .or_insert(Some(id));
        }
    }
    import_batches(&tx, &voucher_batches, &ids)?;
    import_tiers(&tx, &tiers, &ids, now)?;
    let tenant_count = import_tenants(&tx, tenants, &ids, now)?;
    for (i, u) in users.iter().enumerate() {
        if let Some((user_id, _)) = user_ids.get(&u.name) {
            import_assignments(&tx, i, user_id, &u.assignments)?;
        }
    }

    derived.extend(drop_indexes_and_triggers(&tx, "approvals")?);
    let started = std::time::Instant::now();
    let mut count = 0u64;
    // What the triggers on approvals (dropped for the load) do row by row, once at the end:
    // the distinct labels (kind, title, item), the decisions per day, kind and status.
    let mut labels: HashMap<Kind, HashSet<(String, Option<String>)>> = HashMap::new();
    let mut days: HashMap<(chrono::NaiveDate, Kind, Status), i64> = HashMap::new();
    {
        let mut ins = tx.prepare(
            "INSERT INTO approvals (id, kind, status, version, title, partner_id, item_name, item_amount,
                item_currency, description, requested_at, decided_at, decided_by_id, decided_by_name, reason, details)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?;
        for (i, a) in approvals.into_iter().enumerate() {
            let place = |f: &str| format!("approvals[{i}].{f}");
            required(place("title"), &a.title)?;
            let partner_id = ids.resolve(place("partner"), &a.partner)?;
            let decided_by = match (a.status, &a.decided_by, a.decided_at) {
                (Status::Pending, None, None) => None,
                (Status::Pending, _, _) => {
                    return Err(invalid(
                        place("status"),
                        "a pending approval has no decided_at or decided_by",
                    ));
                }
                (_, None, _) => {
                    return Err(invalid(
                        place("decided_by"),
                        "a decided approval needs decided_by",
                    ));
                }
                (_, _, None) => {
                    return Err(invalid(
                        place("decided_at"),
                        "a decided approval needs decided_at",
                    ));
                }
                (_, Some(who), Some(_)) => Some(user_ids.get(who).cloned().ok_or_else(|| {
                    invalid(
                        place("decided_by"),
                        format!("no user has the name or email {who:?}"),
                    )
                })?),
            };
            let reason = a.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            match (a.status, reason) {
                (Status::Rejected, None) => {
                    return Err(invalid(place("reason"), "a rejection needs a reason"));
                }
                (_, Some(r)) if r.chars().count() > MAX_REASON_CHARS => {
                    return Err(invalid(
                        place("reason"),
                        format!("is longer than {MAX_REASON_CHARS} characters"),
                    ));
                }
                _ => {}
            }
            if a.decided_at.is_some_and(|d| d < a.requested_at) {
                return Err(invalid(place("decided_at"), "is before requested_at"));
            }
            let id = a.id.clone().unwrap_or_else(|| new_id("ap"));
            required(place("id"), &id)?;
            if APPROVAL_ROUTES.contains(&id.as_str()) {
                return Err(invalid(
                    place("id"),
                    format!("{id:?} is the name of a route (/approvals/{id}); choose another id"),
                ));
            }
            if let Some(item) = &a.item {
                currency(place("item.price.currency"), &item.price.currency)?;
            }
            let version = if a.status == Status::Pending { 1 } else { 2 };
            let details = serde_json::to_string(&a.details).unwrap_or_else(|_| "{}".into());
            ins.execute(params![
                id,
                a.kind.as_str(),
                a.status.as_str(),
                version,
                a.title,
                partner_id,
                a.item.as_ref().map(|x| x.name.clone()),
                a.item.as_ref().map(|x| x.price.amount_minor),
                a.item.as_ref().map(|x| x.price.currency.clone()),
                a.description,
                ts(a.requested_at),
                a.decided_at.map(ts),
                decided_by.as_ref().map(|u| u.0.clone()),
                decided_by.as_ref().map(|u| u.1.clone()),
                reason,
                details,
            ])
            .map_err(|e| match e {
                e if e.is_constraint_violation() => {
                    invalid(place("id"), format!("{id:?} is used by another approval"))
                }
                other => ImportError::Sql(other),
            })?;
            count += 1;
            if let Some(at) = a.decided_at.filter(|_| a.status != Status::Pending) {
                *days.entry((at.date_naive(), a.kind, a.status)).or_default() += 1;
            }
            let seen = labels.entry(a.kind).or_default();
            let label = (a.title, a.item.map(|i| i.name));
            if !seen.contains(&label) {
                seen.insert(label);
            }
        }
    }
    {
        // (As the trigger does: a label already there is not added twice, a NULL item neither.)
        let mut ins = tx.prepare(
            "INSERT INTO approval_labels (kind, title, item) SELECT ?1, ?2, ?3
              WHERE NOT EXISTS (SELECT 1 FROM approval_labels
                                 WHERE kind = ?1 AND title = ?2
                                   AND item IS NOT DISTINCT FROM ?3)",
        )?;
        for (kind, seen) in &labels {
            for (title, item) in seen {
                ins.execute(params![kind.as_str(), title, item])?;
            }
        }
        // PostgreSQL counts in slots (schema_pg_14.sql): the seed's counts go to slot 0.
        let key = if tx.is_postgres() {
            "day, kind, status, slot"
        } else {
            "day, kind, status"
        };
        let mut ins = tx.prepare(&format!(
            "INSERT INTO decided_days (day, kind, status, n) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT ({key}) DO UPDATE SET n = decided_days.n + excluded.n"
        ))?;
        for ((day, kind, status), n) in &days {
            ins.execute(params![
                day.format("%Y-%m-%d").to_string(),
                kind.as_str(),
                status.as_str(),
                n
            ])?;
        }
    }
    let inserted = started.elapsed();
    for sql in &derived {
        tx.execute_batch(sql)?;
    }
    let indexed = started.elapsed() - inserted;
    tx.commit()?;
    tracing::debug!(
        "imported {} partners, {tenant_count} tenants and {count} approvals: rows {:.2} s, indexes {:.2} s, commit {:.2} s",
        ids.by_id.len(),
        inserted.as_secs_f64(),
        indexed.as_secs_f64(),
        (started.elapsed() - inserted - indexed).as_secs_f64()
    );
    Ok(())
}
