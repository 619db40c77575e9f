//! The terminal the console draws on: entering and leaving it, one write per frame, the panic
//! hook, signals, Ctrl-Z, `NO_COLOR` (QUALITY.md 9 and the Performance table).
//!
//! # A frame
//! Everything ratatui writes goes into a [`FrameWriter`], which only buffers. [`draw_frame`]
//! wraps one `Terminal::draw` in synchronized-output begin/end (`CSI ? 2026 h/l`) and hands the
//! whole frame to the terminal with a single `write()`: a terminal never shows half a frame, an
//! SSH link carries one packet burst, and a frame in which no cell changed sends nothing at all
//! (so the loop can draw after every message: idle means no bytes).
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use partner_console::tui::platform::terminal::{self, TerminalGuard};
//!
//! terminal::install_panic_hook().expect("first and only install");
//! let (_guard, mut term) = TerminalGuard::enter()?;
//! terminal::draw_frame(&mut term, |frame| {
//!     frame.render_widget("hello", frame.area());
//! })?;
//! # Ok(())
//! # }
//! // `_guard` restores the terminal when it goes out of scope, also on `?` and on panic.
//! ```
//!
//! # Giving the terminal back
//! [`restore`] is the one way out: cursor shown, bracketed paste off, alternate screen left, raw
//! mode off. It runs at most once per [`TerminalGuard::enter`] (an atomic flag), so the panic
//! hook, the signal paths and the guard's `Drop` can all call it. It writes to file descriptor 1
//! directly, without taking the lock of `std::io::stdout()`, so a panic hook never deadlocks on
//! a lock another thread holds.
//!
//! # Signals
//! In raw mode the terminal sends Ctrl-C and Ctrl-Z as keys, not as SIGINT / SIGTSTP: the key map
//! turns them into "quit" and [`suspend`]. [`signals`](super::signals::signals) delivers the signals that still come from
//! outside (`kill`, a closed SSH session, `fg`); see [`Signal`] for what the app does with each.
//!
//! # Don'ts
//! - `Terminal::clear()` asks the terminal where the cursor is (`CSI 6 n`), writing past the
//!   frame buffer and waiting up to 2 s for an answer that competes with the event reader. Use
//!   [`force_full_redraw`].
//! - Nothing else may write to stdout while the guard is alive: logs go to the log file.

use std::io::{self, IsTerminal, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::terminal::{disable_raw_mode, enable_raw_mode};
use ratatui::layout::{Position, Rect};

use super::signals::Signal;

/// The backend every frame goes through: crossterm, writing into a [`FrameWriter`].
pub type Backend = ratatui::backend::CrosstermBackend<FrameWriter>;

/// `CSI ? 2026 h`: begin synchronized update (crossterm's `BeginSynchronizedUpdate`).
const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
/// `CSI ? 2026 l`: end synchronized update (crossterm's `EndSynchronizedUpdate`).
const END_SYNC: &[u8] = b"\x1b[?2026l";

/// Entering: alternate screen, cleared, cursor hidden, bracketed paste on.
const ENTER_SEQUENCE: &[u8] = b"\x1b[?1049h\x1b[2J\x1b[?25l\x1b[?2004h";
/// Leaving: end any synchronized update, show the cursor, bracketed paste off, leave the
/// alternate screen. (A frame interrupted by a panic never reached the terminal: frames are
/// buffered. Ending the update anyway costs 8 bytes once.)
const RESTORE_SEQUENCE: &[u8] = b"\x1b[?2026l\x1b[?25h\x1b[?2004l\x1b[?1049l";

const NOT_A_TERMINAL: &str =
    "partner-console needs a terminal; for scripts use `partner-console export` / `info`";

// ---------------------------------------------------------------------------------------------
// FrameWriter

/// An [`io::Write`] that keeps everything written to it until [`FrameWriter::commit`], which
/// writes it all to the terminal with one `write()` system call (more only if the kernel takes
/// part of it, which a tty does not do for frames of a few hundred KiB). `flush()` writes
/// nothing: ratatui flushes after every draw, and the frame is not finished then.
///
/// Inside a `Terminal` the writer is out of reach (ratatui's `writer_mut()` is unstable API), so
/// it also understands the frame markers [`draw_frame`] writes through the backend: a write of
/// exactly the synchronized-update begin goes in front of anything pending (bytes queued between
/// frames then belong to the next frame), and a write of exactly the synchronized-update end
/// commits. Nothing else writes those sequences as one call: ratatui writes cells.
#[derive(Debug)]
pub struct FrameWriter {
    buf: Vec<u8>,
    target: Target,
}

#[derive(Debug)]
enum Target {
    /// File descriptor 1, written while holding the lock of `std::io::stdout()` so nothing
    /// printed through `std` lands in the middle of a frame.
    Stdout,
    /// Any other file descriptor (tests and benchmarks: a pipe, `/dev/null`).
    Fd(OwnedFd),
}

impl FrameWriter {
    /// A writer for standard output.
    pub fn stdout() -> FrameWriter {
        FrameWriter {
            buf: Vec::with_capacity(16 * 1024),
            target: Target::Stdout,
        }
    }

    /// A writer that commits to `fd` instead (benchmarks, tests).
    pub fn to_fd(fd: OwnedFd) -> FrameWriter {
        FrameWriter {
            buf: Vec::with_capacity(16 * 1024),
            target: Target::Fd(fd),
        }
    }

    /// The bytes written since the last commit.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Drops what was written since the last commit.
    pub fn discard(&mut self) {
        self.buf.clear();
    }

    /// Writes everything buffered since the last commit in one `write()`, then empties the
    /// buffer (also when the write fails: a terminal that is gone must not make it grow). An
    /// empty buffer writes nothing.
    pub fn commit(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = match &self.target {
            Target::Stdout => {
                let mut stdout = io::stdout().lock();
                // Normally empty; anything `std` buffered goes out before the frame, not inside it.
                stdout
                    .flush()
                    .and_then(|()| write_all_fd(stdout.as_raw_fd(), &self.buf))
            }
            Target::Fd(fd) => write_all_fd(fd.as_raw_fd(), &self.buf),
        };
        self.buf.clear();
        result
    }

    /// Puts the synchronized-update begin in front of whatever is pending, so bytes queued
    /// between frames (a clear from [`force_full_redraw`], a resize) are inside the update too.
    fn begin_frame(&mut self) {
        self.buf.splice(0..0, BEGIN_SYNC.iter().copied());
    }
}

impl Write for FrameWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if bytes == BEGIN_SYNC {
            self.begin_frame();
        } else if bytes == END_SYNC {
            if self.buf == BEGIN_SYNC {
                // Nothing changed on screen: an empty frame is not sent (idle means no bytes).
                self.buf.clear();
                return Ok(bytes.len());
            }
            self.buf.extend_from_slice(END_SYNC);
            self.commit()?;
        } else {
            self.buf.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    /// Does nothing: see [`FrameWriter::commit`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `write(2)` until all of `bytes` is written: retried on EINTR, waits with `poll` if the
/// descriptor was made non-blocking by someone else. One call in the normal case.
fn write_all_fd(fd: RawFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a valid, initialized slice for its whole length; `fd` is owned by
        // the caller for the duration of the call (stdout, or a `FrameWriter`'s own descriptor).
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            let error = io::Error::last_os_error();
            match error.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    wait_writable(fd)?;
                    continue;
                }
                _ => return Err(error),
            }
        }
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n.unsigned_abs()..];
    }
    Ok(())
}

fn wait_writable(fd: RawFd) -> io::Result<()> {
    let mut pollfd = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    loop {
        // SAFETY: one valid `pollfd`, and we pass a count of 1.
        let n = unsafe { libc::poll(&mut pollfd, 1, -1) };
        if n >= 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Draws one frame and sends it: synchronized-update begin, `terminal.draw(render)`,
/// synchronized-update end, one [`FrameWriter::commit`]; a frame in which no cell changed sends
/// nothing.
pub fn draw_frame(
    terminal: &mut ratatui::Terminal<Backend>,
    render: impl FnOnce(&mut ratatui::Frame),
) -> io::Result<()> {
    // Both markers go through the backend's `io::Write` to the `FrameWriter`, which puts the
    // begin in front of anything pending and commits on the end.
    terminal.backend_mut().write_all(BEGIN_SYNC)?;
    let drawn = terminal.draw(render).map(|_| ());
    let committed = terminal.backend_mut().write_all(END_SYNC);
    drawn.and(committed)
}

/// Makes the next [`draw_frame`] repaint every cell: clears the screen (inside that frame's
/// synchronized update) and forgets what ratatui believes is on screen. Use it after
/// [`suspend`], on [`Signal::Continue`], and wherever `Terminal::clear()` comes to mind (see the
/// module docs for why not that one).
pub fn force_full_redraw(terminal: &mut ratatui::Terminal<Backend>) -> io::Result<()> {
    let size = terminal.size()?;
    terminal.resize(Rect::from((Position::ORIGIN, size)))
}

// ---------------------------------------------------------------------------------------------
// Entering and restoring

/// Whether the terminal is in our state and has not been restored since: makes [`restore`] run
/// once per [`TerminalGuard::enter`].
struct RestoreFlag(AtomicBool);

impl RestoreFlag {
    const fn new() -> RestoreFlag {
        RestoreFlag(AtomicBool::new(false))
    }

    /// The terminal is now ours. False if it already was.
    fn arm(&self) -> bool {
        !self.0.swap(true, Ordering::SeqCst)
    }

    /// Claims the one restore: true for exactly one caller after each `arm`.
    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }

    fn is_armed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

static ACTIVE: RestoreFlag = RestoreFlag::new();

/// Owns the terminal while the console runs; restores it when dropped. Create it with
/// [`TerminalGuard::enter`]; there is at most one at a time.
#[derive(Debug)]
#[must_use = "the terminal is restored when the guard is dropped"]
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Takes over the terminal: raw mode, alternate screen (cleared), cursor hidden, bracketed
    /// paste on. Returns the guard that gives it back and the ratatui terminal to draw on with
    /// [`draw_frame`]. Fails with a message for people when stdin or stdout is not a terminal.
    pub fn enter() -> io::Result<(TerminalGuard, ratatui::Terminal<Backend>)> {
        check_tty(io::stdin().is_terminal(), io::stdout().is_terminal())?;
        if !ACTIVE.arm() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the terminal is already in use by this process",
            ));
        }
        let guard = TerminalGuard { _private: () };
        // From here on, any error drops `guard`, which restores what was set up.
        take_over()?;
        let terminal = ratatui::Terminal::new(Backend::new(FrameWriter::stdout()))?;
        Ok((guard, terminal))
    }
}

impl TerminalGuard {
    /// The way out when the terminal is gone (SIGHUP, the input stream failed or ended): the
    /// process is about to exit and must not hang on a pty nobody reads. Arms
    /// [`exit_deadline`] (2 s, exit status 129 as for SIGHUP) as a safety net for the rest of
    /// the shutdown, then restores with best effort, waiting at most a quarter of a second.
    pub fn abandon(self) {
        exit_deadline(HANGUP_EXIT_DEADLINE, Signal::Hangup.exit_code());
        if !restore_best_effort(Duration::from_millis(250)) {
            tracing::warn!("the terminal did not take the restore sequence; leaving anyway");
        }
        // Drop finds the restore done (or claimed by the helper thread) and does nothing.
    }
}

/// QUALITY.md 9: after SIGHUP the process is gone within 2 s; the net fires earlier, leaving
/// room for a loaded machine to schedule the exit.
pub(super) const HANGUP_EXIT_DEADLINE: Duration = Duration::from_millis(1500);

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn check_tty(stdin_is_tty: bool, stdout_is_tty: bool) -> io::Result<()> {
    if stdin_is_tty && stdout_is_tty {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::Unsupported, NOT_A_TERMINAL))
    }
}

/// Raw mode, then the enter sequence.
fn take_over() -> io::Result<()> {
    enable_raw_mode()?;
    write_stdout_unlocked(ENTER_SEQUENCE)
}

/// Gives the terminal back: ends a synchronized update, shows the cursor, turns bracketed paste
/// off, leaves the alternate screen, leaves raw mode. Errors are ignored (there is nobody left
/// to tell). Runs once per [`TerminalGuard::enter`]; later calls do nothing. Safe to call from
/// the panic hook and from any thread.
pub fn restore() {
    restore_with(&ACTIVE, &mut |bytes| write_stdout_unlocked(bytes));
}

fn restore_with(flag: &RestoreFlag, write: &mut dyn FnMut(&[u8]) -> io::Result<()>) {
    if flag.take() {
        let _ = write(RESTORE_SEQUENCE);
        let _ = disable_raw_mode();
    }
}

/// Writes to fd 1 without the lock of `std::io::stdout()` (the panic hook may run while another
/// thread holds it).
fn write_stdout_unlocked(bytes: &[u8]) -> io::Result<()> {
    write_all_fd(libc::STDOUT_FILENO, bytes)
}

/// [`restore`] on a helper thread, waiting at most `timeout` for it: after SIGHUP the pty may be
/// gone or stuck, and a write to it can fail or block. Returns whether it finished in time. A
/// restore left blocked keeps its thread until the process exits; nothing else waits for it.
pub fn restore_best_effort(timeout: Duration) -> bool {
    if !ACTIVE.is_armed() {
        return true;
    }
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("terminal-restore".into())
        .spawn(move || {
            restore();
            let _ = done_tx.send(());
        });
    match spawned {
        Ok(_) => done_rx.recv_timeout(timeout).is_ok(),
        Err(_) => false,
    }
}

/// A safety net for [`Signal::Hangup`]: unless the process has exited by then, ends it with
/// `code` after `after`, without running destructors or touching the terminal (`_exit`). Arm it
/// first thing on a hangup, then shut down normally; it only fires if shutting down hangs.
pub fn exit_deadline(after: Duration, code: i32) {
    let _ = std::thread::Builder::new()
        .name("exit-deadline".into())
        .spawn(move || {
            std::thread::sleep(after);
            tracing::error!("still running {after:?} after a hangup; exiting now");
            // SAFETY: `_exit` ends the process at once; it touches no Rust state.
            unsafe { libc::_exit(code) }
        });
}

// ---------------------------------------------------------------------------------------------
// Suspend and resume

/// Ctrl-Z (which raw mode delivers as a key): gives the terminal back, stops the process with
/// SIGTSTP as the shell expects, and when `fg` continues it, takes the terminal over again.
///
/// The caller must then repaint everything: call [`force_full_redraw`] and draw a frame, since
/// the shell wrote over the screen meanwhile. Outside job control (an orphaned process group,
/// e.g. a session leader in a bare pty) SIGTSTP is discarded by the kernel and this returns at
/// once, which is harmless.
///
/// The shell's `fg` also sends SIGCONT, which [`signals`](super::signals::signals) reports as [`Signal::Continue`]; its
/// handling ([`resume`]) after a `suspend` costs one extra full redraw and nothing else.
pub fn suspend() -> io::Result<()> {
    if !ACTIVE.is_armed() {
        return Err(io::Error::other("the terminal is not in use"));
    }
    restore();
    // SAFETY: `raise` only sends a signal to this thread; SIGTSTP's default action stops the
    // whole process until SIGCONT.
    if unsafe { libc::raise(libc::SIGTSTP) } != 0 {
        tracing::warn!("SIGTSTP: {}", io::Error::last_os_error());
    }
    reenter()
}

/// After [`Signal::Continue`] (the process was stopped from outside and continued): the shell
/// may have reset the terminal's modes and drawn over the screen, so take the terminal over
/// again and repaint everything on the next [`draw_frame`]. Does nothing once the terminal has
/// been restored.
pub fn resume(terminal: &mut ratatui::Terminal<Backend>) -> io::Result<()> {
    if !ACTIVE.is_armed() {
        return Ok(());
    }
    reenter()?;
    force_full_redraw(terminal)
}

/// Run `f` with the terminal given back (cooked mode, the main screen), as for an editor, and
/// take it over again after. The caller must then repaint everything ([`force_full_redraw`]).
pub fn handed_over<T>(f: impl FnOnce() -> T) -> io::Result<T> {
    if !ACTIVE.is_armed() {
        return Err(io::Error::other("the terminal is not in use"));
    }
    restore();
    let out = f();
    reenter()?;
    Ok(out)
}

/// Raw mode and the enter sequence again, whatever state the terminal is in now.
fn reenter() -> io::Result<()> {
    ACTIVE.arm();
    // crossterm skips enabling raw mode when it believes it is on; the shell may have turned it
    // off behind its back, so turn it off (back to the saved modes) and on again.
    let _ = disable_raw_mode();
    take_over()
}

// ---------------------------------------------------------------------------------------------
// Panics and errors

/// Installs color-eyre's panic and error hooks, the panic hook wrapped so that the terminal is
/// restored before the report is printed (to stderr) and logged (`tracing::error!`, without
/// colours). The panic message is cleaned like any untrusted text (it may quote server data).
/// Errors returned from `main` print through the eyre hook after the guard, dropped on the way
/// out, has restored the terminal; a user's mistake is printed by `main` as one plain line
/// instead (`cli/error.rs`). Honours `NO_COLOR`, and colours only a terminal. Call it once, first thing in `main`
/// (instead of `color_eyre::install()`; if that already ran, its error hook stays and the panic
/// hook is replaced by this one).
pub fn install_panic_hook() -> color_eyre::Result<()> {
    // The report goes to stderr: colour only when that is a terminal (not a pipe or a file).
    let theme = if colors_enabled() && io::stderr().is_terminal() {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .panic_message(CleanPanicMessage)
        .display_env_section(false)
        .try_into_hooks()?;
    // Fails only if an eyre hook is already installed, which then does the same job.
    let _ = eyre_hook.install();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        let report = panic_hook.panic_report(info).to_string();
        eprintln!("{report}");
        tracing::error!("{}", strip_sgr(&report));
    }));
    Ok(())
}

/// color-eyre's panic header, with the payload cleaned of control and invisible characters.
struct CleanPanicMessage;

impl color_eyre::section::PanicMessage for CleanPanicMessage {
    fn display(
        &self,
        info: &std::panic::PanicHookInfo<'_>,
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("<non string panic payload>");
        writeln!(f, "The application panicked (crashed).")?;
        writeln!(f, "Message:  {}", crate::text::clean_text(payload))?;
        match info.location() {
            Some(at) => write!(f, "Location: {}:{}", at.file(), at.line()),
            None => write!(f, "Location: <unknown>"),
        }
    }
}

/// Removes SGR sequences (`ESC [ ... m`), the only escapes color-eyre's reports contain.
fn strip_sgr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// False when `NO_COLOR` is set to anything but the empty string (<https://no-color.org>).
pub fn colors_enabled() -> bool {
    colors_enabled_with(std::env::var_os("NO_COLOR").as_deref())
}

fn colors_enabled_with(no_color: Option<&std::ffi::OsStr>) -> bool {
    no_color.is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use crossterm::Command;

    use super::*;

    fn pipe() -> (std::fs::File, OwnedFd) {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors `pipe` returns.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors were just created and are owned by nobody else.
        unsafe {
            use std::os::fd::FromRawFd;
            (
                std::fs::File::from_raw_fd(fds[0]),
                OwnedFd::from_raw_fd(fds[1]),
            )
        }
    }

    fn set_nonblocking(file: &std::fs::File) {
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            assert_eq!(libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK), 0);
        }
    }

    fn read_available(reader: &mut std::fs::File) -> Vec<u8> {
        let mut out = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("read: {e}"),
            }
        }
        out
    }

    #[test]
    fn frame_writer_buffers_until_commit() {
        let (mut reader, writer_fd) = pipe();
        set_nonblocking(&reader);
        let mut writer = FrameWriter::to_fd(writer_fd);

        writer.write_all(b"hello ").unwrap();
        write!(writer, "world").unwrap();
        writer.flush().unwrap();
        assert_eq!(read_available(&mut reader), b"");
        assert_eq!(writer.pending(), b"hello world");

        writer.commit().unwrap();
        assert_eq!(read_available(&mut reader), b"hello world");
        assert_eq!(writer.pending(), b"");

        // Nothing pending: nothing written.
        writer.commit().unwrap();
        assert_eq!(read_available(&mut reader), b"");

        writer.write_all(b"dropped").unwrap();
        writer.discard();
        writer.commit().unwrap();
        assert_eq!(read_available(&mut reader), b"");
    }

    #[test]
    fn a_big_frame_arrives_whole() {
        let (mut reader, writer_fd) = pipe();
        let frame: Vec<u8> = (0..300 * 1024).map(|i| b'a' + (i % 26) as u8).collect();
        let expected = frame.clone();
        let handle = std::thread::spawn(move || {
            let mut writer = FrameWriter::to_fd(writer_fd);
            writer.write_all(&frame).unwrap();
            writer.commit().unwrap();
        });
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap();
        handle.join().unwrap();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_frame_is_wrapped_in_a_synchronized_update() {
        let (mut reader, writer_fd) = pipe();
        set_nonblocking(&reader);
        let backend = Backend::new(FrameWriter::to_fd(writer_fd));
        let mut terminal = ratatui::Terminal::with_options(
            backend,
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, 20, 3)),
            },
        )
        .unwrap();

        draw_frame(&mut terminal, |f| f.render_widget("hello", f.area())).unwrap();
        let first = read_available(&mut reader);
        assert!(first.starts_with(BEGIN_SYNC), "{first:?}");
        assert!(first.ends_with(END_SYNC), "{first:?}");
        assert!(String::from_utf8_lossy(&first).contains("hello"));

        // Nothing changed: only the begin/end pair and ratatui's cursor bookkeeping.
        draw_frame(&mut terminal, |f| f.render_widget("hello", f.area())).unwrap();
        let second = read_available(&mut reader);
        assert!(second.starts_with(BEGIN_SYNC) && second.ends_with(END_SYNC));
        assert!(!String::from_utf8_lossy(&second).contains("hello"));

        // A forced redraw clears inside the next frame's update and repaints every cell.
        terminal.backend_mut().write_all(b"\x1b[2J").unwrap();
        terminal.resize(Rect::new(0, 0, 20, 3)).unwrap();
        draw_frame(&mut terminal, |f| f.render_widget("hello", f.area())).unwrap();
        let third = read_available(&mut reader);
        assert!(third.starts_with(BEGIN_SYNC), "{third:?}");
        assert!(third.ends_with(END_SYNC));
        let text = String::from_utf8_lossy(&third);
        assert!(
            text.contains("\x1b[2J") && text.contains("hello"),
            "{text:?}"
        );
    }

    #[test]
    fn restore_runs_once_per_enter() {
        let flag = RestoreFlag::new();
        let mut written = Vec::new();
        let restore = |written: &mut Vec<u8>| {
            restore_with(&flag, &mut |bytes| {
                written.extend_from_slice(bytes);
                Ok(())
            })
        };

        // Never entered: nothing to restore.
        restore(&mut written);
        assert!(written.is_empty());

        assert!(flag.arm());
        assert!(!flag.arm(), "a second enter is refused");
        restore(&mut written);
        restore(&mut written);
        restore(&mut written);
        assert_eq!(written, RESTORE_SEQUENCE);

        // Entered again (as after suspend): restored once more.
        assert!(flag.arm());
        restore(&mut written);
        restore(&mut written);
        assert_eq!(written.len(), 2 * RESTORE_SEQUENCE.len());
    }

    #[test]
    fn the_sequences_are_what_crossterm_would_write() {
        fn ansi(command: impl Command) -> Vec<u8> {
            let mut s = String::new();
            command.write_ansi(&mut s).unwrap();
            s.into_bytes()
        }
        use crossterm::cursor::{Hide, Show};
        use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
        use crossterm::terminal::{
            BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
            LeaveAlternateScreen,
        };
        assert_eq!(BEGIN_SYNC, ansi(BeginSynchronizedUpdate));
        assert_eq!(END_SYNC, ansi(EndSynchronizedUpdate));
        let enter = [
            ansi(EnterAlternateScreen),
            ansi(Clear(ClearType::All)),
            ansi(Hide),
            ansi(EnableBracketedPaste),
        ]
        .concat();
        assert_eq!(ENTER_SEQUENCE, enter);
        let leave = [
            ansi(EndSynchronizedUpdate),
            ansi(Show),
            ansi(DisableBracketedPaste),
            ansi(LeaveAlternateScreen),
        ]
        .concat();
        assert_eq!(RESTORE_SEQUENCE, leave);
    }

    #[test]
    fn without_a_tty_enter_says_what_to_use_instead() {
        assert!(check_tty(true, true).is_ok());
        for (stdin, stdout) in [(false, true), (true, false), (false, false)] {
            let error = check_tty(stdin, stdout).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::Unsupported);
            assert_eq!(error.to_string(), NOT_A_TERMINAL);
        }
    }

    #[test]
    fn no_color_is_honoured_when_not_empty() {
        use std::ffi::OsStr;
        assert!(colors_enabled_with(None));
        assert!(colors_enabled_with(Some(OsStr::new(""))));
        assert!(!colors_enabled_with(Some(OsStr::new("1"))));
        assert!(!colors_enabled_with(Some(OsStr::new("0"))));
    }

    #[test]
    fn signals_exit_like_the_shell_expects() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Hangup.exit_code(), 129);
        assert_eq!(Signal::Terminate.exit_code(), 143);
    }

    #[test]
    fn strip_sgr_leaves_the_text() {
        assert_eq!(
            strip_sgr("\x1b[31mThe application\x1b[0m panicked \x1b[1;35mx\x1b[0m"),
            "The application panicked x"
        );
    }
}
