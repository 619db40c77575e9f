//! `partner-console demo`: the reference backend in-process on 127.0.0.1:0 with demo data in
//! the user's data dir, and the console on it as demo-csr. The README's first command: it must
//! work on a fresh machine with nothing configured.

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use tokio::net::TcpListener;

use crate::cli::{DemoArgs, GlobalOpts};
use crate::client::{HttpApi, HttpApiOptions};
use crate::config::{Config, Paths};
use crate::secret::Secret;
use crate::server::{self, SeedSource, ServerOptions};
use crate::tui::{self, TuiOptions};

pub async fn run(args: &DemoArgs, global: &GlobalOpts) -> Result<()> {
    // A mistake in the flags is told before anything is opened or written.
    let simulate = server::Simulation::from_args(args.simulate.as_deref(), None)?;
    let paths = Paths::discover(global.config.as_deref())?;
    // The user's keys and preferences apply to the demo too; its backend and token do not.
    let config = Config::read(&paths.config_file)?;
    let _log = crate::logging::to_file(&paths.log_file())
        .wrap_err_with(|| format!("cannot write the log file {}", paths.log_file().display()))?;
    let db = paths.data_dir.join("demo.db");
    if args.fresh {
        for suffix in ["", "-wal", "-shm"] {
            let f = db.with_file_name(format!("demo.db{suffix}"));
            if f.exists() {
                std::fs::remove_file(&f)
                    .wrap_err_with(|| format!("cannot remove {}", f.display()))?;
            }
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let server = server::start(
        ServerOptions {
            simulate,
            ..ServerOptions::new(db.clone(), SeedSource::Demo { decided: None })
        },
        listener,
    )
    .await
    .wrap_err_with(|| format!("starting the demo backend on {}", db.display()))?;
    tracing::info!(
        "demo backend on {} with data in {}",
        server.url(),
        db.display()
    );

    let api = HttpApi::new(HttpApiOptions {
        base_url: server.url(),
        token: Some(Secret::new("demo-csr")),
        ..HttpApiOptions::default()
    })?;
    let ui = config.as_ref().map(|c| c.ui.clone()).unwrap_or_default();
    let opts = TuiOptions {
        profile: "demo".into(),
        production: false,
        read_only: false,
        poll_interval: Duration::from_secs(ui.poll_interval_secs.max(1)),
        confirm_approve: ui.confirm_approve,
        confirm_when_watched: ui.confirm_when_watched,
        export_dir: paths.export_dir(
            &config
                .as_ref()
                .map(|c| c.export.clone())
                .unwrap_or_default(),
        ),
        stale_after: ui.stale_after(),
        reasons: config
            .as_ref()
            .map(|c| c.reason_templates())
            .unwrap_or_default(),
        keys: config.map(|c| c.keys).unwrap_or_default(),
    };
    let result = tui::run(opts, Arc::new(api)).await;
    // Open event streams would hold a graceful shutdown; a second is plenty for the rest.
    let _ = tokio::time::timeout(Duration::from_secs(1), server.shutdown()).await;
    result
}
