//! The built binary's `partner-console serve` as a process of its own, as the console in a pty
//! or a kill -9 test needs it (for the server inside the test's process, see [`super::server`]).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use super::TestHome;

/// `partner-console serve` on 127.0.0.1:0 with a temporary database, as a normal child process
/// in a [`TestHome`] of its own; killed on drop.
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
        ServerProc::start_in(home, db, extra)
    }

    /// Like [`ServerProc::start_with`] on the database `db`, which the test keeps: it outlives
    /// this server, so another can be started on it.
    pub fn start_on(db: &Path, extra: &[&str]) -> ServerProc {
        ServerProc::start_in(TestHome::new(), db.to_path_buf(), extra)
    }

    /// Like [`ServerProc::start_with`] on the database `--db` names as it is (a PostgreSQL URL
    /// that replicas share: [`super::postgres::schema_url`]).
    pub fn start_at(db_arg: &str, extra: &[&str]) -> ServerProc {
        let home = TestHome::new();
        let db = home.path().join("unused.db");
        ServerProc::start_as(home, db, db_arg.to_string(), extra)
    }

    fn start_in(home: TestHome, db: PathBuf, extra: &[&str]) -> ServerProc {
        // On PostgreSQL (`PC_TEST_DB=postgres`), the file's own schema.
        #[cfg(feature = "server")]
        let db_arg = super::postgres::db_arg(&db);
        #[cfg(not(feature = "server"))]
        let db_arg = db.display().to_string();
        ServerProc::start_as(home, db, db_arg, extra)
    }

    fn start_as(home: TestHome, db: PathBuf, db_arg: String, extra: &[&str]) -> ServerProc {
        let stderr = File::create(home.path().join("server.stderr")).expect("server stderr file");
        let mut cmd = home.command(&["serve", "--listen", "127.0.0.1:0"]);
        cmd.arg("--db")
            .arg(&db_arg)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr);
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

    /// The temporary directory of the server (its database unless started on another, its
    /// stderr).
    pub fn dir(&self) -> &Path {
        self.home.path()
    }

    /// What the server wrote to stderr (its log).
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(self.home.path().join("server.stderr")).unwrap_or_default()
    }

    /// Kills the server at once (SIGKILL on Unix: no chance to clean up) and reaps it.
    pub fn kill(&mut self) -> ExitStatus {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("reap the server")
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
