-- The relay's position (docs/events.md "The relay"). The relay used to mark each event published,
-- an update per event that could not be HOT (`published_at` is in `outbox_unpublished`'s
-- predicate): a new row version and index entries for every event. Now each event records the
-- transaction that wrote it, and the relay keeps one row: the snapshot up to which every event is
-- published. A batch is the events whose transaction is visible in a newer snapshot and was not
-- in the position's, in id order (PgQ's batches). One relay publishes at a time, holding an
-- advisory lock.
--
-- Events already published keep `published_at` and no transaction: no batch reads them again.
-- Events not yet published get this migration's transaction, and the position starts as the
-- snapshot of now, with this transaction counted as in progress, so the batches after it commits
-- publish them. Every transaction in progress now is in progress in that snapshot too, and the
-- events they write later (an outbox insert queued behind this migration's lock included) are
-- published when they commit.
--
-- `outbox_unpublished` stays for now: relays of the earlier version, still running during a
-- rolling upgrade, find their work through it (they publish the new events as well; JetStream
-- drops a second copy within its duplicate window, and consumers count each event once by its
-- id). Narrowing it to the rows without a transaction takes a later migration, once no such
-- relay runs. The index on `xid` holds only the rows given a transaction, but its build reads the
-- whole outbox under this migration's lock: on a large outbox, add the column and build the index
-- concurrently first (docs/operations.md "Upgrades and migrations"), and this migration finds both.
-- Revert: stop the relays, then mark what the position has published (a batch in parts
--         included), or the earlier relay publishes it all again:
--         UPDATE outbox o SET published_at = now() FROM outbox_relay_position p
--          WHERE o.published_at IS NULL AND (pg_visible_in_snapshot(o.xid, p.published_through)
--            OR (pg_visible_in_snapshot(o.xid, p.publishing_to) AND o.id <= p.after_id));
--         then DROP TABLE outbox_relay_position; DROP INDEX outbox_by_transaction;
--         ALTER TABLE outbox DROP COLUMN xid; and run the earlier relay.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS xid xid8;
ALTER TABLE outbox ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
UPDATE outbox SET xid = pg_current_xact_id() WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_by_transaction ON outbox (xid) WHERE xid IS NOT NULL;
-- A concurrent build that failed leaves an invalid index, which IF NOT EXISTS would accept and
-- every relay round would then scan the outbox without.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = 'outbox_by_transaction'::regclass AND NOT indisvalid) THEN
        RAISE EXCEPTION 'outbox_by_transaction is invalid (a concurrent build failed): DROP INDEX it and build it again';
    END IF;
END $$;

CREATE TABLE outbox_relay_position (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- Every event whose transaction is visible in this snapshot is published.
    published_through pg_snapshot NOT NULL,
    -- While a batch is published in parts: the snapshot it goes up to, and its last id published.
    publishing_to pg_snapshot,
    after_id bigint,
    CHECK ((publishing_to IS NULL) = (after_id IS NULL))
);

-- A snapshot does not list its own transaction as in progress. When a later transaction has
-- finished, this one is below the snapshot's xmax and would count as finished: it is added to the
-- list. Otherwise it is at or above xmax, which already counts as in progress, and the snapshot
-- stays as it is: raising its xmax would count as finished every transaction between the two
-- that is still in progress, and skip their events.
INSERT INTO outbox_relay_position (published_through)
SELECT CASE
         WHEN own < pg_snapshot_xmax(s) THEN
           format('%s:%s:%s', least(pg_snapshot_xmin(s), own), pg_snapshot_xmax(s),
                  (SELECT string_agg(x::text, ',' ORDER BY x) FROM (SELECT pg_snapshot_xip(s) AS x UNION SELECT own) AS xs))::pg_snapshot
         ELSE s
       END
  FROM (SELECT pg_current_snapshot() AS s, pg_current_xact_id() AS own) AS now;
-- Planned on every round: with no statistics the planner takes this one-row table for a
-- thousand rows, and the batch's cost for one worth compiling.
ANALYZE outbox_relay_position;
