//! The PostgreSQL side of [`super::Connection`]: one client, its prepared statements, and the
//! store's SQL said in PostgreSQL's placeholders (values both ways: [`super::pg_values`]).
//!
//! tokio-postgres under a small runtime of its own per connection (what the blocking
//! `postgres` client does too): the store's functions are synchronous, written once for both
//! databases, and run on blocking threads (`Store::read`) and the writer threads
//! (`Store::write`). Ours rather than the blocking client because of pipelining: statements
//! whose answer the store does not wait for (a transaction's `BEGIN` and savepoints, a row
//! lock, an audit row) are held back and sent in one go with the next statement that is
//! waited for, so that a decision is a few round trips to the server instead of seventeen
//! ([`PgConn::execute_later`]).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{join, join_all};
use tokio_postgres::Client;
use tokio_postgres::types::{ToSql, Type};

use super::pg_values::{Arg, Cell0, declared_type};
use super::{Error, OwnedRow, Result, Value};

/// A prepared statement and its columns' names.
type Prepared = (tokio_postgres::Statement, Arc<[String]>);

/// One connection, the statements it has prepared, and those held back to go with the next.
pub struct PgConn {
    client: Client,
    /// Prepared statements by SQL and argument types (a NULL argument's type is the server's
    /// guess, so the same SQL may be prepared twice).
    prepared: RefCell<HashMap<(String, Vec<u32>), Prepared>>,
    /// How many transactions and savepoints are open.
    depth: Cell<u32>,
    /// Statements sent, in order, just before the next one whose answer is awaited.
    later: RefCell<Vec<Later>>,
    /// How many of `later` belong to writes already finished ([`PgConn::seal`]): in a batch of
    /// writes sharing one transaction, an error of theirs is a finished write's, not the
    /// statement's that carried it.
    sealed: Cell<usize>,
    /// Whether a finished write's statement failed since [`PgConn::take_failed_sealed`].
    sealed_failed: Cell<bool>,
    /// How many statements gave up waiting for a lock (`lock_timeout`, or a deadlock).
    lock_waits_given_up: Cell<u64>,
    /// The shallowest depth at which a statement failed and nothing has rolled it back yet:
    /// PostgreSQL refuses the rest of that transaction (or savepoint), and answers its
    /// `COMMIT` with a `ROLLBACK` and no error.
    failed_at: Cell<Option<u32>>,
    /// Declared after the client, so dropped after it: the connection then says goodbye.
    driver: Driver,
}

/// A statement held back ([`PgConn::execute_later`], [`PgConn::query_later`]).
enum Later {
    /// Transaction control, sent as it is (`BEGIN`, `SAVEPOINT sp`, `RELEASE sp`).
    Batch(String),
    Execute(tokio_postgres::Statement, Vec<Arg>),
    /// A read whose rows go to `answer` when they come.
    Query(Prepared, Vec<Arg>, Answer),
}

/// Where the rows of a read sent ahead are left for whoever asked ([`super::LaterRows`]).
pub type Answer = Arc<std::sync::Mutex<Option<Result<Vec<OwnedRow>>>>>;

impl Later {
    fn send<'a>(&'a self, client: &'a Client) -> Pin<Box<dyn Future<Output = PgResult<()>> + 'a>> {
        match self {
            Later::Batch(sql) => Box::pin(client.batch_execute(sql)),
            Later::Execute(stmt, args) => {
                Box::pin(async move { client.execute(stmt, &refs(args)).await.map(|_| ()) })
            }
            Later::Query((stmt, columns), args, answer) => Box::pin(async move {
                // An error goes to the statement that is waited for, as any held-back error
                // does; the rows, or a value that would not convert, to the reader.
                let rows = client.query(stmt, &refs(args)).await?;
                let read = owned_rows(&rows, columns);
                *answer.lock().unwrap_or_else(|p| p.into_inner()) = Some(read);
                Ok(())
            }),
        }
    }
}

type PgResult<T> = std::result::Result<T, tokio_postgres::Error>;

fn refs(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| a as _).collect()
}

/// Rows as the store reads them: whole, in SQLite's value model.
fn owned_rows(rows: &[tokio_postgres::Row], columns: &Arc<[String]>) -> Result<Vec<OwnedRow>> {
    rows.iter()
        .map(|row| {
            let values = (0..row.len())
                .map(|i| {
                    row.try_get::<_, Cell0>(i)
                        .map(|c| c.0)
                        .map_err(|e| Error::Conversion {
                            column: columns[i].clone(),
                            why: e.to_string(),
                        })
                })
                .collect::<Result<Vec<Value>>>()?;
            Ok(OwnedRow {
                columns: Arc::clone(columns),
                values,
            })
        })
        .collect()
}

/// The connection's runtime and the task that talks to the server.
struct Driver {
    runtime: tokio::runtime::Runtime,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// How long a closing connection waits to say goodbye to the server.
const GOODBYE: Duration = Duration::from_secs(1);

impl Drop for Driver {
    /// The client is gone by now, so the connection sends PostgreSQL its `Terminate` and ends.
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(GOODBYE, task).await });
        }
    }
}

/// What PostgreSQL says when a NULL argument's type cannot be guessed (42P08, 42P18), or was
/// guessed wrong (42883: no such operator for that type).
const NO_TYPE_FOR_NULL: [&str; 3] = ["42P08", "42P18", "42883"];

/// Past this many prepared statements a connection forgets them all (lists build their SQL
/// from their filters, so the variants are many but the common ones few).
const MAX_PREPARED: usize = 256;

impl PgConn {
    /// Connects, then runs `setup` (settings for the connection's life), if any.
    pub fn connect(
        config: &tokio_postgres::Config,
        tls: &super::tls::Tls,
        setup: &str,
    ) -> Result<PgConn> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Unavailable(format!("cannot start a runtime: {e}")))?;
        let (client, connection) = runtime.block_on(config.connect(tls.clone()))?;
        // Runs whenever the runtime does, that is while a statement is awaited.
        let task = runtime.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("a PostgreSQL connection ended: {}", describe(&e));
            }
        });
        let conn = PgConn {
            client,
            prepared: RefCell::new(HashMap::new()),
            depth: Cell::new(0),
            later: RefCell::new(Vec::new()),
            sealed: Cell::new(0),
            sealed_failed: Cell::new(false),
            lock_waits_given_up: Cell::new(0),
            failed_at: Cell::new(None),
            driver: Driver {
                runtime,
                task: Some(task),
            },
        };
        if !setup.is_empty() {
            conn.batch(setup)?;
        }
        Ok(conn)
    }

    /// Whether the connection still talks to the server and is back where it started (a pool
    /// drops those that are not).
    pub fn is_usable(&self) -> bool {
        !self.client.is_closed() && self.depth.get() == 0 && self.later.borrow().is_empty()
    }

    pub(super) fn in_transaction(&self) -> bool {
        self.depth.get() > 0
    }

    pub(super) fn opened(&self) {
        self.depth.set(self.depth.get() + 1);
    }

    pub(super) fn closed(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    fn statement(&self, sql: &str, args: &[Value]) -> Result<Prepared> {
        let types: Vec<Type> = args.iter().map(declared_type).collect();
        let key = (sql.to_string(), types.iter().map(Type::oid).collect());
        if let Some(found) = self.prepared.borrow().get(&key) {
            return Ok(found.clone());
        }
        let text = translate(sql);
        let prepare = |types: &[Type]| {
            self.driver
                .runtime
                .block_on(self.client.prepare_typed(&text, types))
        };
        let mut prepared = prepare(&types);
        // A NULL whose type nothing around it says (`?4 IS NULL OR …`, where SQLite does not
        // mind): sent as text, else as an integer, whichever the rest of the SQL accepts.
        for guess in [Type::TEXT, Type::INT8] {
            match &prepared {
                Err(e)
                    if e.code()
                        .is_some_and(|c| NO_TYPE_FOR_NULL.contains(&c.code())) =>
                {
                    let guessed: Vec<Type> = types
                        .iter()
                        .map(|t| {
                            if t.oid() == 0 {
                                guess.clone()
                            } else {
                                t.clone()
                            }
                        })
                        .collect();
                    prepared = prepare(&guessed);
                }
                _ => break,
            }
        }
        let stmt = prepared.map_err(|source| Error::Prepare {
            source,
            sql: text.split_whitespace().collect::<Vec<_>>().join(" "),
        })?;
        let columns: Arc<[String]> = stmt
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let mut prepared = self.prepared.borrow_mut();
        if prepared.len() >= MAX_PREPARED {
            prepared.clear();
        }
        prepared.insert(key, (stmt.clone(), Arc::clone(&columns)));
        Ok((stmt, columns))
    }

    /// Awaits `last`, sending the statements held back first, in the same round trip. The
    /// first error wins: once one failed, PostgreSQL refuses the rest of its transaction.
    fn run<T>(&self, last: impl Future<Output = PgResult<T>>) -> Result<T> {
        let (earlier, last) = self.pipeline(last);
        earlier.into_iter().collect::<PgResult<Vec<()>>>()?;
        Ok(last?)
    }

    /// Sends the statements held back, then `last`, in one go; the answers of each.
    fn pipeline<T>(
        &self,
        last: impl Future<Output = PgResult<T>>,
    ) -> (Vec<PgResult<()>>, PgResult<T>) {
        let later = std::mem::take(&mut *self.later.borrow_mut());
        let sealed = self.sealed.replace(0);
        let earlier = join_all(later.iter().map(|l| l.send(&self.client)));
        let (earlier, last) = self.driver.runtime.block_on(join(earlier, last));
        for (i, answer) in earlier.iter().enumerate() {
            if let Err(e) = answer {
                self.note(e);
                if i < sealed {
                    self.sealed_failed.set(true);
                }
            }
        }
        if let Err(e) = &last {
            self.note(e);
        }
        (earlier, last)
    }

    /// Notes a statement's error: where the transaction now stands, and whether it gave up
    /// waiting for a lock.
    fn note(&self, e: &tokio_postgres::Error) {
        use tokio_postgres::error::SqlState;
        let depth = self.depth.get();
        if depth > 0 {
            let at = self.failed_at.get().map_or(depth, |d| d.min(depth));
            self.failed_at.set(Some(at));
        }
        if matches!(
            e.code(),
            Some(&SqlState::LOCK_NOT_AVAILABLE | &SqlState::T_R_DEADLOCK_DETECTED)
        ) {
            self.lock_waits_given_up
                .set(self.lock_waits_given_up.get() + 1);
        }
    }

    /// Marks what is held back so far as a finished write's (see `sealed`).
    pub(super) fn seal(&self) {
        self.sealed.set(self.later.borrow().len());
    }

    /// Whether a finished write's statement failed since the last call.
    pub(super) fn take_failed_sealed(&self) -> bool {
        self.sealed_failed.replace(false)
    }

    pub(super) fn lock_waits_given_up(&self) -> u64 {
        self.lock_waits_given_up.get()
    }

    pub(super) fn query(&self, sql: &str, args: Vec<Value>) -> Result<Vec<OwnedRow>> {
        let (stmt, columns) = self.statement(sql, &args)?;
        let args: Vec<Arg> = args.into_iter().map(Arg).collect();
        let rows = self.run(self.client.query(&stmt, &refs(&args)))?;
        owned_rows(&rows, &columns)
    }

    /// A read whose rows are needed only later: inside a transaction it goes with the next
    /// statement that is waited for, as [`PgConn::execute_later`]'s statements do, and its rows
    /// are left in the answer; outside one it runs at once.
    pub(super) fn query_later(&self, sql: &str, args: Vec<Value>) -> Result<Answer> {
        if !self.in_transaction() {
            let rows = self.query(sql, args)?;
            return Ok(Arc::new(std::sync::Mutex::new(Some(Ok(rows)))));
        }
        let prepared = self.statement(sql, &args)?;
        let args = args.into_iter().map(Arg).collect();
        let answer = Answer::default();
        self.later
            .borrow_mut()
            .push(Later::Query(prepared, args, Arc::clone(&answer)));
        Ok(answer)
    }

    /// Sends what is held back, and waits for its answers.
    pub(super) fn flush(&self) -> Result<()> {
        self.run(std::future::ready(Ok(())))
    }

    pub(super) fn execute(&self, sql: &str, args: Vec<Value>) -> Result<usize> {
        let (stmt, _) = self.statement(sql, &args)?;
        let args: Vec<Arg> = args.into_iter().map(Arg).collect();
        Ok(self.run(self.client.execute(&stmt, &refs(&args)))? as usize)
    }

    /// Runs a statement whose answer nobody waits for: inside a transaction it goes with the
    /// next statement that is waited for (at the latest the `COMMIT`), and an error it meets
    /// is that statement's error. Outside one it runs at once.
    pub(super) fn execute_later(&self, sql: &str, args: Vec<Value>) -> Result<()> {
        if !self.in_transaction() {
            return self.execute(sql, args).map(|_| ());
        }
        let (stmt, _) = self.statement(sql, &args)?;
        let args = args.into_iter().map(Arg).collect();
        self.later.borrow_mut().push(Later::Execute(stmt, args));
        Ok(())
    }

    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        self.run(self.client.batch_execute(sql))
    }

    /// Transaction control that answers nothing (`BEGIN`, `SAVEPOINT`, `RELEASE`): sent with
    /// the next statement, in one message with the transaction control just before it.
    pub(super) fn batch_later(&self, sql: &str) {
        let mut later = self.later.borrow_mut();
        // Not into a finished write's batch: each keeps its own errors.
        let open = later.len() > self.sealed.get();
        match later.last_mut().filter(|_| open) {
            Some(Later::Batch(before)) => {
                before.push_str("; ");
                before.push_str(sql);
            }
            _ => later.push(Later::Batch(sql.to_string())),
        }
    }

    /// The `BEGIN` of the open transaction, if it is all the transaction has done so far (it
    /// is not even sent yet).
    pub(super) fn untouched_transaction(&self) -> Option<String> {
        match self.later.borrow().as_slice() {
            [Later::Batch(begin)]
                if self.depth.get() == 1 && begin.starts_with("BEGIN") && !begin.contains(';') =>
            {
                Some(begin.clone())
            }
            _ => None,
        }
    }

    /// Rolls the server's transaction back and begins it again with `begin`, for a savepoint
    /// that was the whole transaction: what it did is gone.
    pub(super) fn restart_transaction(&self, begin: &str) -> Result<()> {
        self.rollback("ROLLBACK")?;
        self.batch_later(begin);
        Ok(())
    }

    /// A rollback (`ROLLBACK`, `ROLLBACK TO sp`), with what was held back: their errors do
    /// not matter any more, the rollback's own do.
    pub(super) fn rollback(&self, sql: &str) -> Result<()> {
        let (_, rolled_back) = self.pipeline(self.client.batch_execute(sql));
        rolled_back?;
        // A savepoint's rollback undoes the failures inside it (its depth, already closed,
        // is one more than now); a transaction's, all, finished writes' included.
        let depth = self.depth.get();
        if !sql.starts_with("ROLLBACK TO") {
            self.failed_at.set(None);
            self.sealed_failed.set(false);
        } else if self.failed_at.get().is_some_and(|d| d > depth) {
            self.failed_at.set(None);
        }
        Ok(())
    }

    /// Whether a statement failed and nothing rolled it back: the transaction cannot commit.
    pub(super) fn failed_unrolled(&self) -> bool {
        self.failed_at.get().is_some()
    }
}

/// The store's SQL in PostgreSQL's words: `?N` → `$N`, a bare `?` → the next number, and
/// SQLite's `INDEXED BY name` (a plan hint) dropped. Quoted text is left as it is.
pub fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    let mut highest = 0u32;
    let mut quote: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(&(_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    digits.push(d);
                    chars.next();
                }
                let n = digits.parse().unwrap_or(highest + 1);
                highest = highest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            'I' | 'i' if starts_word(sql, i, "INDEXED BY") => {
                let rest = &sql[i + "INDEXED BY".len()..];
                let name_end = rest
                    .trim_start()
                    .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                    .unwrap_or(rest.trim_start().len());
                let skip = "INDEXED BY".len() + (rest.len() - rest.trim_start().len()) + name_end;
                let end = i + skip;
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn starts_word(sql: &str, i: usize, word: &str) -> bool {
    let before_ok = sql[..i]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    before_ok
        && sql
            .get(i..i + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

/// A PostgreSQL error in one line: the server's message and its SQLSTATE when it has one.
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match e.source() {
            Some(s) => format!("{e}: {s}"),
            None => e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn placeholders_and_plan_hints_become_postgresql() {
        assert_eq!(
            translate("SELECT a FROM t INDEXED BY t_by_x WHERE x = ?1 AND y = ? AND z = '?'"),
            "SELECT a FROM t  WHERE x = $1 AND y = $2 AND z = '?'"
        );
        assert_eq!(translate("x = ?12 OR y = ?"), "x = $12 OR y = $13");
        assert_eq!(translate("SELECT reindexed BY"), "SELECT reindexed BY");
    }
}
