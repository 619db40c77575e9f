//! The `config.toml` format. Every table denies unknown keys, so a typo is an error with a line
//! number rather than a setting that silently does nothing. `config.example.toml` at the crate
//! root documents every key and is parsed by a test here.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use super::{ConfigError, LineCol, UrlProblem, check_url, clean};
use crate::domain::MAX_REASON_CHARS;

/// The parsed config file, before any profile is chosen or any override applied.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The profile used when neither `--profile` nor `PARTNER_CONSOLE_PROFILE` names one.
    pub default_profile: Option<Spanned<String>>,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub export: ExportConfig,
    /// Action name → key(s). Interpreted (and validated) by the TUI's keymap.
    #[serde(default)]
    pub keys: BTreeMap<String, KeyBinding>,
    #[serde(default)]
    pub profiles: BTreeMap<ProfileName, Profile>,
    /// `[reasons]`: name → text of a rejection reason the reject dialog can insert (`Ctrl-T`).
    #[serde(default)]
    pub reasons: BTreeMap<String, Spanned<String>>,
}

/// `[ui]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Ask `y/N` before approving.
    pub confirm_approve: bool,
    /// Ask before approving an item another CSR has open, even without `confirm_approve`.
    pub confirm_when_watched: bool,
    /// How often to refresh when the live event stream is unavailable, in seconds (>= 1).
    #[serde(deserialize_with = "at_least_one")]
    pub poll_interval_secs: u64,
    /// "2d ago" in lists (true) or absolute timestamps (false).
    pub relative_dates: bool,
    /// A request pending longer than this many hours is marked `!` as aging (0: never).
    pub stale_after_hours: u64,
}

impl UiConfig {
    /// `stale_after_hours` as a duration; `None` when it is 0 (no marking).
    pub fn stale_after(&self) -> Option<std::time::Duration> {
        (self.stale_after_hours > 0)
            .then(|| std::time::Duration::from_secs(self.stale_after_hours.saturating_mul(3600)))
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            confirm_approve: true,
            confirm_when_watched: true,
            poll_interval_secs: 10,
            relative_dates: true,
            stale_after_hours: 48,
        }
    }
}

/// `[export]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportConfig {
    /// Where exports are written; `~` is expanded, relative paths are relative to the config file.
    pub dir: Option<PathBuf>,
}

/// `[profiles.NAME]`: one backend and how to reach it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The backend's base URL (validated at parse time, with its line in errors).
    pub url: Option<Spanned<String>>,
    /// A production backend: the TUI shows a banner.
    #[serde(default)]
    pub production: bool,
    /// Never send a decision from this profile.
    #[serde(default)]
    pub read_only: bool,
    /// Allow plain `http://` to a host that is not loopback.
    #[serde(default)]
    pub allow_http: bool,
    /// Run with `sh -c`; trimmed stdout is the token.
    pub token_command: Option<String>,
    /// A file holding the token, mode 0600; `~` is expanded, relative to the config file.
    pub token_file: Option<PathBuf>,
    /// PEM certificates of a private CA, trusted besides the system's; `~` is expanded,
    /// relative to the config file.
    pub ca_file: Option<PathBuf>,
    /// Whole-request timeout in seconds (>= 1).
    #[serde(default, deserialize_with = "opt_at_least_one")]
    pub timeout_secs: Option<u64>,
    /// Connect timeout in seconds (>= 1).
    #[serde(default, deserialize_with = "opt_at_least_one")]
    pub connect_timeout_secs: Option<u64>,
}

/// A profile's name: letters, digits, `-`, `_` and `.` (it is shown in banners and messages).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileName(String);

impl ProfileName {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_valid(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    }
}

impl Borrow<str> for ProfileName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ProfileName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if ProfileName::is_valid(&name) {
            Ok(ProfileName(name))
        } else {
            Err(de::Error::custom(format!(
                "the profile name `{}` is not allowed: use letters, digits, `-`, `_` and `.` (at most 64)",
                clean(&name)
            )))
        }
    }
}

/// `[keys]` values: `approve = "a"` or `approve = ["a", "ctrl-y"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyBinding {
    One(String),
    Many(Vec<String>),
}

impl KeyBinding {
    /// The key strings, in the order written.
    pub fn keys(&self) -> &[String] {
        match self {
            KeyBinding::One(k) => std::slice::from_ref(k),
            KeyBinding::Many(ks) => ks,
        }
    }
}

impl<'de> Deserialize<'de> for KeyBinding {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyBinding;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    r#"a key such as "a" or "ctrl-r", or a list of them such as ["a", "enter"]"#,
                )
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyBinding, E> {
                Ok(KeyBinding::One(v.to_string()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyBinding, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeyBinding::Many(keys))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v == 0 {
        return Err(de::Error::custom(
            "a number of seconds must be at least 1, not 0",
        ));
    }
    Ok(v)
}

fn opt_at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    at_least_one(d).map(Some)
}

impl Config {
    /// Reads and parses `path`; a file that does not exist is `Ok(None)`.
    pub fn read(path: &Path) -> Result<Option<Config>, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                error,
            }),
        }
    }

    /// Parses config text; `path` is only for messages. Checks what serde cannot: every
    /// profile's URL, and that `default_profile` names a profile.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            at: e.span().map(|s| LineCol::of(text, s.start)),
            message: friendly_toml_message(e.message()),
        })?;
        let at = |span: std::ops::Range<usize>, message: String| ConfigError::Parse {
            path: path.to_path_buf(),
            at: Some(LineCol::of(text, span.start)),
            message,
        };
        for (name, profile) in &config.profiles {
            if let Some(url) = &profile.url {
                check_url(url.get_ref(), profile.allow_http).map_err(|problem| {
                    let fix = match problem {
                        UrlProblem::PlainHttp { .. } => {
                            "; use https://, or add `allow_http = true` to this profile if you really mean it"
                        }
                        _ => "",
                    };
                    at(
                        url.span(),
                        format!("the url of profile `{name}` is refused: {problem}{fix}"),
                    )
                })?;
            }
        }
        for (name, text) in &config.reasons {
            check_reason_template(name, text.get_ref()).map_err(|problem| {
                at(
                    text.span(),
                    format!("[reasons] `{}` {problem}", clean(name)),
                )
            })?;
        }
        if let Some(default) = &config.default_profile {
            let name = default.get_ref();
            let builtin = name == super::DEFAULT_PROFILE && config.profiles.is_empty();
            if !config.profiles.contains_key(name.as_str()) && !builtin {
                return Err(at(
                    default.span(),
                    format!(
                        "default_profile names `{}`, but {}",
                        clean(name),
                        super::profiles_sentence(&config.profile_names())
                    ),
                ));
            }
        }
        Ok(config)
    }

    /// `[reasons]` as the reject dialog lists them: by name, the text trimmed.
    pub fn reason_templates(&self) -> Vec<ReasonTemplate> {
        self.reasons
            .iter()
            .map(|(name, text)| ReasonTemplate {
                name: name.clone(),
                text: text.get_ref().replace("\r\n", "\n").trim().to_string(),
            })
            .collect()
    }

    /// The profile names defined in the file, sorted.
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles.keys().map(|k| k.0.clone()).collect()
    }
}

/// One `[reasons]` entry: a rejection reason a CSR inserts and then edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonTemplate {
    pub name: String,
    pub text: String,
}

/// Longest template name: it is listed in a picker inside the reject dialog.
const MAX_TEMPLATE_NAME_CHARS: usize = 40;

/// What is wrong with a `[reasons]` entry, as the end of a sentence, or `Ok`. The text follows
/// the server's rules for a reason (so a template can always be sent): at most
/// [`MAX_REASON_CHARS`] characters, something visible, and no control or bidi characters
/// besides line breaks and tabs.
fn check_reason_template(name: &str, text: &str) -> Result<(), String> {
    let name_ok = !name.trim().is_empty()
        && name.chars().count() <= MAX_TEMPLATE_NAME_CHARS
        && !name.chars().any(crate::text::is_unsafe);
    if !name_ok {
        return Err(format!(
            "needs a name of 1 to {MAX_TEMPLATE_NAME_CHARS} characters without control characters"
        ));
    }
    let text = text.trim();
    if text
        .chars()
        .all(|c| c.is_whitespace() || crate::text::is_unsafe(c))
    {
        return Err("is blank: write the reason's text".into());
    }
    if text
        .chars()
        .any(|c| crate::text::is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(
            "contains a control or bidi character: only text, line breaks and tabs are allowed"
                .into(),
        );
    }
    let n = text.chars().count();
    if n > MAX_REASON_CHARS {
        return Err(format!(
            "is {n} characters long; a reason has at most {MAX_REASON_CHARS}"
        ));
    }
    Ok(())
}

/// toml's own message, on one line, controls removed, with a hint where a common mistake has an
/// obvious fix. (Only the message: toml's `Display` quotes the offending line of the file, which
/// could be a line holding a token someone pasted in.)
fn friendly_toml_message(message: &str) -> String {
    let one_line = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = clean(&one_line);
    if message.starts_with("unknown field `token`") {
        out.push_str(
            " (tokens are never read from the config file itself: use the PARTNER_CONSOLE_TOKEN \
             environment variable, token_command or token_file)",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/pc/config.toml"))
    }

    fn parse_err(text: &str) -> (Option<LineCol>, String) {
        match parse(text) {
            Err(e @ ConfigError::Parse { at, .. }) => (at, e.to_string()),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn the_example_config_parses_and_sets_every_table() {
        let text = include_str!("../../config.example.toml");
        let config = Config::parse(text, Path::new("config.example.toml")).unwrap();
        assert!(config.default_profile.is_some());
        assert!(!config.keys.is_empty());
        assert!(config.export.dir.is_some());
        assert!(config.profiles.len() >= 2, "{:?}", config.profile_names());
        assert!(!config.reason_templates().is_empty());
        // Every key a profile can hold appears (uncommented) in some profile of the example.
        let p = |f: fn(&Profile) -> bool| config.profiles.values().any(f);
        assert!(p(|p| p.url.is_some()));
        assert!(p(|p| p.production));
        assert!(p(|p| p.read_only));
        assert!(p(|p| p.allow_http));
        assert!(p(|p| p.token_command.is_some()));
        assert!(p(|p| p.token_file.is_some()));
        assert!(p(|p| p.ca_file.is_some()));
        assert!(p(|p| p.timeout_secs.is_some()));
        assert!(p(|p| p.connect_timeout_secs.is_some()));
    }

    #[test]
    fn empty_file_is_all_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.ui, UiConfig::default());
        assert!(c.profiles.is_empty() && c.keys.is_empty() && c.default_profile.is_none());
    }

    #[test]
    fn syntax_error_says_file_line_and_column() {
        let (at, msg) = parse_err("[ui]\nconfirm_approve = true\npoll_interval_secs = = 3\n");
        assert_eq!(at.unwrap().line, 3, "{msg}");
        assert!(msg.contains("/etc/pc/config.toml"), "{msg}");
        assert!(msg.contains("line 3, column"), "{msg}");
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let (at, msg) =
            parse_err("[profiles.prod]\nurl = \"https://x.example\"\nreadonly = true\n");
        let at = at.unwrap();
        assert_eq!((at.line, at.column), (3, 1), "{msg}");
        assert!(msg.contains("unknown field `readonly`"), "{msg}");
        assert!(
            msg.contains("read_only"),
            "the message lists the valid keys: {msg}"
        );

        let (at, msg) = parse_err("[uii]\n");
        assert_eq!(at.unwrap().line, 1, "{msg}");
        assert!(msg.contains("uii"), "{msg}");
    }

    #[test]
    fn a_token_in_the_file_is_refused_without_quoting_it() {
        let (_, msg) = parse_err("[profiles.prod]\ntoken = \"tok-very-secret\"\n");
        assert!(msg.contains("token_command"), "{msg}");
        assert!(!msg.contains("tok-very-secret"), "{msg}");
    }

    #[test]
    fn wrong_types_and_zero_seconds_are_errors() {
        let (at, msg) = parse_err("[ui]\nconfirm_approve = \"yes\"\n");
        assert_eq!(at.unwrap().line, 2, "{msg}");
        let (at, msg) = parse_err("[profiles.a]\ntimeout_secs = 0\n");
        assert_eq!(at.unwrap().line, 2, "{msg}");
        assert!(msg.contains("at least 1, not 0"), "{msg}");
        let (_, msg) = parse_err("[ui]\npoll_interval_secs = 0\n");
        assert!(msg.contains("at least 1, not 0"), "{msg}");
    }

    #[test]
    fn bad_profile_names_are_errors() {
        let (at, msg) = parse_err("[profiles.\"a b\"]\n");
        assert_eq!(at.unwrap().line, 1, "{msg}");
        assert!(msg.contains("`a b` is not allowed"), "{msg}");
    }

    #[test]
    fn profile_url_problems_have_their_line() {
        let (at, msg) = parse_err("[profiles.lab]\n\nurl = \"http://10.1.2.3:8080\"\n");
        assert_eq!(at.unwrap().line, 3, "{msg}");
        assert!(msg.contains("allow_http = true"), "{msg}");
        let (at, msg) = parse_err("[profiles.lab]\nurl = \"ftp://x.example\"\n");
        assert_eq!(at.unwrap().line, 2, "{msg}");
        let ok = parse("[profiles.lab]\nurl = \"http://10.1.2.3:8080\"\nallow_http = true\n");
        assert!(ok.is_ok());
    }

    #[test]
    fn default_profile_must_exist() {
        let (at, msg) =
            parse_err("default_profile = \"prdo\"\n[profiles.prod]\n[profiles.staging]\n");
        assert_eq!(at.unwrap().line, 1, "{msg}");
        assert!(msg.contains("prod, staging"), "{msg}");
        // The built-in default is fine when the file defines no profile at all.
        assert!(parse("default_profile = \"default\"\n").is_ok());
    }

    #[test]
    fn keys_take_a_string_or_a_list() {
        let c =
            parse("[keys]\napprove = \"a\"\nreject = [\"r\", \"ctrl-x\"]\nsearch = []\n").unwrap();
        assert_eq!(c.keys["approve"].keys(), ["a"]);
        assert_eq!(c.keys["reject"].keys(), ["r", "ctrl-x"]);
        assert!(c.keys["search"].keys().is_empty());
        let (at, msg) = parse_err("[keys]\n\napprove = 3\n");
        assert_eq!(at.unwrap().line, 3, "{msg}");
        assert!(msg.contains("ctrl-r"), "{msg}");
    }

    #[test]
    fn reason_templates_are_listed_by_name_trimmed() {
        let c = parse(
            "[reasons]\nstock = \"\"\"\n  Out of stock.\r\nTry again later.\n\"\"\"\n\"1 price\" = \"The price is wrong.\"\n",
        )
        .unwrap();
        let names: Vec<_> = c
            .reason_templates()
            .into_iter()
            .map(|t| (t.name, t.text))
            .collect();
        assert_eq!(
            names,
            [
                ("1 price".to_string(), "The price is wrong.".to_string()),
                (
                    "stock".to_string(),
                    "Out of stock.\nTry again later.".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_reason_template_that_could_not_be_sent_is_refused_with_its_line() {
        let cases = [
            ("[reasons]\nblank = \"  \"\n", "blank"),
            ("[reasons]\nesc = \"hi \\u001b]52;c;x\"\n", "control"),
            ("[reasons]\nrlo = \"hi \\u202e there\"\n", "control or bidi"),
            ("[reasons]\n\"\" = \"text\"\n", "name"),
        ];
        for (text, word) in cases {
            let (at, msg) = parse_err(text);
            assert_eq!(at.map(|a| a.line), Some(2), "{msg}");
            assert!(msg.contains(word), "{word}: {msg}");
        }
        let long = format!(
            "[reasons]\nlong = \"{}\"\n",
            "x".repeat(MAX_REASON_CHARS + 1)
        );
        assert!(parse_err(&long).1.contains("2001 characters"));
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(LineCol::of("ab\ncd", 4), LineCol { line: 2, column: 2 });
        assert_eq!(LineCol::of("é\nx", 3), LineCol { line: 2, column: 1 });
        assert_eq!(LineCol::of("éx", 2), LineCol { line: 1, column: 2 });
        assert_eq!(LineCol::of("ab", 99), LineCol { line: 1, column: 3 });
    }
}
