//! Tiers and campaigns in seed data (RECORDS.md §3): the settings, the catalogues of tiers,
//! products and campaigns, and the partners' tier assignments and campaign links, checked and
//! inserted in the import's transaction. A period goes through the store's own rules
//! (`store::import_period`: the expiry after the start, no two tier assignments of a partner
//! overlapping, a link inside its campaign), so a seed cannot hold what the API would refuse.
//! The first problem refuses the whole file and names its place
//! (`tier_assignments[3]: Overlaps Gold from 2026-12-01 to 2027-01-01.`).

use std::collections::{HashMap, HashSet};

use crate::server::store::db::Connection;
use chrono::{DateTime, Utc};

use super::file::{SeedCampaign, SeedTiers};
use super::import::{ImportError, PartnerIds, invalid, required};
use crate::domain::{Campaign, PeriodKind, Product, Tier};
use crate::server::store::{self, PeriodValues, StoreError, new_id, to_millis};

/// Records of one sort by id and by (unique) name, to resolve a reference either way.
#[derive(Default)]
struct Named {
    by_id: HashSet<String>,
    by_name: HashMap<String, Option<String>>,
}

impl Named {
    /// Keeps `id` and `name`; an id used before is the mistake of the entry at `place`.
    fn add(&mut self, place: String, id: &str, name: &str, what: &str) -> Result<(), ImportError> {
        if !self.by_id.insert(id.to_string()) {
            return Err(invalid(place, format!("{id:?} is used by another {what}")));
        }
        self.by_name
            .entry(name.to_string())
            .and_modify(|v| *v = None)
            .or_insert(Some(id.to_string()));
        Ok(())
    }

    fn resolve(&self, place: String, reference: &str, what: &str) -> Result<String, ImportError> {
        if self.by_id.contains(reference) {
            return Ok(reference.to_string());
        }
        match self.by_name.get(reference) {
            Some(Some(id)) => Ok(id.clone()),
            Some(None) => Err(invalid(
                place,
                format!("{reference:?} names more than one {what}; use its id"),
            )),
            None => Err(invalid(
                place,
                format!("no {what} has the id or name {reference:?}"),
            )),
        }
    }
}

/// A date the API would take too: in the years 1900 to 9999 (so stored dates sort as text).
fn date(place: String, t: DateTime<Utc>) -> Result<DateTime<Utc>, ImportError> {
    use chrono::Datelike;
    if (1900..=9999).contains(&t.year()) {
        Ok(to_millis(t))
    } else {
        Err(invalid(
            place,
            "must be a date between the years 1900 and 9999",
        ))
    }
}

/// A row whose id is taken, or a check the table makes: the place's error, not SQLite's.
fn sql_at(place: String) -> impl FnOnce(crate::server::store::db::Error) -> ImportError {
    move |e| match e {
        e if e.is_constraint_violation() => invalid(
            place,
            "conflicts with another entry (its id, or a value that must be unique)",
        ),
        other => ImportError::Sql(other),
    }
}

/// A store refusal as the seed's error at `place`: the rule's words, and the field's.
fn refused_at(place: String) -> impl FnOnce(StoreError) -> ImportError {
    move |e| match e {
        StoreError::Problem(p) => {
            let field = p.0.errors.first().map(|e| e.field.trim_start_matches('/'));
            let place = match field {
                Some(f) => format!("{place}.{f}"),
                None => place,
            };
            invalid(place, p.0.detail.clone())
        }
        StoreError::Sql(e) => ImportError::Sql(e),
        other => invalid(place, other.to_string()),
    }
}

pub(super) fn import_tiers(
    tx: &Connection,
    seed: &SeedTiers,
    partners: &PartnerIds,
    now: DateTime<Utc>,
) -> Result<(), ImportError> {
    if let Some(s) = &seed.settings {
        store::set_tiers_enabled(tx, s.tiers_enabled)?;
    }
    let mut tiers = Named::default();
    let mut precedences = HashSet::new();
    for (i, t) in seed.tiers.iter().enumerate() {
        let place = |f: &str| format!("tiers[{i}].{f}");
        required(place("name"), &t.name)?;
        if t.precedence < 1 {
            return Err(invalid(
                place("precedence"),
                "must be 1 or more (1 is the highest tier)",
            ));
        }
        if !precedences.insert(t.precedence) {
            return Err(invalid(
                place("precedence"),
                format!("{} is the precedence of another tier", t.precedence),
            ));
        }
        let id = t.id.clone().unwrap_or_else(|| new_id("ti"));
        required(place("id"), &id)?;
        tiers.add(place("id"), &id, &t.name, "tier")?;
        let tier = Tier {
            id,
            name: t.name.clone(),
            precedence: t.precedence,
        };
        store::insert_tier(tx, &tier).map_err(sql_at(place("id")))?;
    }
    let mut products = Named::default();
    for (i, p) in seed.products.iter().enumerate() {
        let place = |f: &str| format!("products[{i}].{f}");
        required(place("name"), &p.name)?;
        if p.tier_precedence == Some(0) {
            return Err(invalid(
                place("tier_precedence"),
                "must be 1 or more, or null (every tier)",
            ));
        }
        let id = p.id.clone().unwrap_or_else(|| new_id("pr"));
        required(place("id"), &id)?;
        products.add(place("id"), &id, &p.name, "product")?;
        let product = Product {
            id,
            name: p.name.clone(),
            tier_precedence: p.tier_precedence,
        };
        store::insert_product(tx, &product).map_err(sql_at(place("id")))?;
    }
    let campaigns = import_campaigns(tx, &seed.campaigns)?;

    // The ids of both kinds of period are one set: `GET /expiring` orders them together.
    let mut period_ids = HashSet::new();
    let mut import = |place: String,
                      kind: PeriodKind,
                      id: &Option<String>,
                      values: PeriodValues|
     -> Result<(), ImportError> {
        let prefix = match kind {
            PeriodKind::TierAssignment => "ta",
            PeriodKind::CampaignLink => "cl",
        };
        let id = id.clone().unwrap_or_else(|| new_id(prefix));
        required(format!("{place}.id"), &id)?;
        if !period_ids.insert(id.clone()) {
            return Err(invalid(
                format!("{place}.id"),
                format!("{id:?} is used by another tier assignment or campaign link"),
            ));
        }
        store::import_period(tx, &id, &values, now).map_err(refused_at(place))
    };
    for (i, a) in seed.tier_assignments.iter().enumerate() {
        let place = format!("tier_assignments[{i}]");
        let values = PeriodValues {
            kind: PeriodKind::TierAssignment,
            partner_id: partners.resolve(format!("{place}.partner"), &a.partner)?,
            target_id: tiers.resolve(format!("{place}.tier"), &a.tier, "tier")?,
            starts_at: date(format!("{place}.starts_at"), a.starts_at)?,
            expires_at: (a.expires_at)
                .map(|e| date(format!("{place}.expires_at"), e))
                .transpose()?,
        };
        import(place, PeriodKind::TierAssignment, &a.id, values)?;
    }
    for (i, l) in seed.campaign_links.iter().enumerate() {
        let place = format!("campaign_links[{i}]");
        let values = PeriodValues {
            kind: PeriodKind::CampaignLink,
            partner_id: partners.resolve(format!("{place}.partner"), &l.partner)?,
            target_id: campaigns.resolve(format!("{place}.campaign"), &l.campaign, "campaign")?,
            starts_at: date(format!("{place}.starts_at"), l.starts_at)?,
            expires_at: (l.expires_at)
                .map(|e| date(format!("{place}.expires_at"), e))
                .transpose()?,
        };
        import(place, PeriodKind::CampaignLink, &l.id, values)?;
    }
    Ok(())
}

fn import_campaigns(tx: &Connection, seed: &[SeedCampaign]) -> Result<Named, ImportError> {
    let mut campaigns = Named::default();
    for (i, c) in seed.iter().enumerate() {
        let place = |f: &str| format!("campaigns[{i}].{f}");
        required(place("name"), &c.name)?;
        let starts_at = date(place("starts_at"), c.starts_at)?;
        let expires_at = (c.expires_at)
            .map(|e| date(place("expires_at"), e))
            .transpose()?;
        if expires_at.is_some_and(|e| e <= starts_at) {
            return Err(invalid(place("expires_at"), "must be after starts_at"));
        }
        let id = c.id.clone().unwrap_or_else(|| new_id("cp"));
        required(place("id"), &id)?;
        campaigns.add(place("id"), &id, &c.name, "campaign")?;
        let campaign = Campaign {
            id,
            name: c.name.clone(),
            starts_at,
            expires_at,
        };
        store::insert_campaign(tx, &campaign).map_err(sql_at(place("id")))?;
    }
    Ok(campaigns)
}
