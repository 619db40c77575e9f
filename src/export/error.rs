//! Why an export did not complete ([`ExportError`]), in the words the console's status line
//! and the command line show. Shared by the paging loop (`history.rs`), the files (`file.rs`)
//! and both callers.

use std::io;
use std::path::{Path, PathBuf};

use crate::client::ApiError;
use crate::text;

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

    /// The same error, naming the file being written when it names none yet.
    pub(super) fn with_path(self, path: &Path) -> Self {
        match self {
            ExportError::Io { path: None, source } => ExportError::Io {
                path: Some(path.to_path_buf()),
                source,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
