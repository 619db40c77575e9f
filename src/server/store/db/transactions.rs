//! Transactions and savepoints on either database, and the statements a transaction sends
//! later on PostgreSQL ([`Connection::execute_later`]).

use super::{Connection, Error, Params, Result, ToSql, params};

/// A transaction or a savepoint: rolled back when dropped without [`Savepoint::commit`].
pub struct Savepoint<'c> {
    conn: &'c Connection,
    kind: Kind,
    done: bool,
}

enum Kind {
    /// BEGIN … COMMIT.
    Transaction,
    /// SAVEPOINT sp … RELEASE sp.
    Named,
    /// A savepoint opened first thing in a PostgreSQL transaction (a write's, `Store::write`):
    /// it is the transaction itself, so no SAVEPOINT is sent; a rollback rolls the transaction
    /// back and begins it again with this `BEGIN`.
    WholeTransaction(String),
}

impl std::ops::Deref for Savepoint<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Savepoint<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        match &self.kind {
            Kind::Transaction => self.conn.end("COMMIT", End::Commit),
            Kind::Named => self.conn.end("RELEASE sp", End::Commit),
            Kind::WholeTransaction(_) => {
                if let Connection::Postgres(pg) = self.conn {
                    pg.closed();
                }
                Ok(())
            }
        }
    }

    fn rollback(&mut self) -> Result<()> {
        self.done = true;
        match &self.kind {
            Kind::Transaction => self.conn.end("ROLLBACK", End::Rollback),
            Kind::Named => self.conn.end("ROLLBACK TO sp; RELEASE sp", End::Rollback),
            Kind::WholeTransaction(begin) => {
                let Connection::Postgres(pg) = self.conn else {
                    unreachable!("only PostgreSQL's savepoints are transactions")
                };
                pg.closed();
                // The transaction's depth stays (its owner still ends it); the server's
                // transaction starts again, as it was before this savepoint.
                pg.restart_transaction(begin)
            }
        }
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if !self.done
            && let Err(e) = self.rollback()
        {
            tracing::warn!("rolling back: {e}");
        }
    }
}

impl Connection {
    /// A transaction if none is open, else a savepoint inside the open one.
    pub fn transaction(&self) -> Result<Savepoint<'_>> {
        let open = match self {
            Connection::Sqlite(c) => !c.is_autocommit(),
            Connection::Postgres(pg) => pg.in_transaction(),
        };
        if open {
            return self.savepoint();
        }
        self.begin("BEGIN")?;
        Ok(Savepoint {
            conn: self,
            kind: Kind::Transaction,
            done: false,
        })
    }

    /// Holds the row `id` of `table` until the transaction ends, so that a write that reads
    /// before it writes (a version, a status, an overlap) sees no other write in between. On
    /// PostgreSQL several replicas write at once: `SELECT … FOR UPDATE`. SQLite's one writer
    /// has the database to itself already: nothing to do.
    pub fn lock_row(&self, table: &str, id: &dyn ToSql) -> Result<()> {
        if self.is_postgres() {
            // Nothing to wait for here: the lock goes with the next statement, which waits.
            self.execute_later(
                &format!("SELECT 1 FROM {table} WHERE id = ?1 FOR UPDATE"),
                params![id],
            )?;
        }
        Ok(())
    }

    /// One snapshot for several reads (a reader's transaction; read only on PostgreSQL).
    pub fn snapshot(&self) -> Result<Savepoint<'_>> {
        let begin = match self {
            Connection::Sqlite(_) => "BEGIN",
            Connection::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        self.begin(begin)?;
        Ok(Savepoint {
            conn: self,
            kind: Kind::Transaction,
            done: false,
        })
    }

    /// A savepoint: nests in an open transaction (the SQLite writer's batch, a PostgreSQL
    /// write's transaction), or starts one.
    pub fn savepoint(&self) -> Result<Savepoint<'_>> {
        if let Connection::Postgres(pg) = self
            && let Some(begin) = pg.untouched_transaction()
        {
            pg.opened();
            return Ok(Savepoint {
                conn: self,
                kind: Kind::WholeTransaction(begin),
                done: false,
            });
        }
        // One name serves every depth: both databases release and roll back to the most recent
        // savepoint of a name.
        self.begin("SAVEPOINT sp")?;
        Ok(Savepoint {
            conn: self,
            kind: Kind::Named,
            done: false,
        })
    }

    /// Runs a write whose changed-row count the caller does not need and whose errors it
    /// does not tell apart (an audit row, an outbox email, a row lock). On PostgreSQL, inside
    /// a transaction, it is sent with the next statement the store waits for (one round trip
    /// for both), and its error, if any, is that statement's. SQLite runs it at once.
    pub fn execute_later<P: Params>(&self, sql: &str, params: P) -> Result<()> {
        match self {
            Connection::Sqlite(_) => self.execute(sql, params).map(|_| ()),
            Connection::Postgres(pg) => pg.execute_later(sql, params.values()?),
        }
    }

    fn begin(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(c) => Ok(c.execute_batch(sql)?),
            // `BEGIN` and `SAVEPOINT` answer nothing: they go with the first statement.
            Connection::Postgres(pg) => {
                pg.batch_later(sql);
                pg.opened();
                Ok(())
            }
        }
    }

    fn end(&self, sql: &str, how: End) -> Result<()> {
        let pg = match self {
            Connection::Sqlite(c) => return Ok(c.execute_batch(sql)?),
            Connection::Postgres(pg) => pg,
        };
        pg.closed();
        match how {
            // A savepoint released inside a transaction goes with the next statement (at the
            // latest the transaction's `COMMIT`, which waits for all of them).
            End::Commit if pg.in_transaction() => {
                pg.batch_later(sql);
                Ok(())
            }
            // PostgreSQL would answer this `COMMIT` with a `ROLLBACK`, and no error.
            End::Commit if pg.failed_unrolled() => {
                pg.rollback("ROLLBACK")?;
                Err(Error::Unsupported(
                    "the transaction was rolled back: a statement in it had failed".into(),
                ))
            }
            End::Commit => pg.batch(sql),
            End::Rollback => pg.rollback(sql),
        }
    }
}

/// How a transaction or savepoint ends.
enum End {
    Commit,
    Rollback,
}

impl Connection {
    /// Runs `f` in a transaction of its own: committed when it returns `Ok`, rolled back when
    /// it returns `Err`. SQLite's takes the write lock first (`BEGIN IMMEDIATE`).
    pub fn in_transaction<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.begin(match self {
            Connection::Sqlite(_) => "BEGIN IMMEDIATE",
            Connection::Postgres(_) => "BEGIN",
        })?;
        let result = f(self);
        let ended = match result {
            Ok(_) => self.end("COMMIT", End::Commit),
            Err(_) => self.end("ROLLBACK", End::Rollback),
        };
        match (result, ended) {
            (Ok(v), Ok(())) => Ok(v),
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e.into()),
        }
    }
}

/// Several writes in one transaction (the store's writers, `store::writer`): where one ends,
/// and what the others did to it.
impl Connection {
    /// One write of the batch is done. On PostgreSQL its held-back statements still go with
    /// the next write's first; if one of them fails, [`Connection::batch_broken`] says
    /// so (that error is not the next write's own).
    pub fn end_of_write(&self) {
        if let Connection::Postgres(pg) = self {
            pg.seal();
        }
    }

    /// Whether the batch's transaction can no longer keep the writes done in it: a statement
    /// of one of them failed since the last call, or one failed and left the transaction
    /// refusing everything after (PostgreSQL; SQLite's statements fail alone, and at once).
    pub fn batch_broken(&self) -> bool {
        match self {
            Connection::Postgres(pg) => pg.take_failed_sealed() | pg.failed_unrolled(),
            Connection::Sqlite(_) => false,
        }
    }

    /// How many statements have given up waiting for a lock so far (PostgreSQL).
    pub fn lock_waits_given_up(&self) -> u64 {
        match self {
            Connection::Postgres(pg) => pg.lock_waits_given_up(),
            Connection::Sqlite(_) => 0,
        }
    }

    /// From here to the transaction's end (or the next call), a statement waits for a lock at
    /// most `ms` milliseconds, then fails; `None`: as long as it takes (PostgreSQL; SQLite's
    /// one writer waits for nobody).
    pub fn limit_lock_waits(&self, ms: Option<u32>) {
        if let Connection::Postgres(pg) = self {
            let ms = ms.unwrap_or(0); // 0: no limit
            pg.batch_later(&format!("SET LOCAL lock_timeout = '{ms}ms'"));
        }
    }
}
