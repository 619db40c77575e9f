//! Schema migrations, applied in order at start; `PRAGMA user_version` records how far a
//! database has come, so an old file is brought up to date and a current one is left alone.

use rusqlite::Connection;

use super::StoreResult;

const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('viewer', 'csr', 'admin')),
    token_hash  TEXT NOT NULL UNIQUE
);

CREATE TABLE partners (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    name_lower       TEXT NOT NULL,
    status           TEXT NOT NULL,
    invoice_id       TEXT NOT NULL,
    package_name     TEXT,
    package_amount   INTEGER,
    package_currency TEXT,
    contact_name     TEXT NOT NULL,
    contact_email    TEXT NOT NULL,
    contact_phone    TEXT NOT NULL,
    contact_website  TEXT NOT NULL,
    contact_address  TEXT NOT NULL,
    contact_time_zone TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX partners_by_name ON partners (name_lower, id);

CREATE TABLE channels (
    id         TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    followers  INTEGER NOT NULL
);
CREATE INDEX channels_by_partner ON channels (partner_id, position, id);

CREATE TABLE engagements (
    id              TEXT PRIMARY KEY,
    partner_id      TEXT NOT NULL REFERENCES partners (id),
    title           TEXT NOT NULL,
    engagement_type TEXT NOT NULL,
    status          TEXT NOT NULL,
    starts_at       TEXT NOT NULL
);
CREATE INDEX engagements_by_partner ON engagements (partner_id, starts_at, id);

CREATE TABLE approvals (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    version       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    partner_id    TEXT NOT NULL REFERENCES partners (id),
    item_name     TEXT,
    item_amount   INTEGER,
    item_currency TEXT,
    description   TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    decided_at    TEXT,
    decided_by_id TEXT,
    decided_by_name TEXT,
    reason        TEXT,
    details       TEXT NOT NULL
);
CREATE INDEX approvals_pending ON approvals (status, kind, requested_at, id);
CREATE INDEX approvals_decided ON approvals (decided_at, id) WHERE status <> 'pending';
CREATE INDEX approvals_by_partner ON approvals (partner_id);

CREATE TABLE idempotency (
    user_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    etag        TEXT,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE audit (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    id      TEXT NOT NULL UNIQUE,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    subject TEXT,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL
);

CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    approval_id TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE events (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    at   TEXT NOT NULL
);

CREATE TABLE impersonations (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    csr_id     TEXT NOT NULL REFERENCES users (id),
    partner_id TEXT NOT NULL REFERENCES partners (id),
    reason     TEXT NOT NULL,
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at   TEXT
);
"#];

pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!("database migrated to schema version {version}");
    }
    Ok(())
}
