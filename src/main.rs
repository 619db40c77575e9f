//! partner-console: parse the command line and run one subcommand; nothing else.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use color_eyre::eyre::Result;
use partner_console::cli::{Cli, Command, UserError};
use partner_console::client::HttpApi;
use partner_console::config::{Config, Overrides};
use partner_console::tui::{self, TuiOptions};

fn main() -> ExitCode {
    match start() {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            print_error(&report);
            ExitCode::FAILURE
        }
    }
}

fn start() -> Result<()> {
    partner_console::tui::platform::terminal::install_panic_hook()?;
    let cli = Cli::parse();
    if matches!(cli.command, None | Some(Command::Info)) || is_demo(&cli) {
        limit_malloc_arenas();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(run(cli));
    // Never hang on the way out (a blocked read of a vanished terminal, a slow peer).
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

/// A user's mistake ([`UserError`], a config error) is one plain line with its fix; anything
/// else is internal and prints as color-eyre's report, with a backtrace when one was asked for
/// (`src/cli/error.rs`).
fn print_error(report: &color_eyre::eyre::Report) {
    match partner_console::cli::error::user_message(report) {
        Some(line) => eprintln!("error: {line}"),
        None => eprintln!("Error: {report:?}"),
    }
}

#[cfg(feature = "server")]
fn is_demo(cli: &Cli) -> bool {
    matches!(cli.command, Some(Command::Demo(_)))
}

#[cfg(not(feature = "server"))]
fn is_demo(_: &Cli) -> bool {
    false
}

/// The console is one person's tool: glibc's per-thread malloc arenas (one per tokio worker,
/// each fragmenting on its own) doubled its memory after a long scroll (33 MB against 19 MB
/// with one arena, `cargo bench --bench history_scroll`). One arena is plenty here.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator settings; called before any thread is started.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let overrides = cli.global.overrides();
    match cli.command {
        #[cfg(feature = "server")]
        Some(Command::Serve(args)) => partner_console::server::run_cli(&args).await,
        #[cfg(feature = "server")]
        Some(Command::Demo(args)) => partner_console::demo::run(&args, &cli.global).await,
        Some(Command::Info) => partner_console::info::run(&overrides).await,
        Some(Command::Export(args)) => partner_console::cli::export::run(&args, &overrides).await,
        None => console(&overrides).await,
    }
}

/// The console on the configured backend.
async fn console(overrides: &Overrides) -> Result<()> {
    let settings = Config::load(overrides)?;
    if settings.token.is_none() {
        return Err(UserError::new(format!(
            "no token for profile {:?}: set PARTNER_CONSOLE_TOKEN, or token_command / token_file in the profile \
             (see config.example.toml; `partner-console info` shows what is in use)",
            settings.profile_name
        ))
        .into());
    }
    let _log = partner_console::logging::to_file(&settings.paths.log_file())?;
    tracing::info!(
        "console started: profile {}, backend {}",
        settings.profile_name,
        settings.url
    );
    let api = HttpApi::new(settings.api_options())?;
    tui::run(TuiOptions::from_settings(&settings), Arc::new(api)).await
}
