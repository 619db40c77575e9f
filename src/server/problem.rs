//! problem+json errors (RFC 9457) as axum responses, and the middleware that turns every other
//! error response (axum's own rejections, 404 route, 405, 413) into one too.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::{Approval, Problem, codes};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Boxed: a problem can carry a whole record (the current approval or partner) and every
/// field's error, and handlers pass it back through every `Result`.
#[derive(Debug)]
pub struct ApiProblem(pub Box<Problem>);

impl ApiProblem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        ApiProblem(Box::new(Problem {
            type_: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
            ..Problem::default()
        }))
    }

    pub fn with_approval(mut self, approval: Approval) -> Self {
        self.0.approval = Some(Box::new(approval));
        self
    }

    /// A 412's or 409's current partner.
    pub fn with_partner(mut self, partner: crate::domain::Partner) -> Self {
        self.0.partner = Some(Box::new(partner));
        self
    }

    /// A 412's current node of the hierarchy, in the member named by its level.
    pub fn with_record(mut self, record: super::store::Record) -> Self {
        match record {
            super::store::Record::Distributor(d) => self.0.distributor = Some(Box::new(d)),
            super::store::Record::Partner(p) => self.0.partner = Some(p),
            super::store::Record::Tenant(t) => self.0.tenant = Some(Box::new(t)),
        }
        self
    }

    /// A 412's current tier assignment or campaign link, in the member named by its kind.
    pub fn with_period(mut self, period: crate::domain::Period) -> Self {
        match period {
            crate::domain::Period::TierAssignment(a) => self.0.tier_assignment = Some(Box::new(a)),
            crate::domain::Period::CampaignLink(l) => self.0.campaign_link = Some(Box::new(l)),
        }
        self
    }

    /// A 412's current lead-exchange settings.
    pub fn with_lead_settings(
        mut self,
        settings: crate::domain::Versioned<crate::domain::LeadSettings>,
    ) -> Self {
        self.0.lead_settings = Some(Box::new(settings));
        self
    }

    /// A 409's current voucher batch.
    pub fn with_voucher_batch(mut self, batch: crate::domain::VoucherBatch) -> Self {
        self.0.voucher_batch = Some(Box::new(batch));
        self
    }

    /// 422 `validation_failed` with every invalid field.
    pub fn validation_failed(errors: Vec<crate::domain::FieldError>) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::VALIDATION_FAILED,
            format!(
                "{} field{} not valid; see errors.",
                errors.len(),
                if errors.len() == 1 { " is" } else { "s are" }
            ),
        );
        p.0.errors = errors;
        p
    }

    pub fn bad_param(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_PARAMETER, detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("No {what} with that id."),
        )
    }

    pub fn invalid_cursor() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_CURSOR,
            "The cursor is not one this server made; start again without it.",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, detail)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "The server failed; the error is in its log.",
        )
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn body(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let mut res = (self.status(), self.body()).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        // Every 503 means "not now": the client may try again in a second.
        if self.status() == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

/// Store and other internal errors become a logged 500 without internals in the body.
impl From<super::store::StoreError> for ApiProblem {
    fn from(e: super::store::StoreError) -> Self {
        match e {
            super::store::StoreError::Problem(p) => p,
            super::store::StoreError::Sql(e) if e.is_unavailable() => {
                tracing::warn!("database unavailable: {e}");
                ApiProblem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    codes::SERVER_BUSY,
                    "The server cannot reach its database just now; try again shortly.",
                )
            }
            other => {
                tracing::error!("store error: {other}");
                ApiProblem::internal()
            }
        }
    }
}

/// Middleware: an error response that is not problem+json yet (axum's rejections, the body
/// limit's 413, 405) becomes one, so clients only ever parse one error shape.
pub async fn problemize(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return res;
    }
    let (code, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (codes::BODY_TOO_LARGE, "The request body is too large."),
        StatusCode::METHOD_NOT_ALLOWED => (
            codes::METHOD_NOT_ALLOWED,
            "This route does not accept that method.",
        ),
        StatusCode::NOT_FOUND => (codes::NO_ROUTE, "No such route."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            codes::UNSUPPORTED_MEDIA_TYPE,
            "Send the body as application/json.",
        ),
        s if s.is_server_error() => (
            codes::INTERNAL,
            "The server failed; the error is in its log.",
        ),
        _ => (codes::INVALID_PARAMETER, "The request is malformed."),
    };
    let mut out = ApiProblem::new(status, code, detail).into_response();
    // Keep headers like Allow on a 405.
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
