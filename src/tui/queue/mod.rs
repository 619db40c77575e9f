//! The one list component: five queues, their histories and the partner directory are the same
//! state machine (sections, a bounded paging window, search, filters); what differs per list
//! (columns, detail fields) is data.

pub mod aging;
pub mod columns;
pub mod detail;
pub mod filter;
pub mod filter_form;
pub mod list;
pub mod paging;
pub mod search;
pub mod section;
pub mod tabs;
pub mod widths;

#[cfg(test)]
mod tests;
