//! The hierarchy's endpoints (RECORDS.md §1) for [`HttpApi`]: three levels, one shape. Each
//! call goes to its level's collection (`/distributors`, `/partners`, `/tenants`) and its answer
//! is decoded as that level's type, then wrapped as a [`Node`].

use reqwest::Method;

use super::endpoints::{decode, decode_saved_as, to_json};
use super::query::{Query, nodes_query, seg};
use super::transport::Request;
use super::{ApiResult, HttpApi};
use crate::domain::*;

/// `/{level}s/{id}` and what follows it.
fn node_path(level: Level, id: &str, rest: &str) -> String {
    format!("/{}/{}{rest}", level.collection(), seg(id))
}

/// A node of `level` from an answer's body.
fn decode_node(level: Level, body: &[u8]) -> ApiResult<Node> {
    Ok(match level {
        Level::Distributor => Node::Distributor(decode(body)?),
        Level::Partner => Node::Partner(decode::<Partner>(body)?.summary),
        Level::Tenant => Node::Tenant(decode(body)?),
    })
}

/// A saved node and its warnings (a partner's answer is the whole partner; the tree keeps its
/// summary).
fn decode_saved(level: Level, body: &[u8]) -> ApiResult<Saved<Node>> {
    decode_saved_as(body, |b| decode_node(level, b))
}

/// A write that is not a create: sent once (a lost answer to a change that was made would come
/// back as a 412 of the CSR's own change), against the version read.
fn change(
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
    version: Option<i64>,
) -> Request<'static> {
    Request {
        method,
        path,
        query: Query::new(),
        body,
        idempotency_key: None,
        if_match: version,
        retry: false,
    }
}

impl HttpApi {
    pub(super) async fn list_nodes(&self, query: &NodeQuery) -> ApiResult<Page<Node>> {
        let path = format!("/{}", query.level.collection());
        let q = nodes_query(query);
        Ok(match query.level {
            Level::Distributor => {
                let page: Page<Distributor> = self.get(path, q).await?;
                page.map(Node::Distributor)
            }
            Level::Partner => self
                .get::<Page<PartnerSummary>>(path, q)
                .await?
                .map(Node::Partner),
            Level::Tenant => self.get::<Page<Tenant>>(path, q).await?.map(Node::Tenant),
        })
    }

    pub(super) async fn get_node(&self, level: Level, id: &str) -> ApiResult<Node> {
        let req = Request {
            method: Method::GET,
            path: node_path(level, id, ""),
            query: Query::new(),
            body: None,
            idempotency_key: None,
            if_match: None,
            retry: true,
        };
        decode_node(level, &self.execute(&req).await?)
    }

    /// `POST /{level}s` under `key`: safe to send again with the same key (the server answers
    /// a repeated key with the node it made the first time).
    pub(super) async fn post_node(&self, key: &str, node: &NewNode) -> ApiResult<Saved<Node>> {
        let body = match node {
            NewNode::Distributor(d) => to_json(d)?,
            NewNode::Partner(p) => to_json(p)?,
            NewNode::Tenant(t) => to_json(t)?,
        };
        let req = Request {
            method: Method::POST,
            path: format!("/{}", node.level().collection()),
            query: Query::new(),
            body: Some(body),
            idempotency_key: Some(key),
            if_match: None,
            retry: true,
        };
        decode_saved(node.level(), &self.execute(&req).await?)
    }

    pub(super) async fn patch_node(
        &self,
        level: Level,
        id: &str,
        version: i64,
        patch: &NodePatch,
    ) -> ApiResult<Saved<Node>> {
        let req = change(
            Method::PATCH,
            node_path(level, id, ""),
            Some(to_json(patch)?),
            Some(version),
        );
        decode_saved(level, &self.execute(&req).await?)
    }

    /// `POST …/suspend` with the reason, or `POST …/enable` without one.
    pub(super) async fn post_suspension(
        &self,
        level: Level,
        id: &str,
        version: i64,
        reason: Option<&str>,
    ) -> ApiResult<Node> {
        let (verb, body) = match reason {
            Some(reason) => (
                "/suspend",
                to_json(&SuspendRequest {
                    reason: reason.into(),
                })?,
            ),
            None => ("/enable", b"{}".to_vec()),
        };
        let req = change(
            Method::POST,
            node_path(level, id, verb),
            Some(body),
            Some(version),
        );
        decode_node(level, &self.execute(&req).await?)
    }

    pub(super) async fn delete_node_at(
        &self,
        level: Level,
        id: &str,
        version: i64,
    ) -> ApiResult<()> {
        let req = change(
            Method::DELETE,
            node_path(level, id, ""),
            None,
            Some(version),
        );
        // 204: nothing to decode.
        self.execute(&req).await.map(drop)
    }

    pub(super) async fn list_admins(&self, level: Level, id: &str) -> ApiResult<Page<UserRef>> {
        self.get(node_path(level, id, "/admins"), Query::new())
            .await
    }

    /// Making someone an administrator says what should be so: sending it again is safe.
    pub(super) async fn post_admin(
        &self,
        level: Level,
        id: &str,
        admin: &NewAdmin,
    ) -> ApiResult<UserRef> {
        let mut req = change(
            Method::POST,
            node_path(level, id, "/admins"),
            Some(to_json(admin)?),
            None,
        );
        req.retry = true;
        decode(&self.execute(&req).await?)
    }

    pub(super) async fn delete_admin(
        &self,
        level: Level,
        id: &str,
        user_id: &str,
    ) -> ApiResult<()> {
        let path = node_path(level, id, &format!("/admins/{}", seg(user_id)));
        let mut req = change(Method::DELETE, path, None, None);
        req.retry = true;
        self.execute(&req).await.map(drop)
    }
}
