-- Games' dimensions, rounds, and money in the pivot currency (docs/events.md "ClickHouse").
-- `game_facts`: one row per `croupier.games.game_changed`; a game's name and category are those
-- of its event with the highest sequence, as for players.
-- `rounds`: a view over the money facts, one row per provider's round, computed when read: a
-- round is its bets, wins and rollbacks, which the ledger's events already name, so no event of
-- its own is written on the provider's hot path.
-- The pivot columns hold each movement converted to the pivot currency by the loader, at the rate
-- valid at its business time; `pivot_currency` is '' where no rate was valid.
-- Statements must be idempotent: ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS, so the
-- migrator takes an ADD COLUMN refused because the column exists as done (one column per ALTER).
-- Revert: DROP TABLE rounds; DROP TABLE game_facts; ALTER TABLE … DROP COLUMN for each pivot column.
CREATE TABLE IF NOT EXISTS game_facts (
    event_id UUID,
    occurred_at DateTime('UTC'),
    sequence UInt64,
    provider String,
    game String,
    name String,
    category String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (provider, game, event_id);

CREATE VIEW IF NOT EXISTS rounds AS
SELECT provider, round, any(game) AS game, any(player_id) AS player_id, any(currency) AS currency,
       min(occurred_at) AS started_at, max(occurred_at) AS last_movement_at,
       sumIf(-(real_units + bonus_units), kind = 'bet') AS staked_units,
       sumIf(real_units + bonus_units, kind = 'win') AS won_units,
       sumIf(real_units + bonus_units, kind = 'rollback') AS rolled_back_units,
       countIf(kind = 'bet') AS bets, countIf(kind = 'win') AS wins, countIf(kind = 'rollback') AS rollbacks
  FROM money_movements FINAL
 WHERE round != ''
 GROUP BY provider, round;

ALTER TABLE money_movements ADD COLUMN pivot_currency String DEFAULT '';
ALTER TABLE money_movements ADD COLUMN pivot_real_units Int64 DEFAULT 0;
ALTER TABLE money_movements ADD COLUMN pivot_bonus_units Int64 DEFAULT 0;
ALTER TABLE money_movements ADD COLUMN pivot_locked_units Int64 DEFAULT 0;
ALTER TABLE money_movements ADD COLUMN pivot_debt_units Int64 DEFAULT 0;
ALTER TABLE payment_facts ADD COLUMN pivot_currency String DEFAULT '';
ALTER TABLE payment_facts ADD COLUMN pivot_units Int64 DEFAULT 0;
