//! Where logs go: standard error for `serve` (a server's log is its stderr; coloured only on
//! a terminal without `NO_COLOR`), a file for
//! everything that may share the terminal with the console (never the screen while it runs).

use std::path::Path;

use tracing_subscriber::EnvFilter;

/// `RUST_LOG` wins; otherwise info for us, warnings for the crates below us.
fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,partner_console=info"))
}

pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .with_ansi(crate::cli::error::stderr_colors())
        .try_init();
}

/// Log to `file` (appending); the returned guard flushes it on drop, so keep it alive.
pub fn to_file(file: &Path) -> std::io::Result<tracing_appender::non_blocking::WorkerGuard> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "partner-console.log".into());
    let appender = tracing_appender::rolling::never(dir, name);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(guard)
}
