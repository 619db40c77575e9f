//! A partner's lead-exchange settings (RECORDS.md §4) for [`HttpApi`]: read, change by merge
//! patch, preview the delivery body, and invite the partner to its portal.

use reqwest::Method;

use super::endpoints::{decode, to_json};
use super::query::{Query, seg};
use super::transport::Request;
use super::{ApiResult, HttpApi};
use crate::domain::*;

impl HttpApi {
    pub(super) async fn get_lead_settings(
        &self,
        partner_id: &str,
    ) -> ApiResult<Saved<Versioned<LeadSettings>>> {
        self.get(
            format!("/partners/{}/lead_settings", seg(partner_id)),
            Query::new(),
        )
        .await
    }

    /// Not retried: a lost answer to a change that was made would come back as a 412 of the
    /// CSR's own change.
    pub(super) async fn patch_lead_settings(
        &self,
        partner_id: &str,
        version: i64,
        patch: &serde_json::Value,
    ) -> ApiResult<Saved<Versioned<LeadSettings>>> {
        let req = Request {
            method: Method::PATCH,
            path: format!("/partners/{}/lead_settings", seg(partner_id)),
            query: Query::new(),
            body: Some(to_json(patch)?),
            idempotency_key: None,
            if_match: Some(version),
            retry: false,
        };
        decode(&self.execute(&req).await?)
    }

    /// A preview changes nothing, so it is retried like a read.
    pub(super) async fn post_lead_preview(
        &self,
        partner_id: &str,
        preview: &PreviewRequest,
    ) -> ApiResult<LeadPreview> {
        let req = Request {
            method: Method::POST,
            path: format!("/partners/{}/lead_settings/preview", seg(partner_id)),
            query: Query::new(),
            body: Some(to_json(preview)?),
            idempotency_key: None,
            if_match: None,
            retry: true,
        };
        decode(&self.execute(&req).await?)
    }

    /// Sent again with the same key after a failure: the server queues one email per key.
    pub(super) async fn post_portal_invite(
        &self,
        partner_id: &str,
        key: &str,
    ) -> ApiResult<PortalInvite> {
        let req = Request {
            method: Method::POST,
            path: format!("/partners/{}/portal_invite", seg(partner_id)),
            query: Query::new(),
            body: Some(b"{}".to_vec()),
            idempotency_key: Some(key),
            if_match: None,
            retry: true,
        };
        decode(&self.execute(&req).await?)
    }
}
