//! What an error answer means: a problem body (`application/problem+json`, or any JSON with
//! `code` and `status`) becomes [`ApiError::Problem`], anything else [`ApiError::Http`] with a
//! short reason. Only bytes already read come in here: the transport reads the answer (within
//! its limit), this module interprets it, cleaned for the terminal.

use reqwest::StatusCode;

use super::ApiError;
use super::error::clip;
use crate::domain::Problem;
use crate::text::Clean;

/// The error an answer with `status` means, from its media type (lowercased, without parameters)
/// and its body; `complete` is false when the body was longer than the transport reads, and
/// such a body is not interpreted.
pub(super) fn error_from_parts(
    status: StatusCode,
    content_type: &str,
    body: &[u8],
    complete: bool,
) -> ApiError {
    let is_json = content_type == "application/json" || content_type.ends_with("+json");
    if complete
        && is_json
        && let Some(mut problem) = parse_problem(body).map(Clean::clean)
    {
        // RFC 9457: the body's `status` is advisory; the real one decides retries and messages.
        problem.status = status.as_u16();
        return ApiError::Problem(Box::new(problem));
    }
    let reason = status.canonical_reason().unwrap_or("error").to_string();
    let message = if complete && content_type == "text/plain" {
        let text = String::from_utf8_lossy(body);
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        if first.is_empty() {
            reason
        } else {
            format!("{reason}: {}", clip(first, 120))
        }
    } else {
        reason
    };
    ApiError::Http {
        status: status.as_u16(),
        message,
    }
}

/// A problem body, leniently: if the current approval in it does not decode, the problem still
/// counts (its `code` is what the UI acts on) without the approval.
fn parse_problem(body: &[u8]) -> Option<Problem> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = value.as_object_mut()?;
    if !obj.get("code").is_some_and(|c| c.is_string())
        || !obj.get("status").is_some_and(|s| s.is_u64())
    {
        return None;
    }
    if let Ok(p) = serde_json::from_value::<Problem>(value.clone()) {
        return Some(p);
    }
    let obj = value.as_object_mut()?;
    obj.remove("approval");
    // Wrong types in the optional text fields: keep code and status, drop the rest.
    for field in ["type", "title", "detail"] {
        if obj.get(field).is_some_and(|v| !v.is_string()) {
            obj.remove(field);
        }
    }
    serde_json::from_value::<Problem>(value).ok()
}

#[cfg(test)]
mod tests {
    use crate::client::testserver::{APPROVAL, api, json, problem, serve};
    use crate::client::{Api, ApiError, DecisionKey};
    use crate::domain::{ApproveBody, codes};

    #[tokio::test]
    async fn already_decided_carries_the_current_approval() {
        let extra = format!(r#","approval":{APPROVAL}"#);
        let server = serve(vec![
            problem(409, codes::ALREADY_DECIDED, &extra),
            problem(412, codes::VERSION_MISMATCH, r#","approval":{"id":5}"#),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let err = api
            .approve("ap_1", &DecisionKey::new(1), &ApproveBody::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(codes::ALREADY_DECIDED));
        assert_eq!(err.status(), Some(409));
        assert_eq!(err.current_approval().unwrap().id, "ap_1");
        assert_eq!(err.user_message(), "D already_decided.");
        // A broken approval does not hide the code.
        let err = api
            .approve("ap_1", &DecisionKey::new(1), &ApproveBody::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(codes::VERSION_MISMATCH));
        assert!(err.current_approval().is_none());
        assert_eq!(server.requests().len(), 2, "conflicts are not retried");
    }

    #[tokio::test]
    async fn plain_json_with_code_and_status_is_a_problem() {
        let server = serve(vec![
            json(
                403,
                r#"{"status":403,"code":"forbidden","title":"Forbidden"}"#,
            ),
            json(400, r#"{"error":"nope"}"#),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let err = api.outbox(None, None).await.unwrap_err();
        assert_eq!(err.code(), Some("forbidden"));
        assert_eq!(err.user_message(), "Forbidden.");
        let err = api.outbox(None, None).await.unwrap_err();
        assert!(matches!(err, ApiError::Http { status: 400, .. }), "{err:?}");
    }
}
