//! The five tabs and their sections, as data: which rows each section lists (its query) and
//! which columns it shows. One list component renders every section; nothing here draws.

pub use super::columns::{Column, columns};

use crate::domain::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TabId {
    Partnership,
    Addons,
    Requests,
    Partners,
    History,
}

impl TabId {
    pub const ALL: [TabId; 5] = [
        TabId::Partnership,
        TabId::Addons,
        TabId::Requests,
        TabId::Partners,
        TabId::History,
    ];

    pub fn index(self) -> usize {
        TabId::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            TabId::Partnership => "Partnership",
            TabId::Addons => "Add-ons",
            TabId::Requests => "Requests",
            TabId::Partners => "My Partners",
            TabId::History => "History",
        }
    }

    /// The name when the tab bar has no room for the full ones (`view::header`).
    pub fn short_title(self) -> &'static str {
        match self {
            TabId::Partnership => "Partner",
            TabId::Addons => "Add-ons",
            TabId::Requests => "Req",
            TabId::Partners => "Partners",
            TabId::History => "Hist",
        }
    }

    pub fn sections(self) -> &'static [SectionId] {
        match self {
            TabId::Partnership => &[SectionId::PartnershipPending, SectionId::PartnershipHistory],
            TabId::Addons => &[SectionId::AddonPending, SectionId::AddonHistory],
            TabId::Requests => &[
                SectionId::Broadcasts,
                SectionId::AdvertisingPackages,
                SectionId::Ads,
                SectionId::RequestsHistory,
            ],
            TabId::Partners => &[
                SectionId::Partners,
                SectionId::Hierarchy,
                SectionId::Expiring,
                SectionId::AllPending,
            ],
            TabId::History => &[SectionId::AllHistory],
        }
    }

    /// The pending count on the tab's title, from `/summary`.
    pub fn pending(self, counts: &PendingCounts) -> Option<u64> {
        match self {
            TabId::Partnership => Some(counts.partnership),
            TabId::Addons => Some(counts.addon),
            TabId::Requests => Some(counts.broadcast + counts.advertising_package + counts.ad),
            TabId::Partners | TabId::History => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectionId {
    PartnershipPending,
    PartnershipHistory,
    AddonPending,
    AddonHistory,
    Broadcasts,
    AdvertisingPackages,
    Ads,
    RequestsHistory,
    Partners,
    /// Distributors → partners → tenants, as a tree (`tui::hierarchy`).
    Hierarchy,
    /// Tier assignments and campaign links ending soonest: a CSR's to-do list.
    Expiring,
    /// Every pending request, of every kind: where a partner's requests are listed (`p` on a
    /// partner filters it to that partner).
    AllPending,
    AllHistory,
}

/// Where a section's rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Approvals {
        kinds: &'static [Kind],
        status: StatusFilter,
    },
    Partners,
    /// The tree draws and loads itself (`tui::hierarchy`); the section holds only its search.
    Hierarchy,
    /// `GET /expiring`.
    Expiring,
}

const REQUEST_KINDS: &[Kind] = &[Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad];

impl SectionId {
    pub const ALL: [SectionId; 13] = [
        SectionId::PartnershipPending,
        SectionId::PartnershipHistory,
        SectionId::AddonPending,
        SectionId::AddonHistory,
        SectionId::Broadcasts,
        SectionId::AdvertisingPackages,
        SectionId::Ads,
        SectionId::RequestsHistory,
        SectionId::Partners,
        SectionId::Hierarchy,
        SectionId::Expiring,
        SectionId::AllPending,
        SectionId::AllHistory,
    ];

    pub fn index(self) -> usize {
        SectionId::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            SectionId::PartnershipPending | SectionId::AddonPending => "Pending",
            SectionId::Broadcasts => "Broadcasts",
            SectionId::AdvertisingPackages => "Advertising packages",
            SectionId::Ads => "Ads",
            SectionId::Partners => "Partners",
            SectionId::Hierarchy => "Hierarchy",
            SectionId::Expiring => "Expiring",
            SectionId::AllPending => "Pending requests",
            SectionId::PartnershipHistory
            | SectionId::AddonHistory
            | SectionId::RequestsHistory
            | SectionId::AllHistory => "History",
        }
    }

    pub fn source(self) -> Source {
        use StatusFilter::{Decided, Pending};
        let approvals = |kinds, status| Source::Approvals { kinds, status };
        match self {
            SectionId::PartnershipPending => approvals(&[Kind::Partnership], Pending),
            SectionId::PartnershipHistory => approvals(&[Kind::Partnership], Decided),
            SectionId::AddonPending => approvals(&[Kind::Addon], Pending),
            SectionId::AddonHistory => approvals(&[Kind::Addon], Decided),
            SectionId::Broadcasts => approvals(&[Kind::Broadcast], Pending),
            SectionId::AdvertisingPackages => approvals(&[Kind::AdvertisingPackage], Pending),
            SectionId::Ads => approvals(&[Kind::Ad], Pending),
            SectionId::RequestsHistory => approvals(REQUEST_KINDS, Decided),
            SectionId::AllHistory => approvals(&[], Decided),
            SectionId::AllPending => approvals(&[], Pending),
            SectionId::Partners => Source::Partners,
            SectionId::Hierarchy => Source::Hierarchy,
            SectionId::Expiring => Source::Expiring,
        }
    }

    /// Words for an empty section.
    pub fn empty_text(self) -> &'static str {
        match self.source() {
            Source::Approvals {
                status: StatusFilter::Pending,
                ..
            } => "Nothing pending. All clear.",
            Source::Approvals { .. } => "No decisions yet.",
            Source::Partners => "No partners.",
            Source::Hierarchy => "No distributors.",
            Source::Expiring => "No tier or campaign ends within 30 days.",
        }
    }
}

/// One row of a section's list.
// A window holds at most `WINDOW_ROWS` rows: a partner's few hundred bytes inline cost less
// than a box per row.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Approval(Box<Approval>),
    Partner(PartnerSummary),
    /// A tier assignment or campaign link (Expiring).
    Period(Box<Period>),
}

impl Row {
    pub fn id(&self) -> &str {
        match self {
            Row::Approval(a) => &a.id,
            Row::Partner(p) => &p.id,
            Row::Period(p) => p.id(),
        }
    }
}
