//! What an empty database starts with: nothing, the demo set, or a seed file. Both the demo
//! generator and the file go through one import (`import.rs`), so the demo data obeys exactly
//! the rules a seed file is checked against.

mod demo;
mod file;
mod import;

pub use file::{SeedError, SeedFile, load_file};
pub use import::import;

use color_eyre::eyre::{Result, eyre};

use super::SeedSource;
use super::store::{self, Store};

/// Seed an empty database; a database with users already in it is left as it is (data is kept
/// across restarts). A seed file is checked even then, so a bad file never goes unnoticed.
pub fn apply(store: &Store, seed: &SeedSource) -> Result<()> {
    let file = match seed {
        SeedSource::File(path) => Some(load_file(path).map_err(|e| eyre!("{e}"))?),
        _ => None,
    };
    let populated = store.read_now(store::count_users)? > 0;
    if populated {
        if *seed != SeedSource::None {
            tracing::info!("the database already holds data; --seed is not applied again");
        }
        return Ok(());
    }
    match seed {
        SeedSource::None => Ok(()),
        SeedSource::Demo { decided } => {
            let data = demo::generate(decided.unwrap_or(demo::DEFAULT_DECIDED));
            store.write_now(|c| import(c, data.users, data.partners, data.approvals))?;
            tracing::warn!(
                "demo data loaded: the tokens demo-admin, demo-csr and demo-viewer are public; use them for demos only"
            );
            Ok(())
        }
        SeedSource::File(path) => {
            let f = file.expect("loaded above");
            let n = f.approvals.len();
            store
                .write_now(|c| import(c, f.users, f.partners, f.approvals))
                .map_err(|e| eyre!("seed file {}: {e}", path.display()))?;
            tracing::info!("seed file {} imported ({n} approvals)", path.display());
            Ok(())
        }
    }
}
