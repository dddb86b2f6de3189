-- Players' dimensions and payments' facts (docs/events.md "ClickHouse"), loaded from Identity's,
-- Compliance's and Payments' events. A player's dimension is the value of its attribute's event
-- with the highest sequence (the outbox id), so events that arrive out of order still leave the
-- latest value; a redelivered event is the same row again and ReplacingMergeTree keeps one.
-- Attributes: `registered` (the language), `country`, `kyc_level`, `segments` (sorted, comma-joined).
-- Statements must be idempotent (IF NOT EXISTS): see 0001.
-- Revert: DROP TABLE player_facts; DROP TABLE payment_facts;
CREATE TABLE IF NOT EXISTS player_facts (
    event_id UUID,
    occurred_at DateTime('UTC'),
    sequence UInt64,
    player_id Int64,
    attribute String,
    value String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (player_id, attribute, event_id);

-- One row per payments event: `event` is its subject's last part (`deposit_completed`,
-- `deposit_failed`, `chargeback`, `withdrawal_<state>`); `payment_id` the deposit's or the
-- withdrawal's public id; `units` what the event moved in the currency's ledger units.
CREATE TABLE IF NOT EXISTS payment_facts (
    event_id UUID,
    occurred_at DateTime('UTC'),
    sequence UInt64,
    event String,
    payment_id String,
    player_id Int64,
    gateway String,
    currency String,
    units Int64,
    fee_units Int64,
    first_deposit UInt8
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (event, currency, event_id);
