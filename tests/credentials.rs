//! QUALITY.md 8, end to end with the built binary: a token from the environment, from a
//! profile's `token_command` and from a 0600 `token_file` each reach the backend; a token file
//! others can read is refused with the fix; plain HTTP off loopback is refused unless the
//! profile opts in; and after a session neither the log, nor a panic report, nor `Debug`
//! output holds the token.
//!
//! The server is seeded from a file whose CSR token is distinctive, so "contains no token"
//! means something.
#![cfg(all(unix, feature = "server"))]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use partner_console::client::{HttpApi, HttpApiOptions};
use partner_console::config::{Config, Overrides, Paths, TokenSource};
use partner_console::secret::Secret;
use support::{Pty, ServerProc, TempDir, TestHome};

const TOKEN: &str = "tok-SECRET-1234567";
const WAIT: Duration = Duration::from_secs(20);

fn seed() -> String {
    format!(
        r#"{{
  "users": [
    {{"name": "demo-csr", "email": "csr@example.com", "role": "csr", "token": "{TOKEN}"}},
    {{"name": "boss", "email": "boss@example.com", "role": "admin", "token": "tok-ADMIN-7654321"}}
  ],
  "partners": [{{"id": "p1", "name": "Acme Media", "status": "active",
                "contact": {{"email": "hi@acme.example"}},
                "channels": [{{"name": "Acme TV", "kind": "video", "followers": 10}}]}},
               {{"id": "p2", "name": "Blue Harbor", "status": "active",
                "contact": {{"email": "hi@blue.example"}}}}],
  "approvals": [
    {{"kind": "partnership", "title": "Gold", "partner": "p1", "requested_at": "2026-11-01T10:00:00Z",
     "item": {{"name": "Gold", "price": {{"amount_minor": 4900, "currency": "EUR"}}}}}},
    {{"kind": "partnership", "title": "Silver", "partner": "p2", "requested_at": "2026-11-02T10:00:00Z",
     "item": {{"name": "Silver", "price": {{"amount_minor": 2900, "currency": "EUR"}}}}}}
  ]
}}"#
    )
}

/// The reference server seeded with [`seed`]; the seed file lives in `_dir`.
struct Backend {
    server: ServerProc,
    _dir: TempDir,
}

fn backend() -> Backend {
    let dir = TempDir::new("cred-seed");
    let file = dir.path().join("seed.json");
    std::fs::write(&file, seed()).unwrap();
    let server = ServerProc::start_with(&["--seed", file.to_str().unwrap()]);
    Backend { server, _dir: dir }
}

/// `partner-console ARGS` in `home` with only `env` added to what [`TestHome::command`] sets.
fn run(home: &TestHome, args: &[&str], env: &[(&str, &str)]) -> Output {
    home.command(args)
        .envs(env.iter().copied())
        .output()
        .expect("run partner-console")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_no_token(what: &str, haystack: &str) {
    assert!(
        !haystack.contains(TOKEN),
        "{what} contains the token:\n{haystack}"
    );
    // Not even a large piece of it.
    assert!(!haystack.contains("SECRET-1234"), "{what}:\n{haystack}");
}

/// Writes `token` to `name` in the config dir with `mode`, returns its path.
fn token_file(home: &TestHome, name: &str, mode: u32) -> PathBuf {
    let dir = home.config_file().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn assert_reached_as_csr(out: &Output, source: &str) {
    let all = text(out);
    assert!(out.status.success(), "info failed:\n{all}");
    assert!(all.contains("backend: reachable"), "{all}");
    assert!(all.contains("user: demo-csr (csr)"), "{all}");
    assert!(all.contains(&format!("token: from {source}")), "{all}");
    assert_no_token("info output", &all);
}

#[test]
fn env_token_command_and_private_file_each_reach_the_backend() {
    let b = backend();
    let url = b.server.url.as_str();

    // 1. The environment.
    let home = TestHome::new();
    let out = run(
        &home,
        &["--url", url, "info"],
        &[("PARTNER_CONSOLE_TOKEN", TOKEN)],
    );
    assert_reached_as_csr(&out, "PARTNER_CONSOLE_TOKEN");

    // 2. A token_command (like a git credential helper).
    let home = TestHome::new();
    home.write_config(&format!(
        "[profiles.default]\nurl = \"{url}\"\ntoken_command = \"printf {TOKEN}\"\n"
    ));
    let out = run(&home, &["info"], &[]);
    assert_reached_as_csr(&out, "token_command");

    // 3. A token file private to its owner, relative to the config file.
    let home = TestHome::new();
    let path = token_file(&home, "token", 0o600);
    home.write_config(&format!(
        "[profiles.default]\nurl = \"{url}\"\ntoken_file = \"token\"\n"
    ));
    let out = run(&home, &["info"], &[]);
    assert_reached_as_csr(&out, &format!("token_file {}", path.display()));
}

#[test]
fn a_token_file_others_can_read_is_refused_with_the_fix() {
    let b = backend();
    for mode in [0o644, 0o640, 0o604, 0o660] {
        let home = TestHome::new();
        let path = token_file(&home, "token", mode);
        home.write_config(&format!(
            "[profiles.default]\nurl = \"{}\"\ntoken_file = \"token\"\n",
            b.server.url
        ));
        for args in [&["info"][..], &[][..]] {
            let out = run(&home, args, &[]);
            let all = text(&out);
            assert!(!out.status.success(), "mode {mode:o} accepted:\n{all}");
            assert!(
                all.contains(&format!("chmod 600 {}", path.display())),
                "the fix is named (mode {mode:o}, args {args:?}):\n{all}"
            );
            assert!(all.contains(&format!("mode {mode:04o}")), "{all}");
            assert_no_token("the refusal", &all);
        }
        // The fix works.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let out = run(&home, &["info"], &[]);
        assert!(
            text(&out).contains("user: demo-csr (csr)"),
            "{}",
            text(&out)
        );
    }
}

#[test]
fn plain_http_off_loopback_is_refused_unless_opted_in() {
    let home = TestHome::new();
    home.write_config("[profiles.default]\nurl = \"http://10.1.2.3:8080\"\n");
    for args in [&["info"][..], &[][..]] {
        let out = run(&home, args, &[("PARTNER_CONSOLE_TOKEN", TOKEN)]);
        let all = text(&out);
        assert!(!out.status.success(), "plain http accepted:\n{all}");
        assert!(
            all.contains("http://") && all.contains("allow_http = true"),
            "the refusal says how to opt in:\n{all}"
        );
        assert!(all.contains("line 2"), "it names the line:\n{all}");
        assert_no_token("the refusal", &all);
    }
    // The same from --url.
    let home = TestHome::new();
    let out = run(
        &home,
        &["--url", "http://10.1.2.3:8080", "info"],
        &[("PARTNER_CONSOLE_TOKEN", TOKEN)],
    );
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    assert!(all.contains("allow_http = true"), "{all}");

    // Opted in: accepted; nothing listens there, which info reports.
    let home = TestHome::new();
    home.write_config(
        "[profiles.default]\nurl = \"http://10.1.2.3:8080\"\nallow_http = true\nconnect_timeout_secs = 1\n",
    );
    let out = run(&home, &["info"], &[("PARTNER_CONSOLE_TOKEN", TOKEN)]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("backend url: http://10.1.2.3:8080"), "{all}");
    assert!(all.contains("backend: unreachable"), "{all}");
    assert_no_token("info", &all);
}

#[test]
fn a_console_session_leaves_no_token_in_the_log_or_on_screen() {
    let b = backend();
    // As chatty as the log gets: every crate, every level.
    let mut term = Pty::spawn(
        &["--url", &b.server.url],
        &[("PARTNER_CONSOLE_TOKEN", TOKEN), ("RUST_LOG", "trace")],
        100,
        30,
    );
    term.wait_for("Gold", WAIT).unwrap();
    term.wait_for("demo-csr (csr)", WAIT).unwrap();
    term.send("j");
    term.wait_for("2 of 2", WAIT).unwrap();
    term.send("4");
    term.wait_for("Acme Media", WAIT).unwrap();
    term.send("q");
    let status = term.exit_status(Duration::from_secs(5)).unwrap();
    assert!(status.success(), "{status:?}");
    let log = term.home().log_text();
    assert!(
        log.contains("console started"),
        "the session was logged:\n{log}"
    );
    assert!(
        log.len() > 2000,
        "trace logging wrote a real log ({} bytes)",
        log.len()
    );
    assert_no_token("the log file", &log);
    assert_no_token(
        "the terminal output",
        &String::from_utf8_lossy(&term.bytes()),
    );
    // The server's own log (its stderr) neither.
    assert_no_token("the server log", &b.server.stderr_text());
}

#[test]
fn a_panic_report_holds_no_token() {
    let b = backend();
    let mut term = Pty::spawn(
        &["--url", &b.server.url],
        &[
            ("PARTNER_CONSOLE_TOKEN", TOKEN),
            ("PARTNER_CONSOLE_DEBUG_PANIC", "1"),
            ("RUST_BACKTRACE", "full"),
            ("RUST_LOG", "trace"),
        ],
        100,
        30,
    );
    let status = term.exit_status(WAIT).unwrap();
    assert!(!status.success());
    let bytes = String::from_utf8_lossy(&term.bytes()).to_string();
    assert!(bytes.contains("a deliberate panic"), "the report is shown");
    assert_no_token("the panic report", &bytes);
    assert_no_token("the log after a panic", &term.home().log_text());
}

fn load(dir: &Path, config: &str, env_token: Option<&str>) -> partner_console::config::Settings {
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let token = env_token.map(str::to_string);
    let env = move |name: &str| {
        (name == "PARTNER_CONSOLE_TOKEN")
            .then(|| token.clone())
            .flatten()
    };
    Config::load_with(&Overrides::default(), Paths::in_dir(dir), &env).expect("config loads")
}

#[test]
fn debug_output_of_settings_and_clients_holds_no_token() {
    let dir = TempDir::new("cred-debug");
    let file = dir.path().join("token");
    std::fs::write(&file, TOKEN).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let sources = [
        ("[profiles.default]\n".to_string(), Some(TOKEN)),
        (
            format!("[profiles.default]\ntoken_command = \"printf {TOKEN}\"\n"),
            None,
        ),
        (
            "[profiles.default]\ntoken_file = \"token\"\n".to_string(),
            None,
        ),
    ];
    for (config, env) in sources {
        let settings = load(dir.path(), &config, env);
        assert_eq!(
            settings.token.as_ref().map(|t| t.expose().to_string()),
            Some(TOKEN.to_string()),
            "{config}"
        );
        assert_ne!(settings.token_source, TokenSource::None);
        assert_no_token("Settings {:?}", &format!("{settings:?}"));
        assert_no_token("Settings {:#?}", &format!("{settings:#?}"));
        let opts = settings.api_options();
        assert_no_token("HttpApiOptions", &format!("{opts:?} {opts:#?}"));
        let api = HttpApi::new(opts).unwrap();
        assert_no_token("HttpApi", &format!("{api:?} {api:#?}"));
        let token = settings.token.clone().unwrap();
        assert_no_token("Secret", &format!("{token:?} {token:#?}"));
    }
    let opts = HttpApiOptions {
        token: Some(Secret::new(TOKEN)),
        ..HttpApiOptions::default()
    };
    let api = HttpApi::new(opts.clone()).unwrap();
    let other = api.with_token(Secret::new(TOKEN));
    assert_no_token("with_token", &format!("{other:?}"));
}
