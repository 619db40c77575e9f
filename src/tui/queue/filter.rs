//! What a section's list is narrowed to: search text (the server's `q`: partner name, and title
//! for requests), kind, decision and a date range. Turns into the API query; describes itself
//! for the section's title.

use chrono::{NaiveDate, TimeZone, Utc};

use crate::domain::{ApprovalQuery, Kind, PartnerQuery, PartnerSort, Status, StatusFilter};
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
}

/// A page request for one section, ready for the API.
#[derive(Debug, Clone, PartialEq)]
pub enum ListQuery {
    Approvals(ApprovalQuery),
    Partners(PartnerQuery),
}

impl ListQuery {
    pub fn cursor(&self) -> Option<String> {
        match self {
            ListQuery::Approvals(q) => q.cursor.clone(),
            ListQuery::Partners(q) => q.cursor.clone(),
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
                })
            }
            Source::Partners => ListQuery::Partners(PartnerQuery {
                q: self.query_text(),
                sort: self.sort,
                cursor,
                limit: Some(limit),
                ..Default::default()
            }),
        }
    }

    /// "search “acme” · Ad · rejected · 2026-11-01 – 2026-11-20", for the section's title.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
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
        if self.sort == PartnerSort::Status {
            parts.push("by status".into());
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
            sort: PartnerSort::Name,
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

/// The filter dialog (`f`): kind and decision are chosen, dates typed.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterForm {
    pub section: SectionId,
    /// The kinds to choose from; index 0 of `kind` means "all".
    pub kinds: Vec<Kind>,
    pub kind: usize,
    pub has_decision: bool,
    /// 0 any, 1 approved, 2 rejected.
    pub decision: usize,
    pub from: String,
    pub to: String,
    /// Which field has the focus.
    pub field: usize,
    pub error: Option<String>,
}

/// The fields of a form, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Kind,
    Decision,
    From,
    To,
}

impl FilterForm {
    pub fn open(section: SectionId, current: &Filter) -> FilterForm {
        let kinds = kind_choices(section);
        let kind = match current.kinds.as_slice() {
            [one] => kinds
                .iter()
                .position(|k| k == one)
                .map(|i| i + 1)
                .unwrap_or(0),
            _ => 0,
        };
        FilterForm {
            section,
            kinds,
            kind,
            has_decision: has_decision(section),
            decision: match current.decision {
                Some(Status::Approved) => 1,
                Some(Status::Rejected) => 2,
                _ => 0,
            },
            from: current.from.map(|d| d.to_string()).unwrap_or_default(),
            to: current.to.map(|d| d.to_string()).unwrap_or_default(),
            field: 0,
            error: None,
        }
    }

    pub fn fields(&self) -> Vec<FormField> {
        let mut f = Vec::new();
        if !self.kinds.is_empty() {
            f.push(FormField::Kind);
        }
        if self.has_decision {
            f.push(FormField::Decision);
        }
        f.push(FormField::From);
        f.push(FormField::To);
        f
    }

    pub fn focused(&self) -> FormField {
        let fields = self.fields();
        fields[self.field.min(fields.len() - 1)]
    }

    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            0 => "all kinds",
            i => self
                .kinds
                .get(i - 1)
                .map(|k| k.label())
                .unwrap_or("all kinds"),
        }
    }

    pub fn decision_label(&self) -> &'static str {
        ["approved and rejected", "approved", "rejected"][self.decision.min(2)]
    }

    /// Move a choice field one step (±1), wrapping.
    pub fn cycle(&mut self, delta: isize) {
        match self.focused() {
            FormField::Kind => {
                let n = self.kinds.len() as isize + 1;
                self.kind = (self.kind as isize + delta).rem_euclid(n) as usize;
            }
            FormField::Decision => {
                self.decision = (self.decision as isize + delta).rem_euclid(3) as usize
            }
            _ => {}
        }
    }

    /// The text field in focus, if a date has the focus.
    pub fn text_mut(&mut self) -> Option<&mut String> {
        match self.focused() {
            FormField::From => Some(&mut self.from),
            FormField::To => Some(&mut self.to),
            _ => None,
        }
    }

    /// The filter this form describes, keeping `current`'s search text; an error in words if a
    /// date is not one or the range is backwards.
    pub fn apply(&self, current: &Filter) -> Result<Filter, String> {
        let from = parse_date(&self.from)?;
        let to = parse_date(&self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(format!("The range ends ({t}) before it starts ({f})."));
        }
        Ok(Filter {
            q: current.q.clone(),
            sort: current.sort,
            kinds: match self.kind {
                0 => Vec::new(),
                i => self.kinds.get(i - 1).map(|k| vec![*k]).unwrap_or_default(),
            },
            decision: match self.decision {
                1 => Some(Status::Approved),
                2 => Some(Status::Rejected),
                _ => None,
            },
            from,
            to,
        })
    }
}
