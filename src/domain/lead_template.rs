//! Internet delivery's body template: `{{variable}}`s filled with a lead's values, each escaped
//! for the delivery method, so that a value can never change the shape of the document (a
//! `</body>` or a quote in a lead's notes stays text). The server renders previews with it
//! (`POST /partners/{id}/lead_settings/preview`) and checks templates on save with
//! [`parse`]; nothing here fetches anything.

use super::{DeliveryMethod, LeadPreview};

/// The longest template a partner may have, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 16_000;

/// The most a rendered body may hold, in bytes; a longer one is cut (and says so).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every variable a template may use, with what it holds and the sample lead's value that
/// previews show. README lists them from here.
pub const TEMPLATE_VARIABLES: [(&str, &str, &str); 13] = [
    ("lead_id", "the lead's id", "L-2026-000042"),
    (
        "created_at",
        "when the lead came in (RFC 3339, UTC)",
        "2026-12-07T09:30:00Z",
    ),
    ("first_name", "the lead's first name", "Ada"),
    ("last_name", "the lead's last name", "O'Neill"),
    ("email", "the lead's email", "ada.oneill@example.com"),
    ("phone", "the lead's phone", "+44 20 7946 0958"),
    ("address", "street and number", "12 Harbour Street"),
    ("city", "city", "Bristol"),
    ("postal_code", "postal code", "BS1 4DJ"),
    ("country", "ISO 3166-1 alpha-2 code", "GB"),
    (
        "product",
        "what the lead asked about",
        "Home & contents insurance",
    ),
    ("source", "where the lead came from", "Website form"),
    (
        "notes",
        "what the lead wrote, as written",
        "Call after 5 pm, \"not before\" </body> <b>thanks</b>",
    ),
];

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A `{{` without its `}}`, or a name that is not a variable's shape.
    Malformed(String),
    /// A well-formed `{{name}}` that is not in [`TEMPLATE_VARIABLES`].
    UnknownVariable(String),
}

impl TemplateError {
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::Malformed(_) => super::field_codes::TEMPLATE_INVALID,
            TemplateError::UnknownVariable(_) => super::field_codes::UNKNOWN_VARIABLE,
        }
    }

    pub fn detail(&self) -> String {
        match self {
            TemplateError::Malformed(why) => why.clone(),
            TemplateError::UnknownVariable(name) => format!(
                "{{{{{name}}}}} is not a template variable; the variables are {}.",
                TEMPLATE_VARIABLES
                    .iter()
                    .map(|(n, _, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Variable(&'a str),
}

/// Splits a template into text and variables. `{{ name }}` may have spaces inside the braces;
/// a lone `{` or `}` is text (JSON bodies are full of them). Every variable must be one of
/// [`TEMPLATE_VARIABLES`]: the first that is not is the error.
pub fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(TemplateError::Malformed(format!(
                "A {{{{ at character {} has no closing }}}}.",
                template.len() - rest.len() + open + 1
            )));
        };
        let name = after[..close].trim();
        let shaped = !name.is_empty()
            && name.len() <= 40
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !shaped {
            let shown: String = name.chars().take(40).collect();
            return Err(TemplateError::Malformed(format!(
                "{{{{{shown}}}}} is not a variable: names are lower-case letters, digits and _, like {{{{first_name}}}}."
            )));
        }
        if !TEMPLATE_VARIABLES.iter().any(|(n, _, _)| *n == name) {
            return Err(TemplateError::UnknownVariable(name.to_string()));
        }
        pieces.push(Piece::Variable(name));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// `value` escaped so that it is only ever data in a body of `method`.
pub fn escape(method: DeliveryMethod, value: &str, out: &mut String) {
    match method {
        DeliveryMethod::Xml | DeliveryMethod::Soap11 | DeliveryMethod::Soap12 => {
            for c in value.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&apos;"),
                    c => out.push(c),
                }
            }
        }
        // The inside of a JSON string (the template writes the quotes). `<`, `>` and `&` as
        // \u escapes too, so that a value never spells markup even in a body that a partner's
        // system later pastes into HTML.
        DeliveryMethod::Json => {
            for c in value.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '<' | '>' | '&' => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
        }
        // application/x-www-form-urlencoded: unreserved bytes as they are, space as `+`,
        // every other byte percent-encoded.
        DeliveryMethod::Post => {
            for b in value.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        out.push(b as char)
                    }
                    b' ' => out.push('+'),
                    b => out.push_str(&format!("%{b:02X}")),
                }
            }
        }
    }
}

/// Renders `template` for `method` with `value_of` each variable (a variable it has no value
/// for renders empty). The body stops at [`MAX_BODY_BYTES`], on a character boundary.
pub fn render(
    method: DeliveryMethod,
    template: &str,
    value_of: impl Fn(&str) -> Option<String>,
) -> Result<LeadPreview, TemplateError> {
    let pieces = parse(template)?;
    let mut body = String::new();
    let mut truncated = false;
    for piece in pieces {
        match piece {
            Piece::Text(t) => body.push_str(t),
            Piece::Variable(name) => escape(method, &value_of(name).unwrap_or_default(), &mut body),
        }
        if body.len() > MAX_BODY_BYTES {
            let mut cut = MAX_BODY_BYTES;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            truncated = true;
            break;
        }
    }
    Ok(LeadPreview {
        content_type: method.content_type().to_string(),
        body,
        truncated,
    })
}

/// The sample lead's value of a variable.
pub fn sample_value(name: &str) -> Option<String> {
    TEMPLATE_VARIABLES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, v)| v.to_string())
}

/// What the partner's API would receive for the sample lead.
pub fn preview(method: DeliveryMethod, template: &str) -> Result<LeadPreview, TemplateError> {
    render(method, template, sample_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(values: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let values: Vec<(String, String)> = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            values
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn variables_are_filled_and_braces_alone_are_text() {
        let body = render(
            DeliveryMethod::Json,
            r#"{"lead": {"id": "{{lead_id}}", "name": "{{ first_name }} {{last_name}}"}}"#,
            with(&[("lead_id", "7"), ("first_name", "Ada"), ("last_name", "L")]),
        )
        .unwrap()
        .body;
        assert_eq!(body, r#"{"lead": {"id": "7", "name": "Ada L"}}"#);
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["lead"]["name"], "Ada L");
    }

    #[test]
    fn an_unknown_variable_is_named_and_a_broken_one_is_malformed() {
        assert_eq!(
            parse("<a>{{first_name}}{{favourite_colour}}</a>"),
            Err(TemplateError::UnknownVariable("favourite_colour".into()))
        );
        let e = parse("<a>{{first_name</a>").unwrap_err();
        assert_eq!(e.code(), "template_invalid");
        assert!(e.detail().contains("character 4"), "{}", e.detail());
        assert_eq!(
            parse("{{First Name}}").unwrap_err().code(),
            "template_invalid"
        );
        assert!(
            TemplateError::UnknownVariable("x".into())
                .detail()
                .contains("first_name")
        );
    }

    #[test]
    fn a_hostile_value_stays_inert_in_xml_and_soap() {
        let hostile = r#"</body><x a="1">'&amp;"#;
        for method in [
            DeliveryMethod::Xml,
            DeliveryMethod::Soap11,
            DeliveryMethod::Soap12,
        ] {
            let body = render(
                method,
                "<body><notes>{{notes}}</notes></body>",
                with(&[("notes", hostile)]),
            )
            .unwrap()
            .body;
            assert_eq!(
                body,
                "<body><notes>&lt;/body&gt;&lt;x a=&quot;1&quot;&gt;&apos;&amp;amp;</notes></body>"
            );
            assert_eq!(body.matches("</body>").count(), 1);
        }
    }

    #[test]
    fn a_hostile_value_stays_one_json_string() {
        let hostile = "\"}, \"admin\": true, \"x\": \"</body>\\\n\u{1}";
        let body = render(
            DeliveryMethod::Json,
            r#"{"notes": "{{notes}}", "n": 1}"#,
            with(&[("notes", hostile)]),
        )
        .unwrap()
        .body;
        assert!(!body.contains("</body>"), "{body}");
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["notes"], hostile);
        assert_eq!(parsed.as_object().unwrap().len(), 2);
    }

    #[test]
    fn post_bodies_are_form_encoded() {
        let body = render(
            DeliveryMethod::Post,
            "name={{first_name}}&notes={{notes}}",
            with(&[("first_name", "Zoë"), ("notes", "a&b=c d+e")]),
        )
        .unwrap()
        .body;
        assert_eq!(body, "name=Zo%C3%AB&notes=a%26b%3Dc+d%2Be");
    }

    #[test]
    fn a_body_is_cut_at_64_kib_on_a_character_boundary() {
        let template = "{{notes}}".repeat(100);
        let r = render(DeliveryMethod::Xml, &template, |_| Some("é".repeat(500))).unwrap();
        assert!(r.truncated);
        assert!(r.body.len() <= MAX_BODY_BYTES && r.body.len() > MAX_BODY_BYTES - 4);
        let small = render(DeliveryMethod::Xml, "{{notes}}", |_| Some("x".into())).unwrap();
        assert!(!small.truncated);
    }

    #[test]
    fn the_sample_lead_has_every_variable_and_content_types_follow_the_method() {
        let all: String = TEMPLATE_VARIABLES
            .iter()
            .map(|(n, _, _)| format!("{{{{{n}}}}}"))
            .collect();
        let r = preview(DeliveryMethod::Soap12, &all).unwrap();
        assert!(r.body.contains("O&apos;Neill") && r.body.contains("&lt;/body&gt;"));
        assert_eq!(r.content_type, "application/soap+xml; charset=utf-8");
        assert_eq!(
            preview(DeliveryMethod::Soap11, "").unwrap().content_type,
            "text/xml; charset=utf-8"
        );
    }
}
