//! The columns each section shows (seed 001 lists them per tab), as data: a title, a width and
//! how to get the cell's text from a row.

use chrono::{DateTime, Utc};
use ratatui::layout::Constraint;

use crate::domain::Approval;
use crate::tui::queue::tabs::{Row, SectionId};
use crate::tui::view::format;

pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
    pub cell: fn(&Row, DateTime<Utc>) -> String,
    /// Shown only when the list is at least this wide; narrow terminals keep the columns that
    /// matter most, the rest is in the detail pane.
    pub min_list_width: u16,
}

const fn col(
    title: &'static str,
    width: Constraint,
    cell: fn(&Row, DateTime<Utc>) -> String,
) -> Column {
    Column {
        title,
        width,
        cell,
        min_list_width: 0,
    }
}

/// A column for wide lists only (100 columns and up).
const fn wide(
    title: &'static str,
    width: Constraint,
    cell: fn(&Row, DateTime<Utc>) -> String,
) -> Column {
    Column {
        title,
        width,
        cell,
        min_list_width: 100,
    }
}

use Constraint::{Fill, Length};

fn partner(r: &Row, _: DateTime<Utc>) -> String {
    match r {
        Row::Approval(a) => a.partner.name.clone(),
        Row::Partner(p) => p.name.clone(),
        Row::Period(p) => p.partner().name.clone(),
    }
}
fn item(r: &Row, _: DateTime<Utc>) -> String {
    match r {
        Row::Approval(a) => format::item(a.item.as_ref()),
        Row::Partner(p) => format::item(p.package.as_ref()),
        Row::Period(_) => String::new(),
    }
}
fn title(r: &Row, _: DateTime<Utc>) -> String {
    match r {
        Row::Approval(a) => a.title.clone(),
        Row::Partner(p) => p.name.clone(),
        Row::Period(p) => p.what(),
    }
}
/// A cell only approvals have (partners' rows leave it empty).
fn of_approval(r: &Row, cell: impl FnOnce(&Approval) -> Option<String>) -> String {
    match r {
        Row::Approval(a) => cell(a).unwrap_or_default(),
        Row::Partner(_) | Row::Period(_) => String::new(),
    }
}

fn requested(r: &Row, now: DateTime<Utc>) -> String {
    of_approval(r, |a| Some(format::relative(a.requested_at, now)))
}
fn decided(r: &Row, now: DateTime<Utc>) -> String {
    of_approval(r, |a| a.decided_at.map(|t| format::relative(t, now)))
}
fn decision(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| Some(format::decision(a.status).into()))
}
fn decided_by(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| a.decided_by.as_ref().map(|u| u.name.clone()))
}
fn kind(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| Some(a.kind.label().into()))
}
fn status(r: &Row, _: DateTime<Utc>) -> String {
    match r {
        Row::Approval(a) => format::partner_standing(a.partner.status, &a.partner.standing),
        Row::Partner(p) => format::partner_standing(p.status, &p.standing),
        Row::Period(p) => p.state().as_str().into(),
    }
}
fn phone(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| Some(a.partner.phone.clone()))
}
fn email(r: &Row, _: DateTime<Utc>) -> String {
    match r {
        Row::Approval(a) => a.partner.email.clone(),
        Row::Partner(p) => p.email.clone(),
        Row::Period(_) => String::new(),
    }
}
fn contact(r: &Row, _: DateTime<Utc>) -> String {
    match r {
        Row::Partner(p) => p.contact_name.clone(),
        Row::Approval(_) | Row::Period(_) => String::new(),
    }
}
fn engagement(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| a.details.engagement_type.clone())
}
fn starts(r: &Row, now: DateTime<Utc>) -> String {
    of_approval(r, |a| a.details.starts_at.map(|t| format::relative(t, now)))
}
fn impressions(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| {
        a.details
            .impressions
            .map(|n| crate::format::group(n.max(0) as u64))
    })
}
fn package_name(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| a.item.as_ref().map(|i| i.name.clone()))
}
fn price(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| a.item.as_ref().map(|i| format::money(&i.price)))
}
fn runs(r: &Row, _: DateTime<Utc>) -> String {
    of_approval(r, |a| {
        let (s, e) = (a.details.starts_at?, a.details.ends_at?);
        Some(format!("{}–{}", s.format("%b %d"), e.format("%b %d")))
    })
}
fn invoice(r: &Row, _: DateTime<Utc>) -> String {
    match r {
        Row::Partner(p) => p.invoice_id.clone(),
        Row::Approval(_) | Row::Period(_) => String::new(),
    }
}

const PARTNERSHIP_PENDING: &[Column] = &[
    col("Partner", Fill(3), partner),
    // Wide enough for "Platinum (€99.00)": a price is the one value here a CSR must not
    // see cut.
    col("Package (price)", Length(17), item),
    col("Requested", Length(9), requested),
    // The partner's status, not the request's (a queue's requests are all pending).
    col("Partner status", Length(14), status),
    wide("Phone", Fill(2), phone),
    col("Email", Fill(3), email),
];
const ADDON_PENDING: &[Column] = &[
    col("Partner", Fill(3), partner),
    col("Add-on (price)", Fill(3), item),
    col("Requested", Length(9), requested),
    // The partner's status, not the request's (a queue's requests are all pending).
    col("Partner status", Length(14), status),
];
const BROADCASTS: &[Column] = &[
    col("Title", Fill(3), title),
    col("Partner", Fill(3), partner),
    col("Engagement", Length(12), engagement),
    col("Starts", Length(9), starts),
];
const AD_PACKAGES: &[Column] = &[
    col("Partner", Fill(3), partner),
    col("Package", Fill(3), package_name),
    col("Impressions", Length(11), impressions),
    col("Price", Length(11), price),
];
const ADS: &[Column] = &[
    col("Title", Fill(3), title),
    col("Partner", Fill(3), partner),
    col("Impressions", Length(11), impressions),
    col("Runs", Length(13), runs),
];
const PARTNERSHIP_HISTORY: &[Column] = &[
    col("Partner", Fill(3), partner),
    col("Package (price)", Fill(3), item),
    col("Decision", Length(9), decision),
    col("Date", Length(9), decided),
];
const ADDON_HISTORY: &[Column] = &[
    col("Partner", Fill(3), partner),
    col("Add-on (price)", Fill(3), item),
    col("Decision", Length(9), decision),
    col("Date", Length(9), decided),
];
const REQUESTS_HISTORY: &[Column] = &[
    col("Title", Fill(3), title),
    col("Partner", Fill(3), partner),
    col("Date", Length(9), decided),
    col("Type", Length(20), kind),
    col("Decision", Length(9), decision),
];
const ALL_HISTORY: &[Column] = &[
    col("Kind", Length(12), kind),
    col("Title", Fill(3), title),
    col("Partner", Fill(3), partner),
    wide("Item", Fill(2), item),
    col("Decision", Length(9), decision),
    wide("By", Length(12), decided_by),
    col("Date", Length(9), decided),
];
const ALL_PENDING: &[Column] = &[
    col("Kind", Length(12), kind),
    col("Title", Fill(3), title),
    col("Partner", Fill(3), partner),
    wide("Item", Fill(2), item),
    col("Requested", Length(9), requested),
    // The partner's status, not the request's (a queue's requests are all pending).
    wide("Partner status", Length(14), status),
];
const PARTNERS: &[Column] = &[
    col("Name", Fill(3), partner),
    col("Package (price)", Fill(3), item),
    col("Status", Length(10), status),
    col("Invoice ID", Length(14), invoice),
    // The email is what a ticket carries: it is shown whole before the contact's name.
    wide("Contact", Fill(1), contact),
    wide("Email", Fill(4), email),
];
/// Tier assignments and campaign links by soonest end (`title` is what ends).
const EXPIRING: &[Column] = &[
    col("Partner", Fill(3), partner),
    col("What", Fill(3), title),
    col("Ends", Length(18), ends),
    col("State", Length(9), status),
];

/// "in 3 days", "within a day": when a period ends, counted from now.
fn ends(r: &Row, now: DateTime<Utc>) -> String {
    match r {
        Row::Period(p) => p
            .expires_at()
            .map(|e| crate::tui::record::tiers::ends_in(e, now))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// How many loaded rows the column widths are measured on: a bounded sample, so measuring costs
/// the same however large the window.
const MEASURED_ROWS: usize = 200;

/// What each of `section`'s columns needs to show its values whole: the widest of its title
/// and its values among `rows`. Measured when the rows change, not per frame. Only flexible
/// columns are measured (a fixed one keeps its length whatever it holds), which is also why no
/// clock is needed: the relative dates are all in fixed columns.
pub fn wants(section: SectionId, rows: &[Row]) -> Vec<usize> {
    use unicode_width::UnicodeWidthStr;
    columns(section)
        .iter()
        .map(|c| match c.width {
            Fill(_) => rows
                .iter()
                .take(MEASURED_ROWS)
                .map(|r| (c.cell)(r, DateTime::UNIX_EPOCH).width())
                .chain(std::iter::once(c.title.width()))
                .max()
                .unwrap_or(0),
            _ => 0,
        })
        .collect()
}

pub fn columns(section: SectionId) -> &'static [Column] {
    match section {
        SectionId::PartnershipPending => PARTNERSHIP_PENDING,
        SectionId::AddonPending => ADDON_PENDING,
        SectionId::Broadcasts => BROADCASTS,
        SectionId::AdvertisingPackages => AD_PACKAGES,
        SectionId::Ads => ADS,
        SectionId::PartnershipHistory => PARTNERSHIP_HISTORY,
        SectionId::AddonHistory => ADDON_HISTORY,
        SectionId::RequestsHistory => REQUESTS_HISTORY,
        SectionId::AllHistory => ALL_HISTORY,
        SectionId::AllPending => ALL_PENDING,
        SectionId::Partners => PARTNERS,
        // The tree draws its own lines (`tui::hierarchy::view`).
        SectionId::Hierarchy => &[],
        SectionId::Expiring => EXPIRING,
    }
}
