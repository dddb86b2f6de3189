-- One row per running copy of `croupier serve` or `croupier worker`, rewritten every few
-- seconds (ProcessHeartbeat): what /admin/health lists as the running copies, with each copy's
-- build, schema and background jobs. Shared like the outbox: every copy writes its own row.
-- A row silent for a day is deleted by the next beat of any copy.
-- Revert: DROP TABLE process_heartbeats;
CREATE TABLE process_heartbeats (
    copy_id uuid PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('serve', 'worker')),
    host text NOT NULL CHECK (length(host) <= 255),
    pid integer NOT NULL,
    version text NOT NULL CHECK (length(version) <= 100),
    -- The latest migration this build knows; the database's own is in schema_migrations.
    schema_version integer NOT NULL,
    started_at timestamptz NOT NULL,
    beat_at timestamptz NOT NULL,
    -- The copy's background jobs: [{"name", "runs", "lastRunAt", "lastError", "lastErrorAt"}].
    jobs jsonb NOT NULL DEFAULT '[]'
);
