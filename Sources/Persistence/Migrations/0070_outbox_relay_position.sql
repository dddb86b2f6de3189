-- The relay's position (docs/events.md "The relay"). The relay used to mark each event published,
-- an update per event that could not be HOT (`published_at` is in `outbox_unpublished`'s
-- predicate): a new row version and index entries for every event. Now each event records the
-- transaction that wrote it, and the relay keeps one row: the snapshot up to which every event is
-- published. A batch is the events whose transaction is visible in a newer snapshot and was not
-- in the position's, in id order (PgQ's batches). One relay publishes at a time, holding the row.
--
-- Events already published keep `published_at` and no transaction: no batch reads them again.
-- Events not yet published get this migration's transaction, and the position starts as the
-- snapshot of now with this transaction among those in progress, so the first batch after it
-- commits publishes them. Every transaction in progress now is in that snapshot too, and the
-- events they write later are published when they commit.
--
-- `outbox_unpublished` stays for now: relays of the earlier version, still running during a
-- rolling upgrade, find their work through it (they publish the new events as well, and JetStream
-- drops the second copy by event id). Narrowing it to the rows without a transaction takes a later
-- migration, once no such relay runs.
-- Revert: DROP TABLE outbox_relay_position; DROP INDEX outbox_by_transaction;
--         ALTER TABLE outbox DROP COLUMN xid; (then run the earlier relay).
ALTER TABLE outbox ADD COLUMN xid xid8;
ALTER TABLE outbox ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
UPDATE outbox SET xid = pg_current_xact_id() WHERE published_at IS NULL;
CREATE INDEX outbox_by_transaction ON outbox (xid);

CREATE TABLE outbox_relay_position (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- Every event whose transaction is visible in this snapshot is published.
    published_through pg_snapshot NOT NULL,
    -- While a batch is published in parts: the snapshot it goes up to, and its last id published.
    publishing_to pg_snapshot,
    after_id bigint,
    CHECK ((publishing_to IS NULL) = (after_id IS NULL))
);

-- A snapshot lists neither its own transaction among those in progress nor, when a later one has
-- finished, below its xmax: it is added, so the events given it above are not taken as published.
INSERT INTO outbox_relay_position (published_through)
SELECT format(
           '%s:%s:%s', least(pg_snapshot_xmin(s), own),
           greatest(pg_snapshot_xmax(s), ((own::text)::numeric + 1)::text::xid8),
           (SELECT string_agg(x::text, ',' ORDER BY x) FROM (SELECT pg_snapshot_xip(s) AS x UNION SELECT own) AS xs))::pg_snapshot
  FROM (SELECT pg_current_snapshot() AS s, pg_current_xact_id() AS own) AS now;
