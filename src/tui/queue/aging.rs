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

/// What "late" means at one moment: worked out once, then checked against many rows (a
/// frame checks every loaded pending row for the tab counts).
#[derive(Debug, Clone, Copy)]
pub struct Late {
    /// Requested before this: pending too long (`None`: never).
    requested_before: Option<DateTime<Utc>>,
    /// A broadcast or ad starting before this starts soon (or started).
    starts_before: DateTime<Utc>,
}

impl Late {
    pub fn at(now: DateTime<Utc>, stale_after: Option<Duration>) -> Late {
        Late {
            requested_before: stale_after
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .map(|d| now - d),
            starts_before: now + STARTS_SOON,
        }
    }

    /// Is this pending request late?
    pub fn is(&self, a: &Approval) -> bool {
        if a.status != Status::Pending {
            return false;
        }
        let old = self.requested_before.is_some_and(|t| a.requested_at < t);
        let starts_soon = matches!(a.kind, Kind::Broadcast | Kind::Ad)
            && a.details.starts_at.is_some_and(|s| s <= self.starts_before);
        old || starts_soon
    }

    pub fn row(&self, row: &Row) -> bool {
        match row {
            Row::Approval(a) => self.is(a),
            Row::Partner(_) | Row::Period(_) => false,
        }
    }
}

/// Is this pending request late at `now`?
pub fn is_aging(a: &Approval, now: DateTime<Utc>, stale_after: Option<Duration>) -> bool {
    Late::at(now, stale_after).is(a)
}

impl App {
    /// What "late" means for this session at `now`.
    pub fn late_at(&self, now: DateTime<Utc>) -> Late {
        Late::at(now, self.session.stale_after)
    }

    /// How many late requests a tab's loaded queues hold.
    pub fn aging_in(&self, tab: TabId, late: &Late) -> usize {
        tab.sections()
            .iter()
            .filter(|id| is_pending(**id))
            .flat_map(|id| self.section(*id).rows.iter())
            .filter(|r| late.row(r))
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
