//! Tier assignments and campaign links (RECORDS.md §3) for [`HttpApi`]: two collections of one
//! shape, a period of a partner with a start and an optional expiry. Each answer is decoded as
//! its kind and wrapped as a [`Period`].

use reqwest::Method;

use super::endpoints::{decode, decode_saved_as, to_json};
use super::query::{Query, page_query, seg};
use super::transport::Request;
use super::{ApiResult, HttpApi};
use crate::domain::*;

fn decode_period(kind: PeriodKind, body: &[u8]) -> ApiResult<Period> {
    Ok(match kind {
        PeriodKind::TierAssignment => Period::TierAssignment(decode(body)?),
        PeriodKind::CampaignLink => Period::CampaignLink(decode(body)?),
    })
}

fn decode_saved(kind: PeriodKind, body: &[u8]) -> ApiResult<Saved<Period>> {
    decode_saved_as(body, |b| decode_period(kind, b))
}

impl HttpApi {
    pub(super) async fn list_periods(
        &self,
        kind: PeriodKind,
        partner_id: &str,
    ) -> ApiResult<Page<Period>> {
        let path = format!("/partners/{}/{}", seg(partner_id), kind.collection());
        let q = page_query(None, Some(200));
        Ok(match kind {
            PeriodKind::TierAssignment => self
                .get::<Page<TierAssignment>>(path, q)
                .await?
                .map(Period::TierAssignment),
            PeriodKind::CampaignLink => self
                .get::<Page<CampaignLink>>(path, q)
                .await?
                .map(Period::CampaignLink),
        })
    }

    /// Sent again with the same key after a failure: the server answers a repeated key with
    /// what it made the first time.
    pub(super) async fn post_period(
        &self,
        kind: PeriodKind,
        partner_id: &str,
        key: &str,
        what: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> ApiResult<Saved<Period>> {
        let body = match kind {
            PeriodKind::TierAssignment => to_json(&NewTierAssignment {
                tier_id: what.into(),
                starts_at,
                expires_at,
            })?,
            PeriodKind::CampaignLink => to_json(&NewCampaignLink {
                campaign_id: what.into(),
                starts_at,
                expires_at,
            })?,
        };
        let req = Request {
            method: Method::POST,
            path: format!("/partners/{}/{}", seg(partner_id), kind.collection()),
            query: Query::new(),
            body: Some(body),
            idempotency_key: Some(key),
            if_match: None,
            retry: true,
        };
        decode_saved(kind, &self.execute(&req).await?)
    }

    pub(super) async fn patch_period(
        &self,
        kind: PeriodKind,
        id: &str,
        version: i64,
        patch: &DatesPatch,
    ) -> ApiResult<Saved<Period>> {
        let req = Request {
            method: Method::PATCH,
            path: format!("/{}/{}", kind.collection(), seg(id)),
            query: Query::new(),
            body: Some(to_json(&patch.to_json())?),
            idempotency_key: None,
            if_match: Some(version),
            retry: false,
        };
        decode_saved(kind, &self.execute(&req).await?)
    }

    pub(super) async fn delete_period_at(
        &self,
        kind: PeriodKind,
        id: &str,
        version: i64,
    ) -> ApiResult<()> {
        let req = Request {
            method: Method::DELETE,
            path: format!("/{}/{}", kind.collection(), seg(id)),
            query: Query::new(),
            body: None,
            idempotency_key: None,
            if_match: Some(version),
            retry: false,
        };
        self.execute(&req).await.map(drop)
    }

    pub(super) async fn list_expiring(&self, query: &ExpiringQuery) -> ApiResult<Page<Period>> {
        let mut q = Query::new();
        if let Some(days) = query.within_days {
            q.push(("within_days", days.to_string()));
        }
        q.extend(page_query(query.cursor.as_deref(), query.limit));
        self.get("/expiring".into(), q).await
    }
}
