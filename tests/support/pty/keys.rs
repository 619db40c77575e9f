//! The bytes an xterm-compatible terminal sends for keys (normal cursor-key mode, which is what
//! crossterm leaves the terminal in). Send a lone [`ESC`] on its own and let the app see it
//! before sending more: an ESC followed at once by other bytes reads as Alt+key.

pub const ENTER: &str = "\r";
pub const ESC: &str = "\x1b";
pub const TAB: &str = "\t";
pub const BACKTAB: &str = "\x1b[Z";
pub const BACKSPACE: &str = "\x7f";
pub const UP: &str = "\x1b[A";
pub const DOWN: &str = "\x1b[B";
pub const RIGHT: &str = "\x1b[C";
pub const LEFT: &str = "\x1b[D";
pub const HOME: &str = "\x1b[H";
pub const END: &str = "\x1b[F";
pub const PAGE_UP: &str = "\x1b[5~";
pub const PAGE_DOWN: &str = "\x1b[6~";
pub const DELETE: &str = "\x1b[3~";
/// Alt-Enter (ESC then CR), e.g. a line break in the reject-reason dialog.
pub const ALT_ENTER: &str = "\x1b\r";

/// Ctrl + a letter (or `@ [ \ ] ^ _`): the C0 control code. `ctrl('c')` is `"\x03"`.
pub fn ctrl(c: char) -> String {
    let upper = c.to_ascii_uppercase();
    assert!(('@'..='_').contains(&upper), "no control code for Ctrl-{c}");
    char::from(upper as u8 & 0x1f).to_string()
}

/// Alt + a key: ESC, then the key.
pub fn alt(c: char) -> String {
    format!("\x1b{c}")
}

/// `text` as a bracketed paste (the console enables bracketed paste).
pub fn paste(text: &str) -> String {
    format!("\x1b[200~{text}\x1b[201~")
}
