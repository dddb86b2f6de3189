-- A round is one player's part of a provider's round, as Games keeps rounds since PostgreSQL
-- migration 0054: a live table's round id is shared by every player seated at it, and grouped by
-- provider and round alone their stakes and wins were summed under one player (any(player_id)).
-- The view is computed when read, so replacing it rewrites nothing. ClickHouse 18.16 has no
-- CREATE OR REPLACE VIEW; both statements are idempotent, so a re-run after a crash between them
-- completes it.
-- Revert: DROP TABLE rounds; re-run the CREATE VIEW of 0004_game_facts_rounds_pivot.sql.
DROP TABLE IF EXISTS rounds;

CREATE VIEW IF NOT EXISTS rounds AS
SELECT provider, round, player_id, any(game) AS game, any(currency) AS currency,
       min(occurred_at) AS started_at, max(occurred_at) AS last_movement_at,
       sumIf(-(real_units + bonus_units), kind = 'bet') AS staked_units,
       sumIf(real_units + bonus_units, kind = 'win') AS won_units,
       sumIf(real_units + bonus_units, kind = 'rollback') AS rolled_back_units,
       countIf(kind = 'bet') AS bets, countIf(kind = 'win') AS wins, countIf(kind = 'rollback') AS rollbacks
  FROM money_movements FINAL
 WHERE round != ''
 GROUP BY provider, round, player_id;
