//! The PostgreSQL side of [`super::Connection`]: one blocking client, its prepared
//! statements, the store's SQL said in PostgreSQL's placeholders, and values carried in
//! SQLite's value model both ways.
//!
//! The blocking `postgres` client (tokio-postgres under a runtime of its own) rather than
//! tokio-postgres itself: the store's functions are synchronous, written once for both
//! databases, and run on blocking threads (`Store::read`, `Store::write`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Arc;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type};
use postgres::{Client, NoTls};

use super::{Error, Result, Value};

/// A row, read whole, in SQLite's value model.
pub struct PgRow {
    pub(super) columns: Arc<[String]>,
    pub(super) values: Vec<Value>,
}

/// A prepared statement and its columns' names.
type Prepared = (postgres::Statement, Arc<[String]>);

/// One connection and the statements it has prepared.
pub struct PgConn {
    client: RefCell<Client>,
    /// Prepared statements by SQL and argument types (a NULL argument's type is the server's
    /// guess, so the same SQL may be prepared twice).
    prepared: RefCell<HashMap<(String, Vec<u32>), Prepared>>,
    /// How many transactions and savepoints are open.
    depth: Cell<u32>,
}

/// What PostgreSQL says when a NULL argument's type cannot be guessed (42P08, 42P18), or was
/// guessed wrong (42883: no such operator for that type).
const NO_TYPE_FOR_NULL: [&str; 3] = ["42P08", "42P18", "42883"];

/// Past this many prepared statements a connection forgets them all (lists build their SQL
/// from their filters, so the variants are many but the common ones few).
const MAX_PREPARED: usize = 256;

impl PgConn {
    /// Connects, then runs `setup` (settings for the connection's life), if any.
    pub fn connect(config: &postgres::Config, setup: &str) -> Result<PgConn> {
        let mut client = config.connect(NoTls)?;
        if !setup.is_empty() {
            client.batch_execute(setup)?;
        }
        Ok(PgConn {
            client: RefCell::new(client),
            prepared: RefCell::new(HashMap::new()),
            depth: Cell::new(0),
        })
    }

    /// Whether the connection still talks to the server (a pool drops those that do not).
    pub fn is_usable(&self) -> bool {
        !self.client.borrow().is_closed() && self.depth.get() == 0
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

    /// The client itself (LISTEN and NOTIFY).
    pub fn client(&self) -> std::cell::RefMut<'_, Client> {
        self.client.borrow_mut()
    }

    fn statement(&self, sql: &str, args: &[Value]) -> Result<Prepared> {
        let types: Vec<Type> = args.iter().map(declared_type).collect();
        let key = (sql.to_string(), types.iter().map(Type::oid).collect());
        if let Some(found) = self.prepared.borrow().get(&key) {
            return Ok(found.clone());
        }
        let text = translate(sql);
        let prepare = |types: &[Type]| self.client.borrow_mut().prepare_typed(&text, types);
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

    pub(super) fn query(&self, sql: &str, args: Vec<Value>) -> Result<Vec<PgRow>> {
        let (stmt, columns) = self.statement(sql, &args)?;
        let args: Vec<Arg> = args.into_iter().map(Arg).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as _).collect();
        let rows = self.client.borrow_mut().query(&stmt, &refs)?;
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
                Ok(PgRow {
                    columns: Arc::clone(&columns),
                    values,
                })
            })
            .collect()
    }

    pub(super) fn execute(&self, sql: &str, args: Vec<Value>) -> Result<usize> {
        let (stmt, _) = self.statement(sql, &args)?;
        let args: Vec<Arg> = args.into_iter().map(Arg).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as _).collect();
        Ok(self.client.borrow_mut().execute(&stmt, &refs)? as usize)
    }

    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.client.borrow_mut().batch_execute(sql)?)
    }
}

/// The type an argument is sent as: what its value is, and the server's guess for NULL
/// (oid 0: "unspecified").
fn declared_type(v: &Value) -> Type {
    match v {
        Value::Integer(_) => Type::INT8,
        Value::Real(_) => Type::FLOAT8,
        Value::Text(_) => Type::TEXT,
        Value::Blob(_) => Type::BYTEA,
        Value::Null => Type::new("unknown".into(), 0, Kind::Pseudo, "pg_catalog".into()),
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

/// An argument in SQLite's value model, sent as the type the statement has for it.
#[derive(Debug)]
struct Arg(Value);

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Arg {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        match (&self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Integer(n), &Type::INT8) => n.to_sql(ty, out),
            (Value::Integer(n), &Type::INT4) => i32::try_from(*n)?.to_sql(ty, out),
            (Value::Integer(n), &Type::INT2) => i16::try_from(*n)?.to_sql(ty, out),
            (Value::Integer(n), &Type::BOOL) => (*n != 0).to_sql(ty, out),
            (Value::Integer(n), &Type::FLOAT8) => (*n as f64).to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Text(s), &Type::JSONB) => {
                out.extend_from_slice(&[1]);
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            // PostgreSQL's text cannot hold NUL, which SQLite's can: it is left out (a NUL never
            // means anything in a partner's text, and neither the console nor an export shows
            // one: the sanitizer drops it too).
            (Value::Text(s), _) if is_text(ty) && s.contains('\0') => {
                s.replace('\0', "").as_str().to_sql(ty, out)
            }
            (Value::Text(s), _) if is_text(ty) => s.as_str().to_sql(ty, out),
            (Value::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (v, ty) => Err(format!("cannot send {v:?} as {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON
    )
}

/// A column's value, whatever its type, in SQLite's value model.
struct Cell0(Value);

impl<'a> FromSql<'a> for Cell0 {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(Cell0(match *ty {
            Type::BOOL => Value::Integer(bool::from_sql(ty, raw)? as i64),
            Type::INT2 => Value::Integer(i16::from_sql(ty, raw)? as i64),
            Type::INT4 => Value::Integer(i32::from_sql(ty, raw)? as i64),
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::OID => Value::Integer(u32::from_sql(ty, raw)? as i64),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)? as f64),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw.to_vec()),
            Type::JSONB => Value::Text(String::from_utf8(raw.get(1..).unwrap_or(&[]).to_vec())?),
            ref t if is_text(t) => Value::Text(String::from_utf8(raw.to_vec())?),
            ref t => return Err(format!("a column of type {t} cannot be read").into()),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(Cell0(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// PostgreSQL's binary NUMERIC (what `SUM` of integers answers): an integer when it has no
/// fraction and fits, else a real.
fn numeric(raw: &[u8]) -> std::result::Result<Value, BoxError> {
    let word = |i: usize| -> std::result::Result<i64, BoxError> {
        let b = raw.get(i * 2..i * 2 + 2).ok_or("short NUMERIC")?;
        Ok(i16::from_be_bytes([b[0], b[1]]) as i64)
    };
    let (ndigits, weight, sign, dscale) = (word(0)?, word(1)?, word(2)?, word(3)?);
    if sign == 0xC000u16 as i16 as i64 {
        return Ok(Value::Null); // NaN
    }
    let mut value = 0f64;
    for d in 0..ndigits {
        value += word(4 + d as usize)? as f64 * 10_000f64.powi((weight - d) as i32);
    }
    if sign == 0x4000 {
        value = -value;
    }
    if dscale == 0 && value.abs() < 9.0e15 {
        Ok(Value::Integer(value as i64))
    } else {
        Ok(Value::Real(value))
    }
}

/// A PostgreSQL error in one line: the server's message and its SQLSTATE when it has one.
pub fn describe(e: &postgres::Error) -> String {
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
