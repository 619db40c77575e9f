//! QUALITY.md 12: a decision answered with 200 survives a `kill -9` of the server that sent it.
//! The real `partner-console serve` runs as a child process on a temporary database; right
//! after each 200 it is killed with SIGKILL, a new server is started on the same file, and the
//! decision, its audit row and (for a rejection) its outbox email must all be there.
#![cfg(all(unix, feature = "server"))]

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use partner_console::client::{Api, DecisionKey, HttpApi, HttpApiOptions, RetryPolicy};
use partner_console::domain::*;
use partner_console::secret::Secret;

const BIN: &str = env!("CARGO_BIN_EXE_partner-console");

struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("pc-durability-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `partner-console serve` on 127.0.0.1:0 with the database `db`.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path, db: &Path, seed: &str, run: usize) -> Server {
        let stderr = File::create(dir.join(format!("server-{run}.stderr"))).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--seed", seed, "--db"])
            .arg(db)
            .env_clear()
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_STATE_HOME", dir.join("state"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        let mut child = cmd.spawn().expect("spawn partner-console serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            let _ = tx.send(lines.read_line(&mut first).map(|_| first));
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server prints its address")
            .expect("read the server's stdout");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, url }
    }

    fn kill9(&mut self) {
        // SAFETY: kill(2) on our own child, not reaped yet.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGKILL) };
        assert_eq!(rc, 0, "kill -9: {}", std::io::Error::last_os_error());
        let status = self.child.wait().unwrap();
        assert!(!status.success(), "killed, not exited: {status:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(url: &str, token: &str) -> HttpApi {
    HttpApi::new(HttpApiOptions {
        base_url: url.to_string(),
        token: Some(Secret::new(token)),
        retry: RetryPolicy::none(),
        ..HttpApiOptions::default()
    })
    .unwrap()
}

async fn all_audit(api: &HttpApi) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = api.audit(cursor.as_deref(), Some(500)).await.unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

async fn all_outbox(api: &HttpApi) -> Vec<OutboxEmail> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = api.outbox(cursor.as_deref(), Some(500)).await.unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_survive_kill_9_right_after_the_200() {
    let dir = Dir::new();
    let db = dir.0.join("pc.db");
    let mut server = Server::start(&dir.0, &db, "demo", 0);

    // The items to decide, picked once (the pending queues of the demo data).
    let admin = client(&server.url, "demo-admin");
    let pending = admin
        .approvals(&ApprovalQuery {
            status: Some(StatusFilter::Pending),
            limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert!(pending.len() >= 6, "demo data has pending items");

    let mut decided: Vec<(Approval, bool, String)> = Vec::new();
    for (round, item) in pending.iter().take(6).enumerate() {
        let reject = round % 2 == 1;
        let reason = format!("Durability check {round} for {}", item.id);
        let csr = client(&server.url, "demo-csr");
        let key = DecisionKey::new(item.version);
        let answer = if reject {
            csr.reject(&item.id, &key, &reason).await
        } else {
            csr.approve(&item.id, &key, &ApproveBody::default()).await
        };
        // The 200 is in hand: kill the server before it can do anything else.
        let answered = answer.unwrap_or_else(|e| panic!("decision {round}: {e:?}"));
        server.kill9();
        assert_eq!(answered.version, item.version + 1);
        decided.push((item.clone(), reject, reason));

        server = Server::start(&dir.0, &db, "none", round + 1);
        let admin = client(&server.url, "demo-admin");
        let audit = all_audit(&admin).await;
        let outbox = all_outbox(&admin).await;
        for (item, reject, reason) in &decided {
            let now = admin.approval(&item.id).await.unwrap();
            let (status, action) = if *reject {
                (Status::Rejected, "approval.rejected")
            } else {
                (Status::Approved, "approval.approved")
            };
            assert_eq!(now.status, status, "{} after kill -9 #{round}", item.id);
            assert_eq!(now.version, item.version + 1, "{}", item.id);
            assert_eq!(now.decided_by.as_ref().unwrap().name, "demo-csr");
            let rows: Vec<&AuditEntry> = audit
                .iter()
                .filter(|a| a.target == item.id && a.action.starts_with("approval."))
                .collect();
            assert_eq!(rows.len(), 1, "one audit row for {}: {rows:?}", item.id);
            assert_eq!(rows[0].action, action);
            assert_eq!(rows[0].actor, "demo-csr");
            let mails = outbox.iter().filter(|m| m.body.contains(reason)).count();
            if *reject {
                assert_eq!(now.reason.as_deref(), Some(reason.as_str()));
                assert_eq!(mails, 1, "the rejection email of {} survived", item.id);
            } else {
                assert_eq!(mails, 0);
            }
        }
        assert_eq!(
            outbox.len(),
            decided.iter().filter(|d| d.1).count(),
            "no email but the rejections' (demo data starts with an empty outbox)"
        );
    }
}
