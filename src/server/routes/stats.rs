//! The counts: `GET /summary` (what is pending now, per kind) and `GET /approvals/stats`
//! (decisions per day over a window, 30 days by default).

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::approvals::kinds_and_status;
use super::request::{Params, query_text, time};
use super::response::json;
use super::{Res, S};
use crate::domain::{Role, StatusFilter};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, StatsFilter};

/// `GET /approvals/stats` without `from`/`to`: the last 30 days, today included.
const STATS_DEFAULT_DAYS: u64 = 30;
/// The longest window `GET /approvals/stats` counts.
const STATS_MAX_DAYS: i64 = 366;

pub(super) async fn summary(State(st): S, caller: Caller) -> Res {
    caller.user(Role::Viewer)?;
    let s = st.store.read(store::summary).await?;
    Ok(json(StatusCode::OK, &s))
}

/// The window `GET /approvals/stats` counts: `from`/`to` as given; without `to`, the end of
/// today (UTC); without `from`, the start of the 30th day before `to`'s day, so the default is
/// the last 30 days with today. At most 366 days.
fn stats_window(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiProblem> {
    let start_of = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let to = to.unwrap_or_else(|| {
        start_of(now.date_naive()) + chrono::Duration::days(1) - chrono::Duration::milliseconds(1)
    });
    let from = match from {
        Some(f) => f,
        None => start_of(
            to.date_naive()
                .checked_sub_days(chrono::Days::new(STATS_DEFAULT_DAYS - 1))
                .unwrap_or(chrono::NaiveDate::MIN),
        ),
    };
    if from > to {
        return Err(ApiProblem::bad_param("from must not be after to."));
    }
    if to - from > chrono::Duration::days(STATS_MAX_DAYS) {
        return Err(ApiProblem::bad_param(format!(
            "from and to may be at most {STATS_MAX_DAYS} days apart."
        )));
    }
    Ok((from, to))
}

pub(super) async fn approval_stats(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let (kinds, status) = kinds_and_status(&p, StatusFilter::Decided)?;
    if status == StatusFilter::Pending {
        return Err(ApiProblem::bad_param(
            "stats count decisions: status must be decided, approved or rejected (pending counts are in /summary).",
        ));
    }
    let (from, to) = stats_window(time(&p, "from")?, time(&p, "to")?, Utc::now())?;
    let filter = StatsFilter {
        kinds,
        status,
        q: query_text(&p)?,
        partner_id: super::approvals::partner_param(&p)?,
        from,
        to,
    };
    let stats = st
        .store
        .read(move |c| store::approval_stats(c, &filter))
        .await?;
    Ok(json(StatusCode::OK, &stats))
}
