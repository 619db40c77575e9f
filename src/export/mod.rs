//! Exports of the decision history: CSV (RFC 4180) and JSON, streamed page by page.
//!
//! One writer ([`HistoryWriter`]) and one loop ([`export_history`]) serve both the console's
//! `e` key (through [`export_history_to_dir`]) and `partner-console export history` (through
//! [`crate::cli::export`]). Rows come from `GET /approvals/export` (only the exported columns of
//! each approval, as [`ExportRow`](crate::domain::ExportRow)s) in the largest pages it serves
//! ([`PAGE_LIMIT`]), following `next_cursor`, and each row is written as it arrives: memory
//! stays flat at one page whatever the size of the history.
//!
//! Every cell passes through [`guard_cell`] (QUALITY.md 2): control, bidi and zero-width chars
//! are removed with the rules of [`crate::text`], and a cell that a spreadsheet would take for a
//! formula (`= + - @`, TAB, CR, NUL first) gets a leading `'`.
//!
//! - `guard.rs`: the cell guard.
//! - `writer.rs`: the CSV and JSON writers, the columns, the formats.
//! - `history.rs`: the paging loop from the API to a writer.
//! - `file.rs`: exports to files: through a part file renamed when complete, or straight into a
//!   FIFO or a device.
//! - `part.rs`: the part file (random name, 0600, never through a symlink).
//! - `error.rs`: why an export did not complete.

mod error;
mod file;
mod guard;
mod history;
mod part;
mod writer;

pub use error::ExportError;
pub use file::{ExportedFile, default_file_name, export_history_to_dir, export_history_to_file};
pub use guard::guard_cell;
pub use history::{PAGE_LIMIT, export_history};
pub use writer::{COLUMNS, Format, HistoryWriter, WRITE_BUFFER};
