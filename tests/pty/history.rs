//! History end to end: search as you type, scroll far, export to CSV from the console, in a pty
//! against a server process; the file is checked against the server.

use std::time::Duration;

use crate::support::{Pty, ServerProc, TestHome, keys};

const WAIT: Duration = Duration::from_secs(20);

/// The partner column of every row on screen (History tab at 120 columns: kind, title,
/// partner, …), read between the header and the bottom border.
fn rows_on_screen(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("Kind") || !l.contains("Partner"))
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .filter(|l| l.len() > 10 && !l.trim_matches(|c| c == '│' || c == ' ').is_empty())
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn search_scroll_and_export_the_history() {
    let server = ServerProc::start_with(&["--seed", "demo", "--seed-size", "2500"]);
    let home = TestHome::new();
    let exports = home.path().join("exports");
    home.write_config(&format!("[export]\ndir = \"{}\"\n", exports.display()));
    let mut term = Pty::spawn_in(
        home,
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-viewer")],
        120,
        40,
    );
    term.wait_for("● live", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    term.send("5");
    term.wait_for("Decision", WAIT).unwrap();
    term.wait_for("1 of 200+", WAIT).unwrap();

    // Search as you type: the list narrows to the partner.
    term.send("/");
    term.wait_for("search: ▏", WAIT).unwrap();
    term.send("harborview");
    term.wait_for("search: harborview▏", WAIT).unwrap();
    term.wait_until_text("only Harborview rows", WAIT, |s| {
        let rows = rows_on_screen(s);
        !rows.is_empty() && rows.iter().all(|r| r.contains("Harborview Travel"))
    })
    .unwrap();
    term.send(keys::ENTER);
    term.wait_for("search “harborview”", WAIT).unwrap();
    term.send(keys::ESC);
    term.wait_gone("harborview", WAIT).unwrap();

    // Scroll far: PgDn pages through, and more pages follow the selection.
    for _ in 0..12 {
        term.send(keys::PAGE_DOWN);
        std::thread::sleep(Duration::from_millis(40));
    }
    term.wait_until_text("deep in the list", WAIT, |s| {
        s.lines().any(|l| {
            l.contains(" of ")
                && l.split(" of ")
                    .next()
                    .and_then(|a| a.rsplit(' ').next())
                    .is_some_and(|n| n.replace(',', "").parse::<u32>().unwrap_or(0) > 200)
        })
    })
    .unwrap();
    // G goes to the real end at once (its last page, fetched directly), g back to the top.
    term.send("G");
    term.wait_for("the last row", WAIT).unwrap();
    term.send("k");
    term.wait_for("2 from the end", WAIT).unwrap();
    term.send("g");
    term.wait_for(" 1 of ", WAIT).unwrap();

    // Export everything (2,500 decisions) to the configured dir.
    term.send("e");
    term.wait_for("Exported 2,500 rows", Duration::from_secs(60))
        .unwrap();
    let files: Vec<_> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "csv"));
    let mut reader = csv::Reader::from_path(&files[0]).unwrap();
    let ids: std::collections::HashSet<String> = reader
        .records()
        .map(|r| r.unwrap().get(0).unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2500, "every decision exactly once");
    term.send("q");
    term.exit_status(Duration::from_secs(5)).unwrap();
}
