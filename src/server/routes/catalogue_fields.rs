//! The bodies of an administrator's writes to the catalogues, read and checked field by field:
//! a create (`{name, precedence}`, `{name, tier_precedence}`, `{name, starts_at, expires_at}`)
//! and a JSON merge patch of the same fields. A member the body may not have is a 400; every
//! field of the wrong type, missing, too long or with control or bidi characters is reported
//! at once in a 422 `validation_failed`. The rules between entries are the store's.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::period_fields::{date, invalid_body, object};
use crate::domain::{Campaign, FieldError, Product, Tier, field_codes, timestamp};
use crate::server::problem::ApiProblem;
use crate::server::store::{CampaignPatch, Entry, ProductPatch, TierPatch};

/// The longest name an entry may have.
pub const MAX_NAME_CHARS: usize = 200;
/// The largest precedence (past it are the deleted tiers').
pub const MAX_PRECEDENCE: u64 = 999_999_999;

/// How a catalogue's bodies are read.
pub(super) trait Body: Entry {
    /// The members a body may have.
    const MEMBERS: &'static [&'static str];
    fn new_from(fields: &Map<String, Value>, wrong: &mut Vec<FieldError>) -> Option<Self>;
    fn patch_from(fields: &Map<String, Value>, wrong: &mut Vec<FieldError>) -> Self::Patch;
    /// The values as they will be kept: what makes two creates "the same request".
    fn canonical(&self) -> String;
}

/// The members of a body, checked against `Body::MEMBERS` (400 for any other).
fn members<E: Body>(body: &Value, what: &str) -> Result<Map<String, Value>, ApiProblem> {
    let fields = object(body, what)?;
    if let Some(other) = fields.keys().find(|k| !E::MEMBERS.contains(&k.as_str())) {
        return Err(invalid_body(format!("/{other} is not a field of {what}.")));
    }
    Ok(fields)
}

/// Reads a create's body.
pub(super) fn new_entry<E: Body>(body: &Value) -> Result<E, ApiProblem> {
    let fields = members::<E>(body, &format!("a new {}", E::RECORD))?;
    let mut wrong = Vec::new();
    match E::new_from(&fields, &mut wrong) {
        Some(e) if wrong.is_empty() => Ok(e),
        _ => Err(ApiProblem::validation_failed(wrong)),
    }
}

/// Reads a merge patch.
pub(super) fn entry_patch<E: Body>(body: &Value) -> Result<E::Patch, ApiProblem> {
    let fields = members::<E>(body, &format!("a merge patch of a {}", E::RECORD))?;
    let mut wrong = Vec::new();
    let patch = E::patch_from(&fields, &mut wrong);
    if wrong.is_empty() {
        Ok(patch)
    } else {
        Err(ApiProblem::validation_failed(wrong))
    }
}

/// `name`: required, at most `MAX_NAME_CHARS`, no control or bidi characters.
fn name(value: Option<&Value>, wrong: &mut Vec<FieldError>) -> Option<String> {
    let refuse = |wrong: &mut Vec<FieldError>, code: &str, detail: String| {
        wrong.push(FieldError::new("/name", code, detail));
        None
    };
    match value {
        None | Some(Value::Null) => {
            refuse(wrong, field_codes::REQUIRED, "A name is required.".into())
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            refuse(wrong, field_codes::REQUIRED, "A name is required.".into())
        }
        Some(Value::String(s)) => {
            if let Some(c) = s.chars().find(|&c| crate::text::is_unsafe(c)) {
                return refuse(
                    wrong,
                    field_codes::UNSAFE_CHARACTERS,
                    format!(
                        "Control, bidirectional and invisible characters are not allowed (found U+{:04X}).",
                        c as u32
                    ),
                );
            }
            if s.chars().count() > MAX_NAME_CHARS {
                return refuse(
                    wrong,
                    field_codes::TOO_LONG,
                    format!("At most {MAX_NAME_CHARS} characters."),
                );
            }
            Some(s.trim().to_string())
        }
        Some(_) => refuse(wrong, field_codes::INVALID_TYPE, "Must be a string.".into()),
    }
}

/// A precedence: an integer from 1 (the highest) to `MAX_PRECEDENCE`.
fn precedence(pointer: &str, value: &Value, wrong: &mut Vec<FieldError>) -> Option<u32> {
    match value.as_u64().filter(|n| (1..=MAX_PRECEDENCE).contains(n)) {
        Some(n) => u32::try_from(n).ok(),
        None => {
            wrong.push(FieldError::new(
                pointer,
                field_codes::INVALID_TYPE,
                format!("Must be an integer from 1 (the highest) to {MAX_PRECEDENCE}."),
            ));
            None
        }
    }
}

/// A present member that may not be `null`.
fn not_null<'a>(
    fields: &'a Map<String, Value>,
    member: &str,
    wrong: &mut Vec<FieldError>,
) -> Option<&'a Value> {
    match fields.get(member) {
        Some(Value::Null) => {
            wrong.push(FieldError::new(
                &format!("/{member}"),
                field_codes::REQUIRED,
                "It cannot be cleared.",
            ));
            None
        }
        v => v,
    }
}

fn stamp(t: Option<DateTime<Utc>>) -> String {
    t.map(timestamp::millis).unwrap_or_default()
}

impl Body for Tier {
    const MEMBERS: &'static [&'static str] = &["name", "precedence"];
    fn new_from(fields: &Map<String, Value>, wrong: &mut Vec<FieldError>) -> Option<Self> {
        let name = name(fields.get("name"), wrong);
        let precedence = match fields.get("precedence") {
            None | Some(Value::Null) => {
                wrong.push(FieldError::new(
                    "/precedence",
                    field_codes::REQUIRED,
                    "A tier needs its precedence (1 is the highest).",
                ));
                None
            }
            Some(v) => precedence("/precedence", v, wrong),
        };
        Some(Tier {
            id: String::new(),
            name: name?,
            precedence: precedence?,
        })
    }
    fn patch_from(fields: &Map<String, Value>, wrong: &mut Vec<FieldError>) -> TierPatch {
        TierPatch {
            name: fields
                .contains_key("name")
                .then(|| name(fields.get("name"), wrong))
                .flatten(),
            precedence: not_null(fields, "precedence", wrong)
                .and_then(|v| precedence("/precedence", v, wrong)),
        }
    }
    fn canonical(&self) -> String {
        format!("{}\n{}", self.name, self.precedence)
    }
}

impl Body for Product {
    const MEMBERS: &'static [&'static str] = &["name", "tier_precedence"];
    fn new_from(fields: &Map<String, Value>, wrong: &mut Vec<FieldError>) -> Option<Self> {
        let name = name(fields.get("name"), wrong);
        let tier_precedence = match fields.get("tier_precedence") {
            None | Some(Value::Null) => Some(None),
            Some(v) => precedence("/tier_precedence", v, wrong).map(Some),
        };
        Some(Product {
            id: String::new(),
            name: name?,
            tier_precedence: tier_precedence?,
        })
    }
    fn patch_from(fields: &Map<String, Value>, wrong: &mut Vec<FieldError>) -> ProductPatch {
        ProductPatch {
            name: fields
                .contains_key("name")
                .then(|| name(fields.get("name"), wrong))
                .flatten(),
            tier_precedence: match fields.get("tier_precedence") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(v) => precedence("/tier_precedence", v, wrong).map(Some),
            },
        }
    }
    fn canonical(&self) -> String {
        format!(
            "{}\n{}",
            self.name,
            self.tier_precedence
                .map(|p| p.to_string())
                .unwrap_or_default()
        )
    }
}

impl Body for Campaign {
    const MEMBERS: &'static [&'static str] = &["name", "starts_at", "expires_at"];
    fn new_from(fields: &Map<String, Value>, wrong: &mut Vec<FieldError>) -> Option<Self> {
        let name = name(fields.get("name"), wrong);
        let starts_at = match fields.get("starts_at") {
            None | Some(Value::Null) => {
                wrong.push(FieldError::new(
                    "/starts_at",
                    field_codes::REQUIRED,
                    "A campaign needs its start.",
                ));
                None
            }
            Some(v) => date("/starts_at", v).map_err(|e| wrong.push(e)).ok(),
        };
        let expires_at = match fields.get("expires_at") {
            None | Some(Value::Null) => Some(None),
            Some(v) => date("/expires_at", v)
                .map_err(|e| wrong.push(e))
                .ok()
                .map(Some),
        };
        Some(Campaign {
            id: String::new(),
            name: name?,
            starts_at: starts_at?,
            expires_at: expires_at?,
        })
    }
    fn patch_from(fields: &Map<String, Value>, wrong: &mut Vec<FieldError>) -> CampaignPatch {
        CampaignPatch {
            name: fields
                .contains_key("name")
                .then(|| name(fields.get("name"), wrong))
                .flatten(),
            starts_at: not_null(fields, "starts_at", wrong)
                .and_then(|v| date("/starts_at", v).map_err(|e| wrong.push(e)).ok()),
            expires_at: match fields.get("expires_at") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(v) => date("/expires_at", v)
                    .map_err(|e| wrong.push(e))
                    .ok()
                    .map(Some),
            },
        }
    }
    fn canonical(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.name,
            timestamp::millis(self.starts_at),
            stamp(self.expires_at)
        )
    }
}
