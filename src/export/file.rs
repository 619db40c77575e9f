//! Exports to files, written whole or not at all: the rows go to `<path>.part` (mode 0600),
//! which is synced and renamed to its final name only when the export is complete, and removed
//! on an error, a cancel, or when the export's future is dropped midway. The console's `e`
//! exports into a directory under a fresh name ([`export_history_to_dir`]); the command line's
//! `--out FILE` replaces that file ([`export_history_to_file`]).

use std::fmt::Display;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, TimeZone};

use super::{ExportError, Format, WRITE_BUFFER, export_history};
use crate::client::Api;
use crate::domain::ApprovalQuery;

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
        assert_eq!(
            part_path(Path::new("/tmp/x.csv")),
            Path::new("/tmp/x.csv.part")
        );
    }

    #[test]
    fn unique_names_in_a_dir() {
        let temp = crate::config::test_support::TempDir::new("export-unique");
        let dir = temp.path().to_path_buf();
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
