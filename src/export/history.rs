//! The paging export loop: every page of `GET /approvals/export` for a query, each written
//! through a [`HistoryWriter`] as it arrives while the next one is fetched.
//!
//! Memory stays flat at about two pages whatever the size of the history. Where the rows go is
//! the caller's: a file through `file.rs`, stdout from the command line, a `Vec` in tests.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{ExportError, Format, HistoryWriter};
use crate::client::{Api, ApiError};
use crate::domain::{ApprovalQuery, EXPORT_PAGE_MAX, StatusFilter};

/// Rows per request: the most `GET /approvals/export` serves in one page (API.md).
pub const PAGE_LIMIT: u32 = EXPORT_PAGE_MAX;

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
