//! The one way a new request comes in: `POST /partner/requests` and the simulation (`serve
//! --simulate`) both call [`submit`], so a simulated request is checked, stored, audited and
//! announced (`approval.created`) exactly as a partner's is.

use chrono::Utc;

use super::AppState;
use super::problem::ApiProblem;
use super::store::{self, IdempotencyKey, StoredResponse, Submission, Submitter};
use crate::domain::NewRequest;

/// Submits `request` for the partner `partner_id`, at the server's `--max-pending`, and wakes
/// the event streams for its `approval.created`. The answer is what the endpoint sends (201
/// with the request, or the replay of its key); refusals are problems (422, 404, 409, 429).
pub(crate) async fn submit(
    st: &AppState,
    partner_id: String,
    by: Submitter,
    request: NewRequest,
    idempotency: Option<IdempotencyKey>,
) -> Result<StoredResponse, ApiProblem> {
    let max_pending = st.max_pending;
    let mut outcome = st
        .store
        .write(move |c| {
            store::submit_request(
                c,
                Submission {
                    partner_id: &partner_id,
                    by: &by,
                    request: request.clone(),
                    idempotency: idempotency.as_ref(),
                    max_pending,
                    // The system's time, as decisions take it: `requested_at`, and what "in the
                    // future" is measured from.
                    now: Utc::now(),
                },
            )
        })
        .await?;
    // Woken here, once, whoever submitted; the answer no longer carries it.
    if std::mem::take(&mut outcome.added_events) {
        st.events.published();
    }
    Ok(outcome)
}
