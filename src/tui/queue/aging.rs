//! Aging: a request pending longer than `[ui] stale_after_hours`, or a broadcast or ad whose
//! start is past or within a day, is marked `!` in its queue and counted in its tab's title
//! (`(12) 3!`),
//! so what is late is seen before it is too late.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::tabs::{Row, SectionId, Source, TabId};
use crate::domain::{Approval, Kind, Status, StatusFilter};
use crate::tui::app::App;

/// A broadcast or ad starting within this is marked.
const STARTS_SOON: chrono::Duration = chrono::Duration::hours(24);

/// Is this pending request late at `now`?
pub fn is_aging(a: &Approval, now: DateTime<Utc>, stale_after: Option<Duration>) -> bool {
    if a.status != Status::Pending {
        return false;
    }
    let old = stale_after
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .is_some_and(|d| now - a.requested_at > d);
    let starts_soon = matches!(a.kind, Kind::Broadcast | Kind::Ad)
        && a.details.starts_at.is_some_and(|s| s <= now + STARTS_SOON);
    old || starts_soon
}

impl App {
    /// Is `row` a late request (as shown at `now`)?
    pub fn row_is_aging(&self, row: &Row, now: DateTime<Utc>) -> bool {
        match row {
            Row::Approval(a) => is_aging(a, now, self.session.stale_after),
            Row::Partner(_) => false,
        }
    }

    /// How many late requests a tab's loaded queues hold.
    pub fn aging_in(&self, tab: TabId, now: DateTime<Utc>) -> usize {
        tab.sections()
            .iter()
            .filter(|id| is_pending(**id))
            .flat_map(|id| self.section(*id).rows.iter())
            .filter(|r| self.row_is_aging(r, now))
            .count()
    }
}

fn is_pending(id: SectionId) -> bool {
    matches!(
        id.source(),
        Source::Approvals {
            status: StatusFilter::Pending,
            ..
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::test_data::approval;

    #[test]
    fn old_requests_and_soon_starting_broadcasts_are_late() {
        let a = approval(0); // requested 2026-11-22 09:00 UTC
        let hours = |h| a.requested_at + chrono::Duration::hours(h);
        let two_days = Some(Duration::from_secs(48 * 3600));
        assert!(!is_aging(&a, hours(47), two_days));
        assert!(is_aging(&a, hours(49), two_days));
        assert!(!is_aging(&a, hours(490), None), "0 turns it off");
        let mut decided = a.clone();
        decided.status = Status::Approved;
        assert!(
            !is_aging(&decided, hours(490), two_days),
            "only pending requests"
        );
        let mut broadcast = a.clone();
        broadcast.kind = Kind::Broadcast;
        broadcast.details.starts_at = Some(hours(30));
        assert!(!is_aging(&broadcast, hours(1), None));
        assert!(is_aging(&broadcast, hours(7), None), "starts within a day");
        assert!(is_aging(&broadcast, hours(31), None), "start passed");
    }
}
