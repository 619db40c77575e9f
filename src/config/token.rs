//! Where the bearer token comes from (QUALITY.md 8): the `PARTNER_CONSOLE_TOKEN` environment
//! variable, a profile's `token_command` (like git's credential helpers), or a profile's
//! `token_file`, which must be private to its owner (mode 0600). Never from argv, never from the
//! config file itself, and no error message here ever contains the token.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{ConfigError, clean};
use crate::secret::Secret;

/// The environment variable that carries a token; it beats every other source.
pub const TOKEN_ENV: &str = "PARTNER_CONSOLE_TOKEN";

/// Where the token in use came from, for `partner-console info` (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `PARTNER_CONSOLE_TOKEN`.
    Env,
    /// The profile's `token_command` (the command text is not kept: it is the user's to know).
    Command,
    /// The profile's `token_file`, after `~` expansion.
    File(PathBuf),
    /// No token configured: only `GET /healthz` will work.
    None,
}

impl TokenSource {
    /// A few words for people: "PARTNER_CONSOLE_TOKEN", "token_command", "token_file /x", "none".
    pub fn describe(&self) -> String {
        match self {
            TokenSource::Env => TOKEN_ENV.to_string(),
            TokenSource::Command => "token_command".to_string(),
            TokenSource::File(p) => format!("token_file {}", super::show(p)),
            TokenSource::None => "none".to_string(),
        }
    }
}

/// What one profile says about tokens, with `token_file` already expanded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenSpec<'a> {
    pub profile: &'a str,
    pub command: Option<&'a str>,
    pub file: Option<&'a Path>,
}

/// The token by precedence: env > `token_command` > `token_file` > none. A source lower in the
/// list is not even looked at when a higher one gives a token (the command is not run, the file
/// not read).
pub(crate) fn resolve(
    env_token: Option<String>,
    spec: TokenSpec<'_>,
) -> Result<(Option<Secret>, TokenSource), ConfigError> {
    if let Some(value) = env_token.filter(|v| !v.trim().is_empty()) {
        let token = checked(value.trim(), || {
            format!("the {TOKEN_ENV} environment variable")
        })?;
        return Ok((Some(token), TokenSource::Env));
    }
    if let Some(command) = spec.command {
        return Ok((
            Some(run_command(command, spec.profile)?),
            TokenSource::Command,
        ));
    }
    if let Some(file) = spec.file {
        return Ok((
            Some(read_file(file)?),
            TokenSource::File(file.to_path_buf()),
        ));
    }
    Ok((None, TokenSource::None))
}

/// Runs `sh -c COMMAND`; its standard output, trimmed, is the token. Standard input is the
/// console's (a helper may ask for a passphrase); standard error is captured so a failure can
/// say why. Neither the command text nor its output is ever put in an error.
pub(crate) fn run_command(command: &str, profile: &str) -> Result<Secret, ConfigError> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|error| ConfigError::TokenCommandSpawn {
            profile: profile.to_string(),
            error,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let first_line = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| {
                hide_secrets(&clean(l), &stdout)
                    .chars()
                    .take(SHOWN_STDERR_CHARS)
                    .collect::<String>()
            });
        let status = match output.status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("was stopped ({})", output.status),
        };
        return Err(ConfigError::TokenCommandFailed {
            profile: profile.to_string(),
            status,
            stderr: first_line,
        });
    }
    let stdout = String::from_utf8(output.stdout).map_err(|_| ConfigError::TokenMalformed {
        origin: format!("the token_command of profile `{}`", clean(profile)),
    })?;
    let token = stdout.trim();
    if token.is_empty() {
        return Err(ConfigError::TokenCommandEmpty {
            profile: profile.to_string(),
        });
    }
    checked(token, || {
        format!("the token_command of profile `{}`", clean(profile))
    })
}

/// How much of a failed token_command's first line of standard error is shown.
const SHOWN_STDERR_CHARS: usize = 200;
/// A word at least this long, with letters and digits, could be a token.
const SECRET_MIN_CHARS: usize = 12;
/// A word at least this long could be a token whatever its letters (hex, base64, a JWT).
const SECRET_ANY_CHARS: usize = 24;
/// A word of standard output at least this long is hidden wherever it appears in the error.
const STDOUT_WORD_MIN_CHARS: usize = 4;
/// What a hidden word becomes.
const HIDDEN: &str = "[hidden]";

/// A failed credential helper's error line, with every word that could be the token replaced
/// by [`HIDDEN`]: a helper may print the token (or a refresh token, or the token it could not
/// use) on its standard error, and the error is shown on screen and kept in logs. The token is
/// not known when the command fails, so what is hidden is what looks like one:
///
/// - any word of the command's standard output (of [`STDOUT_WORD_MIN_CHARS`] or more), as
///   that is where the token would have been;
/// - a run of token characters (letters, digits, `-_.~+/=`) of [`SECRET_MIN_CHARS`] or more
///   that mixes letters and digits (`sk_live_51Hx...`, `ghp_...`, a UUID), or of
///   [`SECRET_ANY_CHARS`] or more whatever it holds.
///
/// A path is judged part by part. Words of plain language are kept, so `gpg: decryption
/// failed` still reads as it did.
fn hide_secrets(line: &str, stdout: &str) -> String {
    let printed: Vec<&str> = stdout
        .split(|c: char| !is_token_char(c))
        .filter(|w| w.chars().count() >= STDOUT_WORD_MIN_CHARS)
        .collect();
    let mut out = String::with_capacity(line.len());
    let mut word = String::new();
    let hide = |word: &str| looks_secret(word) || printed.contains(&word);
    let flush = |word: &mut String, out: &mut String| {
        if word.starts_with(['/', '~', '.']) && !printed.contains(&word.as_str()) {
            // A path: each of its parts is judged on its own, so a long path stays readable.
            let parts: Vec<&str> = word
                .split('/')
                .map(|part| if hide(part) { HIDDEN } else { part })
                .collect();
            out.push_str(&parts.join("/"));
        } else if hide(word) {
            out.push_str(HIDDEN);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in line.chars() {
        if is_token_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The characters of bearer tokens (RFC 6750's b64token) and of the secrets helpers print.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=')
}

fn looks_secret(word: &str) -> bool {
    let len = word.chars().count();
    let letters = word.chars().any(|c| c.is_ascii_alphabetic());
    let digits = word.chars().any(|c| c.is_ascii_digit());
    len >= SECRET_ANY_CHARS || (len >= SECRET_MIN_CHARS && letters && digits)
}

/// Reads a token file, refusing one that others may read or write (unix: any bit of `0o077`).
pub(crate) fn read_file(path: &Path) -> Result<Secret, ConfigError> {
    let file_error = |error| ConfigError::TokenFile {
        path: path.to_path_buf(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(file_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(ConfigError::TokenFileMode {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(path).map_err(file_error)?;
    let token = text.trim();
    if token.is_empty() {
        return Err(ConfigError::TokenFileEmpty {
            path: path.to_path_buf(),
        });
    }
    checked(token, || format!("the token file {}", super::show(path)))
}

/// A bearer token is one word of printable ASCII; anything else would be refused by the HTTP
/// stack later with a far less helpful message (or, worse, be a pasted multi-line mistake).
fn checked(token: &str, origin: impl FnOnce() -> String) -> Result<Secret, ConfigError> {
    if token.chars().all(|c| c.is_ascii_graphic()) {
        Ok(Secret::new(token))
    } else {
        Err(ConfigError::TokenMalformed { origin: origin() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::TempDir;

    const TOKEN: &str = "tok-very-secret-123";

    fn spec<'a>(command: Option<&'a str>, file: Option<&'a Path>) -> TokenSpec<'a> {
        TokenSpec {
            profile: "prod",
            command,
            file,
        }
    }

    #[test]
    fn env_beats_command_and_file_and_runs_neither() {
        // The command would fail and the file does not exist: neither is touched.
        let missing = Path::new("/nonexistent/token");
        let (token, source) = resolve(
            Some(format!(" {TOKEN}\n")),
            spec(Some("exit 3"), Some(missing)),
        )
        .unwrap();
        assert_eq!(token.unwrap().expose(), TOKEN);
        assert_eq!(source, TokenSource::Env);
    }

    #[test]
    fn an_empty_env_var_counts_as_unset() {
        let (token, source) = resolve(Some("  ".into()), spec(None, None)).unwrap();
        assert!(token.is_none());
        assert_eq!(source, TokenSource::None);
    }

    #[test]
    fn command_beats_file() {
        let missing = Path::new("/nonexistent/token");
        let (token, source) = resolve(
            None,
            spec(Some(&format!("printf '{TOKEN}\\n'")), Some(missing)),
        )
        .unwrap();
        assert_eq!(token.unwrap().expose(), TOKEN);
        assert_eq!(source, TokenSource::Command);
    }

    #[test]
    fn token_command_failure_names_exit_and_stderr_never_stdout() {
        let cmd = format!("echo {TOKEN}; echo 'gpg: decryption failed' >&2; echo more >&2; exit 3");
        let err = run_command(&cmd, "prod").unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, ConfigError::TokenCommandFailed { .. }),
            "{msg}"
        );
        assert!(msg.contains("status 3"), "{msg}");
        assert!(msg.contains("gpg: decryption failed"), "{msg}");
        assert!(!msg.contains("more"), "{msg}");
        assert!(!msg.contains(TOKEN), "{msg}");
        assert!(!format!("{err:?}").contains(TOKEN));
    }

    /// Issue 16, point 11: a helper that prints the token on its standard error.
    #[test]
    fn token_command_failure_hides_what_looks_like_a_token() {
        for (cmd, secret) in [
            (
                "echo 'error: token sk_live_51HxYzAbC123dEf expired' >&2; exit 1",
                "sk_live_51HxYzAbC123dEf",
            ),
            (
                "printf 'ghp_aB3dE6fG9hJ2kL5mN8pQ1rS4tU7vW0xY' >&2; exit 1",
                "ghp_",
            ),
            (
                "echo 'Authorization: Bearer 9f86d081884c7d659a2feaa0c55ad015' >&2; exit 1",
                "9f86d0",
            ),
            ("echo 'bad token=abc123def456ghi' >&2; exit 1", "abc123"),
            // Printed on stdout too: hidden however plain it looks.
            (
                "echo hunter2; echo 'refused: hunter2' >&2; exit 1",
                "hunter2",
            ),
        ] {
            let err = run_command(cmd, "prod").unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, ConfigError::TokenCommandFailed { .. }),
                "{msg}"
            );
            assert!(!msg.contains(secret), "{secret} in: {msg}");
            assert!(!format!("{err:?}").contains(secret));
            assert!(
                msg.contains("status 1") && msg.contains("[hidden]"),
                "{msg}"
            );
            assert!(msg.contains("run the command yourself"), "{msg}");
        }
        let err = run_command(
            "echo 'error: token sk_live_51HxYzAbC123dEf expired' >&2; exit 1",
            "p",
        );
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("error output begins: error: token [hidden] expired"),
        );
    }

    #[test]
    fn token_command_failure_without_stderr_says_to_run_it() {
        let msg = run_command("exit 4", "prod").unwrap_err().to_string();
        assert_eq!(
            msg,
            "the token_command of profile `prod` failed: it exited with status 4; run the \
             command yourself to see why"
        );
    }

    #[test]
    fn plain_words_and_paths_are_kept() {
        let line = "gpg: decryption failed: No secret key in /home/me/.password-store/x.gpg";
        assert_eq!(hide_secrets(line, ""), line);
        assert_eq!(
            hide_secrets("cannot read /run/user/1000/tok/aB3dE6fG9hJ2kL5m", ""),
            "cannot read /run/user/1000/tok/[hidden]"
        );
        assert_eq!(
            hide_secrets("id 0b5c2f4e-8f1a-4c3b-9d2e-7a6b5c4d3e2f not found", ""),
            "id [hidden] not found"
        );
    }

    #[test]
    fn token_command_with_empty_output_is_an_error() {
        let err = run_command("true", "prod").unwrap_err();
        assert!(matches!(err, ConfigError::TokenCommandEmpty { .. }));
        assert!(err.to_string().contains("printed nothing"), "{err}");
    }

    #[test]
    fn token_command_with_two_lines_is_malformed() {
        let err = run_command("printf 'a\\nb\\n'", "prod").unwrap_err();
        assert!(matches!(err, ConfigError::TokenMalformed { .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn token_file_0644_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("token-0644");
        let path = dir.write("token", &format!("{TOKEN}\n"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_file(&path).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, ConfigError::TokenFileMode { mode: 0o644, .. }),
            "{msg}"
        );
        assert!(msg.contains("0644"), "{msg}");
        assert!(
            msg.contains(&format!("chmod 600 {}", path.display())),
            "{msg}"
        );
        assert!(!msg.contains(TOKEN));
    }

    #[cfg(unix)]
    #[test]
    fn token_file_0600_is_read_and_trimmed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("token-0600");
        let path = dir.write("token", &format!("\n  {TOKEN}  \n"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (token, source) = resolve(None, spec(None, Some(&path))).unwrap();
        assert_eq!(token.unwrap().expose(), TOKEN);
        assert_eq!(source, TokenSource::File(path));
    }

    #[cfg(unix)]
    #[test]
    fn empty_or_missing_token_file_is_an_error() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("token-empty");
        let path = dir.write("token", " \n");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            read_file(&path),
            Err(ConfigError::TokenFileEmpty { .. })
        ));
        let missing = dir.path().join("nope");
        let err = read_file(&missing).unwrap_err();
        assert!(matches!(err, ConfigError::TokenFile { .. }));
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn source_descriptions() {
        assert_eq!(TokenSource::Env.describe(), "PARTNER_CONSOLE_TOKEN");
        assert_eq!(TokenSource::Command.describe(), "token_command");
        assert_eq!(
            TokenSource::File("/a/b".into()).describe(),
            "token_file /a/b"
        );
        assert_eq!(TokenSource::None.describe(), "none");
    }
}
