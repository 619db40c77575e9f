//! A throw-away home for a child process of the built binary, and the environment it runs in.
//!
//! Every child (the console in a pty, `serve` as a process, a plain command such as
//! `partner-console info`) gets a [`TestHome`] as `HOME` and every `XDG_*_HOME`, so the
//! developer's config, data and logs are never read or written. Its environment is cleared but
//! for `PATH` and a few variables for debugging ([`PASS_THROUGH`]); the test adds what it needs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{BIN, TempDir};

/// Variables passed through from the test's environment, for debugging and coverage.
const PASS_THROUGH: &[&str] = &["PATH", "RUST_LOG", "RUST_BACKTRACE", "LLVM_PROFILE_FILE"];

/// A throw-away `HOME` with its own XDG base directories, so a child never sees the real
/// user's files. Write a config with [`TestHome::write_config`] before spawning.
#[derive(Debug)]
pub struct TestHome {
    dir: TempDir,
}

impl TestHome {
    pub fn new() -> TestHome {
        let home = TestHome {
            // pc-pty-home-…: what tests/pty/harness.rs finds on screen when the path wraps.
            dir: TempDir::new("pty-home"),
        };
        for sub in ["home", "config", "data", "state", "cache"] {
            std::fs::create_dir_all(home.path().join(sub)).expect("create XDG dir");
        }
        home
    }

    /// The temporary directory everything lives under.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The variables that point a child at this home.
    pub fn env(&self) -> Vec<(String, PathBuf)> {
        let p = self.path();
        vec![
            ("HOME".into(), p.join("home")),
            ("XDG_CONFIG_HOME".into(), p.join("config")),
            ("XDG_DATA_HOME".into(), p.join("data")),
            ("XDG_STATE_HOME".into(), p.join("state")),
            ("XDG_CACHE_HOME".into(), p.join("cache")),
        ]
    }

    /// A child's whole environment: [`PASS_THROUGH`] from the test's own, then
    /// [`TestHome::env`].
    pub fn child_env(&self) -> Vec<(OsString, OsString)> {
        let passed = PASS_THROUGH
            .iter()
            .filter_map(|name| Some((OsString::from(name), std::env::var_os(name)?)));
        let home = self
            .env()
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()));
        passed.chain(home).collect()
    }

    /// `partner-console <args>` as a plain child process (no terminal) in this home: the
    /// environment of [`TestHome::child_env`] only, this directory as its working directory,
    /// stdin empty. Add variables with `.env` and run it with `.output()` or `.spawn()`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .envs(self.child_env())
            .current_dir(self.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Where the console looks for its config file by default.
    pub fn config_file(&self) -> PathBuf {
        self.path()
            .join("config")
            .join("partner-console")
            .join("config.toml")
    }

    /// Writes the default config file.
    pub fn write_config(&self, toml: &str) {
        let file = self.config_file();
        std::fs::create_dir_all(file.parent().expect("config dir")).expect("create config dir");
        std::fs::write(file, toml).expect("write config");
    }

    /// The console's log file (for failure messages).
    pub fn log_file(&self) -> PathBuf {
        self.path()
            .join("state")
            .join("partner-console")
            .join("logs")
            .join("partner-console.log")
    }

    /// The log so far, or an empty string.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }
}

impl Default for TestHome {
    fn default() -> Self {
        TestHome::new()
    }
}
