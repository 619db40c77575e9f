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
    let (writer, guard) = tracing_appender::non_blocking(open_log(file)?);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(guard)
}

/// Opens the log for appending. A new log file is created 0600 and a new log directory 0700:
/// the log names partners and CSRs, which other users of the machine have no business reading.
fn open_log(file: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::owner_only::create_dir_all(dir)?;
    }
    crate::owner_only::options()
        .append(true)
        .create(true)
        .open(file)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::config::test_support::TempDir;

    #[test]
    fn a_new_log_and_its_directory_are_owner_only() {
        let temp = TempDir::new("log-modes");
        let file = temp.path().join("state").join("logs").join("x.log");
        let mut log = open_log(&file).unwrap();
        std::io::Write::write_all(&mut log, b"one\n").unwrap();
        drop(log);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
        assert_eq!(mode(&temp.path().join("state")), 0o700);
        // Appended to, not replaced.
        std::io::Write::write_all(&mut open_log(&file).unwrap(), b"two\n").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "one\ntwo\n");
    }
}
