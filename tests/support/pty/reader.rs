//! The reader thread: it takes in everything the child writes to the pty, feeds the `vt100`
//! parser, and answers the two queries a real terminal answers and crossterm may send: the
//! cursor position (`CSI 6 n`) and primary device attributes (`CSI c`). It answers nothing else.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use super::bytes::find_all;

/// What the reader thread shares with the test: what it has seen, and a condition variable it
/// signals after each chunk, so waiting never polls or spins (a spinning benchmark would take a
/// core from the app it measures).
pub(super) struct Shared {
    pub(super) seen: Mutex<Seen>,
    pub(super) arrived: Condvar,
}

/// What the reader thread has seen.
pub(super) struct Seen {
    pub(super) parser: vt100::Parser,
    /// Every byte received, in order.
    pub(super) raw: Vec<u8>,
    /// When the last byte arrived.
    pub(super) last_byte: Instant,
    /// The reader stopped: the child side closed (EOF / EIO) or the master was closed.
    pub(super) eof: bool,
}

pub(super) fn dup_cloexec(fd: RawFd) -> OwnedFd {
    // SAFETY: F_DUPFD_CLOEXEC on a descriptor that is open (the master we hold).
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    assert!(new >= 0, "dup: {}", std::io::Error::last_os_error());
    // SAFETY: `new` was just created and belongs to nobody else.
    unsafe { OwnedFd::from_raw_fd(new) }
}

/// Reads the master until the child side closes or `stop` is set, feeding the parser and
/// answering cursor-position and device-attribute queries.
pub(super) fn read_loop(
    fd: OwnedFd,
    shared: &Shared,
    stop: &AtomicBool,
    writer: &Mutex<Option<File>>,
) {
    let seen = &shared.seen;
    let mut file = File::from(fd);
    let mut buf = vec![0u8; 64 * 1024];
    // The end of the previous chunk, so a query split across reads is still seen.
    let mut tail: Vec<u8> = Vec::new();
    let finish = |seen: &Mutex<Seen>| {
        seen.lock().unwrap_or_else(|e| e.into_inner()).eof = true;
        shared.arrived.notify_all();
    };
    while !stop.load(Ordering::SeqCst) {
        let mut pollfd = libc::pollfd {
            fd: file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1.
        let ready = unsafe { libc::poll(&mut pollfd, 1, 50) };
        if ready < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break;
        }
        if ready == 0 {
            continue;
        }
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // EIO: every descriptor of the child side is closed.
            Err(_) => break,
        };
        let chunk = &buf[..n];
        let mut replies = Vec::new();
        {
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.raw.extend_from_slice(chunk);
            seen.last_byte = Instant::now();
            seen.parser.process(chunk);
            let mut window = std::mem::take(&mut tail);
            let old = window.len();
            window.extend_from_slice(chunk);
            for (query, answer) in [
                (&b"\x1b[6n"[..], Query::CursorPosition),
                (&b"\x1b[c"[..], Query::DeviceAttributes),
                (&b"\x1b[0c"[..], Query::DeviceAttributes),
            ] {
                for end in find_all(&window, query) {
                    if end > old {
                        replies.push(match answer {
                            Query::CursorPosition => {
                                let (row, col) = seen.parser.screen().cursor_position();
                                format!("\x1b[{};{}R", row + 1, col + 1).into_bytes()
                            }
                            Query::DeviceAttributes => b"\x1b[?1;2c".to_vec(),
                        });
                    }
                }
            }
            let keep = window.len().saturating_sub(3);
            tail = window[keep..].to_vec();
        }
        shared.arrived.notify_all();
        if !replies.is_empty()
            && let Some(w) = writer.lock().unwrap_or_else(|e| e.into_inner()).as_mut()
        {
            for reply in replies {
                let _ = w.write_all(&reply);
            }
        }
    }
    finish(seen);
}

enum Query {
    CursorPosition,
    DeviceAttributes,
}
