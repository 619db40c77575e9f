//! End-to-end harness: the built `partner-console` binary in a real pseudo-terminal, its output
//! parsed by `vt100` into a screen, keys written as the bytes a terminal would send; and the
//! reference server as a separate process.
//!
//! Include it from a test file with
//! ```ignore
//! #[path = "pty/mod.rs"]
//! mod pty;
//! use pty::{Pty, ServerProc, keys};
//! ```
//!
//! Every `Pty` and `ServerProc` gets its own temporary directory as `HOME` and every
//! `XDG_*_HOME` (see [`TestHome`]), so the developer's config, data and logs are never read or
//! written. The child's environment is cleared except for `PATH` and a few variables for
//! debugging (`RUST_LOG`, `RUST_BACKTRACE`); pass what the test needs in `env`.
//!
//! The pty answers the two queries a real terminal answers and crossterm may send: the cursor
//! position (`CSI 6 n`) and primary device attributes (`CSI c`). It answers nothing else.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub use portable_pty::ExitStatus;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_partner-console");

/// How often `wait_*` look at the screen.
const POLL: Duration = Duration::from_millis(20);

// ---------------------------------------------------------------------------------------------
// Keys

/// The bytes an xterm-compatible terminal sends for keys (normal cursor-key mode, which is what
/// crossterm leaves the terminal in). Send a lone [`keys::ESC`] on its own and let the app see
/// it before sending more: an ESC followed at once by other bytes reads as Alt+key.
pub mod keys {
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
}

pub fn key_enter() -> &'static str {
    keys::ENTER
}
pub fn key_esc() -> &'static str {
    keys::ESC
}
pub fn key_tab() -> &'static str {
    keys::TAB
}
pub fn key_backtab() -> &'static str {
    keys::BACKTAB
}
pub fn key_backspace() -> &'static str {
    keys::BACKSPACE
}
pub fn key_up() -> &'static str {
    keys::UP
}
pub fn key_down() -> &'static str {
    keys::DOWN
}
pub fn key_left() -> &'static str {
    keys::LEFT
}
pub fn key_right() -> &'static str {
    keys::RIGHT
}
pub fn key_page_up() -> &'static str {
    keys::PAGE_UP
}
pub fn key_page_down() -> &'static str {
    keys::PAGE_DOWN
}
pub fn key_ctrl(c: char) -> String {
    keys::ctrl(c)
}
pub fn key_alt(c: char) -> String {
    keys::alt(c)
}

// ---------------------------------------------------------------------------------------------
// Temporary homes

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "pc-pty-{label}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A throw-away `HOME` with its own XDG base directories, so a child never sees the real
/// user's files. Write a config with [`TestHome::write_config`] before spawning.
#[derive(Debug)]
pub struct TestHome {
    dir: TempDir,
}

impl TestHome {
    pub fn new() -> TestHome {
        let home = TestHome {
            dir: TempDir::new("home"),
        };
        for sub in ["home", "config", "data", "state", "cache"] {
            std::fs::create_dir_all(home.path().join(sub)).expect("create XDG dir");
        }
        home
    }

    /// The temporary directory everything lives under.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The variables that point a child at this home.
    pub fn env(&self) -> Vec<(String, PathBuf)> {
        let p = self.path();
        vec![
            ("HOME".into(), p.join("home")),
            ("XDG_CONFIG_HOME".into(), p.join("config")),
            ("XDG_DATA_HOME".into(), p.join("data")),
            ("XDG_STATE_HOME".into(), p.join("state")),
            ("XDG_CACHE_HOME".into(), p.join("cache")),
        ]
    }

    /// Where the console looks for its config file by default.
    pub fn config_file(&self) -> PathBuf {
        self.path()
            .join("config")
            .join("partner-console")
            .join("config.toml")
    }

    /// Writes the default config file.
    pub fn write_config(&self, toml: &str) {
        let file = self.config_file();
        std::fs::create_dir_all(file.parent().expect("config dir")).expect("create config dir");
        std::fs::write(file, toml).expect("write config");
    }

    /// The console's log file (for failure messages).
    pub fn log_file(&self) -> PathBuf {
        self.path()
            .join("state")
            .join("partner-console")
            .join("logs")
            .join("partner-console.log")
    }

    /// The log so far, or an empty string.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }
}

impl Default for TestHome {
    fn default() -> Self {
        TestHome::new()
    }
}

/// Variables passed through from the test's environment, for debugging and coverage.
const PASS_THROUGH: &[&str] = &["PATH", "RUST_LOG", "RUST_BACKTRACE", "LLVM_PROFILE_FILE"];

// ---------------------------------------------------------------------------------------------
// Pty

/// What the reader thread shares with the test: what it has seen, and a condition variable it
/// signals after each chunk, so waiting never polls or spins (a spinning benchmark would take a
/// core from the app it measures).
struct Shared {
    seen: Mutex<Seen>,
    arrived: Condvar,
}

/// What the reader thread has seen.
struct Seen {
    parser: vt100::Parser,
    /// Every byte received, in order.
    raw: Vec<u8>,
    /// When the last byte arrived.
    last_byte: Instant,
    /// The reader stopped: the child side closed (EOF / EIO) or the master was closed.
    eof: bool,
}

/// The built binary running in a pseudo-terminal.
pub struct Pty {
    /// The master side: `None` after [`Pty::close_master`].
    master: Option<Box<dyn MasterPty + Send>>,
    /// Our own duplicate of the master descriptor for writing keys (portable-pty's writer sends
    /// a newline and EOF when dropped, which the app would read as Enter).
    writer: Arc<Mutex<Option<File>>>,
    child: Box<dyn Child + Send + Sync>,
    pid: u32,
    status: Option<ExitStatus>,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    mark: usize,
    home: TestHome,
}

impl Pty {
    /// Starts `partner-console <args>` in a `cols`×`rows` pty with `TERM=xterm-256color`, a
    /// fresh [`TestHome`], and `env` on top.
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        Pty::spawn_in(TestHome::new(), args, env, cols, rows)
    }

    /// Like [`Pty::spawn`] in a home prepared by the test (a config file written first).
    pub fn spawn_in(
        home: TestHome,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Pty {
        Pty::spawn_program(Path::new(BIN), home, args, env, cols, rows)
    }

    /// Like [`Pty::spawn_in`] with another program (benchmarks run a bare ratatui app beside the
    /// console).
    pub fn spawn_program(
        program: &Path,
        home: TestHome,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");

        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env_clear();
        for name in PASS_THROUGH {
            if let Some(value) = std::env::var_os(name) {
                cmd.env(name, value);
            }
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        for (name, value) in home.env() {
            cmd.env(name, value);
        }
        for (name, value) in env {
            cmd.env(name, value);
        }
        cmd.cwd(home.path());

        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("spawn partner-console");
        // Only the child keeps the slave open: when it exits, reads of the master end.
        drop(pair.slave);
        let pid = child.process_id().expect("child pid");

        let master_fd = pair.master.as_raw_fd().expect("master fd");
        let read_fd = dup_cloexec(master_fd);
        let writer = Arc::new(Mutex::new(Some(File::from(dup_cloexec(master_fd)))));
        let shared = Arc::new(Shared {
            seen: Mutex::new(Seen {
                parser: vt100::Parser::new(rows, cols, 0),
                raw: Vec::new(),
                last_byte: Instant::now(),
                eof: false,
            }),
            arrived: Condvar::new(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let shared = shared.clone();
            let stop = stop.clone();
            let writer = writer.clone();
            std::thread::Builder::new()
                .name(format!("pty-reader-{pid}"))
                .spawn(move || read_loop(read_fd, &shared, &stop, &writer))
                .expect("spawn reader thread")
        };

        Pty {
            master: Some(pair.master),
            writer,
            child,
            pid,
            status: None,
            shared,
            stop,
            reader: Some(reader),
            mark: 0,
            home,
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The temporary home the child runs in.
    pub fn home(&self) -> &TestHome {
        &self.home
    }

    /// The temporary directory everything of this test lives under.
    pub fn dir(&self) -> &Path {
        self.home.path()
    }

    // -- input --------------------------------------------------------------------------------

    /// Writes `keys` as they are (see [`keys`] for the bytes of special keys).
    pub fn send(&mut self, keys: &str) {
        self.send_bytes(keys.as_bytes());
    }

    /// Writes raw bytes.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let file = writer
            .as_mut()
            .expect("send after close_master: the pty is gone");
        file.write_all(bytes).expect("write to the pty");
        file.flush().expect("flush the pty");
    }

    /// Changes the window size (the child gets SIGWINCH) and the parsed screen's size.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.seen().parser.screen_mut().set_size(rows, cols);
        self.master
            .as_ref()
            .expect("resize after close_master")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    // -- the screen ---------------------------------------------------------------------------

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

    // -- bytes --------------------------------------------------------------------------------

    /// Remembers where the byte stream is now, for [`Pty::bytes_since_mark`].
    pub fn mark(&mut self) {
        let len = self.seen().raw.len();
        self.mark = len;
    }

    /// Every byte the child wrote since the last [`Pty::mark`] (since the start without one).
    pub fn bytes_since_mark(&self) -> Vec<u8> {
        self.seen().raw[self.mark..].to_vec()
    }

    /// Blocks until the bytes since the last [`Pty::mark`] satisfy `done`, at most `timeout`:
    /// those bytes, and when the last of them arrived. Waits on the reader's signal; it never
    /// polls or spins.
    pub fn wait_bytes_since_mark(
        &self,
        timeout: Duration,
        done: impl Fn(&[u8]) -> bool,
    ) -> Result<(Vec<u8>, Instant), String> {
        let deadline = Instant::now() + timeout;
        let mut seen = self.seen();
        loop {
            let bytes = &seen.raw[self.mark..];
            if done(bytes) {
                return Ok((bytes.to_vec(), seen.last_byte));
            }
            let now = Instant::now();
            if now >= deadline || seen.eof {
                drop(seen);
                return Err(self.failure(&format!(
                    "the expected output did not come within {timeout:?}"
                )));
            }
            seen = self
                .shared
                .arrived
                .wait_timeout(seen, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Every byte the child wrote.
    pub fn bytes(&self) -> Vec<u8> {
        self.seen().raw.clone()
    }

    /// How many bytes the child wrote in all.
    pub fn total_bytes(&self) -> usize {
        self.seen().raw.len()
    }

    // -- the process --------------------------------------------------------------------------

    /// Waits for the child to exit, at most `timeout`.
    pub fn exit_status(&mut self, timeout: Duration) -> Result<ExitStatus, String> {
        if let Some(status) = &self.status {
            return Ok(status.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    self.status = Some(status.clone());
                    // Let the reader take in the last bytes the child wrote.
                    self.drain_reader(Duration::from_millis(500));
                    return Ok(status);
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Ok(None) => {
                    return Err(self.failure(&format!(
                        "partner-console (pid {}) still running after {timeout:?}",
                        self.pid
                    )));
                }
                Err(e) => return Err(format!("waiting for the child failed: {e}")),
            }
        }
    }

    /// Whether the child has exited (without waiting).
    pub fn has_exited(&mut self) -> bool {
        if self.status.is_none()
            && let Ok(Some(status)) = self.child.try_wait()
        {
            self.status = Some(status);
        }
        self.status.is_some()
    }

    /// Sends a signal (`libc::SIGTERM`, `libc::SIGHUP`, ...) to the child.
    pub fn send_signal(&self, signal: i32) {
        // SAFETY: kill(2) with our own child's pid.
        let result = unsafe { libc::kill(self.pid as libc::pid_t, signal) };
        assert_eq!(
            result,
            0,
            "kill({}, {signal}): {}",
            self.pid,
            std::io::Error::last_os_error()
        );
    }

    /// SIGKILL, then reaps the child.
    pub fn kill(&mut self) {
        if self.status.is_some() {
            return;
        }
        // SAFETY: kill(2) with our own child's pid, which is not reaped yet.
        unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGKILL) };
        if let Ok(status) = self.child.wait() {
            self.status = Some(status);
        }
    }

    /// Closes every descriptor of the master side, as when an SSH connection drops: the kernel
    /// hangs up the terminal and sends the child (the session leader) SIGHUP. The screen and
    /// bytes seen so far stay readable; [`Pty::send`] panics from here on.
    pub fn close_master(&mut self) {
        self.stop_reader();
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.master.take();
    }

    /// Waits for the reader to reach the end of the output (the child side closed), at most
    /// `timeout`.
    fn drain_reader(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.seen().eof && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn stop_reader(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }

    fn seen(&self) -> MutexGuard<'_, Seen> {
        self.shared.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks until the next chunk of output arrives (or the reader stops), at most `timeout`.
    fn wait_for_bytes(&self, timeout: Duration) {
        let seen = self.seen();
        if seen.eof {
            return;
        }
        let _ = self.shared.arrived.wait_timeout(seen, timeout);
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        self.kill();
        self.stop_reader();
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

fn dup_cloexec(fd: RawFd) -> OwnedFd {
    // SAFETY: F_DUPFD_CLOEXEC on a descriptor that is open (the master we hold).
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    assert!(new >= 0, "dup: {}", std::io::Error::last_os_error());
    // SAFETY: `new` was just created and belongs to nobody else.
    unsafe { OwnedFd::from_raw_fd(new) }
}

/// Reads the master until the child side closes or `stop` is set, feeding the parser and
/// answering cursor-position and device-attribute queries.
fn read_loop(fd: OwnedFd, shared: &Shared, stop: &AtomicBool, writer: &Mutex<Option<File>>) {
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

/// The end offsets of every occurrence of `needle` in `haystack`.
fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i + needle.len())
        .collect()
}

/// Whether `bytes` contains `needle`.
pub fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    !find_all(bytes, needle).is_empty()
}

/// The position of the last occurrence of `needle` in `bytes`.
pub fn rfind(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    bytes.windows(needle.len()).rposition(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// The reference server as its own process

/// `partner-console serve` on 127.0.0.1:0 with demo data in a temporary database, as a normal
/// child process; killed on drop.
pub struct ServerProc {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The SQLite database file.
    pub db: PathBuf,
    home: TestHome,
}

impl ServerProc {
    /// Starts the server with `--seed demo` and waits (at most 60 s: the first run may have to
    /// create the database) for its `listening on URL` line.
    pub fn start() -> ServerProc {
        ServerProc::start_with(&["--seed", "demo"])
    }

    /// Starts `serve --listen 127.0.0.1:0 --db <tmp>/pc.db` plus `extra` arguments.
    pub fn start_with(extra: &[&str]) -> ServerProc {
        let home = TestHome::new();
        let db = home.path().join("pc.db");
        let stderr = File::create(home.path().join("server.stderr")).expect("server stderr file");
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--db")
            .arg(&db)
            .args(extra)
            .env_clear()
            .current_dir(home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        for name in PASS_THROUGH {
            if let Some(value) = std::env::var_os(name) {
                cmd.env(name, value);
            }
        }
        for (name, value) in home.env() {
            cmd.env(name, value);
        }
        let mut child = cmd.spawn().expect("spawn partner-console serve");
        let stdout = child.stdout.take().expect("server stdout");

        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            let _ = tx.send(lines.read_line(&mut first).map(|_| first));
            // Keep reading so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });
        let mut server = ServerProc {
            child,
            url: String::new(),
            db,
            home,
        };
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => panic!("reading the server's stdout: {e}\n{}", server.stderr_text()),
            Err(_) => panic!(
                "the server printed no address within 60 s\n{}",
                server.stderr_text()
            ),
        };
        server.url = match line.trim().strip_prefix("listening on ") {
            Some(url) => url.to_string(),
            None => panic!(
                "unexpected first line from the server: {line:?}\n{}",
                server.stderr_text()
            ),
        };
        server
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The temporary directory of the server (database, stderr).
    pub fn dir(&self) -> &Path {
        self.home.path()
    }

    /// What the server wrote to stderr (its log).
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(self.home.path().join("server.stderr")).unwrap_or_default()
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
