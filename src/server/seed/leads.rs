//! A partner's lead-exchange settings in seed data (RECORDS.md §4): `lead_settings` is a JSON
//! merge patch over the defaults the partner's profile gives (as a CSR's first change would
//! be), held to every rule a CSR's change is. A partner without it keeps reading its defaults,
//! with no row (a large seed stays small). The first broken rule refuses the import, named by
//! its place (`partners[3].lead_settings.schedule.days.mon.end`).

use crate::server::store::db::{Connection, params};
use serde_json::Value;

use super::file::SeedPartner;
use super::import::{ImportError, invalid};
use crate::domain::lead_rules::{self, DecodeRefused};
use crate::domain::{FieldError, LeadSettings};
use crate::server::store::{apply_merge_patch, ts};

/// The settings `patch` makes of the defaults of `p`, or the first thing wrong with them, as a
/// JSON pointer into `lead_settings` and what is wrong there.
pub(super) fn seeded_settings(p: &SeedPartner, patch: &Value) -> Result<LeadSettings, FieldError> {
    let currency = p
        .package
        .as_ref()
        .map_or("EUR", |x| x.price.currency.as_str());
    let c = &p.contact;
    let defaults = LeadSettings::defaults(currency, &c.time_zone, &c.email, &c.phone);
    let mut merged = serde_json::to_value(&defaults).unwrap_or(Value::Null);
    if !patch.is_object() {
        return Err(FieldError::new(
            "",
            "invalid_type",
            "must be an object of lead settings",
        ));
    }
    apply_merge_patch(&mut merged, patch);
    let settings = lead_rules::decode(&merged).map_err(|refused| match refused {
        DecodeRefused::NotAnObject => {
            FieldError::new("", "invalid_type", "must be an object of lead settings")
        }
        DecodeRefused::UnknownMember(name) => {
            let at = if name.starts_with('/') {
                name
            } else {
                format!("/{name}")
            };
            FieldError::new(
                &at,
                "unknown_member",
                "is not a member of the lead settings",
            )
        }
        DecodeRefused::Types(mut errors) => errors.remove(0),
    })?;
    match lead_rules::check(&settings).errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(settings),
    }
}

/// `partners[i].lead_settings` and the JSON pointer `at` inside it, as a seed error's place:
/// `/schedule/days/mon/end` → `.schedule.days.mon.end`, `/headers/0/name` → `.headers[0].name`.
fn place(partner: usize, at: &str) -> String {
    let mut out = format!("partners[{partner}].lead_settings");
    for part in at.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            out.push('.');
            out.push_str(&part);
        }
    }
    out
}

/// Checks and stores the lead settings of the partner `p` (number `partner` in the file, with
/// the id `partner_id`), if it has any. Seeded settings are the partner's first: version 1.
pub(super) fn import_lead_settings(
    tx: &Connection,
    partner: usize,
    partner_id: &str,
    p: &SeedPartner,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ImportError> {
    let Some(patch) = &p.lead_settings else {
        return Ok(());
    };
    let settings = seeded_settings(p, patch).map_err(|e| {
        invalid(
            place(partner, &e.field),
            format!("{} ({})", e.detail.trim_end_matches('.'), e.code),
        )
    })?;
    let json =
        serde_json::to_string(&settings).map_err(|e| invalid(place(partner, ""), e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO lead_settings (partner_id, settings, version, updated_at)
         VALUES (?1, ?2, 1, ?3)",
    )?
    .execute(params![partner_id, json, ts(now)])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pointer_reads_as_a_place_in_the_file() {
        assert_eq!(place(3, ""), "partners[3].lead_settings");
        assert_eq!(
            place(3, "/schedule/days/mon/end"),
            "partners[3].lead_settings.schedule.days.mon.end"
        );
        assert_eq!(
            place(0, "/internet_delivery/headers/1/name"),
            "partners[0].lead_settings.internet_delivery.headers[1].name"
        );
    }
}
