//! Steps several end-to-end tests take the same way.

use std::time::Duration;

use crate::support::{Pty, ServerProc, keys};

const WAIT: Duration = Duration::from_secs(20);

/// A console as demo-csr at `cols`×`rows` on `server`, live, with the record of the partner
/// called `name` open on its Overview (found with `:`).
pub fn open_record(server: &ServerProc, name: &str, cols: u16, rows: u16) -> Pty {
    let mut term = Pty::spawn(
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", "demo-csr")],
        cols,
        rows,
    );
    term.wait_for("● live", WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.stderr_text()));
    term.send(":");
    term.wait_for("Find a partner", WAIT).unwrap();
    term.send(name);
    term.wait_for(&format!("▶ {name}"), WAIT).unwrap();
    term.send(keys::ENTER);
    term.wait_for("[Overview]", WAIT).unwrap();
    // The full record has come when its invoice line shows (at any size).
    term.wait_for("Invoice ID     INV", WAIT).unwrap();
    term
}
