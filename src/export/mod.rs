//! Exports of the decision history: CSV (RFC 4180) and JSON, streamed page by page.
//!
//! One writer ([`HistoryWriter`]) and one loop ([`export_history`]) serve both the console's
//! `e` key (through [`export_history_to_dir`]) and `partner-console export history` (through
//! [`run_cli`]). Rows come from `GET /approvals/export` (only the exported columns of each
//! approval, as [`ExportRow`]s) in the largest pages it serves ([`PAGE_LIMIT`]), following
//! `next_cursor`, and each row is written as it arrives: memory stays flat at one page whatever
//! the size of the history.
//!
//! Every cell passes through [`guard_cell`] (QUALITY.md 2): control, bidi and zero-width chars
//! are removed with the rules of [`crate::text`], and a cell that a spreadsheet would take for a
//! formula (`= + - @`, TAB, CR, NUL first) gets a leading `'`. The client already cleaned every
//! string it decoded; the guard does not rely on that, because an export leaves the program and
//! the formula rule is its own.

use std::borrow::Cow;
use std::fmt::Display;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::ser::{SerializeMap, Serializer};

use crate::cli::{DecisionArg, ExportArgs, ExportCommand, GlobalOpts, HistoryExportArgs};
use crate::client::{Api, ApiError, HttpApi};
use crate::config::Config;
use crate::domain::{
    ApprovalQuery, EXPORT_PAGE_MAX, ExportRow, StatusFilter, plain_decimal, timestamp,
};
use crate::text;

/// Rows per request: the most `GET /approvals/export` serves in one page (API.md).
pub const PAGE_LIMIT: u32 = EXPORT_PAGE_MAX;

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

// ---------------------------------------------------------------------------------------------
// The cell guard (QUALITY.md 2).

/// First chars that make a spreadsheet read a cell as a formula (OWASP ASVS 5.0 1.2.10), plus
/// LF (a CR becomes LF below, so LF stands for it) and the full-width forms of the four
/// operators, which some spreadsheets accept in formulas too.
fn is_formula_start(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0' | '＝' | '＋' | '－' | '＠'
    )
}

/// A char to drop or rewrite in a cell: everything [`text::is_unsafe`] rejects, which includes
/// TAB, CR and LF; the caller keeps LF.
fn is_rewritten(c: char) -> bool {
    c != '\n' && text::is_unsafe(c)
}

/// Make one value safe for a CSV (or JSON) cell.
///
/// 1. Every char [`crate::text`] removes from text for the terminal is removed here too: C0
///    and C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width and invisible
///    formatting chars, BOMs, noncharacters. Line breaks are kept as `'\n'`: CRLF, a lone CR,
///    U+2028 and U+2029 each become one `'\n'`. TAB becomes a space.
/// 2. When the value, after any leading BOM, zero-width, LRM/RLM or other invisible formatting
///    chars (and after leading spaces, which some importers trim), starts with `=`, `+`, `-`,
///    `@`, TAB, CR, LF or NUL (or a full-width `＝ ＋ － ＠`), the result gets a leading `'`, so
///    the spreadsheet shows it as text instead of evaluating it. Both the value as given and
///    the value as cleaned are checked, so removing a char can never uncover a formula.
///
/// Plain values come back borrowed, without a copy.
pub fn guard_cell(s: &str) -> Cow<'_, str> {
    let cleaned = strip_unsafe(s);
    if starts_like_formula(s) || starts_like_formula(&cleaned) {
        let mut out = String::with_capacity(cleaned.len() + 1);
        out.push('\'');
        out.push_str(&cleaned);
        Cow::Owned(out)
    } else {
        cleaned
    }
}

/// Step 2 of [`guard_cell`]: invisible formatting chars (not controls) and spaces are skipped,
/// then the first char decides.
fn starts_like_formula(s: &str) -> bool {
    s.chars()
        .find(|&c| !is_skipped_lead(c))
        .is_some_and(is_formula_start)
}

/// A space, or an invisible formatting char (BOM, zero-width, LRM/RLM, bidi): neither a
/// control nor a line break.
fn is_skipped_lead(c: char) -> bool {
    c == ' ' || (text::is_unsafe(c) && !c.is_control() && !is_break(c))
}

/// U+2028 and U+2029 are line breaks, not invisible: they become `'\n'`.
fn is_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// Step 1 of [`guard_cell`].
fn strip_unsafe(s: &str) -> Cow<'_, str> {
    // Fast path: printable ASCII and LF only, which is nearly every cell.
    if s.bytes().all(|b| (0x20..=0x7E).contains(&b) || b == b'\n') {
        return Cow::Borrowed(s);
    }
    if !s.chars().any(is_rewritten) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            c if text::is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

// ---------------------------------------------------------------------------------------------
// Rows and the writer.

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

// ---------------------------------------------------------------------------------------------
// The export loop.

/// Why an export did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Fetching a page failed (after the client's own retries).
    #[error("export failed: {0}")]
    Api(#[from] ApiError),
    /// Writing failed: the disk, the file, or the pipe (`is_broken_pipe`).
    #[error("writing the export{} failed: {source}", path_suffix(.path.as_deref()))]
    Io {
        /// The file being written, when it is one.
        path: Option<PathBuf>,
        #[source]
        source: io::Error,
    },
    /// The cancel flag was set; `rows` were written before it was seen.
    #[error("export cancelled after {rows} rows")]
    Cancelled { rows: u64 },
}

fn path_suffix(path: Option<&Path>) -> String {
    path.map(|p| format!(" to {}", text::clean_line(&p.display().to_string())))
        .unwrap_or_default()
}

impl From<io::Error> for ExportError {
    fn from(source: io::Error) -> Self {
        ExportError::Io { path: None, source }
    }
}

impl ExportError {
    /// One short sentence for the status line, in a CSR's words.
    pub fn user_message(&self) -> String {
        match self {
            ExportError::Api(e) => format!("Export failed: {}", e.user_message()),
            ExportError::Io { path, source } => {
                let what = match path {
                    Some(p) => text::clean_line(&p.display().to_string()),
                    None => "the export".into(),
                };
                text::clean_line(&format!("Could not write {what}: {source}."))
            }
            ExportError::Cancelled { rows } => format!(
                "Export cancelled after {} rows; nothing was saved.",
                crate::format::group(*rows)
            ),
        }
    }

    /// The reader of a pipe went away (`| head`): not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, ExportError::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }

    fn with_path(self, path: &Path) -> Self {
        match self {
            ExportError::Io { path: None, source } => ExportError::Io {
                path: Some(path.to_path_buf()),
                source,
            },
            other => other,
        }
    }
}

/// Export every approval `query` selects, all pages, to `out` as `format`.
///
/// The query's filters (kinds, `q`, `from`/`to`, status) are kept; status defaults to every
/// decided approval; paging starts at the beginning (the query's cursor is ignored) with
/// [`PAGE_LIMIT`] rows a page, following `next_cursor`. Each page is written as soon as it
/// arrives, while the next one is already being fetched (so at most two pages are in memory,
/// and the writing hides behind the server's work); after each page `progress(rows_so_far)` is
/// called. `cancel` is checked before the first page and after each page: once set, the page
/// in flight is dropped, the output is closed (a JSON array stays valid) and flushed, and
/// `Cancelled` is returned. At the end `out` is flushed and the row count returned.
///
/// `out` is a blocking writer, written from this task: a file or stdout, behind a `BufWriter`.
pub async fn export_history<W: Write>(
    api: &dyn Api,
    query: ApprovalQuery,
    format: Format,
    out: W,
    mut progress: impl FnMut(u64),
    cancel: &AtomicBool,
) -> Result<u64, ExportError> {
    let mut query = ApprovalQuery {
        status: Some(query.status.unwrap_or(StatusFilter::Decided)),
        cursor: None,
        limit: Some(PAGE_LIMIT),
        ..query
    };
    let mut writer = HistoryWriter::new(out, format)?;
    if cancel.load(Ordering::Relaxed) {
        return Err(stop(writer)?);
    }
    let mut page = api.export_rows(&query).await?;
    loop {
        let next = match page.next_cursor.take() {
            None => None,
            // A server that hands back the cursor it was given would have us loop forever.
            Some(next) if query.cursor.as_deref() == Some(next.as_str()) => {
                return Err(ApiError::Decode {
                    message: "the backend repeated a page cursor".into(),
                }
                .into());
            }
            Some(next) => Some(next),
        };
        let Some(cursor) = next else {
            writer.write_all(&page.items)?;
            progress(writer.rows());
            break;
        };
        query.cursor = Some(cursor);
        // Ask for the next page first, then write this one while the server works on that.
        let fetch = async { Ok::<_, ExportError>(api.export_rows(&query).await?) };
        let write = async {
            writer.write_all(&page.items)?;
            progress(writer.rows());
            Ok::<_, ExportError>(())
        };
        let (next_page, ()) = futures_util::future::try_join(fetch, write).await?;
        if cancel.load(Ordering::Relaxed) {
            return Err(stop(writer)?);
        }
        page = next_page;
    }
    let rows = writer.rows();
    writer.finish()?;
    Ok(rows)
}

/// Close and flush a cancelled export; the error to return.
fn stop<W: Write>(writer: HistoryWriter<W>) -> Result<ExportError, ExportError> {
    let rows = writer.rows();
    writer.finish()?;
    Ok(ExportError::Cancelled { rows })
}

// ---------------------------------------------------------------------------------------------
// Files.

/// `partner-console-history-20261122-143005.csv`: the default name of an export made at `now`
/// (in the time zone `now` is in; the console passes local time).
pub fn default_file_name<Tz: TimeZone>(now: &DateTime<Tz>, format: Format) -> String
where
    Tz::Offset: Display,
{
    format!(
        "partner-console-history-{}.{}",
        now.format("%Y%m%d-%H%M%S"),
        format.extension()
    )
}

/// A finished export to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    pub path: PathBuf,
    pub rows: u64,
}

/// The part file next to `path`: `<path>.part`.
pub fn part_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".part");
    PathBuf::from(name)
}

/// Removes the part file when dropped, unless disarmed: on error, on cancel, and when the
/// future of the export is dropped midway.
struct PartGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for PartGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Open a part file, readable by its owner only (an export holds partners' contact data).
fn open_part(path: &Path, create_new: bool) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// An opened part file on its way to becoming `path`.
struct Target {
    path: PathBuf,
    file: std::fs::File,
    guard: PartGuard,
}

impl Target {
    fn open(path: &Path, create_new: bool) -> Result<Target, io::Error> {
        let part = part_path(path);
        let file = open_part(&part, create_new)?;
        Ok(Target {
            path: path.to_path_buf(),
            file,
            guard: PartGuard {
                path: part,
                armed: true,
            },
        })
    }
}

/// Write the export to the part file, then, when it is complete and synced, rename it.
async fn export_to_target(
    api: &dyn Api,
    query: ApprovalQuery,
    format: Format,
    target: Target,
    progress: impl FnMut(u64),
    cancel: &AtomicBool,
) -> Result<ExportedFile, ExportError> {
    // `out` (which owns the file) is declared after `guard`, so it drops first: the file is
    // closed before the guard removes it.
    let Target {
        path,
        file,
        mut guard,
    } = target;
    let path = path.as_path();
    let mut out = io::BufWriter::with_capacity(WRITE_BUFFER, file);
    let rows = export_history(api, query, format, &mut out, progress, cancel)
        .await
        .map_err(|e| e.with_path(path))?;
    let file = out
        .into_inner()
        .map_err(|e| ExportError::from(e.into_error()).with_path(path))?;
    file.sync_all()
        .and_then(|()| std::fs::rename(&guard.path, path))
        .map_err(|e| ExportError::from(e).with_path(path))?;
    guard.armed = false;
    Ok(ExportedFile {
        path: path.to_path_buf(),
        rows,
    })
}

/// Export to the file `path`, replacing it only once the export is complete: rows go to
/// `<path>.part`, which is renamed to `path` on success and removed on error or cancel (or when
/// this future is dropped). The parent directory must exist. The file is created mode 0600.
pub async fn export_history_to_file(
    api: &dyn Api,
    query: ApprovalQuery,
    format: Format,
    path: &Path,
    progress: impl FnMut(u64),
    cancel: &AtomicBool,
) -> Result<ExportedFile, ExportError> {
    let target =
        Target::open(path, false).map_err(|e| ExportError::from(e).with_path(&part_path(path)))?;
    export_to_target(api, query, format, target, progress, cancel).await
}

/// What the console's `e` calls: export into `dir` (created if missing; the configured
/// `export_dir`) under [`default_file_name`] for the local time now, never replacing a file
/// that is there (`-2`, `-3`, ... are appended), through a `.part` file as in
/// [`export_history_to_file`]. Returns the final path and the row count.
pub async fn export_history_to_dir(
    api: &dyn Api,
    query: ApprovalQuery,
    format: Format,
    dir: &Path,
    progress: impl FnMut(u64),
    cancel: &AtomicBool,
) -> Result<ExportedFile, ExportError> {
    std::fs::create_dir_all(dir).map_err(|e| ExportError::from(e).with_path(dir))?;
    let name = default_file_name(&chrono::Local::now(), format);
    let target = create_unique(dir, &name, format)?;
    export_to_target(api, query, format, target, progress, cancel).await
}

/// The first of `name`, `name-2`, ... (before the extension) whose final file does not exist
/// and whose part file could be created new, with that part file open.
fn create_unique(dir: &Path, name: &str, format: Format) -> Result<Target, ExportError> {
    let ext = format!(".{}", format.extension());
    let stem = name.strip_suffix(&ext).unwrap_or(name);
    for n in 1..=1000u32 {
        let candidate = if n == 1 {
            dir.join(name)
        } else {
            dir.join(format!("{stem}-{n}{ext}"))
        };
        if candidate.exists() {
            continue;
        }
        match Target::open(&candidate, true) {
            Ok(target) => return Ok(target),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(ExportError::from(e).with_path(&part_path(&candidate))),
        }
    }
    Err(ExportError::Io {
        path: Some(dir.join(name)),
        source: io::Error::new(
            io::ErrorKind::AlreadyExists,
            "too many exports of that name",
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// Parsing the command line's values.

/// A `--from` / `--to` value: RFC 3339 (`2026-11-22T14:30:00Z`, any offset), or a date
/// `YYYY-MM-DD` meaning the start (`end_of_day = false`) or the last millisecond
/// (`end_of_day = true`; the server's `to` is inclusive at millisecond precision) of that day
/// in UTC.
pub fn parse_time_bound(s: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        format!(
            "{:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time (2026-11-22T14:30:00Z)",
            text::clean_line(s)
        )
    })?;
    let t = if end_of_day {
        day.and_hms_milli_opt(23, 59, 59, 999)
    } else {
        day.and_hms_opt(0, 0, 0)
    }
    .ok_or_else(|| format!("{s:?} is not a usable date"))?;
    Ok(Utc.from_utc_datetime(&t))
}

/// The `GET /approvals` query the command line's filters stand for.
pub fn history_query(args: &HistoryExportArgs) -> ApprovalQuery {
    let mut kinds = args.kind.clone();
    kinds.sort();
    kinds.dedup();
    ApprovalQuery {
        kinds,
        status: Some(match args.decision {
            DecisionArg::All => StatusFilter::Decided,
            DecisionArg::Approved => StatusFilter::Approved,
            DecisionArg::Rejected => StatusFilter::Rejected,
        }),
        q: args.q.clone().filter(|q| !q.trim().is_empty()),
        from: args.from,
        to: args.to,
        cursor: None,
        limit: Some(PAGE_LIMIT),
    }
}

// ---------------------------------------------------------------------------------------------
// `partner-console export ...`.

/// How often the progress line on stderr is rewritten at most.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// The single progress line on a terminal's stderr, rewritten in place with `\r`.
struct ProgressLine {
    last: Option<Instant>,
    width: usize,
}

impl ProgressLine {
    fn new() -> Self {
        ProgressLine {
            last: None,
            width: 0,
        }
    }

    fn update(&mut self, rows: u64) {
        if self.last.is_some_and(|t| t.elapsed() < PROGRESS_INTERVAL) {
            return;
        }
        self.last = Some(Instant::now());
        let line = format!(
            "exported {} rows… (Ctrl-C to cancel)",
            crate::format::group(rows)
        );
        self.width = self.width.max(line.chars().count());
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{line}");
        let _ = err.flush();
    }

    /// Blank the line and put the cursor back at its start.
    fn clear(&mut self) {
        if self.last.is_none() {
            return;
        }
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{}\r", " ".repeat(self.width));
        let _ = err.flush();
        self.last = None;
    }
}

/// `partner-console export ...`.
pub async fn run_cli(args: &ExportArgs, global: &GlobalOpts) -> color_eyre::Result<()> {
    match &args.command {
        ExportCommand::History(history) => run_history(history, global).await,
    }
}

/// `partner-console export history`: stdout (or `--out FILE`) gets the export; stderr gets a
/// progress line only when it is a terminal (and not the terminal stdout is writing to), and
/// otherwise nothing but errors. Ctrl-C stops at the next page boundary (the JSON array is
/// closed, a `--out` file is not created) and exits with 130; a second Ctrl-C stops at once.
/// A closed pipe on stdout (`| head`) ends quietly with success.
async fn run_history(args: &HistoryExportArgs, global: &GlobalOpts) -> color_eyre::Result<()> {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        color_eyre::eyre::bail!("--from ({from}) is after --to ({to}): nothing could match");
    }
    let settings = Config::load(&global.overrides())?;
    if settings.token.is_none() {
        color_eyre::eyre::bail!(
            "no token for profile {:?}: set PARTNER_CONSOLE_TOKEN, or token_command / token_file in the profile \
             (see config.example.toml; `partner-console info` shows what is in use)",
            settings.profile_name
        );
    }
    let api = HttpApi::new(settings.api_options())?;
    let query = history_query(args);
    let to_stdout = args.out.as_os_str() == "-";
    let show_progress = io::stderr().is_terminal() && !(to_stdout && io::stdout().is_terminal());
    let mut line = show_progress.then(ProgressLine::new);
    let progress = |rows: u64| {
        if let Some(line) = line.as_mut() {
            line.update(rows);
        }
    };

    let cancel = AtomicBool::new(false);
    let export = async {
        if to_stdout {
            let out = io::BufWriter::with_capacity(WRITE_BUFFER, io::stdout());
            export_history(&api, query, args.format, out, progress, &cancel)
                .await
                .map(|rows| (rows, None))
        } else {
            export_history_to_file(&api, query, args.format, &args.out, progress, &cancel)
                .await
                .map(|done| (done.rows, Some(done.path)))
        }
    };
    // First Ctrl-C: stop cleanly between pages. Second: drop the export (its part file goes).
    let interrupts = async {
        if tokio::signal::ctrl_c().await.is_err() {
            return std::future::pending().await;
        }
        cancel.store(true, Ordering::Relaxed);
        let _ = tokio::signal::ctrl_c().await;
    };
    let result = tokio::select! {
        result = export => Some(result),
        () = interrupts => None,
    };
    if let Some(line) = line.as_mut() {
        line.clear();
    }
    match result {
        Some(Ok((rows, path))) => {
            if let (true, Some(path)) = (show_progress, path) {
                eprintln!(
                    "exported {} rows to {}",
                    crate::format::group(rows),
                    text::clean_line(&path.display().to_string())
                );
            }
            Ok(())
        }
        Some(Err(e)) if to_stdout && e.is_broken_pipe() => Ok(()),
        Some(Err(ExportError::Cancelled { rows })) => {
            eprintln!("export cancelled after {} rows", crate::format::group(rows));
            std::process::exit(130);
        }
        None => {
            eprintln!("export interrupted");
            std::process::exit(130);
        }
        Some(Err(e)) => Err(color_eyre::eyre::eyre!("{}", cli_message(&e))),
    }
}

/// The error line for the command line: the plain sentence, and the technical detail for an
/// API error.
fn cli_message(e: &ExportError) -> String {
    match e {
        ExportError::Api(api) => format!("{} ({api})", e.user_message()),
        _ => e.user_message(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Kind, Status};

    #[test]
    fn formulas_are_made_inert() {
        assert_eq!(
            guard_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(guard_cell("\u{FEFF}=1+1"), "'=1+1");
        assert_eq!(guard_cell("\u{200B}@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard_cell("\u{200E}\u{200F}+1"), "'+1");
        assert_eq!(guard_cell("-2"), "'-2");
        assert_eq!(guard_cell("+1"), "'+1");
        assert_eq!(guard_cell("@x"), "'@x");
        assert_eq!(guard_cell("\t=1"), "' =1");
        assert_eq!(guard_cell("\r=1"), "'\n=1");
        assert_eq!(guard_cell("\0=1"), "'=1");
        assert_eq!(guard_cell("  =1"), "'  =1");
        assert_eq!(guard_cell("＝1+1"), "'＝1+1");
        // A control in front does not hide the formula behind it.
        assert_eq!(guard_cell("\u{1b}=cmd"), "'=cmd");
        assert_eq!(guard_cell("\u{202E}=1"), "'=1");
    }

    #[test]
    fn plain_text_is_untouched_and_borrowed() {
        for s in [
            "Acme Media",
            "a=b",
            "x-1",
            "Zoë Ångström – café",
            "東京パートナー",
            "",
            "line one\nline two",
            "49.00",
            "'quoted'",
        ] {
            let out = guard_cell(s);
            assert_eq!(out, s);
            assert!(matches!(out, Cow::Borrowed(_)), "{s:?} was copied");
        }
    }

    #[test]
    fn controls_bidi_and_invisibles_go_line_breaks_stay() {
        assert_eq!(guard_cell("a\u{1b}[31mb"), "a[31mb");
        assert_eq!(guard_cell("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(guard_cell("a\u{2028}b"), "a\nb");
        assert_eq!(guard_cell("a\tb"), "a b");
        assert_eq!(
            guard_cell("pay\u{200B}pal\u{202E}.com\u{7f}\u{9b}"),
            "paypal.com"
        );
        assert_eq!(guard_cell("\u{FEFF}BOM"), "BOM");
        let hostile: String = ('\u{0}'..='\u{9F}')
            .chain(['\u{2066}', '\u{FEFF}'])
            .collect();
        let out = guard_cell(&hostile);
        assert!(
            out.chars()
                .all(|c| c == '\n' || c == '\'' || !text::is_unsafe(c)),
            "{out:?}"
        );
    }

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

    #[test]
    fn file_names() {
        let t = Utc.with_ymd_and_hms(2026, 11, 22, 14, 30, 5).unwrap();
        assert_eq!(
            default_file_name(&t, Format::Csv),
            "partner-console-history-20261122-143005.csv"
        );
        let east = t.with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap());
        assert_eq!(
            default_file_name(&east, Format::Json),
            "partner-console-history-20261122-153005.json"
        );
        assert_eq!(
            part_path(Path::new("/tmp/x.csv")),
            Path::new("/tmp/x.csv.part")
        );
    }

    #[test]
    fn time_bounds() {
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            parse_time_bound("2026-11-22", false).unwrap(),
            utc("2026-11-22T00:00:00Z")
        );
        assert_eq!(
            parse_time_bound("2026-11-22", true).unwrap(),
            utc("2026-11-22T23:59:59.999Z")
        );
        assert_eq!(
            parse_time_bound("2026-11-22T10:00:00+02:00", true).unwrap(),
            utc("2026-11-22T08:00:00Z")
        );
        let err = parse_time_bound("22/11/2026", false).unwrap_err();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn unique_names_in_a_dir() {
        let dir = std::env::temp_dir().join(format!("pc-export-unique-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let name = "h.csv";
        std::fs::write(dir.join(name), "x").unwrap();
        std::fs::write(dir.join("h-2.csv.part"), "x").unwrap();
        let target = create_unique(&dir, name, Format::Csv).unwrap();
        assert_eq!(target.path, dir.join("h-3.csv"));
        assert!(part_path(&target.path).exists());
        drop(target);
        assert!(
            !part_path(&dir.join("h-3.csv")).exists(),
            "an unused part file is removed"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The console spawns the export on a tokio task: its futures must be `Send`.
    #[test]
    fn export_futures_are_send() {
        fn send<T: Send>(_: T) {}
        let api = crate::client::HttpApi::new(Default::default()).unwrap();
        let cancel = AtomicBool::new(false);
        let dir = PathBuf::from("/nonexistent");
        send(export_history_to_dir(
            &api,
            ApprovalQuery::default(),
            Format::Csv,
            &dir,
            |_| {},
            &cancel,
        ));
        send(export_history_to_file(
            &api,
            ApprovalQuery::default(),
            Format::Json,
            &dir,
            |_| {},
            &cancel,
        ));
        send(export_history(
            &api,
            ApprovalQuery::default(),
            Format::Csv,
            Vec::new(),
            |_| {},
            &cancel,
        ));
    }

    #[test]
    fn user_messages() {
        let e = ExportError::Cancelled { rows: 12_500 };
        assert_eq!(
            e.user_message(),
            "Export cancelled after 12,500 rows; nothing was saved."
        );
        let e = ExportError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(e.is_broken_pipe());
        let e = e.with_path(Path::new("/x/\u{1b}y.csv"));
        assert!(
            e.user_message().starts_with("Could not write /x/y.csv: "),
            "{}",
            e.user_message()
        );
        assert_eq!(
            ExportError::Api(ApiError::Timeout).user_message(),
            "Export failed: The backend did not answer in time."
        );
    }
}
