//! A change to a partner's profile as a JSON merge patch (RFC 7396): the fields that changed,
//! nested as in the partner (`{"contact": {"address": {"city": "Lyon"}}}`). The console builds
//! one from the fields a CSR edited; the server reads one back, refusing members it does not
//! know and values of the wrong type. `null` clears a field, like an empty string.

use serde_json::{Map, Value};

use super::profile::{ProfileField, field_codes};
use super::records::FieldError;

/// The fields a patch sets, each with its new value (not yet normalized or checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerPatch {
    pub changes: Vec<(ProfileField, String)>,
}

/// Why a body is not a profile patch at all (400), or which of its fields are not valid (422,
/// every one of them: values of the wrong type and values the rules refuse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchRefused {
    NotAnObject(String),
    UnknownMember(String),
    Types(Vec<FieldError>),
}

/// The members of each object of the patch, by the pointer of the object.
fn members(object: &str) -> &'static [&'static str] {
    match object {
        "" => &["name", "contact", "notes"],
        "/contact" => &["name", "email", "phone", "website", "address", "time_zone"],
        "/contact/address" => &["line1", "line2", "city", "region", "postal_code", "country"],
        _ => &[],
    }
}

impl PartnerPatch {
    /// Sets `field` to `value` (the last setting of a field wins).
    pub fn set(mut self, field: ProfileField, value: impl Into<String>) -> Self {
        self.changes.retain(|(f, _)| *f != field);
        self.changes.push((field, value.into()));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The merge patch document.
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        for (field, value) in &self.changes {
            let mut names = field.pointer().split('/').skip(1).peekable();
            let mut at = &mut root;
            while let Some(name) = names.next() {
                if names.peek().is_none() {
                    at.insert(name.to_string(), Value::String(value.clone()));
                } else {
                    let next = at
                        .entry(name.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !next.is_object() {
                        *next = Value::Object(Map::new());
                    }
                    at = next.as_object_mut().expect("made an object just above");
                }
            }
        }
        Value::Object(root)
    }

    /// Reads a merge patch: the body must be an object whose members are the profile's;
    /// `null` clears a field (or, for `address`, every part of it); `contact` cannot be
    /// cleared as a whole (its email is required).
    pub fn from_json(body: &Value) -> Result<PartnerPatch, PatchRefused> {
        let Value::Object(root) = body else {
            return Err(PatchRefused::NotAnObject(
                "The body must be a JSON object (a merge patch of the partner).".into(),
            ));
        };
        let mut patch = PartnerPatch::default();
        let mut wrong = Vec::new();
        read_object("", root, &mut patch, &mut wrong)?;
        if wrong.is_empty() {
            Ok(patch)
        } else {
            wrong.extend(patch.checked().errors);
            Err(PatchRefused::Types(wrong))
        }
    }

    /// Every value normalized and checked by its field's rules ([`ProfileField::check`]).
    pub fn checked(&self) -> CheckedPatch {
        let mut out = CheckedPatch::default();
        for (field, raw) in &self.changes {
            let value = field.normalize(raw);
            match field.check(&value) {
                Ok(warnings) => out.warnings.extend(warnings),
                Err(e) => out.errors.push(e),
            }
            out.changes.push((*field, value));
        }
        out
    }
}

/// A patch's values as they would be stored, with what the rules said of them: it may be saved
/// when `errors` is empty, and `warnings` go back with the saved partner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedPatch {
    pub changes: Vec<(ProfileField, String)>,
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldError>,
}

fn read_object(
    at: &str,
    object: &Map<String, Value>,
    patch: &mut PartnerPatch,
    wrong: &mut Vec<FieldError>,
) -> Result<(), PatchRefused> {
    for (name, value) in object {
        if !members(at).contains(&name.as_str()) {
            return Err(PatchRefused::UnknownMember(format!(
                "{at}/{} is not a field of the partner's profile.",
                escape_pointer(name)
            )));
        }
        let pointer = format!("{at}/{name}");
        let nested = !members(&pointer).is_empty();
        match (value, nested) {
            (Value::Object(inner), true) => read_object(&pointer, inner, patch, wrong)?,
            // Clearing an object clears every field under it.
            (Value::Null, true) if pointer == "/contact" => wrong.push(FieldError::new(
                &pointer,
                field_codes::REQUIRED,
                "The contact cannot be removed; change its fields instead.",
            )),
            (Value::Null, true) => {
                for f in ProfileField::ALL {
                    if f.pointer().starts_with(&format!("{pointer}/")) {
                        patch.changes.push((f, String::new()));
                    }
                }
            }
            (_, true) => wrong.push(FieldError::new(
                &pointer,
                field_codes::INVALID_TYPE,
                "Must be an object (or null).",
            )),
            (Value::String(_) | Value::Null, false) => {
                let field = ProfileField::from_pointer(&pointer)
                    .expect("every member of the profile's objects is a field or an object");
                patch
                    .changes
                    .push((field, value.as_str().unwrap_or("").to_string()));
            }
            (_, false) => wrong.push(FieldError::new(
                &pointer,
                field_codes::INVALID_TYPE,
                "Must be a string (or null to clear it).",
            )),
        }
    }
    Ok(())
}

/// RFC 6901: `~` and `/` in a member's name.
fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_patch_round_trips_through_its_json() {
        let patch = PartnerPatch::default()
            .set(ProfileField::City, "Lyon")
            .set(ProfileField::TimeZone, "Europe/Paris")
            .set(ProfileField::Notes, "two\nlines");
        let body = patch.to_json();
        assert_eq!(
            body,
            json!({"contact": {"address": {"city": "Lyon"}, "time_zone": "Europe/Paris"},
                   "notes": "two\nlines"})
        );
        let back = PartnerPatch::from_json(&body).unwrap();
        let mut want = patch.changes.clone();
        let mut got = back.changes;
        want.sort_by_key(|(f, _)| f.pointer());
        got.sort_by_key(|(f, _)| f.pointer());
        assert_eq!(got, want);
    }

    #[test]
    fn null_clears_and_address_null_clears_every_part() {
        let p =
            PartnerPatch::from_json(&json!({"contact": {"phone": null, "address": null}})).unwrap();
        assert_eq!(p.changes.len(), 7);
        assert!(p.changes.iter().all(|(_, v)| v.is_empty()));
    }

    #[test]
    fn wrong_types_are_all_reported_and_unknown_members_refused() {
        let err = PartnerPatch::from_json(&json!({"name": 5,
            "contact": {"email": [], "address": "one line", "time_zone": "Mars/Base"}}))
        .unwrap_err();
        let PatchRefused::Types(errors) = err else {
            panic!("{err:?}")
        };
        let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "/contact/address",
                "/contact/email",
                "/contact/time_zone",
                "/name"
            ],
            "the wrong types and the refused values, all at once"
        );
        assert!(matches!(
            PartnerPatch::from_json(&json!({"contact": {"fax": "1"}})),
            Err(PatchRefused::UnknownMember(m)) if m.contains("/contact/fax")
        ));
        assert!(matches!(
            PartnerPatch::from_json(&json!([])),
            Err(PatchRefused::NotAnObject(_))
        ));
        assert!(matches!(
            PartnerPatch::from_json(&json!({"contact": null})),
            Err(PatchRefused::Types(e)) if e[0].code == "required"
        ));
    }
}
