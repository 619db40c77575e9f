//! Configuration: the `config.toml` file (`file.rs`), where things live on disk (`paths.rs`) and
//! where the token comes from (`token.rs`), resolved into one [`Settings`].
//!
//! Precedence, highest first:
//! - URL: `--url` / `PARTNER_CONSOLE_URL` ([`Overrides::url`]) > the profile's `url` >
//!   `http://127.0.0.1:8080`.
//! - Token: `PARTNER_CONSOLE_TOKEN` > the profile's `token_command` > its `token_file` > none.
//! - Profile: `--profile` / `PARTNER_CONSOLE_PROFILE` > `default_profile` > `"default"`.
//!
//! Plain `http://` is accepted for loopback hosts only, unless the profile says `allow_http`.
//! A profile's `ca_file` (`ca.rs`) adds a private CA to the system's trust store.
//! Every error is a sentence for a person that names the file (and line) at fault and never
//! contains a token.

mod ca;
mod file;
mod paths;
mod proxy;
mod token;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use file::{Config, ExportConfig, KeyBinding, Profile, ProfileName, ReasonTemplate, UiConfig};
pub use paths::{APP_NAME, CONFIG_FILE_NAME, Paths};
pub use proxy::proxy_for;
pub use token::{TOKEN_ENV, TokenSource};

use crate::secret::Secret;

/// The profile used when nothing names one.
pub const DEFAULT_PROFILE: &str = "default";
/// The backend URL when neither the command line nor the profile gives one.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";
/// Connect timeout unless the profile says `connect_timeout_secs`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole-request timeout unless the profile says `timeout_secs`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the caller says over the config file: which file, which profile, which backend. The
/// command line builds it from `--config`, `--profile` and `--url` (clap has already merged in
/// `PARTNER_CONSOLE_CONFIG`, `_PROFILE` and `_URL`); `None` or blank means "not said".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The config file; when set, it must exist.
    pub config: Option<PathBuf>,
    /// The profile to use instead of `default_profile`.
    pub profile: Option<String>,
    /// The backend's base URL instead of the profile's.
    pub url: Option<String>,
}

/// Everything resolved: the chosen profile with overrides applied, the token read, paths known.
/// `Debug` is safe to log: the token is a [`Secret`].
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile_name: String,
    /// The backend's base URL, checked, without a trailing slash.
    pub url: String,
    pub url_source: UrlSource,
    pub token: Option<Secret>,
    pub token_source: TokenSource,
    pub production: bool,
    pub read_only: bool,
    pub allow_http: bool,
    /// The profile's `ca_file`, expanded, and the certificates read from it.
    pub ca_file: Option<(PathBuf, Vec<reqwest::Certificate>)>,
    /// The proxy requests to the backend go through, as `info` shows it (credentials hidden);
    /// `None`: straight to the backend.
    pub proxy: Option<String>,
    pub timeouts: Timeouts,
    pub ui: UiConfig,
    /// `[export] dir`, else the user's download dir, else the data dir.
    pub export_dir: PathBuf,
    pub keys: BTreeMap<String, KeyBinding>,
    /// `[reasons]`, by name.
    pub reasons: Vec<ReasonTemplate>,
    pub paths: Paths,
    /// Whether `paths.config_file` existed (and so was read).
    pub config_found: bool,
}

/// Per-request limits handed to the HTTP client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Longest silence while reading a response (the same as `request` unless set otherwise).
    pub read: Duration,
    /// The whole request, connect to last byte.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            read: DEFAULT_REQUEST_TIMEOUT,
            request: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// Where the backend URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlSource {
    /// `--url` or `PARTNER_CONSOLE_URL`.
    CommandLine,
    /// The profile's `url`.
    Profile,
    /// Nothing said: [`DEFAULT_URL`].
    Default,
}

impl UrlSource {
    pub fn describe(self) -> &'static str {
        match self {
            UrlSource::CommandLine => "--url / PARTNER_CONSOLE_URL",
            UrlSource::Profile => "the profile",
            UrlSource::Default => "the built-in default",
        }
    }
}

impl Settings {
    /// The options for [`crate::client::HttpApi::new`]: this backend, token and timeouts.
    pub fn api_options(&self) -> crate::client::HttpApiOptions {
        crate::client::HttpApiOptions {
            base_url: self.url.clone(),
            token: self.token.clone(),
            connect_timeout: self.timeouts.connect,
            read_timeout: self.timeouts.read,
            request_timeout: self.timeouts.request,
            extra_roots: self
                .ca_file
                .as_ref()
                .map(|(_, certs)| certs.clone())
                .unwrap_or_default(),
            ..crate::client::HttpApiOptions::default()
        }
    }
}

impl Config {
    /// Finds the paths, reads the config file, picks the profile, applies `--url` and the
    /// environment, reads the token. The process environment is read for the token only
    /// (the caller already read `PARTNER_CONSOLE_CONFIG`, `_PROFILE` and `_URL` into `opts`).
    pub fn load(opts: &Overrides) -> Result<Settings, ConfigError> {
        let paths = Paths::discover(opts.config.as_deref())?;
        Config::load_with(opts, paths, &|name| std::env::var(name).ok())
    }

    /// [`Config::load`] with the paths and the environment given: the config file read is
    /// `paths.config_file`; it must exist when `opts.config` is set (an explicit file that is
    /// missing is a mistake), and may be missing otherwise (then everything is default).
    pub fn load_with(
        opts: &Overrides,
        paths: Paths,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = &paths.config_file;
        let (config, config_found) = match Config::read(file)? {
            Some(config) => (config, true),
            None if opts.config.is_some() => {
                return Err(ConfigError::Missing { path: file.clone() });
            }
            None => (Config::default(), false),
        };
        let (profile_name, profile) = config.select(non_blank(opts.profile.as_deref()), file)?;
        let base_dir = paths.config_dir().to_path_buf();

        let (url, url_source) = match non_blank(opts.url.as_deref()) {
            Some(raw) => {
                let url = check_url(raw, profile.allow_http).map_err(|problem| {
                    let fix = match problem {
                        UrlProblem::PlainHttp { .. } => format!(
                            "; use https://, or, if you really mean it, add `allow_http = true` \
                             under [profiles.{}] in {}",
                            profile_name,
                            show(file)
                        ),
                        _ => String::new(),
                    };
                    ConfigError::Url {
                        url: redact_url(raw),
                        problem: format!("{problem}{fix}"),
                    }
                })?;
                (url, UrlSource::CommandLine)
            }
            None => match &profile.url {
                // Already checked (with its line) when the file was parsed.
                Some(u) => (
                    check_url(u.get_ref(), profile.allow_http).map_err(|problem| {
                        ConfigError::Url {
                            url: redact_url(u.get_ref()),
                            problem: problem.to_string(),
                        }
                    })?,
                    UrlSource::Profile,
                ),
                None => (DEFAULT_URL.to_string(), UrlSource::Default),
            },
        };

        let token_file = profile
            .token_file
            .as_deref()
            .map(|p| paths::expand_path(p, &base_dir));
        let (token, token_source) = token::resolve(
            env(TOKEN_ENV),
            token::TokenSpec {
                profile: &profile_name,
                command: profile.token_command.as_deref(),
                file: token_file.as_deref(),
            },
        )?;

        let ca_file = match &profile.ca_file {
            Some(path) => {
                let path = paths::expand_path(path, &base_dir);
                let certs = ca::read(&path)?;
                Some((path, certs))
            }
            None => None,
        };

        let request = profile
            .timeout_secs
            .map_or(DEFAULT_REQUEST_TIMEOUT, Duration::from_secs);
        let timeouts = Timeouts {
            connect: profile
                .connect_timeout_secs
                .map_or(DEFAULT_CONNECT_TIMEOUT, Duration::from_secs),
            read: request,
            request,
        };

        let export_dir = paths.export_dir(&config.export);
        let proxy = proxy_for(&url, env);
        let reasons = config.reason_templates();

        Ok(Settings {
            profile_name,
            url,
            url_source,
            token,
            token_source,
            production: profile.production,
            read_only: profile.read_only,
            allow_http: profile.allow_http,
            ca_file,
            proxy,
            timeouts,
            ui: config.ui,
            export_dir,
            reasons,
            keys: config.keys,
            paths,
            config_found,
        })
    }

    /// The profile by precedence: `requested` > `default_profile` > `"default"`. With no
    /// profiles in the file, `"default"` is the built-in one (the default URL, no token source).
    fn select(
        &self,
        requested: Option<&str>,
        file: &Path,
    ) -> Result<(String, Profile), ConfigError> {
        let (name, explicit) = match (requested, &self.default_profile) {
            (Some(name), _) => (name, true),
            (None, Some(default)) => (default.get_ref().as_str(), true),
            (None, None) => (DEFAULT_PROFILE, false),
        };
        if let Some(profile) = self.profiles.get(name) {
            return Ok((name.to_string(), profile.clone()));
        }
        if name == DEFAULT_PROFILE && self.profiles.is_empty() {
            return Ok((name.to_string(), Profile::default()));
        }
        let available = self.profile_names();
        Err(if explicit {
            ConfigError::UnknownProfile {
                name: name.to_string(),
                path: file.to_path_buf(),
                available,
            }
        } else {
            ConfigError::NoProfileChosen {
                path: file.to_path_buf(),
                available,
            }
        })
    }
}

/// A line and column in a file, both from 1; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl LineCol {
    /// The position of byte `offset` in `text` (clamped to the text, rounded down to a char).
    pub fn of(text: &str, offset: usize) -> LineCol {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        LineCol {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// Why a backend URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("it is not a URL ({0}); write it like https://partners.example.com")]
    Invalid(String),
    #[error("its scheme is `{0}`, but only https:// (and http:// to this machine) are supported")]
    Scheme(String),
    #[error("it has no host name")]
    NoHost,
    #[error(
        "it contains a user name or password; give credentials through PARTNER_CONSOLE_TOKEN, \
         token_command or token_file instead"
    )]
    Credentials,
    #[error(
        "it has a query string or fragment; give only the base URL, like https://partners.example.com/api"
    )]
    QueryOrFragment,
    #[error("plain http:// to `{host}` would send your token across the network unencrypted")]
    PlainHttp { host: String },
}

/// Parses and checks a backend URL: http or https, a host, no credentials, no query; plain
/// `http` only to a loopback host (127.0.0.0/8, ::1, `localhost`) unless `allow_http`.
/// Returns it normalised, without a trailing slash.
pub fn check_url(raw: &str, allow_http: bool) -> Result<String, UrlProblem> {
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| UrlProblem::Invalid(e.to_string()))?;
    let scheme = url.scheme();
    if scheme != "https" && scheme != "http" {
        return Err(UrlProblem::Scheme(clean(scheme)));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(UrlProblem::NoHost);
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(UrlProblem::QueryOrFragment);
    }
    if scheme == "http" && !allow_http && !is_loopback(host) {
        return Err(UrlProblem::PlainHttp { host: clean(host) });
    }
    let mut normalised = String::from(url);
    while normalised.ends_with('/') {
        normalised.pop();
    }
    Ok(normalised)
}

/// 127.0.0.0/8, ::1 (and its IPv4-mapped form) or `localhost`. `host_str` gives IPv6 hosts in
/// brackets and domains lowercased (the `url` crate normalises both).
pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// A URL for an error message: whatever sits before `@` in the authority is masked (it could
/// be a password), and controls are removed.
pub(crate) fn redact_url(raw: &str) -> String {
    let raw = raw.trim();
    let shown = match raw.find("://") {
        Some(i) => {
            let rest = &raw[i + 3..];
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{}://***{}", &raw[..i], &rest[at..]),
                None => raw.to_string(),
            }
        }
        None => raw.to_string(),
    };
    clean(&shown)
}

/// Text from the config, the environment or a helper's stderr made safe to print, by the one
/// sanitizer ([`crate::text::clean_line`], QUALITY.md 1).
pub(crate) fn clean(s: &str) -> String {
    crate::text::clean_line(s)
}

/// A path for a message.
pub(crate) fn show(path: &Path) -> String {
    clean(&path.display().to_string())
}

/// "the profiles are: a, b" / "it defines no profiles".
fn profiles_sentence(available: &[String]) -> String {
    if available.is_empty() {
        "the file defines no profiles".to_string()
    } else {
        format!("the profiles are: {}", available.join(", "))
    }
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Why the configuration cannot be used. `Display` is a sentence for a person; no variant ever
/// holds a token.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot find your home directory, so there is no default place for the config file, \
         data and logs; set HOME"
    )]
    NoHome,

    #[error(
        "the config file {} does not exist (it was named by --config or PARTNER_CONSOLE_CONFIG)",
        show(path)
    )]
    Missing { path: PathBuf },

    #[error("cannot read the config file {}: {error}", show(path))]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{}", parse_message(path, *at, message))]
    Parse {
        path: PathBuf,
        at: Option<LineCol>,
        message: String,
    },

    #[error(
        "there is no profile `{}` in {}; {}",
        clean(name),
        show(path),
        profiles_sentence(available)
    )]
    UnknownProfile {
        name: String,
        path: PathBuf,
        available: Vec<String>,
    },

    #[error(
        "{} has no profile named `default` and none was chosen ({}); pass --profile NAME, set \
         PARTNER_CONSOLE_PROFILE, or add default_profile = \"NAME\" at the top of the file",
        show(path),
        profiles_sentence(available)
    )]
    NoProfileChosen {
        path: PathBuf,
        available: Vec<String>,
    },

    #[error("the backend URL `{url}` (from --url or PARTNER_CONSOLE_URL) is refused: {problem}")]
    Url { url: String, problem: String },

    #[error("cannot read the token file {}: {error}", show(path))]
    TokenFile {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error(
        "the token file {} can be read or written by other users (mode {mode:04o}); it must be \
         private to you: run `chmod 600 {}`",
        show(path), shell_quote(&show(path))
    )]
    TokenFileMode { path: PathBuf, mode: u32 },

    #[error("cannot read the ca_file {}: {error}", show(path))]
    CaFile {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error(
        "the ca_file {} holds no certificate in PEM form (-----BEGIN CERTIFICATE-----); give \
         the file of your CA's certificate, as your IT department hands it out",
        show(path)
    )]
    CaFileInvalid { path: PathBuf },

    #[error("the token file {} is empty", show(path))]
    TokenFileEmpty { path: PathBuf },

    #[error(
        "cannot run the token_command of profile `{}` with sh: {error}",
        clean(profile)
    )]
    TokenCommandSpawn {
        profile: String,
        error: std::io::Error,
    },

    #[error(
        "the token_command of profile `{}` failed: it {status}{}; run the command yourself to \
         see why",
        clean(profile),
        stderr.as_deref().map(|l| format!(" and its error output begins: {l}")).unwrap_or_default()
    )]
    TokenCommandFailed {
        profile: String,
        /// "exited with status 3", "was stopped (signal: 9)".
        status: String,
        /// The first non-empty line of its standard error, cleaned, with anything that looks
        /// like a token hidden, and shortened.
        stderr: Option<String>,
    },

    #[error(
        "the token_command of profile `{}` succeeded but printed nothing on standard output",
        clean(profile)
    )]
    TokenCommandEmpty { profile: String },

    #[error(
        "the token from {origin} is not a single word of printable ASCII (it has spaces, \
         several lines or other characters a bearer token cannot hold)"
    )]
    TokenMalformed { origin: String },
}

fn parse_message(path: &Path, at: Option<LineCol>, message: &str) -> String {
    match at {
        Some(LineCol { line, column }) => format!(
            "the config file {} is invalid at line {line}, column {column}: {message}",
            show(path)
        ),
        None => format!("the config file {} is invalid: {message}", show(path)),
    }
}

/// Single-quotes a path for a shell command in a message when it needs it.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '/' | '.' | '_' | '-' | '~' | '+' | ',' | ':' | '@')
        })
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The tests' one temporary directory (`TempDir`), shared with the integration tests.
#[cfg(test)]
#[path = "../../tests/support/tempdir.rs"]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::test_support::TempDir;
    use super::*;

    const TOKEN: &str = "tok-very-secret-123";

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn opts(config: Option<&Path>, profile: Option<&str>, url: Option<&str>) -> Overrides {
        Overrides {
            config: config.map(Path::to_path_buf),
            profile: profile.map(str::to_string),
            url: url.map(str::to_string),
        }
    }

    /// Loads `config_text` (written as `config.toml` in a fresh dir, unless `None`).
    fn load(
        config_text: Option<&str>,
        o: Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> (TempDir, Result<Settings, ConfigError>) {
        let dir = TempDir::new("config");
        let paths = Paths::in_dir(dir.path());
        if let Some(text) = config_text {
            dir.write("config.toml", text);
        }
        let result = Config::load_with(&o, paths, env);
        (dir, result)
    }

    #[test]
    fn a_ca_file_is_read_relative_to_the_config_file() {
        let text = "[profiles.default]\nurl = \"https://x.example\"\nca_file = \"certs/ca.pem\"\n";
        let (dir, result) = load(Some(text), opts(None, None, None), &no_env);
        let err = result.unwrap_err();
        assert!(matches!(err, ConfigError::CaFile { .. }), "{err}");
        let expected = dir.path().join("certs").join("ca.pem");
        assert!(
            err.to_string().contains(&expected.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn no_config_file_means_the_builtin_default() {
        let (_dir, s) = load(None, opts(None, None, None), &no_env);
        let s = s.unwrap();
        assert_eq!(s.profile_name, "default");
        assert_eq!(s.url, "http://127.0.0.1:8080");
        assert_eq!(s.url_source, UrlSource::Default);
        assert!(s.token.is_none());
        assert_eq!(s.token_source, TokenSource::None);
        assert!(!s.production && !s.read_only && !s.allow_http && !s.config_found);
        assert_eq!(s.timeouts, Timeouts::default());
        assert_eq!(s.ui, UiConfig::default());
    }

    #[test]
    fn an_explicit_config_file_must_exist() {
        let dir = TempDir::new("explicit");
        let mut paths = Paths::in_dir(dir.path());
        paths.config_file = dir.path().join("typo.toml");
        let o = opts(Some(&paths.config_file.clone()), None, None);
        let err = Config::load_with(&o, paths, &no_env).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        assert!(err.to_string().contains("typo.toml"), "{err}");
    }

    #[test]
    fn a_parse_error_names_the_file_and_line() {
        let (dir, r) = load(
            Some("default_profile = \"x\"\n[profiles.x]\nurl = https://x\n"),
            opts(None, None, None),
            &no_env,
        );
        let msg = r.unwrap_err().to_string();
        assert!(
            msg.contains(&dir.path().join("config.toml").display().to_string()),
            "{msg}"
        );
        assert!(msg.contains("line 3, column 7"), "{msg}");
    }

    const PROFILES: &str = r#"
default_profile = "staging"

[ui]
poll_interval_secs = 3

[profiles.staging]
url = "https://staging.example.com/api/"
timeout_secs = 12

[profiles.prod]
url = "https://partners.example.com"
production = true
read_only = true
connect_timeout_secs = 2
"#;

    #[test]
    fn default_profile_then_flag_picks_the_profile() {
        let (_d, s) = load(Some(PROFILES), opts(None, None, None), &no_env);
        let s = s.unwrap();
        assert_eq!(s.profile_name, "staging");
        assert_eq!(s.url, "https://staging.example.com/api");
        assert_eq!(s.url_source, UrlSource::Profile);
        assert_eq!(s.timeouts.request, Duration::from_secs(12));
        assert_eq!(s.timeouts.connect, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(s.ui.poll_interval_secs, 3);
        assert!(s.config_found);

        let (_d, s) = load(Some(PROFILES), opts(None, Some("prod"), None), &no_env);
        let s = s.unwrap();
        assert_eq!(s.profile_name, "prod");
        assert_eq!(s.url, "https://partners.example.com");
        assert!(s.production && s.read_only);
        assert_eq!(s.timeouts.connect, Duration::from_secs(2));
    }

    #[test]
    fn unknown_profile_lists_the_ones_that_exist() {
        let (_d, r) = load(Some(PROFILES), opts(None, Some("prdo"), None), &no_env);
        let err = r.unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::UnknownProfile { .. }), "{msg}");
        assert!(
            msg.contains("`prdo`") && msg.contains("prod, staging"),
            "{msg}"
        );

        let (_d, r) = load(None, opts(None, Some("prod"), None), &no_env);
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("defines no profiles"), "{msg}");
    }

    #[test]
    fn profiles_without_default_need_a_choice() {
        let (_d, r) = load(Some("[profiles.prod]\n"), opts(None, None, None), &no_env);
        let err = r.unwrap_err();
        assert!(matches!(err, ConfigError::NoProfileChosen { .. }), "{err}");
        assert!(err.to_string().contains("--profile"), "{err}");
    }

    #[test]
    fn url_flag_beats_profile_url() {
        let (_d, s) = load(
            Some(PROFILES),
            opts(None, Some("prod"), Some("https://other.example.com/")),
            &no_env,
        );
        let s = s.unwrap();
        assert_eq!(s.url, "https://other.example.com");
        assert_eq!(s.url_source, UrlSource::CommandLine);
        assert!(s.production, "the rest of the profile still applies");
        // A blank --url is no --url.
        let (_d, s) = load(Some(PROFILES), opts(None, Some("prod"), Some(" ")), &no_env);
        assert_eq!(s.unwrap().url_source, UrlSource::Profile);
    }

    #[test]
    fn env_token_beats_the_profile_sources() {
        let text = "[profiles.default]\ntoken_command = \"exit 7\"\n";
        let env = |name: &str| (name == TOKEN_ENV).then(|| TOKEN.to_string());
        let (_d, s) = load(Some(text), opts(None, None, None), &env);
        let s = s.unwrap();
        assert_eq!(s.token.as_ref().unwrap().expose(), TOKEN);
        assert_eq!(s.token_source, TokenSource::Env);

        let (_d, r) = load(Some(text), opts(None, None, None), &no_env);
        let err = r.unwrap_err();
        assert!(err.to_string().contains("status 7"), "{err}");
    }

    #[test]
    fn token_command_from_the_profile() {
        let text = format!("[profiles.default]\ntoken_command = \"echo {TOKEN}\"\n");
        let (_d, s) = load(Some(&text), opts(None, None, None), &no_env);
        let s = s.unwrap();
        assert_eq!(s.token.unwrap().expose(), TOKEN);
        assert_eq!(s.token_source, TokenSource::Command);
    }

    #[cfg(unix)]
    #[test]
    fn token_file_is_relative_to_the_config_file_and_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("config-token-file");
        let token_path = dir.write("token", TOKEN);
        dir.write(
            "config.toml",
            "[profiles.default]\ntoken_file = \"token\"\n",
        );
        let load =
            || Config::load_with(&opts(None, None, None), Paths::in_dir(dir.path()), &no_env);

        std::fs::set_permissions(&token_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let msg = load().unwrap_err().to_string();
        assert!(
            msg.contains("mode 0644") && msg.contains("chmod 600"),
            "{msg}"
        );
        assert!(!msg.contains(TOKEN));

        std::fs::set_permissions(&token_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = load().unwrap();
        assert_eq!(s.token.as_ref().unwrap().expose(), TOKEN);
        assert_eq!(s.token_source, TokenSource::File(token_path));
    }

    #[test]
    fn plain_http_off_loopback_is_refused_unless_opted_in() {
        let (_d, r) = load(
            None,
            opts(None, None, Some("http://10.0.0.5:8080")),
            &no_env,
        );
        let err = r.unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::Url { .. }), "{msg}");
        assert!(
            msg.contains("allow_http = true") && msg.contains("[profiles.default]"),
            "{msg}"
        );

        let text = "[profiles.default]\nallow_http = true\n";
        let (_d, s) = load(
            Some(text),
            opts(None, None, Some("http://10.0.0.5:8080")),
            &no_env,
        );
        let s = s.unwrap();
        assert_eq!(s.url, "http://10.0.0.5:8080");
        assert!(s.allow_http);
    }

    #[test]
    fn url_rules() {
        let ok = |u: &str| check_url(u, false).unwrap();
        assert_eq!(ok("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(ok("http://127.9.9.9"), "http://127.9.9.9");
        assert_eq!(ok("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(ok("http://LOCALHOST:3000"), "http://localhost:3000");
        assert_eq!(ok("http://[::1]:8080"), "http://[::1]:8080");
        assert_eq!(
            ok("https://partners.example.com/api/"),
            "https://partners.example.com/api"
        );
        assert_eq!(ok("  https://x.example  "), "https://x.example");

        let bad = |u: &str| check_url(u, false).unwrap_err();
        assert!(matches!(
            bad("http://example.com"),
            UrlProblem::PlainHttp { .. }
        ));
        assert!(matches!(
            bad("http://128.0.0.1"),
            UrlProblem::PlainHttp { .. }
        ));
        assert!(matches!(
            bad("http://localhost.example.com"),
            UrlProblem::PlainHttp { .. }
        ));
        assert!(matches!(bad("ftp://x.example"), UrlProblem::Scheme(_)));
        assert!(matches!(bad("localhost:8080"), UrlProblem::Scheme(_)));
        assert!(matches!(
            bad("partners.example.com"),
            UrlProblem::Invalid(_)
        ));
        assert!(matches!(
            bad("https://u:p@x.example"),
            UrlProblem::Credentials
        ));
        assert!(matches!(
            bad("https://x.example/?a=1"),
            UrlProblem::QueryOrFragment
        ));
        assert_eq!(
            check_url("http://example.com/", true).unwrap(),
            "http://example.com"
        );
    }

    #[test]
    fn url_errors_never_show_credentials() {
        let (_d, r) = load(
            None,
            opts(None, None, Some("https://ann:hunter2@x.example")),
            &no_env,
        );
        let msg = r.unwrap_err().to_string();
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(msg.contains("https://***@x.example"), "{msg}");
    }

    #[test]
    fn export_dir_and_tilde() {
        let text = "[export]\ndir = \"exports\"\n";
        let (dir, s) = load(Some(text), opts(None, None, None), &no_env);
        assert_eq!(s.unwrap().export_dir, dir.path().join("exports"));
    }

    #[test]
    fn debug_of_settings_never_shows_the_token() {
        let env = |name: &str| (name == TOKEN_ENV).then(|| TOKEN.to_string());
        let (_d, s) = load(None, opts(None, None, None), &env);
        let s = s.unwrap();
        assert_eq!(s.token.as_ref().unwrap().expose(), TOKEN);
        let debug = format!("{s:?} {s:#?}");
        assert!(!debug.contains(TOKEN), "{debug}");
        assert!(debug.contains("redacted"));
    }

    #[test]
    fn clean_removes_terminal_controls() {
        assert_eq!(
            clean("a\u{1b}[31mb\u{202E}c\u{200B}d\u{7f}\u{9b}"),
            "a[31mbcd"
        );
        assert_eq!(clean("plain é ü"), "plain é ü");
    }

    #[test]
    fn chmod_fix_is_quoted_when_needed() {
        assert_eq!(shell_quote("/home/ann/.token"), "/home/ann/.token");
        assert_eq!(shell_quote("/home/ann/my token"), "'/home/ann/my token'");
        assert_eq!(shell_quote("/x/it's"), r"'/x/it'\''s'");
    }
}
