//! The pty driver: the built `partner-console` binary in a real pseudo-terminal, its output
//! parsed by `vt100` into a screen, keys written as the bytes a terminal would send.
//!
//! Every `Pty` gets its own [`TestHome`], so the developer's config, data and logs are never
//! read or written; pass what the test needs in `env`. What it holds, by file: starting the
//! child, sending keys and ending it (here); reading and waiting for the screen (`screen.rs`);
//! the raw bytes (`bytes.rs`); the thread that reads the pty and answers the terminal's
//! queries (`reader.rs`); the bytes of special keys (`keys.rs`).

mod bytes;
pub mod keys;
mod reader;
mod screen;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

#[allow(unused_imports)] // what the tests use of these, by `pty::contains` and so on
pub use bytes::{contains, rfind};
pub use portable_pty::ExitStatus;
#[allow(unused_imports)]
pub use screen::screen_to_text;

use super::{BIN, TestHome};
use reader::{Seen, Shared, dup_cloexec, read_loop};

/// How often `wait_*` look at the screen.
const POLL: Duration = Duration::from_millis(20);

/// Ctrl + a letter: [`keys::ctrl`] (the harness's self-test checks the two agree).
pub fn key_ctrl(c: char) -> String {
    keys::ctrl(c)
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
        for (name, value) in home.child_env() {
            cmd.env(name, value);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
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
