-- PostgreSQL schema version 14 (SQLite's migration 14 changes nothing): two rows that every
-- decision wrote, each held from the write until the transaction's commit was on disk, so
-- that concurrent decisions (from any replica) waited for each other's commits one by one.

-- decided_days counts in slots: a decision adds its 1 (or an undone one its -1) to the row of
-- its connection's slot (the backend's pid modulo 16), so concurrent transactions write
-- different rows. A day's count is the sum of its slots, which is how stats.rs reads it.
ALTER TABLE decided_days ADD COLUMN slot BIGINT NOT NULL DEFAULT 0;
ALTER TABLE decided_days DROP CONSTRAINT decided_days_pkey;
ALTER TABLE decided_days ADD PRIMARY KEY (day, kind, status, slot);

-- PL/pgSQL, not SQL: PL/pgSQL keeps its statements' plans for the connection's life.
CREATE FUNCTION decided_days_add(d TEXT, k TEXT, s TEXT, delta BIGINT) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO decided_days (day, kind, status, slot, n)
        VALUES (d, k, s, pg_backend_pid() % 16, delta)
        ON CONFLICT (day, kind, status, slot) DO UPDATE SET n = decided_days.n + excluded.n;
END;
$$;

CREATE OR REPLACE FUNCTION decided_days_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM decided_days_add(substr(NEW.decided_at, 1, 10), NEW.kind, NEW.status, 1);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION decided_days_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'pending' THEN
        PERFORM decided_days_add(substr(OLD.decided_at, 1, 10), OLD.kind, OLD.status, -1);
    END IF;
    IF NEW.status <> 'pending' THEN
        PERFORM decided_days_add(substr(NEW.decided_at, 1, 10), NEW.kind, NEW.status, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION decided_days_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM decided_days_add(substr(OLD.decided_at, 1, 10), OLD.kind, OLD.status, -1);
    RETURN NULL;
END;
$$;

-- Events wake the other replicas by a NOTIFY the replica sends once they are committed, in a
-- transaction of its own and gathered under load (`replicas::Announcer`), no longer from a
-- trigger inside the write's transaction: PostgreSQL serializes the commits of transactions
-- that NOTIFY on a lock of the whole database, held while the commit is synced to disk.
DROP TRIGGER events_notify ON events;
DROP FUNCTION events_notify();

UPDATE schema_version SET version = 14;
