//! What an empty database starts with: nothing, the demo set, or a seed file. Both the demo
//! generator and the file go through one import (`import.rs`), so the demo data obeys exactly
//! the rules a seed file is checked against.

mod demo;
mod demo_hierarchy;
mod demo_leads;
mod demo_records;
mod demo_requests;
mod demo_tiers;
mod file;
mod hierarchy;
mod import;
mod leads;
mod records;
mod tiers;

pub use file::{SeedError, SeedFile, SeedTiers, load_file};
pub use import::{ImportError, SeedRecords, import};

pub(crate) use demo::Rng;
pub(crate) use demo_requests::request as realistic_request;

use crate::server::store::db::Connection;
use color_eyre::eyre::{Result, eyre};

use super::SeedSource;
use super::store;
use crate::cli::UserError;

/// Seed an empty database; a database with users already in it is left as it is (data is kept
/// across restarts). A seed file is checked even then, so a bad file never goes unnoticed.
///
/// Runs on the writer before any other connection is open (`Store::open_with`), so that a
/// first seed can write the database straight into its file: through the write-ahead log a
/// big seed would be written twice (log, then checkpoint), with a rollback journal only once
/// (the journal of a new, empty database holds next to nothing).
pub fn apply(conn: &mut Connection, seed: &SeedSource) -> Result<()> {
    apply_at(conn, seed, chrono::Utc::now())
}

/// [`apply`], with the demo's tiers and campaigns dated around `now` (the server's clock).
pub fn apply_at(
    conn: &mut Connection,
    seed: &SeedSource,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let file = match seed {
        SeedSource::File(path) => Some(load_file(path).map_err(|e| UserError::new(e.to_string()))?),
        _ => None,
    };
    let populated = store::count_users(conn)? > 0;
    if populated {
        if *seed != SeedSource::None {
            tracing::info!("the database already holds data; --seed is not applied again");
        }
        return Ok(());
    }
    match seed {
        SeedSource::None => Ok(()),
        SeedSource::Demo { decided } | SeedSource::Large { decided } => {
            let n = decided.unwrap_or(demo::DEFAULT_DECIDED);
            let large = matches!(seed, SeedSource::Large { .. });
            let data = if large {
                demo::generate_large(n, now)
            } else {
                demo::generate_at(n, now)
            };
            let started = std::time::Instant::now();
            without_wal(conn, |c| {
                let (records, approvals) = data.records();
                import(c, records, approvals)
            })?;
            tracing::info!(
                "{} data loaded ({n} decided approvals) in {:.1} s",
                if large { "large demo" } else { "demo" },
                started.elapsed().as_secs_f64()
            );
            tracing::warn!(
                "demo data loaded: the tokens demo-admin, demo-csr, demo-viewer, demo-distributor and demo-partner-admin are public; use them for demos only"
            );
            Ok(())
        }
        SeedSource::File(path) => {
            let f = file.expect("loaded above");
            let n = f.approvals.len();
            let records = SeedRecords {
                users: f.users,
                distributors: f.distributors,
                partners: f.partners,
                tenants: Box::new(f.tenants.into_iter()),
                voucher_batches: f.voucher_batches,
                tiers: SeedTiers {
                    settings: f.settings,
                    tiers: f.tiers,
                    products: f.products,
                    campaigns: f.campaigns,
                    tier_assignments: f.tier_assignments,
                    campaign_links: f.campaign_links,
                },
            };
            without_wal(conn, |c| import(c, records, f.approvals)).map_err(|e| {
                let message = format!("seed file {}: {e}", path.display());
                match e {
                    // The file's mistake: the user fixes the file.
                    ImportError::Invalid { .. } => eyre!(UserError::new(message)),
                    ImportError::Sql(_) => eyre!(message),
                }
            })?;
            tracing::info!("seed file {} imported ({n} approvals)", path.display());
            Ok(())
        }
    }
}

/// Run `f` with a rollback journal instead of the write-ahead log, and go back to WAL after,
/// whatever `f` returned. Needs the connection to be the only one (SQLite leaves WAL mode only
/// then); if it is not, `f` runs in WAL mode as it is.
fn without_wal<T>(
    conn: &mut Connection,
    f: impl FnOnce(&mut Connection) -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    let Some(sqlite) = conn.sqlite() else {
        return f(conn);
    };
    let mode: String = sqlite.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return f(conn);
    }
    let switched = sqlite
        .query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })
        .is_ok_and(|m| m.eq_ignore_ascii_case("delete"));
    let out = f(conn);
    if switched {
        let sqlite = conn.sqlite().expect("SQLite");
        sqlite.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
    }
    out
}

/// For benchmarks and load tests: `n` more pending approvals, copies of decided ones (same
/// kind, partner, title, item and details) with new ids, requested now. Returns how many were
/// added (fewer than `n` only if there are fewer decided approvals to copy).
pub fn add_pending(store: &store::Store, n: u64) -> Result<u64> {
    let now = store::ts(chrono::Utc::now());
    let added = store.write_now(|c| -> crate::server::store::db::Result<usize> {
        let tx = c.transaction()?;
        // A random new id, in each database's words.
        let random_hex = if tx.is_postgres() {
            "md5(random()::text || clock_timestamp()::text)"
        } else {
            "lower(hex(randomblob(16)))"
        };
        let added = tx.execute(
            &format!(
                "INSERT INTO approvals (id, kind, status, version, title, partner_id, item_name,
                        item_amount, item_currency, description, requested_at, details)
                 SELECT 'ap_' || {random_hex}, kind, 'pending', 1, title, partner_id,
                        item_name, item_amount, item_currency, description, ?1, details
                   FROM approvals INDEXED BY approvals_history
                  WHERE status <> 'pending'
                  ORDER BY decided_at DESC, id DESC
                  LIMIT ?2"
            ),
            crate::server::store::db::params![now, n as i64],
        )?;
        tx.commit()?;
        Ok(added)
    })?;
    Ok(added as u64)
}
