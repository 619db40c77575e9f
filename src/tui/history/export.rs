//! `e`: export the history view in front of the CSR (all pages, its search and filters) to a
//! CSV file in the export dir, with a progress line and a cancel key. Part of `App`; pure: the
//! writing happens in the runtime (`crate::export`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::queue::filter::{ListQuery, has_decision};

/// Rows per page while exporting: the most the API gives.
const EXPORT_PAGE: u32 = 500;

#[derive(Debug)]
pub struct ExportState {
    pub rows: u64,
    /// Set by the cancel key; the export stops between pages and removes its part file.
    pub cancel: Arc<AtomicBool>,
}

impl App {
    pub(in crate::tui) fn start_export(&mut self) -> Vec<Effect> {
        let id = self.active_section_id();
        if !has_decision(id) {
            return self.note("Export works on history views; switch to a History section.");
        }
        if self.history.export.is_some() {
            return self.note("An export is already running; Esc cancels it.");
        }
        let ListQuery::Approvals(mut query) = self.section(id).filter.query(id, None, EXPORT_PAGE)
        else {
            return vec![];
        };
        query.cursor = None;
        let cancel = Arc::new(AtomicBool::new(false));
        self.history.export = Some(ExportState {
            rows: 0,
            cancel: cancel.clone(),
        });
        vec![Effect::Export {
            query,
            dir: self.session.export_dir.clone(),
            cancel,
        }]
    }

    /// Esc while exporting stops the export (before it clears anything else).
    pub(in crate::tui) fn cancel_export(&mut self) -> bool {
        match &self.history.export {
            Some(e) => {
                e.cancel.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    pub(in crate::tui) fn on_export_progress(&mut self, rows: u64) -> Vec<Effect> {
        if let Some(e) = &mut self.history.export {
            e.rows = rows;
        }
        vec![]
    }

    pub(in crate::tui) fn on_export_done(
        &mut self,
        result: Result<(std::path::PathBuf, u64), String>,
    ) -> Vec<Effect> {
        let cancelled = self
            .history
            .export
            .take()
            .is_some_and(|e| e.cancel.load(Ordering::Relaxed));
        match result {
            Ok((path, rows)) => {
                // The file's name before its directory: a narrow window cuts a toast's end, and
                // the directory is the part the CSR chose (and `info` shows).
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                let dir = path.parent().unwrap_or(&path).display().to_string();
                // It stays until the next key: the CSR needs the path to find the file.
                self.sticky_toast(
                    crate::tui::app::toast::ToastKind::Success,
                    format!(
                        "Exported {} rows to {} in {}",
                        crate::format::group(rows),
                        crate::text::clean_line(&name),
                        crate::text::clean_line(&dir)
                    ),
                )
            }
            Err(_) if cancelled => self.note("Export cancelled; nothing was written."),
            // `why` is the export's own sentence ("Export failed: …", "Could not write …").
            Err(why) => self.error_toast(why),
        }
    }
}
