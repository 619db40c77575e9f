//! The partner's requests (RECORDS.md §5) and presence, for [`HttpApi`]: submit a request and
//! read the partner's own (with an impersonation token), say which approval this console has
//! open (with a staff token).

use reqwest::Method;

use super::endpoints::{decode, to_json};
use super::query::{Query, page_query};
use super::transport::Request;
use super::{ApiResult, HttpApi};
use crate::domain::*;

impl HttpApi {
    /// Sent again with the same key after a failure: the server answers a repeated key with
    /// the request it made the first time, so one submission makes one request.
    pub(super) async fn post_request(
        &self,
        key: &str,
        request: &NewRequest,
    ) -> ApiResult<PartnerRequest> {
        let req = Request {
            method: Method::POST,
            path: "/partner/requests".into(),
            query: Query::new(),
            body: Some(to_json(request)?),
            idempotency_key: Some(key),
            if_match: None,
            retry: true,
        };
        decode(&self.execute(&req).await?)
    }

    pub(super) async fn get_requests(
        &self,
        cursor: Option<&str>,
    ) -> ApiResult<Page<PartnerRequest>> {
        self.get("/partner/requests".into(), page_query(cursor, None))
            .await
    }

    /// It says how things are, not what to change, so sending it twice is safe: retried.
    pub(super) async fn post_presence(&self, approval_id: Option<&str>) -> ApiResult<()> {
        let body = PresenceBody {
            approval_id: approval_id.map(str::to_owned),
        };
        let req = Request {
            method: Method::POST,
            path: "/presence".into(),
            query: Query::new(),
            body: Some(to_json(&body)?),
            idempotency_key: None,
            if_match: None,
            retry: true,
        };
        // 204: nothing to decode.
        self.execute(&req).await.map(drop)
    }
}
