//! Schema migrations, applied in order at start; `PRAGMA user_version` records how far a
//! database has come, so an old file is brought up to date and a current one is left alone.

use super::db::Connection;
use super::{StoreError, StoreResult};

const MIGRATIONS: &[&str] = &[
    r#"
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
"#,
    // 2: indexes for histories at scale (a million decided approvals). Every list the console
    // asks for walks one of these in its sort order, reading no more than a page's worth of
    // entries per index range, and the filters it does not seek on are read from the index
    // itself (covering columns), so rows that do not match never cost a table lookup:
    // - approvals_queue: the pending approvals of a kind, oldest request first; only the
    //   pending ones (approvals_pending held every row, a million of them useless).
    // - approvals_history: all kinds, newest decision first; status, kind and partner are there
    //   to filter on.
    // - approvals_kind_history: one kind's history (the Partnership and Add-ons tabs; the three
    //   Requests kinds are merged from three ranges of it).
    // - approvals_partner_history: one partner's approvals, newest decision first (search
    //   resolves the partners whose name matches first, then merges their ranges). Not partial,
    //   so it also serves the foreign key, and replaces approvals_by_partner.
    // - approvals_title_history and approval_titles: search in the Requests kinds also matches
    //   the title; the distinct titles (few next to the rows) are matched first, then their
    //   ranges merged. A trigger keeps the distinct titles.
    r#"
DROP INDEX approvals_pending;
DROP INDEX approvals_decided;
DROP INDEX approvals_by_partner;
CREATE INDEX approvals_queue ON approvals (kind, requested_at, id)
    WHERE status = 'pending';
CREATE INDEX approvals_history ON approvals (decided_at, id, status, kind, partner_id)
    WHERE status <> 'pending';
CREATE INDEX approvals_kind_history ON approvals (kind, decided_at, id, status, partner_id)
    WHERE status <> 'pending';
CREATE INDEX approvals_partner_history ON approvals (partner_id, decided_at, id, status, kind);
CREATE INDEX approvals_title_history ON approvals (kind, title, decided_at, id, status)
    WHERE status <> 'pending' AND kind IN ('broadcast', 'advertising_package', 'ad');

CREATE TABLE approval_titles (
    kind  TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (kind, title)
) WITHOUT ROWID;
INSERT OR IGNORE INTO approval_titles (kind, title)
    SELECT kind, title FROM approvals WHERE kind IN ('broadcast', 'advertising_package', 'ad');
CREATE TRIGGER approval_titles_on_insert AFTER INSERT ON approvals
    WHEN NEW.kind IN ('broadcast', 'advertising_package', 'ad')
BEGIN
    INSERT OR IGNORE INTO approval_titles (kind, title) VALUES (NEW.kind, NEW.title);
END;
CREATE TRIGGER approval_titles_on_update AFTER UPDATE OF kind, title ON approvals
    WHEN NEW.kind IN ('broadcast', 'advertising_package', 'ad')
BEGIN
    INSERT OR IGNORE INTO approval_titles (kind, title) VALUES (NEW.kind, NEW.title);
END;
"#,
    // 3: decisions per day, for `GET /approvals/stats`: a count per (UTC day of decided_at,
    // kind, status), kept by triggers, so a window of whole days is a few rows per day read
    // instead of every decision in it. Also makes sure of migration 2's queue index (databases
    // made while migration 2 was being written may lack it).
    r#"
DROP INDEX IF EXISTS approvals_pending;
CREATE INDEX IF NOT EXISTS approvals_queue ON approvals (kind, requested_at, id)
    WHERE status = 'pending';

CREATE TABLE decided_days (
    day    TEXT NOT NULL,
    kind   TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (day, kind, status)
) WITHOUT ROWID;
INSERT INTO decided_days (day, kind, status, n)
    SELECT substr(decided_at, 1, 10), kind, status, count(*) FROM approvals
     WHERE status <> 'pending'
     GROUP BY 1, 2, 3;
CREATE TRIGGER decided_days_on_insert AFTER INSERT ON approvals
    WHEN NEW.status <> 'pending'
BEGIN
    INSERT INTO decided_days (day, kind, status, n)
        VALUES (substr(NEW.decided_at, 1, 10), NEW.kind, NEW.status, 1)
        ON CONFLICT (day, kind, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER decided_days_on_update AFTER UPDATE OF status, decided_at, kind ON approvals
BEGIN
    UPDATE decided_days SET n = n - 1
     WHERE OLD.status <> 'pending' AND day = substr(OLD.decided_at, 1, 10)
       AND kind = OLD.kind AND status = OLD.status;
    INSERT INTO decided_days (day, kind, status, n)
        SELECT substr(NEW.decided_at, 1, 10), NEW.kind, NEW.status, 1
         WHERE NEW.status <> 'pending'
        ON CONFLICT (day, kind, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER decided_days_on_delete AFTER DELETE ON approvals
    WHEN OLD.status <> 'pending'
BEGIN
    UPDATE decided_days SET n = n - 1
     WHERE day = substr(OLD.decided_at, 1, 10) AND kind = OLD.kind AND status = OLD.status;
END;
"#,
    // 4: a decision writes fewer pages. approvals_partner_history is only ever read for
    // decided approvals, so it now holds only those: a decision adds one entry to it instead
    // of moving one from the pending end of the partner's range to the newest (two random
    // pages). The foreign key gets an index on partner_id alone, which a decision never
    // changes. (WAL frames per decision at 1M rows, batches of 4: 11.3 → 10.4, with the
    // time-ordered ids of `new_id`.)
    r#"
DROP INDEX approvals_partner_history;
CREATE INDEX approvals_partner_history ON approvals (partner_id, decided_at, id, status, kind)
    WHERE status <> 'pending';
CREATE INDEX approvals_by_partner ON approvals (partner_id);
"#,
    // 5: approving changes the partner (`effects`): an approved add-on joins the partner's
    // add-ons (one per name: approved again, its price and approval are the newest), and the
    // decision's audit entry lists the fields it changed, before and after (JSON; NULL: none).
    // Decisions made before this migration changed no partner, and are not replayed.
    r#"
CREATE TABLE partner_addons (
    partner_id  TEXT NOT NULL REFERENCES partners (id),
    name        TEXT NOT NULL,
    amount      INTEGER,
    currency    TEXT,
    approval_id TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (partner_id, name)
) WITHOUT ROWID;
ALTER TABLE audit ADD COLUMN changes TEXT;
"#,
    // 6: `q` finds what a ticket carries (`query`, `search`).
    // - Partners: two folded search columns (see `search`), filled for the partners already
    //   there right after this SQL (`after`). The directory walks `partners_by_name` in name
    //   order and now checks `q` on the index's `q_partners`, never reading a row that does
    //   not match; a search of approvals resolves its partners from `partners_q_approvals`.
    // - Approvals: `q` matches the title and the item's name of every kind (it matched the
    //   titles of the Requests kinds). The distinct (kind, title, item) labels are few next to
    //   the rows: they are matched first, then one range of `approvals_label_history` read per
    //   matching label. It replaces `approvals_title_history` (Requests kinds, titles only) and
    //   `approval_titles`. NULL items are one label: the trigger looks before inserting, as a
    //   UNIQUE constraint would take NULLs as distinct.
    r#"
ALTER TABLE partners ADD COLUMN q_approvals TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN q_partners TEXT NOT NULL DEFAULT '';
DROP INDEX partners_by_name;
CREATE INDEX partners_by_name ON partners (name_lower, id, q_partners);
CREATE INDEX partners_q_approvals ON partners (q_approvals, id);

DROP TRIGGER approval_titles_on_insert;
DROP TRIGGER approval_titles_on_update;
DROP INDEX approvals_title_history;
DROP TABLE approval_titles;
CREATE TABLE approval_labels (
    kind  TEXT NOT NULL,
    title TEXT NOT NULL,
    item  TEXT
);
CREATE INDEX approval_labels_key ON approval_labels (kind, title, item);
INSERT INTO approval_labels (kind, title, item)
    SELECT DISTINCT kind, title, item_name FROM approvals;
CREATE INDEX approvals_label_history ON approvals (kind, title, item_name, decided_at, id, status)
    WHERE status <> 'pending';
CREATE TRIGGER approval_labels_on_insert AFTER INSERT ON approvals
    WHEN NOT EXISTS (SELECT 1 FROM approval_labels
                      WHERE kind = NEW.kind AND title = NEW.title AND item IS NEW.item_name)
BEGIN
    INSERT INTO approval_labels (kind, title, item) VALUES (NEW.kind, NEW.title, NEW.item_name);
END;
CREATE TRIGGER approval_labels_on_update AFTER UPDATE OF kind, title, item_name ON approvals
    WHEN NOT EXISTS (SELECT 1 FROM approval_labels
                      WHERE kind = NEW.kind AND title = NEW.title AND item IS NEW.item_name)
BEGIN
    INSERT INTO approval_labels (kind, title, item) VALUES (NEW.kind, NEW.title, NEW.item_name);
END;
"#,
    // Server secrets (the key that signs cursors), made on first use.
    r#"
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
"#,
    // 8: the partner record (RECORDS.md §2). Partners get a version (for If-Match), notes and a
    // structured address; the one-line `contact_address` is split into it right after this SQL
    // (`after`: the whole line goes into line1 when it cannot be split safely) and dropped.
    // Members (view-only) and voucher batches, at most one partner each. An audit entry names
    // the record it was about by kind and id (`subject_ref`, JSON).
    r#"
ALTER TABLE partners ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE partners ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN address_line1 TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN address_line2 TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN address_city TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN address_region TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN address_postal_code TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN address_country TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN subject_ref TEXT;

CREATE TABLE members (
    id         TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    login      TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    email      TEXT NOT NULL,
    active     INTEGER NOT NULL
);
CREATE INDEX members_by_partner ON members (partner_id, login, id);

CREATE TABLE voucher_batches (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    name_lower     TEXT NOT NULL,
    -- the name and the exams, lowercased, for `q`
    q              TEXT NOT NULL,
    -- a JSON array of strings
    exams          TEXT NOT NULL,
    expires_on     TEXT NOT NULL,
    last_exam_on   TEXT,
    value_amount   INTEGER,
    value_currency TEXT,
    value_percent  INTEGER,
    total          INTEGER NOT NULL,
    used           INTEGER NOT NULL,
    expired        INTEGER NOT NULL,
    partner_id     TEXT REFERENCES partners (id),
    version        INTEGER NOT NULL DEFAULT 1,
    CHECK ((value_percent IS NULL) <> (value_amount IS NULL))
);
CREATE INDEX voucher_batches_by_name ON voucher_batches (name_lower, id, q);
CREATE INDEX voucher_batches_by_partner ON voucher_batches (partner_id, name_lower, id, q);
"#,
    // 9: the hierarchy (RECORDS.md §1): distributor → partner → tenant, and the staff's scoped
    // assignments over its nodes. A node is deleted softly (`deleted_at`): it leaves every list
    // and lookup, while the approvals, impersonations and audit entries that name it keep
    // joining it. Each level is read a page at a time under its parent, by name, so each has
    // an index of (parent, name_lower, id) over the rows not deleted; the directory's own name
    // index becomes partial likewise. `suspended_reason` is why the node's own status is
    // `suspended`; a partner keeps the status it had before (`status_before_suspension`) so
    // that enabling gives it back (a pending partner stays pending). Partners already there
    // go under one distributor made for them, "Unassigned" (only when there are any).
    r#"
CREATE TABLE distributors (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    name_lower       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    suspended_reason TEXT,
    contact_name     TEXT NOT NULL DEFAULT '',
    contact_email    TEXT NOT NULL DEFAULT '',
    contact_phone    TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    deleted_at       TEXT
);
CREATE INDEX distributors_by_name ON distributors (name_lower, id) WHERE deleted_at IS NULL;

ALTER TABLE partners ADD COLUMN distributor_id TEXT REFERENCES distributors (id);
ALTER TABLE partners ADD COLUMN suspended_reason TEXT;
ALTER TABLE partners ADD COLUMN status_before_suspension TEXT;
ALTER TABLE partners ADD COLUMN deleted_at TEXT;
INSERT INTO distributors (id, name, name_lower, status, created_at)
    SELECT 'ds_unassigned', 'Unassigned', 'unassigned', 'active',
           (SELECT min(created_at) FROM partners)
     WHERE EXISTS (SELECT 1 FROM partners);
UPDATE partners SET distributor_id = 'ds_unassigned';
DROP INDEX partners_by_name;
CREATE INDEX partners_by_name ON partners (name_lower, id, q_partners) WHERE deleted_at IS NULL;
CREATE INDEX partners_by_distributor ON partners (distributor_id, name_lower, id, q_partners)
    WHERE deleted_at IS NULL;

CREATE TABLE tenants (
    id               TEXT PRIMARY KEY,
    partner_id       TEXT NOT NULL REFERENCES partners (id),
    name             TEXT NOT NULL,
    name_lower       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    suspended_reason TEXT,
    contact_name     TEXT NOT NULL DEFAULT '',
    contact_email    TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    deleted_at       TEXT
);
CREATE INDEX tenants_by_partner ON tenants (partner_id, name_lower, id) WHERE deleted_at IS NULL;
CREATE INDEX tenants_by_name ON tenants (name_lower, id) WHERE deleted_at IS NULL;

-- `scope_kind` is the level `role` is held over (kept beside it so that a scope reads on its
-- own); one row per user, role and node.
CREATE TABLE assignments (
    user_id    TEXT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id   TEXT NOT NULL,
    PRIMARY KEY (user_id, role, scope_id),
    CHECK (scope_kind = CASE role WHEN 'distributor_admin' THEN 'distributor'
                                  WHEN 'partner_admin' THEN 'partner'
                                  WHEN 'tenant_admin' THEN 'tenant' END)
) WITHOUT ROWID;
CREATE INDEX assignments_by_scope ON assignments (scope_id, role, user_id);
"#,
    // 10: tiers and campaigns (RECORDS.md §3). The organisation's settings are one row (tiers
    // start disabled, as in an organisation that has not enabled them). A period's state is
    // never stored: it is derived from its dates and the server's clock at each read. Dates
    // are fixed-width UTC text, so text order is time order; `expires_at` NULL runs for ever.
    // Tier assignments and campaign links are deleted softly (`deleted_at`), like the
    // hierarchy's nodes. Each is read by partner in date order, and by expiry for
    // `GET /expiring` (only the rows that have an expiry can be expiring).
    r#"
CREATE TABLE settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    tiers_enabled INTEGER NOT NULL DEFAULT 0 CHECK (tiers_enabled IN (0, 1)),
    version       INTEGER NOT NULL DEFAULT 1
);
INSERT INTO settings (id) VALUES (1);

CREATE TABLE tiers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    precedence INTEGER NOT NULL UNIQUE CHECK (precedence >= 1)
);

CREATE TABLE products (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    name_lower      TEXT NOT NULL,
    tier_precedence INTEGER CHECK (tier_precedence IS NULL OR tier_precedence >= 1)
);
CREATE INDEX products_by_name ON products (name_lower, id);

CREATE TABLE campaigns (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    starts_at  TEXT NOT NULL,
    expires_at TEXT,
    CHECK (expires_at IS NULL OR expires_at > starts_at)
);
CREATE INDEX campaigns_by_start ON campaigns (starts_at, id);

CREATE TABLE tier_assignments (
    id         TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    tier_id    TEXT NOT NULL REFERENCES tiers (id),
    starts_at  TEXT NOT NULL,
    expires_at TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    deleted_at TEXT,
    CHECK (expires_at IS NULL OR expires_at > starts_at)
);
CREATE INDEX tier_assignments_by_partner ON tier_assignments (partner_id, starts_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX tier_assignments_by_expiry ON tier_assignments (expires_at, id)
    WHERE deleted_at IS NULL AND expires_at IS NOT NULL;

CREATE TABLE campaign_links (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL REFERENCES partners (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    starts_at   TEXT NOT NULL,
    expires_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT,
    CHECK (expires_at IS NULL OR expires_at > starts_at)
);
CREATE INDEX campaign_links_by_partner ON campaign_links (partner_id, starts_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX campaign_links_by_expiry ON campaign_links (expires_at, id)
    WHERE deleted_at IS NULL AND expires_at IS NOT NULL;
"#,
    // 11: the catalogues are written by an administrator (RECORDS.md §3), against a version
    // (`If-Match`). Tiers and campaigns are deleted softly (`deleted_at`), as periods that
    // were deleted may still name them; a deleted tier gives up its precedence (moved past
    // every real one, `1000000000 + rowid`), so that another tier may take it. Products are
    // named by no row: they are deleted outright.
    r#"
ALTER TABLE tiers ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tiers ADD COLUMN deleted_at TEXT;
ALTER TABLE products ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE campaigns ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE campaigns ADD COLUMN deleted_at TEXT;
"#,
    // 12: lead-exchange settings (RECORDS.md §4). A partner has a row only once its settings
    // are first changed (or seeded); until then it reads defaults made from its profile
    // (version 1), so a million partners cost no rows. `settings` is the JSON of `LeadSettings`. A portal
    // invitation keeps only its token's hash; a newer one supersedes the open ones.
    r#"
CREATE TABLE lead_settings (
    partner_id TEXT PRIMARY KEY REFERENCES partners (id),
    settings   TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE portal_invites (
    id            TEXT PRIMARY KEY,
    partner_id    TEXT NOT NULL REFERENCES partners (id),
    token_hash    TEXT NOT NULL UNIQUE,
    sent_to       TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL CHECK (expires_at > created_at),
    superseded_at TEXT,
    used_at       TEXT
);
CREATE INDEX portal_invites_open ON portal_invites (partner_id)
    WHERE superseded_at IS NULL AND used_at IS NULL;
"#,
    // 13: partners submit requests (RECORDS.md §5). A partner's own requests, newest first
    // (`GET /partner/requests`): the partner's index gains the time and the id, so a page is
    // one range of it (it still serves the foreign key). The pending requests of a partner and
    // kind are counted at every submission (`--max-pending`): a partial index of the pending
    // rows alone, a handful per partner, so the count never walks a partner's history.
    r#"
DROP INDEX approvals_by_partner;
CREATE INDEX approvals_by_partner ON approvals (partner_id, requested_at, id);
CREATE INDEX approvals_partner_pending ON approvals (partner_id, kind) WHERE status = 'pending';
"#,
    // 14: PostgreSQL's decided_days counts in slots and its events wake the replicas after
    // commit (schema_pg_14.sql). SQLite's one writer has neither problem: nothing changes.
    r#"
-- 14: nothing on SQLite
"#,
];

/// The part of a migration SQL cannot do: values computed in Rust, in the migration's
/// transaction, right after its SQL.
fn after(version: i64, conn: &Connection) -> StoreResult<()> {
    match version {
        6 => super::search::backfill_partner_keys(conn),
        8 => super::profile::split_one_line_addresses(conn),
        _ => Ok(()),
    }
}

pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    migrate_to(conn, MIGRATIONS.len() as i64)
}

/// The schema version this build knows: SQLite's last migration, and PostgreSQL's
/// `schema_version`, which start equal (PostgreSQL begins at this version, whole).
pub const KNOWN_VERSION: i64 = MIGRATIONS.len() as i64;

/// A database a newer partner-console has migrated past what this one knows: refused, since
/// this build would write rows the newer one does not expect.
pub(super) fn newer(found: i64) -> StoreError {
    StoreError::Setup(format!(
        "the database's schema is version {found}, newer than this partner-console knows \
         ({KNOWN_VERSION}); run the newer partner-console, or upgrade this one"
    ))
}

/// Brings the database up to schema `target` (tests start from an older one).
fn migrate_to(conn: &mut Connection, target: i64) -> StoreResult<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", super::db::params![], |r| r.get(0))?;
    if current > KNOWN_VERSION {
        return Err(newer(current));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= current || version > target {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        after(version, &tx)?;
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))?;
        tx.commit()?;
        tracing::info!("database migrated to schema version {version}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use crate::server::store::{
        ApprovalFilter, PartnerFilter, get_partner, list_approvals, list_partners,
    };

    /// A database made before migration 6 gets its partners' search columns and its labels:
    /// what was there is found by the new `q`.
    #[test]
    fn migration_6_makes_what_was_there_searchable() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 5).unwrap();
        conn.execute_batch(
            "INSERT INTO partners (id, name, name_lower, status, invoice_id, contact_name,
                 contact_email, contact_phone, contact_website, contact_address,
                 contact_time_zone, created_at)
             VALUES ('p1', 'Pixel Forge', 'pixel forge', 'active', 'INV-2026-1091',
                 'Kira Nakamura', 'kira@pixelforge.example', '+1 415 555 0142', '', '', 'UTC',
                 '2026-01-01T00:00:00.000Z');
             INSERT INTO approvals (id, kind, status, version, title, partner_id, item_name,
                 item_amount, item_currency, description, requested_at, decided_at,
                 decided_by_id, decided_by_name, details)
             VALUES
              ('a1', 'partnership', 'approved', 2, 'Gold package', 'p1', 'Gold', 4900, 'USD', '',
               '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 'u', 'ana', '{}'),
              ('a2', 'ad', 'approved', 2, 'Winter sale', 'p1', NULL, NULL, NULL, '',
               '2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z', 'u', 'ana', '{}'),
              ('a3', 'ad', 'approved', 2, 'Winter sale', 'p1', NULL, NULL, NULL, '',
               '2026-01-01T00:00:00.000Z', '2026-01-04T00:00:00.000Z', 'u', 'ana', '{}');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();

        let labels: i64 = conn
            .query_row(
                "SELECT count(*) FROM approval_labels",
                crate::server::store::db::params![],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            labels, 2,
            "one label per (kind, title, item), a NULL item once"
        );
        let partners = |q: &str| {
            list_partners(
                &conn,
                &PartnerFilter {
                    q: Some(q.into()),
                    status: None,
                    sort: PartnerSort::Name,
                    distributor_id: None,
                    cursor: None,
                    limit: 50,
                },
            )
            .unwrap()
            .items
            .len()
        };
        for q in ["inv-2026-1091", "KIRA@", "nakamura", "(415) 555-0142"] {
            assert_eq!(partners(q), 1, "q={q}");
        }
        let approvals = |q: &str| -> Vec<String> {
            list_approvals(
                &conn,
                &ApprovalFilter {
                    kinds: vec![],
                    status: StatusFilter::Decided,
                    q: Some(q.into()),
                    from: None,
                    to: None,
                    cursor: None,
                    limit: 50,
                    partner_id: None,
                    sort: None,
                },
            )
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.id)
            .collect()
        };
        assert_eq!(approvals("INV-2026-1091"), ["a3", "a2", "a1"]);
        assert_eq!(approvals("gold"), ["a1"]);
        assert_eq!(approvals("winter"), ["a3", "a2"]);
    }

    /// Migration 8 splits the one-line addresses it can split safely and keeps every other
    /// one whole in line1: nothing is lost, and every partner starts at version 1.
    #[test]
    fn migration_8_structures_addresses_and_loses_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 6).unwrap();
        let lines = [
            ("p1", "350 5th Ave, New York, NY 10118, USA"),
            ("p2", "Unit 4, Harbour Road, Cork"),
            ("p3", ""),
        ];
        for (id, line) in lines {
            conn.execute(
                "INSERT INTO partners (id, name, name_lower, status, invoice_id, contact_name,
                     contact_email, contact_phone, contact_website, contact_address,
                     contact_time_zone, created_at)
                 VALUES (?1, ?1, ?1, 'active', 'INV', '', 'a@b.example', '', '', ?2, 'UTC',
                     '2026-01-01T00:00:00.000Z')",
                crate::server::store::db::params![id, line],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let p1 = get_partner(&conn, "p1").unwrap().unwrap();
        assert_eq!(
            p1.contact.address,
            Address {
                line1: "350 5th Ave".into(),
                line2: String::new(),
                city: "New York".into(),
                region: "NY".into(),
                postal_code: "10118".into(),
                country: "US".into(),
            }
        );
        assert_eq!(p1.summary.version, 1);
        let p2 = get_partner(&conn, "p2").unwrap().unwrap();
        assert_eq!(p2.contact.address.line1, "Unit 4, Harbour Road, Cork");
        assert_eq!(p2.contact.address.one_line(), "Unit 4, Harbour Road, Cork");
        assert!(
            get_partner(&conn, "p3")
                .unwrap()
                .unwrap()
                .contact
                .address
                .is_empty()
        );
        let old_column: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('partners') WHERE name = 'contact_address'",
                crate::server::store::db::params![],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old_column, 0, "the one-line column is gone");
    }

    /// Migration 9 puts the partners already there under one distributor, "Unassigned", that
    /// it makes for them; they keep everything else, and the tree finds them.
    #[test]
    fn migration_9_puts_the_partners_there_under_a_distributor() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 8).unwrap();
        for id in ["p1", "p2"] {
            conn.execute(
                "INSERT INTO partners (id, name, name_lower, status, invoice_id, contact_name,
                     contact_email, contact_phone, contact_website, contact_time_zone, created_at)
                 VALUES (?1, ?1, ?1, 'suspended', 'INV', '', 'a@b.example', '', '', 'UTC',
                     '2026-01-01T00:00:00.000Z')",
                [id],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let p1 = get_partner(&conn, "p1").unwrap().unwrap();
        assert_eq!(
            p1.summary.distributor,
            Some(PartnerRef {
                id: "ds_unassigned".into(),
                name: "Unassigned".into()
            })
        );
        assert_eq!(p1.summary.status, PartnerStatus::Suspended);
        assert_eq!(p1.summary.standing.effective_status, NodeStatus::Suspended);
        assert_eq!(
            p1.summary.standing.suspended_by, None,
            "its own status only"
        );
        let d = crate::server::store::get_distributor(&conn, "ds_unassigned")
            .unwrap()
            .unwrap();
        assert_eq!((d.partner_count, d.status), (2, NodeStatus::Active));
        let under = list_partners(
            &conn,
            &PartnerFilter {
                q: None,
                status: None,
                sort: PartnerSort::Name,
                distributor_id: Some("ds_unassigned".into()),
                cursor: None,
                limit: 50,
            },
        )
        .unwrap();
        assert_eq!(under.items.len(), 2);

        // An empty database gets no distributor it would not need.
        let mut empty = Connection::open_in_memory().unwrap();
        migrate(&mut empty).unwrap();
        let n: i64 = empty
            .query_row(
                "SELECT count(*) FROM distributors",
                crate::server::store::db::params![],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }

    /// Migration 10 brings an organisation's database its settings (tiers off, as in an
    /// organisation that has not enabled them) and empty catalogues; the partners there get
    /// periods that the tables' checks keep sane, and a deleted one's are not listed.
    #[test]
    fn migration_10_starts_with_tiers_off_and_keeps_periods_sane() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 9).unwrap();
        conn.execute_batch(
            "INSERT INTO distributors (id, name, name_lower, status, created_at)
                 VALUES ('d1', 'D', 'd', 'active', '2026-01-01T00:00:00.000Z');
             INSERT INTO partners (id, name, name_lower, status, invoice_id, contact_name,
                 contact_email, contact_phone, contact_website, contact_time_zone, created_at,
                 distributor_id)
             VALUES ('p1', 'Alpha', 'alpha', 'active', 'INV', '', 'a@b.example', '', '', 'UTC',
                 '2026-01-01T00:00:00.000Z', 'd1');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let settings = crate::server::store::settings(&conn).unwrap();
        assert_eq!(
            settings,
            Settings {
                tiers_enabled: false,
                version: 1
            }
        );
        conn.execute_batch(
            "INSERT INTO tiers (id, name, precedence) VALUES ('gold', 'Gold', 2);
             INSERT INTO tier_assignments (id, partner_id, tier_id, starts_at, expires_at,
                 created_at)
             VALUES ('ta1', 'p1', 'gold', '2026-12-01T00:00:00.000Z', NULL,
                 '2026-12-01T00:00:00.000Z');",
        )
        .unwrap();
        let refused = |sql: &str| conn.execute_batch(sql).is_err();
        assert!(refused(
            "INSERT INTO tiers (id, name, precedence) VALUES ('g2', 'G', 2)"
        ));
        assert!(refused(
            "INSERT INTO tiers (id, name, precedence) VALUES ('g0', 'G', 0)"
        ));
        assert!(refused(
            "INSERT INTO tier_assignments (id, partner_id, tier_id, starts_at, expires_at,
                 created_at)
             VALUES ('ta2', 'p1', 'gold', '2026-12-01T00:00:00.000Z',
                 '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')"
        ));
        assert!(refused("INSERT INTO settings (id) VALUES (2)"));
        let now = chrono::Utc::now();
        let listed = |conn: &Connection| {
            crate::server::store::list_periods(
                conn,
                PeriodKind::TierAssignment,
                "p1",
                None,
                50,
                now,
            )
            .unwrap()
            .items
            .len()
        };
        assert_eq!(listed(&conn), 1);
        conn.execute_batch("UPDATE partners SET deleted_at = '2026-12-02T00:00:00.000Z'")
            .unwrap();
        assert_eq!(
            listed(&conn),
            0,
            "a deleted partner's periods are not listed"
        );
    }

    /// Migration 11 gives the catalogues a version each (1 for what is there) and lets tiers
    /// and campaigns be deleted softly.
    #[test]
    fn migration_11_versions_the_catalogues() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 10).unwrap();
        conn.execute_batch(
            "INSERT INTO tiers (id, name, precedence) VALUES ('gold', 'Gold', 2);
             INSERT INTO products (id, name, name_lower, tier_precedence)
                 VALUES ('pr1', 'P', 'p', 2);
             INSERT INTO campaigns (id, name, starts_at, expires_at)
                 VALUES ('c1', 'C', '2026-01-01T00:00:00.000Z', NULL);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        for table in ["tiers", "products", "campaigns"] {
            let v: i64 = conn
                .query_row(
                    &format!("SELECT version FROM {table}"),
                    crate::server::store::db::params![],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(v, 1, "{table}");
        }
        let deleted: Option<String> = conn
            .query_row(
                "SELECT deleted_at FROM campaigns",
                crate::server::store::db::params![],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(deleted, None);
        assert_eq!(
            crate::server::store::list_tiers(&conn, None, 10)
                .unwrap()
                .items
                .len(),
            1
        );
    }

    /// Migration 12 adds the lead settings and portal invitations empty: the partners there
    /// keep reading their defaults (no row each), a row belongs to a partner, and an
    /// invitation's token hash is its own and it expires after it is made.
    #[test]
    fn migration_12_leaves_every_partner_on_its_defaults() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 11).unwrap();
        conn.execute_batch(
            "INSERT INTO partners (id, name, name_lower, status, invoice_id, contact_name,
                 contact_email, contact_phone, contact_website, contact_time_zone, created_at)
             VALUES ('p1', 'Alpha', 'alpha', 'active', 'INV', '', 'a@b.example', '', '', 'UTC',
                 '2026-01-01T00:00:00.000Z');
             INSERT INTO users (id, name, email, role, token_hash)
                 VALUES ('u1', 'carl', 'carl@hq.example', 'csr', 'h');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        // As every connection of the store has them (`configure`).
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        let rows: i64 = conn
            .query_row(
                "SELECT count(*) FROM lead_settings",
                crate::server::store::db::params![],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 0);
        let refused = |sql: &str| conn.execute_batch(sql).is_err();
        assert!(refused(
            "INSERT INTO lead_settings VALUES ('nobody', '{}', 1, '2026-01-01T00:00:00.000Z')"
        ));
        assert!(refused(
            "INSERT INTO lead_settings VALUES ('p1', '{}', 0, '2026-01-01T00:00:00.000Z')"
        ));
        assert!(!refused(
            "INSERT INTO lead_settings VALUES ('p1', '{}', 1, '2026-01-01T00:00:00.000Z')"
        ));
        let invite = |id: &str, hash: &str, expires: &str| {
            format!(
                "INSERT INTO portal_invites (id, partner_id, token_hash, sent_to, created_by,
                     created_at, expires_at)
                 VALUES ('{id}', 'p1', '{hash}', 'a@b.example', 'u1',
                     '2026-01-01T00:00:00.000Z', '{expires}')"
            )
        };
        assert!(!refused(&invite("i1", "h1", "2026-01-08T00:00:00.000Z")));
        assert!(refused(&invite("i2", "h1", "2026-01-08T00:00:00.000Z")));
        assert!(refused(&invite("i3", "h3", "2026-01-01T00:00:00.000Z")));
    }
}
