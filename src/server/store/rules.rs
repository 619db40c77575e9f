//! The rules a period's dates must keep (RECORDS.md §3), judged inside the write's
//! transaction against what is stored, with the domain's own `overlaps` (so the console's
//! warning before a save and the server's refusal are one rule):
//! - 422 `expires_before_start`: the expiry is not after the start;
//! - 422 `outside_campaign_window`: a campaign link does not lie inside its campaign's dates
//!   (a link without expiry is outside a campaign that has one);
//! - 409 `assignment_overlap`: two tier assignments of one partner share a moment; the problem
//!   carries the other one (`overlapping`) and names it.
//!
//! Every field a rule refuses is listed in `errors` with its pointer (`/expires_at`); the
//! problem's `code` is the rule's. A period that is valid but over already is saved with a
//! warning.

use super::db::Connection;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::StoreResult;
use super::periods::{all_periods, day, span};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// What a period points at, as its rules need it.
pub(super) enum Target {
    /// A tier (that exists): its assignments may not overlap.
    Tier,
    Campaign(Campaign),
}

/// A warning (not an error): the period ended already, so it changes nothing today.
pub const ALREADY_EXPIRED: &str = "already_expired";

/// 422 with the rule's `code` and each field it refuses.
pub(super) fn refused(code: &str, errors: Vec<FieldError>) -> ApiProblem {
    let detail = errors
        .iter()
        .map(|e| e.detail.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut p = ApiProblem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail);
    p.0.errors = errors;
    p
}

/// The warnings a period of `partner_id` pointing at `target` over `dates` deserves, or the
/// rule it breaks. `itself`: the period being changed, which does not overlap itself.
pub(super) fn judged(
    conn: &Connection,
    target: &Target,
    partner_id: &str,
    itself: Option<&str>,
    (starts_at, expires_at): (DateTime<Utc>, Option<DateTime<Utc>>),
    now: DateTime<Utc>,
) -> StoreResult<Vec<FieldError>> {
    if let Some(e) = expires_at.filter(|e| *e <= starts_at) {
        return Err(refused(
            codes::EXPIRES_BEFORE_START,
            vec![FieldError::new(
                "/expires_at",
                codes::EXPIRES_BEFORE_START,
                format!(
                    "The expiry ({}) must be after the start ({}).",
                    day(e),
                    day(starts_at)
                ),
            )],
        )
        .into());
    }
    match target {
        Target::Campaign(c) => {
            let errors = outside_window(c, starts_at, expires_at);
            if !errors.is_empty() {
                return Err(refused(codes::OUTSIDE_CAMPAIGN_WINDOW, errors).into());
            }
        }
        Target::Tier => {
            let other = all_periods(conn, PeriodKind::TierAssignment, partner_id, now)?
                .into_iter()
                .filter(|p| Some(p.id()) != itself)
                .find(|p| overlaps(starts_at, expires_at, p.starts_at(), p.expires_at()));
            if let Some(Period::TierAssignment(other)) = other {
                let mut p = ApiProblem::new(
                    StatusCode::CONFLICT,
                    codes::ASSIGNMENT_OVERLAP,
                    format!(
                        "Overlaps {} {}.",
                        other.tier.name,
                        span(other.starts_at, other.expires_at)
                    ),
                );
                p.0.overlapping = Some(Box::new(other));
                return Err(p.into());
            }
        }
    }
    Ok(expires_at
        .filter(|e| *e <= now)
        .map(|e| {
            FieldError::new(
                "/expires_at",
                ALREADY_EXPIRED,
                format!("This ended already ({}); it changes nothing today.", day(e)),
            )
        })
        .into_iter()
        .collect())
}

/// Each end of a link that lies outside its campaign's dates.
pub(super) fn outside_window(
    c: &Campaign,
    starts_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if starts_at < c.starts_at {
        errors.push(FieldError::new(
            "/starts_at",
            codes::OUTSIDE_CAMPAIGN_WINDOW,
            format!(
                "Starts before the campaign {} does ({}).",
                c.name,
                day(c.starts_at)
            ),
        ));
    }
    match (c.expires_at, expires_at) {
        (Some(end), None) => errors.push(FieldError::new(
            "/expires_at",
            codes::OUTSIDE_CAMPAIGN_WINDOW,
            format!(
                "Has no expiry, but the campaign {} ends on {}; a link ends with its campaign at the latest.",
                c.name,
                day(end)
            ),
        )),
        (Some(end), Some(e)) if e > end => errors.push(FieldError::new(
            "/expires_at",
            codes::OUTSIDE_CAMPAIGN_WINDOW,
            format!("Ends after the campaign {} does ({}).", c.name, day(end)),
        )),
        _ => {}
    }
    errors
}
