//! The API tests on PostgreSQL: with `PC_TEST_DB=postgres`, every test server keeps its data in
//! a schema of its own in the database `pc_tests` of the cluster at `PC_TEST_POSTGRES` (the admin
//! URL `scripts/pg-test-cluster` prints), instead of in its SQLite file. The schema is named
//! after the file, so a server restarted on the same file finds the same data.
//!
//! A schema rather than a database per server: a database is a copy of `template1` (~8 MB),
//! a schema a few hundred KB, and a test run makes hundreds.

use std::path::Path;
use std::sync::OnceLock;

/// Whether this run's test servers are on PostgreSQL (`PC_TEST_DB=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("PC_TEST_DB").is_ok_and(|v| v == "postgres")
}

/// What `--db` says for the test database at `path`: the path itself, or on PostgreSQL the URL
/// of the schema named after it (made if missing).
pub fn db_arg(path: &Path) -> String {
    if !on_postgres() {
        return path.display().to_string();
    }
    schema_url(path)
}

/// The URL of the PostgreSQL schema named after `path` (made if missing), whatever
/// `PC_TEST_DB` says: what the replica tests share.
pub fn schema_url(path: &Path) -> String {
    let schema = schema_for(path);
    let base = base_url();
    run_admin(
        &format!("{base}/pc_tests"),
        &format!("CREATE SCHEMA IF NOT EXISTS {schema}"),
    );
    format!("{base}/pc_tests?options=-csearch_path%3D{schema}")
}

/// `postgres://USER@HOST:PORT` of the test cluster, with `pc_tests` made once.
fn base_url() -> String {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        let admin = std::env::var("PC_TEST_POSTGRES").unwrap_or_else(|_| own_cluster());
        let base = match admin.rfind('/') {
            Some(i) if i > "postgres://".len() => admin[..i].to_string(),
            _ => admin.clone(),
        };
        let exists = run_admin(
            &admin,
            "SELECT 1 FROM pg_database WHERE datname = 'pc_tests'",
        );
        if !exists {
            // Another test binary may make it at the same moment: either way it is there.
            let _ = try_admin(&admin, "CREATE DATABASE pc_tests");
        }
        base
    })
    .clone()
}

/// Without `PC_TEST_POSTGRES`, a cluster of the tests' own, started (and left running for the
/// next run) by `scripts/pg-test-cluster` under the target directory: the PostgreSQL tests are
/// never skipped, they fail when no cluster can be had.
fn own_cluster() -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pg-test-cluster");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-test-cluster");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("start")
        .arg(&dir)
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && url.starts_with("postgres://"),
        "the PostgreSQL tests need a cluster and none could be started: set PC_TEST_POSTGRES \
         (scripts/pg-test-cluster start DIR prints one) or install PostgreSQL"
    );
    url
}

/// A schema name from the file's path: stable for the path, unique enough across a run.
fn schema_for(path: &Path) -> String {
    // FNV-1a: the same name in every process for the same path.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.as_os_str().as_encoded_bytes() {
        h = (h ^ *b as u64).wrapping_mul(0x100_0000_01b3);
    }
    format!("t{h:016x}")
}

/// Runs `sql` on `url` (on a thread of its own: the blocking client cannot run inside the
/// test's runtime); whether it returned a row.
fn run_admin(url: &str, sql: &str) -> bool {
    try_admin(url, sql).unwrap_or_else(|e| panic!("PostgreSQL test cluster at {url}: {sql}: {e}"))
}

fn try_admin(url: &str, sql: &str) -> Result<bool, String> {
    rows_of(url, sql).map(|rows| !rows.is_empty())
}

/// The rows `sql` answers on `url`, each value as text (NULL as `None`), as `psql` shows them.
fn rows_of(url: &str, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let mut client =
            postgres::Client::connect(&url, postgres::NoTls).map_err(|e| e.to_string())?;
        let messages = client.simple_query(&sql).map_err(|e| e.to_string())?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    })
    .join()
    .map_err(|_| "the admin connection panicked".to_string())?
}

/// The test server's database, read and written beside the server (what no API call can do),
/// on SQLite or PostgreSQL alike: values come back as text, as `psql` shows them.
pub struct SideDb {
    path: std::path::PathBuf,
    /// A PostgreSQL URL to use whatever `PC_TEST_DB` says (the replica tests').
    url: Option<String>,
}

impl SideDb {
    pub fn new(path: &Path) -> SideDb {
        SideDb {
            path: path.to_path_buf(),
            url: None,
        }
    }

    /// The PostgreSQL database (and schema) at `url`.
    pub fn new_at(url: &str) -> SideDb {
        SideDb {
            path: std::path::PathBuf::new(),
            url: Some(url.to_string()),
        }
    }

    /// The first row of `sql`, each column as text (NULL as `None`).
    pub fn row(&self, sql: &str) -> Vec<Option<String>> {
        self.run(sql)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no row: {sql}"))
    }

    /// The one number `sql` answers.
    pub fn number(&self, sql: &str) -> i64 {
        let v = self.row(sql);
        v[0].as_deref()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{sql}: {v:?}"))
    }

    pub fn execute(&self, sql: &str) {
        self.run(sql);
    }

    fn run(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        if self.url.is_none() && !on_postgres() {
            let c = rusqlite::Connection::open(&self.path).expect("the database opens");
            c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            let mut stmt = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            use rusqlite::types::ValueRef;
                            Ok(match r.get_ref(i)? {
                                ValueRef::Null => None,
                                ValueRef::Integer(n) => Some(n.to_string()),
                                ValueRef::Real(f) => Some(f.to_string()),
                                ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into()),
                                ValueRef::Blob(b) => Some(format!("{b:?}")),
                            })
                        })
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            return rows.collect::<rusqlite::Result<_>>().unwrap();
        }
        let url = self.url.clone().unwrap_or_else(|| db_arg(&self.path));
        rows_of(&url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}
