//! Request targets: path segments and query strings built from the domain's query types, so
//! that what a filter means on screen is exactly what goes on the wire, and no id can change the
//! path it is put into.

use crate::domain::{
    ApprovalQuery, Level, NodeQuery, PartnerQuery, PartnerSort, VoucherBatchQuery,
};

/// A query string as name-value pairs, in the order they are sent.
pub(super) type Query = Vec<(&'static str, String)>;

/// Percent-encode one path segment: everything but RFC 3986 unreserved characters, so an id
/// can never add a segment (`/`), a query (`?`) or climb (`..` stays inside one segment).
pub(super) fn seg(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // "." and ".." are dot-segments even when alone; encode them so they stay literal ids.
    match out.as_str() {
        "." => "%2E".into(),
        ".." => "%2E%2E".into(),
        _ => out,
    }
}

/// `cursor` and `limit` of any paged list.
pub(super) fn page_query(cursor: Option<&str>, limit: Option<u32>) -> Query {
    let mut q = Query::new();
    if let Some(c) = cursor {
        q.push(("cursor", c.to_string()));
    }
    if let Some(l) = limit {
        q.push(("limit", l.to_string()));
    }
    q
}

/// The filters of `GET /approvals` (and its export and stats), then the page.
pub(super) fn approvals_query(query: &ApprovalQuery) -> Query {
    let mut q = Query::new();
    if !query.kinds.is_empty() {
        let kinds: Vec<&str> = query.kinds.iter().map(|k| k.as_str()).collect();
        q.push(("kind", kinds.join(",")));
    }
    if let Some(s) = query.status {
        q.push(("status", s.as_str().to_string()));
    }
    if let Some(text) = query.q.as_deref().filter(|t| !t.is_empty()) {
        q.push(("q", text.to_string()));
    }
    let rfc3339 =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    if let Some(from) = &query.from {
        q.push(("from", rfc3339(from)));
    }
    if let Some(to) = &query.to {
        q.push(("to", rfc3339(to)));
    }
    if let Some(id) = &query.partner_id {
        q.push(("partner_id", id.clone()));
    }
    if let Some(sort) = query.sort {
        q.push(("sort", sort.as_str().to_string()));
    }
    q.extend(page_query(query.cursor.as_deref(), query.limit));
    q
}

/// The filters of `GET /partners`; the default sort (by name) is left out.
pub(super) fn partners_query(query: &PartnerQuery) -> Query {
    let mut q = Query::new();
    if let Some(text) = query.q.as_deref().filter(|t| !t.is_empty()) {
        q.push(("q", text.to_string()));
    }
    if let Some(s) = query.status {
        q.push(("status", s.as_str().to_string()));
    }
    if query.sort != PartnerSort::Name {
        q.push(("sort", query.sort.as_str().to_string()));
    }
    q.extend(page_query(query.cursor.as_deref(), query.limit));
    q
}

/// The filters of `GET /voucher_batches`, then the page.
pub(super) fn voucher_batches_query(query: &VoucherBatchQuery) -> Query {
    let mut q = Query::new();
    if let Some(id) = &query.partner_id {
        q.push(("partner_id", id.clone()));
    }
    if let Some(unassigned) = query.unassigned {
        q.push(("unassigned", unassigned.to_string()));
    }
    if let Some(text) = query.q.as_deref().filter(|t| !t.is_empty()) {
        q.push(("q", text.to_string()));
    }
    q.extend(page_query(query.cursor.as_deref(), query.limit));
    q
}

/// One level's nodes under one parent: the parent goes as `distributor_id` (partners) or
/// `partner_id` (tenants); distributors have none.
pub(super) fn nodes_query(query: &NodeQuery) -> Query {
    let mut q = Query::new();
    match (query.level, &query.parent) {
        (Level::Partner, Some(id)) => q.push(("distributor_id", id.clone())),
        (Level::Tenant, Some(id)) => q.push(("partner_id", id.clone())),
        _ => {}
    }
    if let Some(text) = query.q.as_deref().filter(|t| !t.is_empty()) {
        q.push(("q", text.to_string()));
    }
    q.extend(page_query(query.cursor.as_deref(), query.limit));
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Api;
    use crate::client::testserver::{APPROVAL, api, json, serve};
    use crate::domain::{Kind, PartnerStatus, StatusFilter};

    #[tokio::test]
    async fn queries_and_path_ids_are_encoded() {
        let page = r#"{"items":[],"next_cursor":null}"#;
        let server = serve(vec![
            json(200, page),
            json(200, APPROVAL),
            json(200, page),
            json(200, page),
        ])
        .await;
        let api = api(&server.base_url, Some("t"));
        let from = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        api.approvals(&ApprovalQuery {
            kinds: vec![Kind::Ad, Kind::Addon],
            status: Some(StatusFilter::Decided),
            q: Some("a&b c/é".into()),
            from: Some(from),
            to: None,
            cursor: Some("abc=".into()),
            limit: Some(50),
            partner_id: None,
            sort: None,
        })
        .await
        .unwrap();
        api.approval("a/b?c d#..").await.unwrap();
        api.partners(&PartnerQuery {
            status: Some(PartnerStatus::Suspended),
            ..PartnerQuery::default()
        })
        .await
        .unwrap();
        api.audit(Some("x"), Some(10)).await.unwrap();
        let t: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
        assert_eq!(
            t[0],
            "/api/v1/approvals?kind=ad%2Caddon&status=decided&q=a%26b+c%2F%C3%A9&from=2025-01-01T00%3A00%3A00Z&cursor=abc%3D&limit=50"
        );
        assert_eq!(t[1], "/api/v1/approvals/a%2Fb%3Fc%20d%23..");
        assert_eq!(t[2], "/api/v1/partners?status=suspended");
        assert_eq!(t[3], "/api/v1/audit?cursor=x&limit=10");
    }

    #[test]
    fn path_segments() {
        assert_eq!(seg("ap_01-x.y~z"), "ap_01-x.y~z");
        assert_eq!(seg("a/b"), "a%2Fb");
        assert_eq!(seg("a b?c#d%"), "a%20b%3Fc%23d%25");
        assert_eq!(seg("é"), "%C3%A9");
        assert_eq!(seg(".."), "%2E%2E");
        assert_eq!(seg("."), "%2E");
        assert_eq!(seg(""), "");
    }
}
