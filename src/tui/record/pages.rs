//! What each page of the partner detail pane shows: Overview (the profile, the structured
//! address, the time zone with the partner's local time now, notes, channels), Vouchers (the
//! batches it holds) and Members (view-only).

use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::{Loaded, Page};
use crate::domain::{Partner, PartnerAddon, countries::country_name};
use crate::tui::app::{App, Load};
use crate::tui::queue::detail::{Field, block, f};
use crate::tui::view::format;

/// ` [Overview] Vouchers Members `: where the pane is, for its title.
pub fn title(page: Page) -> String {
    let parts: Vec<String> = Page::ALL
        .iter()
        .map(|p| {
            if *p == page {
                format!("[{}]", p.title())
            } else {
                p.title().to_string()
            }
        })
        .collect();
    format!(" {} · < > ", parts.join(" "))
}

/// `Analytics Pro (€19.00), Extra seats`: the add-ons a partner has, or `—`.
fn addons(list: &[PartnerAddon]) -> String {
    if list.is_empty() {
        return "—".into();
    }
    list.iter()
        .map(|a| match &a.price {
            Some(price) => format!("{} ({})", a.name, format::money(price)),
            None => a.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Europe/Berlin · 15:02 there now`, or the name alone when it is not a zone we know.
fn zone_now(zone: &str, now: DateTime<Utc>) -> String {
    match chrono_tz::Tz::from_str(zone) {
        Ok(tz) => format!(
            "{zone} · {} there now",
            now.with_timezone(&tz).format("%a %H:%M")
        ),
        Err(_) => zone.to_string(),
    }
}

pub fn overview(p: &Partner, now: DateTime<Utc>) -> Vec<Field> {
    let c = &p.contact;
    let a = &c.address;
    let channels = if p.channels.is_empty() {
        "No channels.".to_string()
    } else {
        p.channels
            .iter()
            .map(|ch| {
                format!(
                    "{} · {} · {} followers",
                    ch.name,
                    ch.kind,
                    crate::format::group(ch.followers.max(0) as u64)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let place = [a.city.as_str(), a.region.as_str(), a.postal_code.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let country = match country_name(&a.country) {
        Some(name) => format!("{name} ({})", a.country),
        None => a.country.clone(),
    };
    let mut out = vec![
        f("Partner", p.summary.name.clone()),
        f("Package", format::item(p.summary.package.as_ref())),
        f("Add-ons", addons(&p.addons)),
        f("Status", format::partner_status(p.summary.status)),
        f("Invoice ID", p.summary.invoice_id.clone()),
        f("Created", format::absolute(p.created_at)),
        f("Contact", c.name.clone()),
        f("Email", c.email.clone()),
        f("Phone", c.phone.clone()),
        f("Website", c.website.clone()),
    ];
    // The address as written on an envelope, its empty lines left out.
    let lines: Vec<&str> = [
        a.line1.as_str(),
        a.line2.as_str(),
        place.as_str(),
        country.as_str(),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect();
    if lines.is_empty() {
        out.push(f("Address", "—"));
    }
    for (i, l) in lines.into_iter().enumerate() {
        out.push(f(if i == 0 { "Address" } else { "" }, l.to_string()));
    }
    out.push(f("Time zone", zone_now(&c.time_zone, now)));
    // Where it sits in the hierarchy, after what a CSR reads first.
    out.extend([
        f(
            "Distributor",
            p.summary
                .distributor
                .as_ref()
                .map(|d| format!("{} (t shows it in Hierarchy)", d.name))
                .unwrap_or_else(|| "—".into()),
        ),
        f(
            "Admins",
            crate::tui::hierarchy::view::admins_words(&p.admins),
        ),
    ]);
    out.push(block(
        "Notes",
        if p.notes.is_empty() {
            "No notes. E edits the profile.".into()
        } else {
            p.notes.clone()
        },
    ));
    out.push(block("Channels", channels));
    out
}

/// A page's list, one row a line under its heading: what is said while it loads or failed,
/// or `empty` for none.
fn listed<T>(
    heading: &'static str,
    loaded: Option<&Loaded<T>>,
    empty: &str,
    row: impl Fn(&T) -> String,
) -> Field {
    let Some(l) = loaded else {
        return block(heading, "Loading…");
    };
    let mut rows: Vec<String> = l.items.iter().map(row).collect();
    match &l.load {
        Load::Loading | Load::NotLoaded if rows.is_empty() => rows.push("Loading…".into()),
        Load::Failed(e) => rows.push(format!("Could not load this page: {e}")),
        Load::Loaded if rows.is_empty() => rows.push(empty.into()),
        _ => {}
    }
    block(heading, rows.join("\n"))
}

/// The page in view of the open record, `p` loaded.
pub fn fields(app: &App, p: &Partner) -> Vec<Field> {
    let own = |id: &str| id == p.summary.id;
    match app.record.page {
        Page::Overview => overview(p, app.now),
        Page::Tiers => {
            let tz = crate::tui::form::dates::zone(&p.contact.time_zone);
            match app.record.tiers.as_ref().filter(|l| own(&l.partner_id)) {
                Some(l) => match (&l.data, &l.load) {
                    (Some(d), _) => super::tiers::fields(d, tz, app.now),
                    (None, Load::Failed(e)) => vec![block(
                        "Tiers & campaigns",
                        format!("Could not load this page: {e}"),
                    )],
                    _ => vec![block("Tiers & campaigns", "Loading…")],
                },
                None => vec![block("Tiers & campaigns", "Loading…")],
            }
        }
        Page::Vouchers => {
            let today = app.now.date_naive();
            vec![listed(
                "Voucher batches (A assigns one, U unassigns one)",
                app.record.vouchers.as_ref().filter(|l| own(&l.partner_id)),
                "No voucher batch is assigned.",
                |b| super::vouchers::batch_line(b, today),
            )]
        }
        Page::LeadExchange => match app.record.lead.as_ref().filter(|l| own(&l.partner_id)) {
            Some(l) => match (&l.data, &l.load) {
                (Some(d), Load::Failed(e)) => {
                    let mut out = vec![block(
                        "Lead exchange",
                        format!("Could not read it again: {e}"),
                    )];
                    out.extend(super::lead::fields(d));
                    out
                }
                (Some(d), _) => super::lead::fields(d),
                (None, Load::Failed(e)) => vec![block(
                    "Lead exchange",
                    format!("Could not load this page: {e}"),
                )],
                _ => vec![block("Lead exchange", "Loading…")],
            },
            None => vec![block("Lead exchange", "Loading…")],
        },
        Page::Members => vec![listed(
            "Members (view-only)",
            app.record.members.as_ref().filter(|l| own(&l.partner_id)),
            "No members.",
            |m| {
                format!(
                    "{} · {} {} · {}{}",
                    m.login,
                    m.first_name,
                    m.last_name,
                    m.email,
                    if m.active { "" } else { " · inactive" }
                )
            },
        )],
    }
}
