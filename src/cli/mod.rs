//! The command line (clap). Tokens are never accepted as arguments: argv is visible to every
//! user of the machine (QUALITY.md 8); they come from the environment, a command or a file.

#[cfg(feature = "server")]
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

#[derive(Debug, Parser)]
#[command(
    name = "partner-console",
    version,
    about = "A keyboard-driven console for partner-program CSRs"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand that talks to a backend shares.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalOpts {
    /// The config file (default: config.toml in the user's config dir).
    #[arg(
        long,
        global = true,
        env = "PARTNER_CONSOLE_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// The profile of the config file to use (default: `default_profile`, else "default").
    #[arg(
        long,
        global = true,
        env = "PARTNER_CONSOLE_PROFILE",
        value_name = "NAME"
    )]
    pub profile: Option<String>,

    /// The backend's base URL, overriding the profile's.
    #[arg(long, global = true, env = "PARTNER_CONSOLE_URL", value_name = "URL")]
    pub url: Option<String>,
}

impl GlobalOpts {
    /// What these options say over the config file, as [`crate::config::Config::load`] takes it.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config: self.config.clone(),
            profile: self.profile.clone(),
            url: self.url.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the reference backend in-process on demo data and open the console on it.
    #[cfg(feature = "server")]
    Demo(DemoArgs),
    /// Run the reference backend (axum + SQLite).
    #[cfg(feature = "server")]
    Serve(ServeArgs),
    /// Show the config, log and data paths, the backend URL and, when reachable, who you are.
    Info,
    /// Export data for scripts and SSH pipes (CSV or JSON, to stdout or a file).
    Export(ExportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub command: ExportCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ExportCommand {
    /// The decision history (every page, with the filters given), newest decision first.
    History(HistoryExportArgs),
}

/// Which decisions `export history` includes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DecisionArg {
    Approved,
    Rejected,
    /// Both.
    #[default]
    All,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryExportArgs {
    /// Only these kinds: a comma list or the flag repeated
    /// (partnership, addon, broadcast, advertising_package, ad).
    #[arg(long, value_delimiter = ',', value_parser = parse_kind, value_name = "KIND")]
    pub kind: Vec<crate::domain::Kind>,

    /// Only approvals whose partner name (or, for requests, title) contains this text.
    #[arg(long = "q", value_name = "TEXT")]
    pub q: Option<String>,

    /// Only approved, only rejected, or all decisions.
    #[arg(long, value_enum, default_value_t = DecisionArg::All)]
    pub decision: DecisionArg,

    /// Decided at or after: RFC 3339, or YYYY-MM-DD for the start of that day (UTC).
    #[arg(long, value_parser = parse_from, value_name = "TIME")]
    pub from: Option<chrono::DateTime<chrono::Utc>>,

    /// Decided at or before: RFC 3339, or YYYY-MM-DD for the end of that day (UTC).
    #[arg(long, value_parser = parse_to, value_name = "TIME")]
    pub to: Option<chrono::DateTime<chrono::Utc>>,

    /// CSV (RFC 4180, formula-safe) or JSON (an array, one object per line).
    #[arg(long, value_enum, default_value_t = crate::export::Format::Csv)]
    pub format: crate::export::Format,

    /// Where to write: a FILE (written whole or not at all), or `-` for stdout.
    #[arg(long, default_value = "-", value_name = "FILE|-")]
    pub out: PathBuf,
}

fn parse_kind(s: &str) -> Result<crate::domain::Kind, String> {
    crate::domain::Kind::parse(s.trim()).ok_or_else(|| {
        let names: Vec<&str> = crate::domain::Kind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect();
        format!("unknown kind; use one of {}", names.join(", "))
    })
}

fn parse_from(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    crate::export::parse_time_bound(s, false)
}

fn parse_to(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    crate::export::parse_time_bound(s, true)
}

#[cfg(feature = "server")]
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Throw the demo database away and start from fresh demo data.
    #[arg(long)]
    pub fresh: bool,
}

#[cfg(feature = "server")]
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one (the first line of stdout says which).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// The SQLite database file (created if missing). Default: partner-console.db in the data dir.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// What to load into an empty database: `demo`, `none` or a seed FILE.json (see README).
    #[arg(long, default_value = "none", value_name = "demo|none|FILE.json")]
    pub seed: String,

    /// With `--seed demo`: how many decided approvals to generate (the history size).
    #[arg(long, value_name = "N")]
    pub seed_size: Option<u64>,

    /// Lifetime of impersonation tokens in seconds (at most 1800).
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    pub impersonation_ttl: u64,
}
