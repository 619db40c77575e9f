//! Reading the parsed screen, and waiting until it shows what a test expects; on a timeout the
//! error shows the screen.

use std::time::{Duration, Instant};

use super::{POLL, Pty};

impl Pty {
    /// The screen as text: each row trimmed on the right, rows joined by `'\n'`.
    pub fn screen_text(&self) -> String {
        screen_to_text(self.seen().parser.screen())
    }

    /// Runs `f` on the parsed screen (cells, colours, cursor, modes).
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(self.seen().parser.screen())
    }

    /// Whether the terminal is showing the alternate screen.
    pub fn alternate_screen(&self) -> bool {
        self.with_screen(|s| s.alternate_screen())
    }

    /// Whether the cursor is visible.
    pub fn cursor_visible(&self) -> bool {
        self.with_screen(|s| !s.hide_cursor())
    }

    /// Waits until `needle` is on the screen. On timeout the error shows the screen.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> Result<(), String> {
        self.wait_until_text(&format!("{needle:?} on screen"), timeout, |text| {
            text.contains(needle)
        })
    }

    /// Waits until `needle` is no longer on the screen.
    pub fn wait_gone(&self, needle: &str, timeout: Duration) -> Result<(), String> {
        self.wait_until_text(&format!("{needle:?} gone"), timeout, |text| {
            !text.contains(needle)
        })
    }

    /// Waits until `predicate` holds for the screen text ([`Pty::screen_text`]). `what` names
    /// the condition in the error.
    pub fn wait_until_text(
        &self,
        what: &str,
        timeout: Duration,
        mut predicate: impl FnMut(&str) -> bool,
    ) -> Result<(), String> {
        self.wait_until(what, timeout, |screen| predicate(&screen_to_text(screen)))
    }

    /// Waits until `predicate` holds for the parsed screen, looking every 20 ms. On timeout the
    /// error names `what` and shows the screen, and whether the child has exited.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut predicate: impl FnMut(&vt100::Screen) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let (done, eof) = {
                let seen = self.seen();
                (predicate(seen.parser.screen()), seen.eof)
            };
            if done {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.failure(&format!(
                    "timed out after {timeout:?} waiting for {what}{}",
                    if eof {
                        " (the child's side of the pty is closed)"
                    } else {
                        ""
                    }
                )));
            }
            self.wait_for_bytes(POLL);
        }
    }

    /// Waits until no byte has arrived for `quiet` (the app is idle), at most `timeout`.
    pub fn wait_quiet(&self, quiet: Duration, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let since = self.seen().last_byte.elapsed();
            if since >= quiet {
                return Ok(());
            }
            if Instant::now() + (quiet - since) > deadline {
                return Err(self.failure(&format!(
                    "output did not stop for {quiet:?} within {timeout:?}"
                )));
            }
            std::thread::sleep(quiet - since);
        }
    }

    /// A failure message: `headline`, then the screen between rulers.
    pub fn failure(&self, headline: &str) -> String {
        let screen = self.screen_text();
        let width = self.with_screen(|s| s.size().1) as usize;
        let rule = "─".repeat(width.max(10));
        format!("{headline}\nscreen:\n{rule}\n{screen}\n{rule}")
    }
}

/// The screen as text: rows trimmed on the right, joined by `'\n'`, trailing empty rows kept
/// (so row numbers match).
pub fn screen_to_text(screen: &vt100::Screen) -> String {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols)
        .map(|row| row.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
