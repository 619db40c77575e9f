//! PostgreSQL connections for the store: how `--db postgres://USER@HOST[:PORT]/DB` is read
//! (the password from `PGPASSWORD` or a `.pgpass` file, never from the command line; TLS as
//! `sslmode` and `sslrootcert` say, `db::tls`), a pool
//! of connections shared by reads and writes, and the start-up under the migration lock.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::db::pg::PgConn;
use super::db::tls::{self, Tls};
use super::db::{self, Connection};
use super::{StoreError, StoreResult, schema};

/// The most connections one replica opens. Each read or write holds one for its SQL only;
/// beyond this many at once they wait their turn.
const MAX_CONNECTIONS: usize = 16;
/// The connections that read: a plan made for each execution's own values. A list's range
/// scans are as selective as their values make them; a plan made once for any values (what
/// PostgreSQL settles on after five runs of a prepared statement) read a label's page by a
/// bitmap over all its rows and a sort, 185 ms instead of 1 ms at 1M rows. Writes keep the
/// default: their statements are lookups by key, and planning each would cost every write.
const READS: &str = "SET plan_cache_mode = force_custom_plan";
/// How long a read or write waits for a free connection before it fails.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Pool {
    config: tokio_postgres::Config,
    tls: Tls,
    /// What each new connection runs first ([`READS`]).
    setup: &'static str,
    idle: Mutex<Idle>,
    freed: Condvar,
}

struct Idle {
    conns: Vec<Connection>,
    /// Connections open, idle or in use.
    open: usize,
}

impl Pool {
    /// Connects, migrates under the advisory lock, runs `prepare` (the seed) under the same
    /// lock, and keeps that connection as the pool's first.
    pub fn open<T>(
        url: &str,
        prepare: impl FnOnce(&mut Connection) -> T,
    ) -> StoreResult<(Pool, T)> {
        let (config, tls) = config(url, std::env::var("PGPASSWORD").ok(), pgpass_file())?;
        let pool = Pool::empty(config, tls, "");
        let mut conn = pool.connect()?;
        let prepared = migrate(&mut conn, prepare)?;
        pool.idle.lock().unwrap_or_else(|p| p.into_inner()).open += 1;
        pool.give_back(conn);
        Ok((pool, prepared))
    }

    /// A second pool on the same database, for reads ([`READS`]).
    pub fn for_reads(&self) -> Pool {
        Pool::empty(self.config.clone(), self.tls.clone(), READS)
    }

    /// A pool with no connection open yet; each it opens runs `setup` first.
    fn empty(config: tokio_postgres::Config, tls: Tls, setup: &'static str) -> Pool {
        Pool {
            config,
            tls,
            setup,
            idle: Mutex::new(Idle {
                conns: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    /// A blocking client of its own, outside the pool, for the replicas' `LISTEN`.
    pub fn listener(&self) -> StoreResult<postgres::Client> {
        postgres::Config::from(self.config.clone())
            .connect(self.tls.clone())
            .map_err(|e| self.cannot_connect(db::Error::from(e)))
    }

    /// A new connection, outside the pool.
    pub fn connect(&self) -> StoreResult<Connection> {
        PgConn::connect(&self.config, &self.tls, self.setup)
            .map(|c| Connection::Postgres(Box::new(c)))
            .map_err(|e| self.cannot_connect(e))
    }

    /// What start-up says when the database cannot be reached.
    fn cannot_connect(&self, why: db::Error) -> StoreError {
        StoreError::Setup(format!(
            "cannot connect to PostgreSQL at {}: {why}",
            describe_target(&self.config)
        ))
    }

    /// Runs `f` on a pooled connection.
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> Result<T, db::Error> {
        let mut conn = self.take()?;
        let out = f(&mut conn);
        self.give_back(conn);
        Ok(out)
    }

    pub(super) fn take(&self) -> Result<Connection, db::Error> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = idle.conns.pop() {
                return Ok(conn);
            }
            if idle.open < MAX_CONNECTIONS {
                idle.open += 1;
                drop(idle);
                return match PgConn::connect(&self.config, &self.tls, self.setup) {
                    Ok(c) => Ok(Connection::Postgres(Box::new(c))),
                    Err(e) => {
                        self.forget_one();
                        Err(db::Error::Unavailable(format!(
                            "cannot connect to PostgreSQL: {e}"
                        )))
                    }
                };
            }
            let (next, waited) = self
                .freed
                .wait_timeout(idle, WAIT_FOR_CONNECTION)
                .unwrap_or_else(|p| p.into_inner());
            idle = next;
            if waited.timed_out() && idle.conns.is_empty() {
                return Err(db::Error::Unavailable(format!(
                    "no database connection came free within {} s",
                    WAIT_FOR_CONNECTION.as_secs()
                )));
            }
        }
    }

    /// Returns a connection to the pool, or closes it if it no longer talks to the server
    /// or was left inside a transaction.
    pub(super) fn give_back(&self, conn: Connection) {
        let usable = match &conn {
            Connection::Postgres(pg) => pg.is_usable(),
            Connection::Sqlite(_) => false,
        };
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if usable {
            idle.conns.push(conn);
        } else {
            idle.open = idle.open.saturating_sub(1);
        }
        drop(idle);
        self.freed.notify_one();
    }

    fn forget_one(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.open = idle.open.saturating_sub(1);
        drop(idle);
        self.freed.notify_one();
    }
}

/// PostgreSQL's whole schema at version 13, made at once on an empty database, and the
/// migrations after it, in order, each with the version it brings the database to (the last
/// is [`schema::KNOWN_VERSION`]).
const POSTGRES_SCHEMA: &str = include_str!("schema_pg.sql");
const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[(14, include_str!("schema_pg_14.sql"))];

/// Whichever replica starts first makes (or later migrates) the PostgreSQL schema, under a
/// session advisory lock that the others wait for; `prepare` (the seed) runs under the same
/// lock, so replicas started together seed once. A newer schema than this build knows is
/// refused.
fn migrate<T>(conn: &mut Connection, prepare: impl FnOnce(&mut Connection) -> T) -> StoreResult<T> {
    /// The lock's key: "partner-console migrations".
    const LOCK: i64 = 0x7063_6d69_6772_6174;
    conn.query_row(
        "SELECT pg_advisory_lock(?1)::text",
        [&LOCK as &dyn db::ToSql],
        |_| Ok(()),
    )?;
    let result = (|| {
        let made: Option<String> = conn.query_row(
            "SELECT to_regclass('schema_version')::text",
            super::db::params![],
            |r| r.get(0),
        )?;
        if made.is_none() {
            conn.in_transaction(|c| c.execute_batch(POSTGRES_SCHEMA))?;
            tracing::info!("PostgreSQL schema made at version 13");
        }
        let found: i64 = conn.query_row(
            "SELECT max(version) FROM schema_version",
            super::db::params![],
            |r| r.get(0),
        )?;
        if found > schema::KNOWN_VERSION {
            return Err(schema::newer(found));
        }
        for (version, sql) in POSTGRES_MIGRATIONS.iter().filter(|(v, _)| *v > found) {
            conn.in_transaction(|c| c.execute_batch(sql))?;
            tracing::info!("PostgreSQL schema migrated to version {version}");
        }
        Ok(prepare(conn))
    })();
    conn.query_row(
        "SELECT pg_advisory_unlock(?1)::text",
        [&LOCK as &dyn db::ToSql],
        |_| Ok(()),
    )?;
    result
}

impl Drop for Pool {
    /// A connection closes by running its runtime (to say goodbye to the server), which it
    /// cannot do on a thread of the server's runtime (where the last `Store` may go): the
    /// connections are closed on a thread of their own.
    fn drop(&mut self) {
        let conns = std::mem::take(&mut self.idle.lock().unwrap_or_else(|p| p.into_inner()).conns);
        if !conns.is_empty() {
            let _ = std::thread::Builder::new()
                .name("pg-close".into())
                .spawn(move || drop(conns));
        }
    }
}

/// `--db postgres://USER@HOST[:PORT]/DB` as a connection config, the password from
/// `PGPASSWORD` or else the `.pgpass` file's first matching line, as libpq reads them. A
/// password in the URL is refused: the command line is visible to every user of the machine.
fn config(
    url: &str,
    env_password: Option<String>,
    pgpass: Option<String>,
) -> StoreResult<(tokio_postgres::Config, Tls)> {
    let refuse = StoreError::Setup;
    let (rest, ssl) = take_tls_params(url)?;
    let mut config: tokio_postgres::Config = rest.parse().map_err(|e| {
        refuse(format!(
            "--db {url:?} is not a PostgreSQL URL ({e}); write postgres://USER@HOST[:PORT]/DATABASE"
        ))
    })?;
    if config.get_password().is_some() {
        return Err(refuse(
            "--db carries a password; put it in PGPASSWORD or ~/.pgpass instead (a command line \
             is visible to every user of the machine)"
                .into(),
        ));
    }
    let Some(user) = config.get_user().map(str::to_string) else {
        return Err(refuse(format!(
            "--db {url:?} names no user; write postgres://USER@HOST[:PORT]/DATABASE"
        )));
    };
    if config.get_hosts().is_empty() {
        config.host("localhost");
    }
    let (host, port) = (host_of(&config), port_of(&config));
    let dbname = config.get_dbname().unwrap_or(&user).to_string();
    let password = env_password
        .or_else(|| pgpass.and_then(|text| pgpass_password(&text, &host, port, &dbname, &user)));
    if let Some(p) = password {
        config.password(p);
    }
    config.connect_timeout(CONNECT_TIMEOUT);
    config.application_name("partner-console");
    let (mode, check) = ssl.mode;
    config.ssl_mode(mode);
    let roots = ssl
        .root_file
        .or_else(|| std::env::var_os("PGSSLROOTCERT").map(std::path::PathBuf::from));
    let tls = Tls::new(check, roots.as_deref()).map_err(|e| refuse(format!("--db: {e}")))?;
    Ok((config, tls))
}

/// The URL's TLS settings, as libpq names them (`store::db::tls`).
struct SslParams {
    mode: (tokio_postgres::config::SslMode, tls::Check),
    /// `sslrootcert=FILE`.
    root_file: Option<std::path::PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of the URL's query (tokio-postgres knows neither
/// `verify-ca`, `verify-full` nor `sslrootcert`): the rest of the URL, and what they say.
fn take_tls_params(url: &str) -> StoreResult<(String, SslParams)> {
    let mut ssl = SslParams {
        mode: tls::PREFER,
        root_file: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), ssl));
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslmode", value)) => {
                ssl.mode = tls::parse_mode(value).ok_or_else(|| {
                    StoreError::Setup(format!(
                        "--db: sslmode={value} is not one of disable, allow, prefer, require, \
                         verify-ca, verify-full"
                    ))
                })?;
            }
            Some(("sslrootcert", value)) => {
                let path = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
                ssl.root_file = Some(std::path::PathBuf::from(path.as_ref()));
            }
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, ssl))
}

/// `USER@HOST:PORT/DATABASE` of a config, for messages (never its password).
fn describe_target(config: &tokio_postgres::Config) -> String {
    format!(
        "{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        host_of(config),
        port_of(config),
        config.get_dbname().unwrap_or("")
    )
}

/// The config's (first) host as `.pgpass` and messages name it: a name, or a socket directory.
fn host_of(config: &tokio_postgres::Config) -> String {
    match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    }
}

fn port_of(config: &tokio_postgres::Config) -> u16 {
    config.get_ports().first().copied().unwrap_or(5432)
}

/// The `.pgpass` file's text (`PGPASSFILE`, else `~/.pgpass`), if it exists and, as libpq
/// asks, only its owner can read it.
fn pgpass_file() -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PGPASSFILE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".pgpass")))?;
    let meta = std::fs::metadata(&path).ok()?;
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "{} is readable by others and is ignored; chmod 0600 it",
            path.display()
        );
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// The password of the first `.pgpass` line `host:port:database:user:password` that matches
/// (`*` matches anything; `\:` and `\\` are a colon and a backslash).
fn pgpass_password(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = pgpass_fields(line);
            let [h, p, d, u, pw] = <[String; 5]>::try_from(fields).ok()?;
            let fits = |field: &str, value: &str| field == "*" || field == value;
            (fits(&h, host) && fits(&p, &port) && fits(&d, db) && fits(&u, user)).then_some(pw)
        })
}

fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(next)
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c)
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_comes_from_the_environment_or_pgpass_never_the_url() {
        let err = config("postgres://pc:secret@db/pc", None, None).unwrap_err();
        assert!(err.to_string().contains("PGPASSWORD"), "{err}");
        let (c, _) = config("postgres://pc@db:6543/pc", Some("env".into()), None).unwrap();
        assert_eq!(c.get_password(), Some(&b"env"[..]));
        let pgpass = "# comment\nother:*:*:*:no\ndb:6543:pc:pc:pa\\:ss\n*:*:*:*:fallback\n";
        let (c, _) = config("postgres://pc@db:6543/pc", None, Some(pgpass.into())).unwrap();
        assert_eq!(c.get_password(), Some(&b"pa:ss"[..]));
        let (c, _) = config("postgres://pc@db/other", None, Some(pgpass.into())).unwrap();
        assert_eq!(c.get_password(), Some(&b"fallback"[..]));
        assert!(config("postgres://db/pc", None, None).is_err());
    }

    #[test]
    fn sslmode_and_sslrootcert_are_read_as_libpq_reads_them() {
        let (rest, ssl) = take_tls_params(
            "postgres://pc@db/pc?sslmode=verify-full&options=-csearch_path%3Dx&sslrootcert=%2Fetc%2Fpc%20ca.pem",
        )
        .unwrap();
        assert_eq!(rest, "postgres://pc@db/pc?options=-csearch_path%3Dx");
        assert_eq!(ssl.mode.1, tls::Check::ChainAndName);
        assert_eq!(
            ssl.root_file.as_deref(),
            Some(std::path::Path::new("/etc/pc ca.pem"))
        );
        let (rest, ssl) = take_tls_params("postgres://pc@db/pc?sslmode=require").unwrap();
        assert_eq!(
            (rest.as_str(), ssl.mode.1),
            ("postgres://pc@db/pc", tls::Check::Nothing)
        );
        let err = config("postgres://pc@db/pc?sslmode=strict", None, None).unwrap_err();
        assert!(err.to_string().contains("verify-full"), "{err}");
        let err = config(
            "postgres://pc@db/pc?sslmode=verify-ca&sslrootcert=/nonexistent",
            None,
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot read the root certificates /nonexistent"),
            "{err}"
        );
    }
}
