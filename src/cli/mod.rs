//! The command line (clap). Tokens are never accepted as arguments: argv is visible to every
//! user of the machine (QUALITY.md 8); they come from the environment, a command or a file.
//!
//! This module holds what `main.rs` parses: the options every subcommand shares and the
//! subcommands' arguments. A subcommand with more than a few lines of its own lives beside it
//! (`export.rs`: its arguments and its run).

pub mod error;
pub mod export;

#[cfg(feature = "server")]
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use error::UserError;
pub use export::{DecisionArg, ExportArgs, ExportCommand, HistoryExportArgs};

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

#[cfg(feature = "server")]
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Throw the demo database away and start from fresh demo data.
    #[arg(long)]
    pub fresh: bool,

    /// Have the demo backend play partners submitting requests, this many a minute (as
    /// `serve --simulate`).
    #[arg(long, value_name = "PER_MINUTE", allow_hyphen_values = true)]
    pub simulate: Option<String>,
}

#[cfg(feature = "server")]
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one (the first line of stdout says which).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// The SQLite database file (created if missing), or a PostgreSQL database as
    /// postgres://USER@HOST[:PORT]/DATABASE (the password from PGPASSWORD or ~/.pgpass, never
    /// the URL). Default: partner-console.db in the data dir.
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<PathBuf>,

    /// What to load into an empty database: `demo`, `none` or a seed FILE.json (see README);
    /// `large` is the demo in a tree of 100 distributors, 100,000 partners and 1,000,000
    /// tenants, to measure the hierarchy at scale.
    #[arg(long, default_value = "none", value_name = "demo|large|none|FILE.json")]
    pub seed: String,

    /// With `--seed demo` or `large`: how many decided approvals to generate (the history size).
    #[arg(long, value_name = "N")]
    pub seed_size: Option<u64>,

    /// Lifetime of impersonation tokens in seconds (at most 1800).
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    pub impersonation_ttl: u64,

    /// Play partners submitting realistic requests of every kind, this many a minute (up to
    /// 60000), through the same path as POST /partner/requests. Off by default.
    // Taken as text and read by `server::Simulation::from_args`, so that a bad rate (negative,
    // absurd) is one sentence naming the flag rather than clap's usage block.
    #[arg(long, value_name = "PER_MINUTE", allow_hyphen_values = true)]
    pub simulate: Option<String>,

    /// Seed of the simulation's choices: the same seed on the same data submits the same
    /// requests (default: from the clock).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub simulate_seed: Option<String>,

    /// The most pending requests a partner may have of one kind; past it a submission gets
    /// 429 too_many_pending.
    #[arg(
        long,
        default_value = "20",
        value_name = "N",
        allow_hyphen_values = true
    )]
    pub max_pending: String,

    // Connection limits, for tests that want them small; the defaults are in
    // `server::ConnLimits`.
    /// Milliseconds a request's head may take from its first byte.
    #[arg(long, hide = true, value_name = "MS")]
    pub header_timeout_ms: Option<u64>,

    /// Milliseconds a keep-alive connection may stay idle between requests.
    #[arg(long, hide = true, value_name = "MS")]
    pub idle_timeout_ms: Option<u64>,

    /// Connections served at once; past it new ones are answered 503.
    #[arg(long, hide = true, value_name = "N")]
    pub max_connections: Option<usize>,

    /// A fixed time (RFC 3339) the tiers and campaigns are read at instead of the system's,
    /// for tests and reproducible demos (`server::Clock`).
    #[arg(long, hide = true, value_name = "TIME")]
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
}
