//! A user's mistake against an internal error, and how each reaches the terminal.
//!
//! A mistake the user can fix (config, token, URL, seed file, arguments, a backend that refuses
//! the token or cannot be reached) is a [`UserError`], or a [`ConfigError`], carried through
//! `eyre` like any error. `main` looks for one in the error's chain ([`user_message`]) and then
//! prints one plain line, `error: …`, with no eyre report, no colour and no backtrace, whatever
//! `RUST_BACKTRACE` says. Anything else is internal: it prints as color-eyre's report (with a
//! backtrace when asked for), in colour only when stderr is a terminal and `NO_COLOR` is unset
//! ([`stderr_colors`]).

use std::io::IsTerminal;

use color_eyre::eyre::Report;

use crate::config::ConfigError;

/// A mistake the user can fix; its `Display` is the sentence to print, with the fix.
#[derive(Debug)]
pub struct UserError(String);

impl UserError {
    pub fn new(message: impl Into<String>) -> UserError {
        UserError(message.into())
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

/// The one line to print when `report` is a user's mistake (the context added on the way up,
/// then the mistake), cleaned of control characters; `None` for an internal error.
pub fn user_message(report: &Report) -> Option<String> {
    let is_user = report
        .chain()
        .any(|e| e.is::<UserError>() || e.is::<ConfigError>());
    is_user.then(|| {
        let line = report
            .chain()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ");
        crate::text::clean_line(&line)
    })
}

/// Colour on stderr: only to a terminal, and never with `NO_COLOR` (<https://no-color.org>).
pub fn stderr_colors() -> bool {
    crate::tui::platform::terminal::colors_enabled() && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;
    use color_eyre::eyre::{WrapErr, eyre};

    #[test]
    fn a_user_error_anywhere_in_the_chain_is_one_plain_line() {
        let r: Result<(), Report> = Err(Report::new(UserError::new("the seed file x is bad")));
        let r = r.wrap_err("starting the backend");
        assert_eq!(
            user_message(&r.unwrap_err()).as_deref(),
            Some("starting the backend: the seed file x is bad")
        );
        let config = Report::new(ConfigError::NoHome);
        assert!(user_message(&config).unwrap().contains("set HOME"));
    }

    #[test]
    fn an_internal_error_is_not_a_user_error() {
        let r: Result<(), Report> = Err(eyre!("database disk image is malformed"));
        assert_eq!(user_message(&r.wrap_err("opening").unwrap_err()), None);
    }

    #[test]
    fn escapes_in_a_message_are_removed() {
        let r = Report::new(UserError::new("bad \x1b[31mred\x1b[0m name"));
        assert!(!user_message(&r).unwrap().contains('\x1b'));
    }
}
