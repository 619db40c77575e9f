//! The values of a node of the hierarchy as a create or a `PATCH` sends them: its name and its
//! contact's name, email and phone (a tenant's contact has no phone). Each is normalized and
//! checked by the partner profile's rules for the field of the same pointer
//! ([`ProfileField::check`]: lengths, control and bidi characters, the email's shape, the
//! phone's), so a name means the same on every level; only a distributor's or a tenant's
//! contact may leave its email empty (a partner's receives its rejections).

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::request::json_body;
use crate::domain::{
    FieldError, Level, NewDistributor, NewPartner, NewTenant, NodeContact, ProfileField, codes,
    field_codes,
};
use crate::server::problem::ApiProblem;

fn invalid_body(detail: String) -> ApiProblem {
    ApiProblem::new(StatusCode::BAD_REQUEST, codes::INVALID_BODY, detail)
}

/// The fields a node of `level` has, by the pointer of each in its body.
fn fields(level: Level) -> &'static [ProfileField] {
    match level {
        Level::Tenant => &[
            ProfileField::Name,
            ProfileField::ContactName,
            ProfileField::Email,
        ],
        _ => &[
            ProfileField::Name,
            ProfileField::ContactName,
            ProfileField::Email,
            ProfileField::Phone,
        ],
    }
}

/// Values as they are stored, each with its field, and the warnings they deserve.
pub(super) type Checked = (Vec<(ProfileField, String)>, Vec<FieldError>);

/// The values normalized, with the warnings they deserve; 422 `validation_failed` with every
/// invalid field otherwise (and with `wrong`, errors found before: values of the wrong type).
pub(super) fn checked(
    level: Level,
    values: Vec<(ProfileField, String)>,
    mut wrong: Vec<FieldError>,
) -> Result<Checked, ApiProblem> {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (field, raw) in values {
        let value = field.normalize(&raw);
        let optional_email = field == ProfileField::Email && level != Level::Partner;
        if !(optional_email && value.is_empty()) {
            match field.check(&value) {
                Ok(w) => warnings.extend(w),
                Err(e) => wrong.push(e),
            }
        }
        out.push((field, value));
    }
    if wrong.is_empty() {
        Ok((out, warnings))
    } else {
        Err(ApiProblem::validation_failed(wrong))
    }
}

/// A `POST /{collection}` body, checked.
pub(super) struct NewNodeBody {
    pub parent_id: Option<String>,
    pub name: String,
    pub contact: NodeContact,
    pub warnings: Vec<FieldError>,
    /// The body as parsed, written out again: what makes two creates "the same request".
    pub canonical: String,
    /// The 422 of fields the rules refuse: answered only once the caller is known to be
    /// allowed to create there (a 403 tells nothing of the body; a 422 would).
    pub refused: Option<ApiProblem>,
}

/// Reads and checks the body of a create of `level`: 400 when it is not one (unknown or
/// mistyped members), 422 with every field the rules refuse.
pub(super) fn new_node(
    level: Level,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<NewNodeBody, ApiProblem> {
    fn canonical<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }
    let (parent_id, name, contact, canonical) = match level {
        Level::Distributor => {
            let b: NewDistributor = json_body(headers, body)?;
            let c = canonical(&b);
            (None, b.name, b.contact, c)
        }
        Level::Partner => {
            let b: NewPartner = json_body(headers, body)?;
            let c = canonical(&b);
            (Some(b.distributor_id), b.name, b.contact, c)
        }
        Level::Tenant => {
            let b: NewTenant = json_body(headers, body)?;
            if !b.contact.phone.is_empty() {
                return Err(invalid_body(
                    "/contact/phone is not a field of a tenant's contact.".into(),
                ));
            }
            let c = canonical(&b);
            (Some(b.partner_id), b.name, b.contact, c)
        }
    };
    let values: Vec<(ProfileField, String)> = fields(level)
        .iter()
        .map(|f| {
            let v = match f {
                ProfileField::Name => &name,
                ProfileField::ContactName => &contact.name,
                ProfileField::Email => &contact.email,
                _ => &contact.phone,
            };
            (*f, v.clone())
        })
        .collect();
    let (values, warnings, refused) = match checked(level, values.clone(), Vec::new()) {
        Ok((values, warnings)) => (values, warnings, None),
        Err(p) => (values, Vec::new(), Some(p)),
    };
    let value = |field| {
        values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Ok(NewNodeBody {
        parent_id,
        name: value(ProfileField::Name),
        contact: NodeContact {
            name: value(ProfileField::ContactName),
            email: value(ProfileField::Email),
            phone: value(ProfileField::Phone),
        },
        warnings,
        canonical,
        refused,
    })
}

/// A JSON merge patch (RFC 7396) of a distributor or a tenant: `{name, contact: {name, email,
/// phone}}`, only what changed; `null` clears a field like an empty string (`"contact": null`
/// each of its fields). A member the node does not have is a 400; a value that is not a string
/// a 422 `invalid_type`, with the other fields' errors.
pub(super) fn node_patch(level: Level, body: &Value) -> Result<Checked, ApiProblem> {
    let Value::Object(root) = body else {
        return Err(invalid_body(format!(
            "The body must be a JSON object (a merge patch of the {}).",
            level.as_str()
        )));
    };
    let known = fields(level);
    let mut values = Vec::new();
    let mut wrong = Vec::new();
    let take = |field: ProfileField, value: &Value| match value {
        Value::String(s) => Ok((field, s.clone())),
        Value::Null => Ok((field, String::new())),
        _ => Err(FieldError::new(
            field.pointer(),
            field_codes::INVALID_TYPE,
            "Must be a string (or null to clear it).",
        )),
    };
    for (name, value) in root {
        let pointer = format!("/{name}");
        if pointer == "/contact" {
            match value {
                Value::Object(contact) => {
                    for (name, value) in contact {
                        let pointer = format!("/contact/{name}");
                        let field = known
                            .iter()
                            .find(|f| f.pointer() == pointer)
                            .ok_or_else(|| not_a_field(level, &pointer))?;
                        wrong_or(take(*field, value), &mut values, &mut wrong);
                    }
                }
                Value::Null => {
                    for f in known
                        .iter()
                        .filter(|f| f.pointer().starts_with("/contact/"))
                    {
                        wrong_or(take(*f, &Value::Null), &mut values, &mut wrong);
                    }
                }
                _ => wrong.push(FieldError::new(
                    "/contact",
                    field_codes::INVALID_TYPE,
                    "Must be an object (or null).",
                )),
            }
            continue;
        }
        let field = known
            .iter()
            .find(|f| f.pointer() == pointer)
            .ok_or_else(|| not_a_field(level, &pointer))?;
        wrong_or(take(*field, value), &mut values, &mut wrong);
    }
    checked(level, values, wrong)
}

fn wrong_or(
    value: Result<(ProfileField, String), FieldError>,
    values: &mut Vec<(ProfileField, String)>,
    wrong: &mut Vec<FieldError>,
) {
    match value {
        Ok(v) => values.push(v),
        Err(e) => wrong.push(e),
    }
}

fn not_a_field(level: Level, pointer: &str) -> ApiProblem {
    invalid_body(format!("{pointer} is not a field of a {}.", level.as_str()))
}

/// The body of `POST …/{id}/admins`: `name` by the rules of a name, `email` by those of an
/// email (required); 422 with both when both are wrong.
pub(super) fn new_admin(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<crate::domain::NewAdmin, ApiProblem> {
    let b: crate::domain::NewAdmin = json_body(headers, body)?;
    let mut wrong = Vec::new();
    let mut value = |field: ProfileField, raw: &str, pointer: &str| {
        let v = field.normalize(raw);
        if let Err(mut e) = field.check(&v) {
            e.field = pointer.to_string();
            wrong.push(e);
        }
        v
    };
    let admin = crate::domain::NewAdmin {
        name: value(ProfileField::Name, &b.name, "/name"),
        email: value(ProfileField::Email, &b.email, "/email"),
    };
    if wrong.is_empty() {
        Ok(admin)
    } else {
        Err(ApiProblem::validation_failed(wrong))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(r: Result<Checked, ApiProblem>) -> Vec<String> {
        match r {
            Ok(_) => vec!["ok".into()],
            Err(p) if p.0.errors.is_empty() => vec![p.0.code],
            Err(p) => {
                let mut out: Vec<String> =
                    p.0.errors
                        .into_iter()
                        .map(|e| format!("{} {}", e.field, e.code))
                        .collect();
                out.sort();
                out
            }
        }
    }

    #[test]
    fn a_patch_names_only_the_levels_fields_and_every_bad_one_is_reported() {
        let ok = node_patch(
            Level::Distributor,
            &json!({"name": " Acme ", "contact": {"phone": "030 1234"}}),
        )
        .unwrap();
        let mut values = ok.0.clone();
        values.sort_by_key(|(f, _)| f.pointer());
        assert_eq!(
            values,
            [
                (ProfileField::Phone, "030 1234".to_string()),
                (ProfileField::Name, "Acme".to_string()),
            ]
        );
        assert_eq!(ok.1[0].code, field_codes::PHONE_NOT_INTERNATIONAL);
        assert_eq!(
            codes(node_patch(
                Level::Tenant,
                &json!({"contact": {"phone": "+49 30 1234"}})
            )),
            [codes::INVALID_BODY]
        );
        assert_eq!(
            codes(node_patch(Level::Tenant, &json!({"notes": "x"}))),
            [codes::INVALID_BODY]
        );
        assert_eq!(
            codes(node_patch(
                Level::Distributor,
                &json!({"name": null, "contact": {"email": "nope", "name": 3}})
            )),
            [
                "/contact/email invalid_email",
                "/contact/name invalid_type",
                "/name required",
            ]
        );
        // A distributor's or a tenant's email may be cleared; a partner's may not.
        assert_eq!(
            codes(node_patch(Level::Tenant, &json!({"contact": null}))),
            ["ok"]
        );
        assert_eq!(
            codes(checked(
                Level::Partner,
                vec![(ProfileField::Email, " ".into())],
                Vec::new()
            )),
            ["/contact/email required"]
        );
    }
}
