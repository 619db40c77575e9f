//! The History tab's own parts: the chart of decisions per day (`chart.rs`) and the export
//! of the view in front of the CSR (`export.rs`).

pub mod chart;
pub mod export;

use crate::domain::ApprovalStats;
use export::ExportState;

#[derive(Debug, Default)]
pub struct History {
    /// Decisions per day for the chart, or why there are none.
    pub stats: Option<Result<ApprovalStats, String>>,
    pub(in crate::tui) stats_request: u64,
    /// A running export and its progress.
    pub export: Option<ExportState>,
}
