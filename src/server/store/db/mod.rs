//! One way for the store to talk to either database: SQLite (the embedded default) or
//! PostgreSQL (`serve --db postgres://…`, for a team running several replicas).
//!
//! The store's functions are written once, against this module, in the SQL both databases
//! speak; it mirrors the part of rusqlite's API the store uses (`prepare_cached`, `query_row`,
//! `query_map`, `savepoint`, `params!`, `optional()`, …). On SQLite every call goes straight to
//! rusqlite. On PostgreSQL ([`pg`]) the SQL's `?N` placeholders become `$N`, values travel
//! as SQLite's value model (NULL, integer, real, text, blob) both ways, and rows are read
//! whole; so a rule, a code and a row mean the same on both. The few statements that cannot be
//! said the same way ask [`Connection::is_postgres`].

pub mod pg;
mod pg_values;
pub mod tls;
mod transactions;

pub use rusqlite::types::{FromSql, Value, ValueRef};
pub use rusqlite::{ToSql, params};
use std::sync::Arc;

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// PostgreSQL refused a statement as it was prepared: its SQL goes to the log with it.
    #[error("{}, in: {sql}", pg::describe(.source))]
    Prepare {
        source: tokio_postgres::Error,
        sql: String,
    },
    /// A value that is not what the store asked for (a text column read as a number, …).
    #[error("column {column}: {why}")]
    Conversion { column: String, why: String },
    #[error("the query returned no rows")]
    NoRows,
    #[error("{0}")]
    Unsupported(String),
    /// No connection to the database could be had (PostgreSQL down, the pool exhausted).
    #[error("{0}")]
    Unavailable(String),
}

impl Error {
    /// The database could not be reached or went away: worth trying again shortly, not a bug.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Unavailable(_) => true,
            Error::Postgres(e) | Error::Prepare { source: e, .. } => {
                e.is_closed()
                    || match e.code() {
                        // Connection exceptions (08…), shutting down or starting up (57P…).
                        Some(c) => c.code().starts_with("08") || c.code().starts_with("57P"),
                        // Not the server's answer: the socket failed.
                        None => e.as_db_error().is_none(),
                    }
            }
            _ => false,
        }
    }

    /// A UNIQUE, CHECK, NOT NULL or FOREIGN KEY constraint refused the write.
    pub fn is_constraint_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.code == rusqlite::ErrorCode::ConstraintViolation
            }
            Error::Postgres(e) | Error::Prepare { source: e, .. } => {
                e.code().is_some_and(|c| c.code().starts_with("23"))
            }
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) | Err(Error::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// A statement's arguments, as `params![…]`, `[]`, a slice of `&dyn ToSql` or
/// [`params_from_iter`].
pub trait Params {
    fn values(self) -> Result<Vec<Value>>;
}

fn owned(v: &dyn ToSql) -> Result<Value> {
    use rusqlite::types::ToSqlOutput;
    Ok(match v.to_sql()? {
        ToSqlOutput::Borrowed(r) => r.into(),
        ToSqlOutput::Owned(v) => v,
        other => {
            return Err(Error::Unsupported(format!(
                "argument {other:?} is neither NULL, a number, text nor a blob"
            )));
        }
    })
}

impl Params for &[&dyn ToSql] {
    fn values(self) -> Result<Vec<Value>> {
        self.iter().map(|v| owned(*v)).collect()
    }
}

impl<const N: usize> Params for &[&dyn ToSql; N] {
    fn values(self) -> Result<Vec<Value>> {
        self.as_slice().values()
    }
}

impl<T: ToSql, const N: usize> Params for [T; N] {
    fn values(self) -> Result<Vec<Value>> {
        self.iter().map(|v| owned(v)).collect()
    }
}

/// The arguments an iterator yields, in order.
pub struct ParamsFromIter<I>(I);

pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

impl<I> Params for ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    fn values(self) -> Result<Vec<Value>> {
        self.0.into_iter().map(|v| owned(&v)).collect()
    }
}

/// A connection to one of the two databases.
pub enum Connection {
    Sqlite(rusqlite::Connection),
    // Boxed: a PostgreSQL connection carries its client and its statements.
    Postgres(Box<pg::PgConn>),
}

/// A column by position or by name.
pub trait RowIndex {
    fn position(&self, names: &[String]) -> Result<usize>;
    fn sqlite(&self, row: &rusqlite::Row<'_>) -> Result<usize>;
}

impl RowIndex for usize {
    fn position(&self, names: &[String]) -> Result<usize> {
        (*self < names.len())
            .then_some(*self)
            .ok_or_else(|| Error::Unsupported(format!("no column {self}")))
    }
    fn sqlite(&self, _: &rusqlite::Row<'_>) -> Result<usize> {
        Ok(*self)
    }
}

impl RowIndex for &str {
    fn position(&self, names: &[String]) -> Result<usize> {
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(self))
            .ok_or_else(|| Error::Unsupported(format!("no column {self:?}")))
    }
    fn sqlite(&self, row: &rusqlite::Row<'_>) -> Result<usize> {
        Ok(row.as_ref().column_index(self)?)
    }
}

/// One row of a result.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    /// Read whole: every row from PostgreSQL, and a read sent ahead ([`LaterRows`]).
    Owned(&'a OwnedRow),
}

/// A row, read whole, in SQLite's value model.
pub struct OwnedRow {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row<'_> {
    pub fn get<I: RowIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        match self {
            Row::Sqlite(r) => Ok(r.get(idx.sqlite(r)?)?),
            Row::Owned(r) => {
                let i = idx.position(&r.columns)?;
                T::column_result(ValueRef::from(&r.values[i])).map_err(|e| Error::Conversion {
                    column: r.columns[i].clone(),
                    why: e.to_string(),
                })
            }
        }
    }

    pub fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        match self {
            Row::Sqlite(r) => Ok(r.get_ref(idx)?),
            Row::Owned(r) => Ok(ValueRef::from(&r.values[idx.position(&r.columns)?])),
        }
    }
}

/// The rows of a query, one at a time.
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    /// The rows, and how many have been read.
    Owned(Vec<OwnedRow>, usize),
}

impl Rows<'_> {
    pub fn column_count(&self) -> usize {
        match self {
            Rows::Sqlite(rows) => rows.as_ref().map_or(0, |s| s.column_count()),
            Rows::Owned(rows, _) => rows.first().map_or(0, |r| r.columns.len()),
        }
    }

    #[allow(clippy::should_implement_trait)] // rows borrow from the cursor: not an Iterator
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next()?.map(Row::Sqlite)),
            Rows::Owned(rows, read) => {
                *read += 1;
                Ok(rows.get(*read - 1).map(Row::Owned))
            }
        }
    }
}

/// The rows of a query, each mapped by a function.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    map: F,
}

impl<T, F: FnMut(&Row<'_>) -> Result<T>> Iterator for MappedRows<'_, F> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.map)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

enum Prepared<'c> {
    Cached(rusqlite::CachedStatement<'c>),
    Once(rusqlite::Statement<'c>),
    Postgres(&'c pg::PgConn, String),
}

/// A prepared statement (on PostgreSQL: the SQL, prepared on first use and kept per
/// connection).
pub struct Statement<'c>(Prepared<'c>);

impl<'c> Statement<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match &mut self.0 {
            Prepared::Cached(s) => Some(s),
            Prepared::Once(s) => Some(s),
            Prepared::Postgres(..) => None,
        }
    }

    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let values = params.values()?;
        if let Prepared::Postgres(pg, sql) = &self.0 {
            return Ok(Rows::Owned(pg.query(sql, values)?, 0));
        }
        let stmt = self.sqlite().expect("a SQLite statement");
        Ok(Rows::Sqlite(
            stmt.query(rusqlite::params_from_iter(values))?,
        ))
    }

    pub fn query_map<T, P, F>(&mut self, params: P, map: F) -> Result<MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows {
            rows: self.query(params)?,
            map,
        })
    }

    pub fn query_row<T, P, F>(&mut self, params: P, map: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => map(&row),
            None => Err(Error::NoRows),
        }
    }

    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }

    /// Runs the statement; the number of rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let values = params.values()?;
        if let Prepared::Postgres(pg, sql) = &self.0 {
            return pg.execute(sql, values);
        }
        let stmt = self.sqlite().expect("a SQLite statement");
        Ok(stmt.execute(rusqlite::params_from_iter(values))?)
    }

    /// SQLite's count of virtual machine steps (benchmarks and plan tests); PostgreSQL has none.
    pub fn vm_steps(&mut self) -> Option<i64> {
        self.sqlite()
            .map(|s| s.get_status(rusqlite::StatementStatus::VmStep) as i64)
    }
}

impl Connection {
    /// A SQLite database file (tests).
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Connection> {
        Ok(Connection::Sqlite(rusqlite::Connection::open(path)?))
    }

    /// A SQLite database in memory (tests).
    pub fn open_in_memory() -> Result<Connection> {
        Ok(Connection::Sqlite(rusqlite::Connection::open_in_memory()?))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Connection::Postgres(_))
    }

    /// The SQLite connection, for what only SQLite has (pragmas, its own bulk-load paths).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Connection::Sqlite(c) => Some(c),
            Connection::Postgres(_) => None,
        }
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement(match self {
            Connection::Sqlite(c) => Prepared::Cached(c.prepare_cached(sql)?),
            Connection::Postgres(pg) => Prepared::Postgres(pg, sql.to_string()),
        }))
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement(match self {
            Connection::Sqlite(c) => Prepared::Once(c.prepare(sql)?),
            Connection::Postgres(pg) => Prepared::Postgres(pg, sql.to_string()),
        }))
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T, P, F>(&self, sql: &str, params: P, map: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, map)
    }

    /// Runs several statements without arguments.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Connection::Postgres(pg) => pg.batch(sql),
        }
    }

    /// A read whose rows are needed only after the statements that follow it have been sent:
    /// on PostgreSQL, inside a transaction, it goes with the next statement that is waited for,
    /// in its round trip ([`Connection::execute_later`]), and its rows are read after that
    /// ([`LaterRows::rows`]). SQLite, where a read costs no round trip, reads at once.
    pub fn query_later<P: Params>(&self, sql: &str, params: P) -> Result<LaterRows> {
        let values = params.values()?;
        match self {
            Connection::Postgres(pg) => Ok(LaterRows::Sent(pg.query_later(sql, values)?)),
            Connection::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let columns: Arc<[String]> =
                    stmt.column_names().into_iter().map(String::from).collect();
                let n = columns.len();
                let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
                let mut read = Vec::new();
                while let Some(r) = rows.next()? {
                    let values = (0..n)
                        .map(|i| Ok(Value::from(r.get_ref(i)?)))
                        .collect::<Result<Vec<Value>>>()?;
                    read.push(OwnedRow {
                        columns: Arc::clone(&columns),
                        values,
                    });
                }
                Ok(LaterRows::Read(read))
            }
        }
    }
}

/// The rows of a read sent ahead ([`Connection::query_later`]).
pub enum LaterRows {
    Read(Vec<OwnedRow>),
    /// Held back, or sent and answered into here.
    Sent(pg::Answer),
}

impl LaterRows {
    /// The rows. If the read is still held back, what is held back is sent now.
    pub fn rows(self, conn: &Connection) -> Result<Rows<'static>> {
        let answer = match self {
            LaterRows::Read(rows) => return Ok(Rows::Owned(rows, 0)),
            LaterRows::Sent(answer) => answer,
        };
        let take = || answer.lock().unwrap_or_else(|p| p.into_inner()).take();
        let answered = match (take(), conn) {
            (Some(rows), _) => rows,
            (None, Connection::Postgres(pg)) => {
                pg.flush()?;
                take()
                    .ok_or_else(|| Error::Unavailable("a read sent ahead had no answer".into()))?
            }
            (None, Connection::Sqlite(_)) => {
                return Err(Error::Unsupported("a PostgreSQL read on SQLite".into()));
            }
        };
        Ok(Rows::Owned(answered?, 0))
    }
}
