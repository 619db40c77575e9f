//! TLS to PostgreSQL as libpq's `sslmode` means it (`store::db::tls`): a cluster of the test's
//! own with TLS switched on and a certificate from a CA the test makes; `serve` connects with
//! `verify-full` when given that CA, refuses to start in one line when its roots do not
//! vouch for the server, and encrypts without checking with `require`. Real PostgreSQL
//! (`scripts/pg-test-cluster`), never skipped.
#![cfg(feature = "server")]

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use support::{ServerProc, TempDir};

/// A throwaway cluster, stopped when dropped.
struct Cluster {
    dir: PathBuf,
    url: String,
}

impl Cluster {
    fn start(dir: PathBuf) -> Cluster {
        let out = std::process::Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-test-cluster"))
            .arg("start")
            .arg(&dir)
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("scripts/pg-test-cluster runs");
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            out.status.success() && url.starts_with("postgres://"),
            "{url}"
        );
        Cluster { dir, url }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-test-cluster"))
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

/// A CA (its PEM written to `ca_file`) and a certificate it signed for 127.0.0.1, put where
/// the cluster's server reads them, owned by the user it runs as.
fn certify(data: &Path, ca_file: &Path) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    std::fs::write(ca_file, ca.self_signed(&ca_key).unwrap().pem()).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let owner = std::fs::metadata(data).expect("the cluster's data");
    for (name, pem) in [
        ("server.crt", cert.pem()),
        ("server.key", key.serialize_pem()),
    ] {
        let path = data.join(name);
        std::fs::write(&path, pem).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
    }
}

/// `serve --db URL` that must fail: its stderr.
fn refused(url: &str) -> String {
    let home = support::TestHome::new();
    let out = home
        .command(&["serve", "--listen", "127.0.0.1:0", "--db", url])
        .output()
        .expect("serve runs");
    assert!(!out.status.success(), "{url} must be refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn serve_speaks_tls_to_postgresql_as_sslmode_says() {
    let dir = TempDir::new("pg-tls");
    let cluster = Cluster::start(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pg-tls-cluster"));
    let ca_file = dir.path().join("ca.pem");
    certify(&cluster.dir.join("data"), &ca_file);
    let admin = support::postgres::SideDb::new_at(&cluster.url);
    admin.execute("ALTER SYSTEM SET ssl = on");
    admin.execute("SELECT pg_reload_conf()");
    std::thread::sleep(std::time::Duration::from_millis(500));

    let db = cluster.url.replace("/postgres", "/pc_tls");
    if admin.number("SELECT count(*) FROM pg_database WHERE datname = 'pc_tls'") == 0 {
        admin.execute("CREATE DATABASE pc_tls");
    }
    let encrypted = || {
        admin.number(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
              WHERE ssl AND application_name = 'partner-console'",
        )
    };

    // verify-full, the CA given: connected, every connection encrypted.
    let root = ca_file.display().to_string().replace('/', "%2F");
    let verified = ServerProc::start_at(
        &format!("{db}?sslmode=verify-full&sslrootcert={root}"),
        &["--seed", "demo"],
    );
    assert!(encrypted() > 0, "the replica's connections use TLS");
    let plain = admin.number(
        "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
          WHERE NOT ssl AND application_name = 'partner-console'",
    );
    assert_eq!(plain, 0, "none in the clear");
    drop(verified);

    // Roots that do not vouch for this server (another CA): refused, in one line.
    let other_ca = dir.path().join("other-ca.pem");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    certify(&elsewhere, &other_ca);
    let stderr = refused(&format!(
        "{db}?sslmode=verify-full&sslrootcert={}",
        other_ca.display()
    ));
    assert!(stderr.contains("cannot connect to PostgreSQL"), "{stderr}");
    assert!(stderr.contains("certificate"), "says why: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");

    // require: encrypted, the certificate taken as it is (libpq's meaning).
    let required = ServerProc::start_at(&format!("{db}?sslmode=require"), &["--seed", "none"]);
    assert!(encrypted() > 0);
    drop(required);
}
