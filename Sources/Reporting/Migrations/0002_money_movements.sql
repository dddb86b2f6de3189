-- Money facts (docs/events.md "ClickHouse"): one row per ledger event, loaded from JetStream by
-- the event loader. A redelivered event is the same row again; ReplacingMergeTree keeps one per
-- key on its merges, and queries read with FINAL, so every event counts once. The key holds only
-- what an event determines (kind, currency, id), so a copy always meets its original.
-- Partitions are months of the business time (the outbox row's, not the loader's).
-- Statements must be idempotent (IF NOT EXISTS): see 0001.
-- Revert: DROP TABLE money_movements;
CREATE TABLE IF NOT EXISTS money_movements (
    event_id UUID,
    occurred_at DateTime('UTC'),
    transaction_id Int64,
    kind String,
    player_id Int64,
    currency String,
    real_units Int64,
    bonus_units Int64,
    locked_units Int64,
    debt_units Int64,
    reference_id Int64,
    provider String,
    game String,
    round String,
    gateway String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (kind, currency, event_id);
