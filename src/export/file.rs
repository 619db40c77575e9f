//! Exports to files (issue 16, points 2 and 3).
//!
//! - A regular file, or a name not yet taken, is written whole or not at all: the rows go to a
//!   part file (`part.rs`: a random name in the same directory, 0600, never through a
//!   symlink), which is synced and renamed to the final name only when the export is complete,
//!   and removed on an error, a cancel, or when the export's future is dropped midway.
//! - Anything else that exists (a FIFO, `/dev/null`, a terminal, a symlink to one of them) is
//!   the user's choice of where the bytes go: it is written into as it is, and stays what it
//!   is. A symlink to a regular file is refused: writing through it could overwrite a file
//!   another user's link points at, and replacing it would turn `/dev/stdout` into a file.
//!
//! The console's `e` exports into a directory under a fresh name ([`export_history_to_dir`]);
//! the command line's `--out FILE` names its file ([`export_history_to_file`]).

use std::fmt::Display;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, TimeZone};

use super::part::PartFile;
use super::{ExportError, Format, WRITE_BUFFER, export_history};
use crate::client::Api;
use crate::domain::ApprovalQuery;

/// Why a symlink to a regular file is not written to, with the fix.
const LINK_TO_FILE: &str =
    "it is a symbolic link to a regular file; name that file itself, or give - for standard output";

/// How many names `export_history_to_dir` tries: `name`, `name-2`, ... `name-1000`.
const UNIQUE_NAMES: u32 = 1000;

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

/// Where the rows of an export to a named path go.
enum Sink {
    /// A part file, renamed over the path when the export is complete.
    Part(PartFile),
    /// Straight into what the path is (a FIFO, a device).
    Direct(File),
}

/// What `path` is decides how it is written: see the module's comment.
async fn open_sink(path: &Path) -> io::Result<Sink> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => return open_direct(path).await.map(Sink::Direct),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "it is not a file name"))?;
    PartFile::create(path.parent().unwrap_or(Path::new("")), name).map(Sink::Part)
}

/// Opens what is not a regular file for writing, as it is: not created, not truncated (a FIFO
/// or a device has nothing to truncate). Opening a FIFO waits for its reader, so it happens on
/// tokio's blocking threads, where it does not keep a Ctrl-C from being seen.
async fn open_direct(path: &Path) -> io::Result<File> {
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .await?
        .into_std()
        .await;
    // What was opened decides, not what was looked at a moment before: a symlink to a regular
    // file, or a regular file swapped in since, is refused before a byte is written.
    if file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, LINK_TO_FILE));
    }
    Ok(file)
}

/// Writes the whole export into `file` through a buffer; `path` names it in errors.
async fn write_rows(
    api: &dyn Api,
    query: ApprovalQuery,
    format: Format,
    file: &mut File,
    path: &Path,
    progress: impl FnMut(u64),
    cancel: &AtomicBool,
) -> Result<u64, ExportError> {
    let mut out = io::BufWriter::with_capacity(WRITE_BUFFER, file);
    let rows = export_history(api, query, format, &mut out, progress, cancel)
        .await
        .map_err(|e| e.with_path(path))?;
    out.into_inner()
        .map_err(|e| ExportError::from(e.into_error()).with_path(path))?;
    Ok(rows)
}

/// Export to `path`. A regular file (or a new one) is replaced only once the export is
/// complete, by a file of mode 0600; nothing is left on an error or cancel (or when this future
/// is dropped). A FIFO or a device is written into directly. The parent directory must exist.
pub async fn export_history_to_file(
    api: &dyn Api,
    query: ApprovalQuery,
    format: Format,
    path: &Path,
    progress: impl FnMut(u64),
    cancel: &AtomicBool,
) -> Result<ExportedFile, ExportError> {
    let at_path = |e: io::Error| ExportError::from(e).with_path(path);
    let rows = match open_sink(path).await.map_err(at_path)? {
        Sink::Direct(mut file) => {
            write_rows(api, query, format, &mut file, path, progress, cancel).await?
        }
        Sink::Part(mut part) => {
            let rows = write_rows(api, query, format, part.file(), path, progress, cancel).await?;
            part.publish_replacing(path).map_err(at_path)?;
            rows
        }
    };
    Ok(ExportedFile {
        path: path.to_path_buf(),
        rows,
    })
}

/// What the console's `e` calls: export into `dir` (created 0700 if missing; the configured
/// `export_dir`) under [`default_file_name`] for the local time now, never replacing a file
/// that is there (`-2`, `-3`, ... are appended), through a part file as in
/// [`export_history_to_file`]. Returns the final path and the row count.
pub async fn export_history_to_dir(
    api: &dyn Api,
    query: ApprovalQuery,
    format: Format,
    dir: &Path,
    progress: impl FnMut(u64),
    cancel: &AtomicBool,
) -> Result<ExportedFile, ExportError> {
    crate::owner_only::create_dir_all(dir).map_err(|e| ExportError::from(e).with_path(dir))?;
    let name = default_file_name(&chrono::Local::now(), format);
    let first = dir.join(&name);
    let at_first = |e: io::Error| ExportError::from(e).with_path(&first);
    let mut part = PartFile::create(dir, name.as_ref()).map_err(at_first)?;
    let rows = write_rows(api, query, format, part.file(), &first, progress, cancel).await?;
    let path = part
        .publish_new(unique_names(dir, &name, format))
        .map_err(at_first)?;
    Ok(ExportedFile { path, rows })
}

/// `name`, then `name-2`, `name-3`, ... (before the extension), in `dir`.
fn unique_names(dir: &Path, name: &str, format: Format) -> impl Iterator<Item = PathBuf> {
    let ext = format!(".{}", format.extension());
    let stem = name.strip_suffix(&ext).unwrap_or(name).to_string();
    let first = dir.join(name);
    let dir = dir.to_path_buf();
    std::iter::once(first)
        .chain((2..=UNIQUE_NAMES).map(move |n| dir.join(format!("{stem}-{n}{ext}"))))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

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
    }

    #[test]
    fn unique_names_in_a_dir() {
        let dir = Path::new("/d");
        let names: Vec<PathBuf> = unique_names(dir, "h.csv", Format::Csv).take(3).collect();
        assert_eq!(
            names,
            [dir.join("h.csv"), dir.join("h-2.csv"), dir.join("h-3.csv")]
        );
        assert_eq!(
            unique_names(dir, "h.csv", Format::Csv).last(),
            Some(dir.join("h-1000.csv"))
        );
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
}
