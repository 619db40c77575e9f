//! The writers: one history row after another as CSV (RFC 4180) or JSON, streamed.
//!
//! [`HistoryWriter`] turns [`ExportRow`]s into cells (each through [`guard_cell`]) and writes
//! them as they come, in [`COLUMNS`] order, holding nothing back but what its `W` buffers. It
//! knows nothing of where rows come from (the paging loop, `history.rs`) or where they go (a
//! file, `file.rs`, or stdout).

use std::borrow::Cow;
use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};

use super::guard::guard_cell;
use crate::domain::{ExportRow, plain_decimal, timestamp};

/// Capacity of the buffered writer in front of a file or stdout: few, large `write()`s.
pub const WRITE_BUFFER: usize = 256 * 1024;

/// The columns, in order, in both formats: the CSV header and the JSON keys.
pub const COLUMNS: [&str; 13] = [
    "id",
    "kind",
    "title",
    "partner",
    "partner_email",
    "item",
    "price",
    "currency",
    "decision",
    "decided_by",
    "decided_at",
    "requested_at",
    "reason",
];

/// What an export is written as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// RFC 4180 CSV with a header row, CRLF line ends.
    #[default]
    Csv,
    /// A JSON array with one object per line.
    Json,
}

impl Format {
    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// The cells of one row, in [`COLUMNS`] order, guarded. `None` is a value the approval does
/// not have (no item, not decided, no reason): an empty CSV cell, a JSON `null`.
fn cells(r: &ExportRow) -> [Option<Cow<'_, str>>; 13] {
    // Values made here (a price, a time) are guarded too, without copying them twice.
    let owned = |s: String| {
        Some(match guard_cell(&s) {
            Cow::Borrowed(_) => Cow::Owned(s),
            Cow::Owned(guarded) => Cow::Owned(guarded),
        })
    };
    let currency = r.currency.as_deref();
    [
        Some(guard_cell(&r.id)),
        Some(guard_cell(r.kind.as_str())),
        Some(guard_cell(&r.title)),
        Some(guard_cell(&r.partner)),
        Some(guard_cell(&r.partner_email)),
        r.item.as_deref().map(guard_cell),
        r.price_minor
            .and_then(|amount| owned(plain_decimal(amount, currency.unwrap_or("")))),
        currency.map(guard_cell),
        Some(guard_cell(r.status.as_str())),
        r.decided_by.as_deref().map(guard_cell),
        // Timestamps as the server keeps them: RFC 3339 in UTC with milliseconds.
        r.decided_at.and_then(|t| owned(timestamp::millis(t))),
        owned(timestamp::millis(r.requested_at)),
        r.reason.as_deref().map(guard_cell),
    ]
}

/// One row as a JSON object with [`COLUMNS`] as keys, in order.
struct JsonRow<'a>(&'a [Option<Cow<'a, str>>; 13]);

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(COLUMNS.len()))?;
        for (key, value) in COLUMNS.iter().zip(self.0.iter()) {
            map.serialize_entry(key, &value.as_deref())?;
        }
        map.end()
    }
}

/// Writes one CSV field, quoted when it holds a comma, a quote, CR or LF (RFC 4180 2.6),
/// with quotes doubled (2.7).
fn write_csv_field<W: Write>(out: &mut W, field: &str) -> io::Result<()> {
    if !field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        return out.write_all(field.as_bytes());
    }
    out.write_all(b"\"")?;
    let mut rest = field.as_bytes();
    while let Some(i) = rest.iter().position(|&b| b == b'"') {
        out.write_all(&rest[..=i])?;
        out.write_all(b"\"")?;
        rest = &rest[i + 1..];
    }
    out.write_all(rest)?;
    out.write_all(b"\"")
}

/// A streaming writer of history rows: the header (CSV) or the opening bracket (JSON) when it
/// is made, one row per [`write`](Self::write), the closing bracket and a flush on
/// [`finish`](Self::finish). Nothing is held back but what `W` buffers; put a `BufWriter` in
/// front of a file or a pipe.
///
/// CSV: RFC 4180, comma-separated, CRLF after every record (the header too), fields quoted
/// only when needed. A line break inside a value stays a bare LF inside its quoted field.
///
/// JSON: `[`, then one object per line with a `,` after all but the last, then `]`. An export
/// that is stopped early and [`finish`](Self::finish)ed is still a valid (shorter) array.
pub struct HistoryWriter<W: Write> {
    out: W,
    format: Format,
    rows: u64,
}

impl<W: Write> HistoryWriter<W> {
    pub fn new(mut out: W, format: Format) -> io::Result<Self> {
        match format {
            Format::Csv => {
                for (i, name) in COLUMNS.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    out.write_all(name.as_bytes())?;
                }
                out.write_all(b"\r\n")?;
            }
            Format::Json => out.write_all(b"[")?,
        }
        Ok(HistoryWriter {
            out,
            format,
            rows: 0,
        })
    }

    /// Append one row.
    pub fn write(&mut self, row: &ExportRow) -> io::Result<()> {
        let cells = cells(row);
        match self.format {
            Format::Csv => {
                for (i, cell) in cells.iter().enumerate() {
                    if i > 0 {
                        self.out.write_all(b",")?;
                    }
                    write_csv_field(&mut self.out, cell.as_deref().unwrap_or(""))?;
                }
                self.out.write_all(b"\r\n")?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, &JsonRow(&cells)).map_err(io::Error::from)?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Append every row of `rows`.
    pub fn write_all(&mut self, rows: &[ExportRow]) -> io::Result<()> {
        rows.iter().try_for_each(|r| self.write(r))
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Close the JSON array, flush, and hand the writer back.
    pub fn finish(mut self) -> io::Result<W> {
        if self.format == Format::Json {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::{Kind, Status};

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        let field = |s: &str| {
            let mut v = Vec::new();
            write_csv_field(&mut v, s).unwrap();
            String::from_utf8(v).unwrap()
        };
        assert_eq!(field("plain"), "plain");
        assert_eq!(field(""), "");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("\""), "\"\"\"\"");
        assert_eq!(field("a\nb"), "\"a\nb\"");
        assert_eq!(field("a\rb"), "\"a\rb\"");
        assert_eq!(field("'=1"), "'=1");
    }

    fn row(i: usize) -> ExportRow {
        ExportRow {
            id: format!("ap_{i}"),
            kind: Kind::Addon,
            title: "@SUM(A1)".into(),
            partner: "=HYPERLINK(\"http://evil.example\",\"click\")".into(),
            partner_email: "a@b.example".into(),
            item: Some("Gold, \"best\"".into()),
            price_minor: Some(-250),
            currency: Some("EUR".into()),
            status: Status::Rejected,
            decided_by: Some("Ann".into()),
            decided_at: Some(
                DateTime::parse_from_rfc3339("2026-11-02T10:00:00.123Z")
                    .unwrap()
                    .with_timezone(&Utc),
            ),
            requested_at: DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            reason: Some("No.\r\nSee \u{1b}[2Jthis".into()),
        }
    }

    #[test]
    fn csv_rows() {
        let mut w = HistoryWriter::new(Vec::new(), Format::Csv).unwrap();
        w.write(&row(1)).unwrap();
        let mut a = row(2);
        a.item = None;
        a.price_minor = None;
        a.currency = None;
        a.reason = None;
        a.status = Status::Approved;
        w.write(&a).unwrap();
        assert_eq!(w.rows(), 2);
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "id,kind,title,partner,partner_email,item,price,currency,decision,decided_by,decided_at,requested_at,reason\r\n\
             ap_1,addon,'@SUM(A1),\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",a@b.example,\
             \"Gold, \"\"best\"\"\",'-2.50,EUR,rejected,Ann,2026-11-02T10:00:00.123Z,2026-11-01T10:00:00.000Z,\"No.\nSee [2Jthis\"\r\n\
             ap_2,addon,'@SUM(A1),\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",a@b.example,,,,approved,Ann,\
             2026-11-02T10:00:00.123Z,2026-11-01T10:00:00.000Z,\r\n"
        );
    }

    #[test]
    fn json_rows_and_an_empty_export_parse() {
        let w = HistoryWriter::new(Vec::new(), Format::Json).unwrap();
        let out = w.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v, serde_json::json!([]));

        let mut w = HistoryWriter::new(Vec::new(), Format::Json).unwrap();
        w.write(&row(1)).unwrap();
        let mut a = row(2);
        a.item = None;
        a.price_minor = None;
        a.currency = None;
        w.write(&a).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out.lines().count(), 4, "{out}");
        let v: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_str(&out).unwrap();
        assert_eq!(v.len(), 2);
        let keys: Vec<&str> = v[0].keys().map(String::as_str).collect();
        let mut sorted = COLUMNS.to_vec();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(
            v[0]["partner"],
            "'=HYPERLINK(\"http://evil.example\",\"click\")"
        );
        assert_eq!(v[0]["price"], "'-2.50");
        assert_eq!(v[0]["reason"], "No.\nSee [2Jthis");
        assert_eq!(v[1]["item"], serde_json::Value::Null);
        // Keys are written in column order.
        let first = out.lines().nth(1).unwrap();
        let positions: Vec<usize> = COLUMNS
            .iter()
            .map(|c| first.find(&format!("\"{c}\":")).unwrap())
            .collect();
        assert!(positions.is_sorted(), "{first}");
    }

    #[test]
    fn plain_decimals() {
        assert_eq!(plain_decimal(4900, "EUR"), "49.00");
        assert_eq!(plain_decimal(129_900, "USD"), "1299.00");
        assert_eq!(plain_decimal(5, "GBP"), "0.05");
        assert_eq!(plain_decimal(-250, "CHF"), "-2.50");
        assert_eq!(plain_decimal(1500, "JPY"), "1500");
        assert_eq!(plain_decimal(-7, "KRW"), "-7");
        assert_eq!(plain_decimal(i64::MIN, "EUR"), "-92233720368547758.08");
    }
}
