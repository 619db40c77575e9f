//! Keyset pages (API.md, "Lists"): a page of rows after the sort key and id of the last row
//! of the page before, and the cursor of the next page. Every list whose key is two text
//! columns (a name or a timestamp, then the id) reads its pages through here.

use super::db::{Connection, Row};

use super::StoreResult;
use crate::domain::Page;
use crate::server::cursor;
use crate::server::problem::ApiProblem;

/// One keyset page of `sql`, whose rows end with the two key columns; `?1` and `?2` are the key
/// after which the page starts, `?3` the limit (plus one, to know whether there is more).
pub(super) fn keyset_page<T>(
    conn: &Connection,
    sql: &str,
    after: (&str, &str),
    more: &[&dyn super::db::ToSql],
    limit: u32,
    key_at: usize,
    map: impl Fn(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let limit_plus = limit as i64 + 1;
    let mut args: Vec<&dyn super::db::ToSql> = vec![&after.0, &after.1, &limit_plus];
    args.extend_from_slice(more);
    let mut rows = stmt.query(args.as_slice())?;
    let mut items = Vec::new();
    let mut last = (String::new(), String::new());
    while let Some(r) = rows.next()? {
        if items.len() == limit as usize {
            return Ok(Page {
                items,
                next_cursor: Some(cursor::encode(&[&last.0, &last.1])),
            });
        }
        last = (r.get(key_at)?, r.get(key_at + 1)?);
        items.push(map(&r)?);
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// The key a page starts after: the first page's (`""`, before every key) without a cursor.
pub(super) fn after_key(cursor_arg: Option<&str>) -> StoreResult<(String, String)> {
    match cursor_arg {
        None => Ok((String::new(), String::new())),
        Some(c) => {
            let mut p = cursor::decode(c, 2).ok_or_else(ApiProblem::invalid_cursor)?;
            let id = p.pop().unwrap_or_default();
            Ok((p.pop().unwrap_or_default(), id))
        }
    }
}
