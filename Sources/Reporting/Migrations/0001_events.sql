-- The analytics copy of every domain event, loaded from NATS; de-duplicated by event id.
-- Statements must be idempotent (IF NOT EXISTS): ClickHouse has no transactions, so a
-- migration interrupted half-way is re-run from its start.
-- Revert: DROP TABLE events;
CREATE TABLE IF NOT EXISTS events (
    event_id UUID,
    subject String,
    occurred_at DateTime('UTC'),
    payload String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (subject, event_id);
