//! The History tab's own parts: the chart of decisions per day and the export from the console.

pub mod export;
