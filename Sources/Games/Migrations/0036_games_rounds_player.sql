-- A player's latest rounds, for the back office's player page (`GameRounds.rounds(of:)`).
-- Revert: DROP INDEX games_rounds_player;

CREATE INDEX games_rounds_player ON games_rounds (player_id, opened_at);
