//! What a section's list is narrowed to: search text (the server's `q`: partner name, and title
//! for requests), kind, decision and a date range. Turns into the API query; describes itself
//! for the section's title.

use chrono::{NaiveDate, TimeZone, Utc};

use crate::domain::{
    ApprovalQuery, ApprovalSort, ExpiringQuery, Kind, PartnerQuery, PartnerSort, PartnerStatus,
    Status, StatusFilter,
};
use crate::tui::queue::tabs::{SectionId, Source};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub q: String,
    /// Empty: the section's own kinds.
    pub kinds: Vec<Kind>,
    /// Only approved or only rejected (histories).
    pub decision: Option<Status>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The directory's order (My Partners).
    pub sort: PartnerSort,
    /// Only partners with this status (My Partners).
    pub partner_status: Option<PartnerStatus>,
    /// The order of a queue or a history; `None`: its own (oldest request, newest decision
    /// first).
    pub order: Option<ApprovalSort>,
    /// Only this partner's approvals: a jump from a partner (`p`, `H`).
    pub partner: Option<PartnerRef>,
}

/// A partner a list is narrowed to: the id the server filters by, the name the title shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRef {
    pub id: String,
    pub name: String,
}

/// A page request for one section, ready for the API.
#[derive(Debug, Clone, PartialEq)]
pub enum ListQuery {
    Approvals(ApprovalQuery),
    Partners(PartnerQuery),
    Expiring(ExpiringQuery),
}

impl ListQuery {
    pub fn cursor(&self) -> Option<String> {
        match self {
            ListQuery::Approvals(q) => q.cursor.clone(),
            ListQuery::Partners(q) => q.cursor.clone(),
            ListQuery::Expiring(q) => q.cursor.clone(),
        }
    }
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Only the search text, trimmed (what the server gets).
    pub fn query_text(&self) -> Option<String> {
        let q = self.q.trim();
        (!q.is_empty()).then(|| q.to_string())
    }

    /// The API query for `section`'s list with this filter.
    pub fn query(&self, section: SectionId, cursor: Option<String>, limit: u32) -> ListQuery {
        match section.source() {
            Source::Approvals { kinds, status } => {
                let status = match (status, self.decision) {
                    (StatusFilter::Pending, _) | (_, None) => status,
                    (_, Some(Status::Approved)) => StatusFilter::Approved,
                    (_, Some(Status::Rejected)) => StatusFilter::Rejected,
                    (_, Some(Status::Pending)) => status,
                };
                let kinds = if self.kinds.is_empty() {
                    kinds.to_vec()
                } else {
                    self.kinds.clone()
                };
                ListQuery::Approvals(ApprovalQuery {
                    kinds,
                    status: Some(status),
                    q: self.query_text(),
                    from: self
                        .from
                        .and_then(|d| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?).into()),
                    to: self.to.and_then(|d| {
                        Utc.from_utc_datetime(&d.and_hms_milli_opt(23, 59, 59, 999)?)
                            .into()
                    }),
                    cursor,
                    limit: Some(limit),
                    partner_id: self.partner.as_ref().map(|p| p.id.clone()),
                    sort: self.order,
                })
            }
            Source::Expiring => ListQuery::Expiring(ExpiringQuery {
                within_days: None,
                cursor,
                limit: Some(limit),
            }),
            // The tree loads its own pages (`tui::hierarchy`); its section is never paged.
            Source::Partners | Source::Hierarchy => ListQuery::Partners(PartnerQuery {
                q: self.query_text(),
                status: self.partner_status,
                sort: self.sort,
                cursor,
                limit: Some(limit),
            }),
        }
    }

    /// The same list in the reverse order, which is how its end is fetched directly (`G`);
    /// `None` where the server has no reverse (the directory, a queue by price).
    pub fn reversed(&self, section: SectionId) -> Option<Filter> {
        let Source::Approvals { status, .. } = section.source() else {
            return None;
        };
        let order = match self
            .order
            .unwrap_or_else(|| ApprovalSort::default_for(status))
        {
            ApprovalSort::Oldest => ApprovalSort::Newest,
            ApprovalSort::Newest => ApprovalSort::Oldest,
            ApprovalSort::Price => return None,
        };
        Some(Filter {
            order: Some(order),
            ..self.clone()
        })
    }

    /// "search “acme” · Ad · rejected · 2026-11-01 – 2026-11-20", for the section's title.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(p) = &self.partner {
            parts.push(format!("partner “{}”", p.name));
        }
        if let Some(q) = self.query_text() {
            parts.push(format!("search “{q}”"));
        }
        if !self.kinds.is_empty() {
            parts.push(
                self.kinds
                    .iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        if let Some(d) = self.decision {
            parts.push(crate::tui::view::format::decision(d).to_lowercase());
        }
        if let Some(s) = self.partner_status {
            parts.push(format!("{} only", s.label().to_lowercase()));
        }
        if self.sort == PartnerSort::Status {
            parts.push("by status".into());
        }
        if let Some(order) = self.order {
            parts.push(order_label(order).into());
        }
        match (self.from, self.to) {
            (Some(f), Some(t)) => parts.push(format!("{f} – {t}")),
            (Some(f), None) => parts.push(format!("from {f}")),
            (None, Some(t)) => parts.push(format!("until {t}")),
            (None, None) => {}
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// How a sort reads in a section's title.
pub fn order_label(order: ApprovalSort) -> &'static str {
    match order {
        ApprovalSort::Oldest => "oldest first",
        ApprovalSort::Newest => "newest first",
        ApprovalSort::Price => "highest price first",
    }
}

/// The orders `s` steps through in a section, its own first (`None`). A queue can sort by
/// price when it lists a kind with a price; a history only by time (it is long).
pub fn orders(section: SectionId) -> Vec<Option<ApprovalSort>> {
    match section.source() {
        Source::Approvals {
            kinds,
            status: StatusFilter::Pending,
        } => {
            let priced = kinds.is_empty() || kinds.iter().any(|k| k.has_price());
            let mut v = vec![None, Some(ApprovalSort::Newest)];
            if priced {
                v.push(Some(ApprovalSort::Price));
            }
            v
        }
        Source::Approvals { .. } => vec![None, Some(ApprovalSort::Oldest)],
        Source::Partners | Source::Hierarchy | Source::Expiring => Vec::new(),
    }
}

/// The kinds a section's filter can choose from (none when it lists one kind).
pub fn kind_choices(section: SectionId) -> Vec<Kind> {
    match section.source() {
        Source::Approvals { kinds: [], .. } => Kind::ALL.to_vec(),
        Source::Approvals { kinds, .. } if kinds.len() > 1 => kinds.to_vec(),
        _ => Vec::new(),
    }
}

/// Can this section filter by decision (only histories can)?
pub fn has_decision(section: SectionId) -> bool {
    matches!(section.source(), Source::Approvals { status, .. } if status != StatusFilter::Pending)
}

/// "2026-11-01" → a date; empty → none; anything else → an error in words.
pub fn parse_date(s: &str) -> Result<Option<NaiveDate>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("“{s}” is not a date; write it as 2026-11-01"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_the_api_query_and_a_title() {
        let f = Filter {
            q: "  acme ".into(),
            kinds: vec![Kind::Ad],
            decision: Some(Status::Rejected),
            from: parse_date("2026-11-01").unwrap(),
            to: parse_date("2026-11-20").unwrap(),
            ..Filter::default()
        };
        let ListQuery::Approvals(q) = f.query(SectionId::AllHistory, None, 200) else {
            panic!()
        };
        assert_eq!(q.q.as_deref(), Some("acme"));
        assert_eq!(q.kinds, vec![Kind::Ad]);
        assert_eq!(q.status, Some(StatusFilter::Rejected));
        assert_eq!(q.from.unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(q.to.unwrap().to_rfc3339(), "2026-11-20T23:59:59.999+00:00");
        assert_eq!(
            f.describe().unwrap(),
            "search “acme” · Ad · rejected · 2026-11-01 – 2026-11-20"
        );
        assert!(parse_date("yesterday").is_err());
        assert_eq!(parse_date(" ").unwrap(), None);
        // A pending queue keeps its own kind and status.
        let ListQuery::Approvals(q) = Filter::default().query(SectionId::Ads, None, 50) else {
            panic!()
        };
        assert_eq!(
            (q.kinds, q.status),
            (vec![Kind::Ad], Some(StatusFilter::Pending))
        );
    }
}
