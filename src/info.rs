//! `partner-console info`: where the config, data and logs are, which backend and token source
//! are in use, and, when the backend answers, who the token belongs to. Never the token itself.
//!
//! `render` is pure (settings and probe result in, text out) so the output is unit-tested; `run`
//! only loads, probes and prints.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

use crate::client::{Api, ApiError, HttpApi, HttpApiOptions, RetryPolicy};
use crate::config::{Config, Overrides, Paths, Settings, TokenSource, clean, show};
use crate::domain::Me;

/// `info` waits at most this long to connect, and this long for each answer: it is a quick look.
const PROBE_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const PROBE_REQUEST_TIMEOUT: Duration = Duration::from_secs(4);

/// What asking the backend found out.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// `GET /healthz` failed; the sentence says how.
    Unreachable(String),
    /// The backend answered, but there is no token to ask `GET /me` with.
    NoToken,
    /// The backend answered `/healthz` but `GET /me` failed (most often: the token was refused).
    MeFailed(String),
    /// `GET /me` answered.
    User(Me),
}

/// Loads the configuration, asks the backend who we are, prints it all to stdout. A
/// configuration that cannot be loaded still gets its paths printed, then the error is returned.
/// An unreachable backend is reported, not an error: `info` is how one finds out why.
pub async fn run(opts: &Overrides) -> color_eyre::Result<()> {
    let paths = Paths::discover(opts.config.as_deref())?;
    let settings = match Config::load_with(opts, paths.clone(), &|name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(error) => {
            let config_found = paths.config_file.exists();
            print_out(&render_paths(&paths, config_found))?;
            return Err(error.into());
        }
    };
    let probe = probe(&settings).await;
    print_out(&render(&settings, &probe))?;
    Ok(())
}

/// `GET /healthz`, then (with a token) `GET /me`, with short timeouts and no retries.
pub async fn probe(settings: &Settings) -> Probe {
    let options = HttpApiOptions {
        connect_timeout: settings.timeouts.connect.min(PROBE_CONNECT_TIMEOUT),
        read_timeout: settings.timeouts.read.min(PROBE_REQUEST_TIMEOUT),
        request_timeout: settings.timeouts.request.min(PROBE_REQUEST_TIMEOUT),
        retry: RetryPolicy::none(),
        ..settings.api_options()
    };
    let api = match HttpApi::new(options) {
        Ok(api) => api,
        Err(e) => return Probe::Unreachable(describe(&e)),
    };
    if let Err(e) = api.health().await {
        return Probe::Unreachable(describe(&e));
    }
    if settings.token.is_none() {
        return Probe::NoToken;
    }
    match api.me().await {
        Ok(me) => Probe::User(me),
        Err(e) => Probe::MeFailed(describe(&e)),
    }
}

/// The CSR's sentence, plus the low-level reason when the connection itself failed (here, unlike
/// in the TUI, the person reading is diagnosing the connection).
fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Unreachable { message } if !message.is_empty() => {
            format!("{} ({})", error.user_message(), message)
        }
        _ => error.user_message(),
    }
}

/// The whole report, one `key: value` per line.
pub fn render(settings: &Settings, probe: &Probe) -> String {
    let mut out = render_paths(&settings.paths, settings.config_found);
    let line = |out: &mut String, key: &str, value: &str| {
        let _ = writeln!(out, "{key}: {}", clean(value));
    };
    line(&mut out, "export dir", &show(&settings.export_dir));
    line(&mut out, "profile", &settings.profile_name);
    line(
        &mut out,
        "backend url",
        &format!("{} (from {})", settings.url, settings.url_source.describe()),
    );
    let token = match &settings.token_source {
        TokenSource::None => {
            "none (set PARTNER_CONSOLE_TOKEN, or token_command or token_file in the profile)"
                .to_string()
        }
        source => format!("from {}", source.describe()),
    };
    line(&mut out, "token", &token);
    line(&mut out, "production", yes_no(settings.production));
    line(&mut out, "read-only", yes_no(settings.read_only));
    if let Some((path, _)) = &settings.ca_file {
        line(&mut out, "ca file", &show(path));
    }
    line(
        &mut out,
        "proxy",
        settings
            .proxy
            .as_deref()
            .unwrap_or("none (straight to the backend)"),
    );
    match probe {
        Probe::Unreachable(why) => line(&mut out, "backend", &format!("unreachable – {why}")),
        Probe::NoToken => {
            line(&mut out, "backend", "reachable");
            line(&mut out, "user", "unknown – no token configured");
        }
        Probe::MeFailed(why) => {
            line(&mut out, "backend", "reachable");
            line(&mut out, "user", &format!("unknown – {why}"));
        }
        Probe::User(me) => {
            line(&mut out, "backend", "reachable");
            line(
                &mut out,
                "user",
                &format!("{} ({})", me.name, me.role.as_str()),
            );
        }
    }
    out
}

/// The part that needs no loaded configuration: config file, data dir, log file.
pub fn render_paths(paths: &Paths, config_found: bool) -> String {
    let found = if config_found {
        "found"
    } else {
        "not found; using defaults"
    };
    format!(
        "config file: {} ({found})\ndata dir: {}\nlog file: {}\n",
        show(&paths.config_file),
        show(&paths.data_dir),
        show(&paths.log_file()),
    )
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Writes to stdout; a closed pipe (`info | head -1`) is not an error.
fn print_out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{Timeouts, UiConfig, UrlSource};
    use crate::domain::Role;
    use crate::secret::Secret;

    fn settings() -> Settings {
        Settings {
            profile_name: "prod".into(),
            url: "https://partners.example.com".into(),
            url_source: UrlSource::Profile,
            ca_file: None,
            proxy: Some("http://***@proxy.corp:3128 (from HTTPS_PROXY)".into()),
            token: Some(Secret::new("tok-very-secret")),
            token_source: TokenSource::File("/home/ann/.config/partner-console/token".into()),
            production: true,
            read_only: false,
            allow_http: false,
            timeouts: Timeouts::default(),
            ui: UiConfig::default(),
            export_dir: "/home/ann/Downloads".into(),
            keys: Default::default(),
            reasons: Vec::new(),
            paths: Paths::in_dir(Path::new("/home/ann/.config/partner-console")),
            config_found: true,
        }
    }

    #[test]
    fn renders_every_line_and_the_user() {
        let me = Me {
            id: "u1".into(),
            name: "Ann Smith".into(),
            email: "ann@example.com".into(),
            role: Role::Csr,
            assignments: Vec::new(),
        };
        let text = render(&settings(), &Probe::User(me));
        let expected = "\
config file: /home/ann/.config/partner-console/config.toml (found)
data dir: /home/ann/.config/partner-console/data
log file: /home/ann/.config/partner-console/logs/partner-console.log
export dir: /home/ann/Downloads
profile: prod
backend url: https://partners.example.com (from the profile)
token: from token_file /home/ann/.config/partner-console/token
production: yes
read-only: no
proxy: http://***@proxy.corp:3128 (from HTTPS_PROXY)
backend: reachable
user: Ann Smith (csr)
";
        assert_eq!(text, expected);
        assert!(!text.contains("tok-very-secret"));
    }

    #[test]
    fn renders_unreachable_and_missing_token() {
        let mut s = settings();
        s.config_found = false;
        s.token = None;
        s.token_source = TokenSource::None;
        let text = render(
            &s,
            &Probe::Unreachable("The backend could not be reached.".into()),
        );
        assert!(text.contains("(not found; using defaults)"), "{text}");
        assert!(
            text.contains("token: none (set PARTNER_CONSOLE_TOKEN"),
            "{text}"
        );
        assert!(
            text.contains("backend: unreachable – The backend could not be reached.\n"),
            "{text}"
        );
        assert!(!text.contains("user:"), "{text}");

        let text = render(&s, &Probe::NoToken);
        assert!(
            text.contains("backend: reachable\nuser: unknown – no token configured\n"),
            "{text}"
        );
    }

    #[test]
    fn hostile_text_is_cleaned() {
        let me = Me {
            id: "u1".into(),
            name: "Eve\u{1b}]52;c;x\u{7}\u{202E}".into(),
            email: "e@example.com".into(),
            role: Role::Admin,
            assignments: Vec::new(),
        };
        let text = render(&settings(), &Probe::User(me));
        assert!(
            !text.chars().any(|c| c != '\n' && c.is_control()),
            "{text:?}"
        );
        assert!(!text.contains('\u{202E}'));
    }

    #[tokio::test]
    async fn probe_of_a_closed_port_is_unreachable() {
        // Bind then drop: the port is (almost certainly) closed for the moment of the test.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut s = settings();
        s.url = format!("http://127.0.0.1:{port}");
        match probe(&s).await {
            Probe::Unreachable(why) => assert!(!why.contains("tok-very-secret"), "{why}"),
            other => panic!("expected unreachable, got {other:?}"),
        }
    }
}
