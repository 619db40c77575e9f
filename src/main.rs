//! partner-console: parse the command line and run one subcommand; nothing else.

use clap::Parser;
use color_eyre::eyre::Result;
use partner_console::cli::{Cli, Command};

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        #[cfg(feature = "server")]
        Some(Command::Serve(args)) => partner_console::server::run_cli(&args).await,
        #[cfg(feature = "server")]
        Some(Command::Demo(_args)) => {
            color_eyre::eyre::bail!(
                "the console itself arrives with the next issue; run `partner-console serve --seed demo` for now"
            )
        }
        Some(Command::Info) => partner_console::info::run(&cli.global).await,
        None => color_eyre::eyre::bail!(
            "the console itself arrives with the next issue; see `partner-console --help`"
        ),
    }
}
