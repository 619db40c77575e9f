//! The contract and the server stay in step: every route the reference server serves is in
//! `assets/openapi.yaml`, and every route the spec names is served.
//!
//! The spec is read as text, not with a YAML parser: path keys sit under the top-level `paths:`
//! key indented exactly two spaces (`  /approvals/{id}:`), their methods exactly four
//! (`    get:`). The spec keeps that form on purpose.
#![cfg(feature = "server")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];
/// 202: a portal invitation is queued (an email), not a resource made.
const SUCCESS: &[&str] = &["200", "201", "202", "204"];

fn asset(name: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    (path, text)
}

/// A YAML key at exactly `indent` spaces: `Some(key)` for `<indent>key:` (with nothing or a
/// comment after the colon), `None` for anything else. Quotes around the key are dropped.
fn key_at(line: &str, indent: usize) -> Option<&str> {
    let rest = line.strip_prefix(&" ".repeat(indent))?;
    if rest.starts_with(' ') || rest.starts_with('#') || rest.starts_with('-') {
        return None;
    }
    let rest = rest.split(" #").next().unwrap_or(rest).trim_end();
    let key = rest.strip_suffix(':')?;
    let key = key.trim_matches(|c| c == '\'' || c == '"');
    (!key.is_empty()).then_some(key)
}

/// `(METHOD, path)` of every operation under `paths:`, each with the response status keys found
/// in its block.
fn spec_operations(yaml: &str) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut ops: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut in_paths = false;
    let mut path: Option<String> = None;
    let mut current: Option<(String, String)> = None;
    for line in yaml.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        // A top-level key ends (or starts) the `paths:` block.
        if !line.starts_with(' ') {
            in_paths = key_at(line, 0) == Some("paths");
            path = None;
            current = None;
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(key) = key_at(line, 2) {
            path = key.starts_with('/').then(|| key.to_string());
            current = None;
            continue;
        }
        if let Some(key) = key_at(line, 4) {
            current = match (&path, METHODS.contains(&key)) {
                (Some(p), true) => {
                    let op = (key.to_ascii_uppercase(), p.clone());
                    ops.entry(op.clone()).or_default();
                    Some(op)
                }
                _ => None,
            };
            continue;
        }
        // Inside an operation: a status key such as `'200':`, `"204":` or `201:`.
        if let Some(op) = &current {
            let trimmed = line.trim();
            if let Some(key) = trimmed.strip_suffix(':') {
                let key = key.trim_matches(|c| c == '\'' || c == '"');
                if key.len() == 3 && key.bytes().all(|b| b.is_ascii_digit()) {
                    ops.get_mut(op)
                        .expect("operation recorded")
                        .insert(key.to_string());
                }
            }
        }
    }
    ops
}

/// The server's routes, normalised like the spec's: upper-case method, path relative to the
/// `/api/v1` server URL.
fn server_routes() -> BTreeSet<(String, String)> {
    partner_console::server::ROUTES
        .iter()
        .map(|(method, path)| {
            let path = path.strip_prefix("/api/v1").unwrap_or(path);
            (method.to_ascii_uppercase(), path.to_string())
        })
        .collect()
}

fn list(routes: &BTreeSet<&(String, String)>) -> String {
    routes
        .iter()
        .map(|(m, p)| format!("  {m} {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn spec_is_openapi_3_1() {
    let (path, yaml) = asset("openapi.yaml");
    assert!(
        yaml.lines().any(|l| {
            let l = l.trim_end();
            l.starts_with("openapi: 3.1")
                || l.starts_with("openapi: '3.1")
                || l.starts_with("openapi: \"3.1")
        }),
        "{} does not declare `openapi: 3.1.x`",
        path.display()
    );
    assert!(
        yaml.lines().any(|l| l == "paths:"),
        "{} has no top-level `paths:`",
        path.display()
    );
}

#[test]
fn spec_and_server_name_the_same_routes() {
    let (path, yaml) = asset("openapi.yaml");
    let spec: BTreeSet<(String, String)> = spec_operations(&yaml).into_keys().collect();
    assert!(
        !spec.is_empty(),
        "no operations found under `paths:` in {}",
        path.display()
    );
    let server = server_routes();

    let missing_from_spec: BTreeSet<_> = server.difference(&spec).collect();
    let missing_from_server: BTreeSet<_> = spec.difference(&server).collect();
    let mut report = String::new();
    if !missing_from_spec.is_empty() {
        report += &format!(
            "routes the server serves that {} does not document:\n{}\n",
            path.display(),
            list(&missing_from_spec)
        );
    }
    if !missing_from_server.is_empty() {
        report += &format!(
            "routes {} documents that the server lacks (partner_console::server::ROUTES):\n{}\n",
            path.display(),
            list(&missing_from_server)
        );
    }
    assert!(
        report.is_empty(),
        "the contract and the server disagree:\n{report}"
    );
}

#[test]
fn every_operation_has_a_success_response() {
    let (path, yaml) = asset("openapi.yaml");
    let ops = spec_operations(&yaml);
    let without: Vec<String> = ops
        .iter()
        .filter(|(_, statuses)| !statuses.iter().any(|s| SUCCESS.contains(&s.as_str())))
        .map(|((m, p), _)| format!("  {m} {p}"))
        .collect();
    assert!(
        without.is_empty(),
        "operations in {} without a 200, 201 or 204 response:\n{}",
        path.display(),
        without.join("\n")
    );
    let paths: BTreeSet<&String> = ops.keys().map(|(_, p)| p).collect();
    for p in paths {
        assert!(p.starts_with('/'), "path key {p:?} must start with /");
    }
}

#[test]
fn seed_schema_is_json() {
    let (path, text) = asset("seed.schema.json");
    let value: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
    assert_eq!(
        value.get("$schema").and_then(|v| v.as_str()),
        Some("https://json-schema.org/draft/2020-12/schema"),
        "{} must declare JSON Schema draft 2020-12",
        path.display()
    );
    for key in ["users", "partners", "approvals"] {
        assert!(
            value.pointer(&format!("/properties/{key}")).is_some(),
            "{} does not describe `{key}`",
            path.display()
        );
    }
}

#[test]
fn the_text_parser_reads_the_documented_form() {
    let yaml = "openapi: 3.1.0\npaths:\n  /a/{id}:\n    get:\n      responses:\n        '200':\n          description: x\n    delete:\n      responses:\n        \"404\":\n          description: y\n  /b:\n    parameters: []\n    post:\n      responses:\n        201:\n          description: z\ncomponents:\n  /not-a-path:\n    get:\n      responses: {}\n";
    let ops = spec_operations(yaml);
    let keys: Vec<(String, String)> = ops.keys().cloned().collect();
    assert_eq!(
        keys,
        vec![
            ("DELETE".to_string(), "/a/{id}".to_string()),
            ("GET".to_string(), "/a/{id}".to_string()),
            ("POST".to_string(), "/b".to_string()),
        ]
    );
    assert!(ops[&("GET".to_string(), "/a/{id}".to_string())].contains("200"));
    assert!(ops[&("DELETE".to_string(), "/a/{id}".to_string())].contains("404"));
    assert!(ops[&("POST".to_string(), "/b".to_string())].contains("201"));
}
