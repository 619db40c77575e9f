//! `partner-console export ...`: the command's arguments, the query they stand for, and the run
//! that streams the export to stdout or a file with a progress line on a terminal's stderr.
//! The export itself (writers, guard, paging, part files) is [`crate::export`]'s; this is the
//! command line around it.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clap::{Args, Subcommand};

use super::UserError;
use crate::client::HttpApi;
use crate::config::{Config, Overrides};
use crate::domain::{ApprovalQuery, StatusFilter};
use crate::export::{
    ExportError, Format, PAGE_LIMIT, WRITE_BUFFER, export_history, export_history_to_file,
};
use crate::text;

// ---------------------------------------------------------------------------------------------
// The arguments.

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
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,

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
    parse_time_bound(s, false)
}

fn parse_to(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    parse_time_bound(s, true)
}

// ---------------------------------------------------------------------------------------------
// Parsing the command line's values.

/// A `--from` / `--to` value: RFC 3339 (`2026-11-22T14:30:00Z`, any offset), or a date
/// `YYYY-MM-DD` meaning the start (`end_of_day = false`) or the last millisecond
/// (`end_of_day = true`; the server's `to` is inclusive at millisecond precision) of that day
/// in UTC.
pub fn parse_time_bound(s: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        format!(
            "{:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time (2026-11-22T14:30:00Z)",
            text::clean_line(s)
        )
    })?;
    let t = if end_of_day {
        day.and_hms_milli_opt(23, 59, 59, 999)
    } else {
        day.and_hms_opt(0, 0, 0)
    }
    .ok_or_else(|| format!("{s:?} is not a usable date"))?;
    Ok(Utc.from_utc_datetime(&t))
}

/// The `GET /approvals` query the command line's filters stand for.
pub fn history_query(args: &HistoryExportArgs) -> ApprovalQuery {
    let mut kinds = args.kind.clone();
    kinds.sort();
    kinds.dedup();
    ApprovalQuery {
        kinds,
        status: Some(match args.decision {
            DecisionArg::All => StatusFilter::Decided,
            DecisionArg::Approved => StatusFilter::Approved,
            DecisionArg::Rejected => StatusFilter::Rejected,
        }),
        q: args.q.clone().filter(|q| !q.trim().is_empty()),
        from: args.from,
        to: args.to,
        cursor: None,
        limit: Some(PAGE_LIMIT),
        partner_id: None,
        sort: None,
    }
}

// ---------------------------------------------------------------------------------------------
// The run, and its progress line on stderr.

/// How often the progress line on stderr is rewritten at most.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// The single progress line on a terminal's stderr, rewritten in place with `\r`.
struct ProgressLine {
    last: Option<Instant>,
    width: usize,
}

impl ProgressLine {
    fn new() -> Self {
        ProgressLine {
            last: None,
            width: 0,
        }
    }

    fn update(&mut self, rows: u64) {
        if self.last.is_some_and(|t| t.elapsed() < PROGRESS_INTERVAL) {
            return;
        }
        self.last = Some(Instant::now());
        let line = format!(
            "exported {} rows… (Ctrl-C to cancel)",
            crate::format::group(rows)
        );
        self.width = self.width.max(line.chars().count());
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{line}");
        let _ = err.flush();
    }

    /// Blank the line and put the cursor back at its start.
    fn clear(&mut self) {
        if self.last.is_none() {
            return;
        }
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{}\r", " ".repeat(self.width));
        let _ = err.flush();
        self.last = None;
    }
}

/// `partner-console export ...`.
pub async fn run(args: &ExportArgs, overrides: &Overrides) -> color_eyre::Result<()> {
    match &args.command {
        ExportCommand::History(history) => run_history(history, overrides).await,
    }
}

/// `partner-console export history`: stdout (or `--out FILE`) gets the export; stderr gets a
/// progress line only when it is a terminal (and not the terminal stdout is writing to), and
/// otherwise nothing but errors. Ctrl-C stops at the next page boundary (the JSON array is
/// closed, a `--out` file is not created) and exits with 130; a second Ctrl-C stops at once.
/// A closed pipe on stdout (`| head`) ends quietly with success.
async fn run_history(args: &HistoryExportArgs, overrides: &Overrides) -> color_eyre::Result<()> {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        return Err(UserError::new(format!(
            "--from ({from}) is after --to ({to}): nothing could match; swap them"
        ))
        .into());
    }
    let settings = Config::load(overrides)?;
    if settings.token.is_none() {
        return Err(UserError::new(format!(
            "no token for profile {:?}: set PARTNER_CONSOLE_TOKEN, or token_command / token_file in the profile \
             (see config.example.toml; `partner-console info` shows what is in use)",
            settings.profile_name
        ))
        .into());
    }
    let api = HttpApi::new(settings.api_options())?;
    let query = history_query(args);
    let to_stdout = args.out.as_os_str() == "-";
    let show_progress = io::stderr().is_terminal() && !(to_stdout && io::stdout().is_terminal());
    let mut line = show_progress.then(ProgressLine::new);
    let progress = |rows: u64| {
        if let Some(line) = line.as_mut() {
            line.update(rows);
        }
    };

    let cancel = AtomicBool::new(false);
    let export = async {
        if to_stdout {
            let out = io::BufWriter::with_capacity(WRITE_BUFFER, io::stdout());
            export_history(&api, query, args.format, out, progress, &cancel)
                .await
                .map(|rows| (rows, None))
        } else {
            export_history_to_file(&api, query, args.format, &args.out, progress, &cancel)
                .await
                .map(|done| (done.rows, Some(done.path)))
        }
    };
    // First Ctrl-C: stop cleanly between pages. Second: drop the export (its part file goes).
    let interrupts = async {
        if tokio::signal::ctrl_c().await.is_err() {
            return std::future::pending().await;
        }
        cancel.store(true, Ordering::Relaxed);
        let _ = tokio::signal::ctrl_c().await;
    };
    let result = tokio::select! {
        result = export => Some(result),
        () = interrupts => None,
    };
    if let Some(line) = line.as_mut() {
        line.clear();
    }
    match result {
        Some(Ok((rows, path))) => {
            if let (true, Some(path)) = (show_progress, path) {
                eprintln!(
                    "exported {} rows to {}",
                    crate::format::group(rows),
                    text::clean_line(&path.display().to_string())
                );
            }
            Ok(())
        }
        Some(Err(e)) if to_stdout && e.is_broken_pipe() => Ok(()),
        Some(Err(ExportError::Cancelled { rows })) => {
            eprintln!("export cancelled after {} rows", crate::format::group(rows));
            std::process::exit(130);
        }
        None => {
            eprintln!("export interrupted");
            std::process::exit(130);
        }
        // The backend, the token or the output file: said in words, never as a backtrace.
        Some(Err(e)) => Err(UserError::new(cli_message(&e)).into()),
    }
}

/// The error line for the command line: the plain sentence, and the technical detail for an
/// API error.
fn cli_message(e: &ExportError) -> String {
    match e {
        ExportError::Api(api) => format!("{} ({api})", e.user_message()),
        _ => e.user_message(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds() {
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            parse_time_bound("2026-11-22", false).unwrap(),
            utc("2026-11-22T00:00:00Z")
        );
        assert_eq!(
            parse_time_bound("2026-11-22", true).unwrap(),
            utc("2026-11-22T23:59:59.999Z")
        );
        assert_eq!(
            parse_time_bound("2026-11-22T10:00:00+02:00", true).unwrap(),
            utc("2026-11-22T08:00:00Z")
        );
        let err = parse_time_bound("22/11/2026", false).unwrap_err();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }
}
