-- A round is kept per player: keyed by provider, round id and player (docs/providers/hub88.md,
-- "Rounds"). A live table game (blackjack, roulette with a dealer) has one round id for every
-- player seated at it; keyed by provider and round alone, the second player's stakes and wins
-- were added to the first player's row, and the back office showed them as the first player's.
--
-- It also keeps group commit's lock order (docs/ledger.md, "Group commit"): the round is written
-- by a follow-up, after the player's ledger row, so a round row shared by two players could join
-- a batch (player 1's row, the round, then player 2's row) and a single call of player 2 (player
-- 2's row, then the round) in a cycle. A row of one player's round is written only under that
-- player's lock.
--
-- Rows written before this migration are unique per provider and round, hence per provider,
-- round and player: the new key needs no data change. Building it locks the table briefly.
-- Revert: ALTER TABLE games_rounds DROP CONSTRAINT games_rounds_pkey, ADD PRIMARY KEY (provider, round)
--         (after merging any round that now has several players' rows); re-run games_round_add of
--         0007_games.sql and games_record_round_v1 of 0014_games_ledger_hooks.sql.

ALTER TABLE games_rounds DROP CONSTRAINT games_rounds_pkey, ADD PRIMARY KEY (provider, round, player_id);

CREATE OR REPLACE FUNCTION games_record_round_v1(p_player bigint, p_call jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO games_rounds (provider, round, player_id, game_code, currency, bet_units, win_units, transactions, opened_at, updated_at,
                              closed_at)
    VALUES (p_call->>'provider', left(p_call->>'round', 200), p_player, p_call->>'game', p_call->>'currency', (p_call->>'bet')::bigint,
            (p_call->>'win')::bigint, 1, now(), now(), CASE WHEN (p_call->>'closed')::boolean THEN now() END)
    ON CONFLICT (provider, round, player_id) DO UPDATE SET bet_units = games_rounds.bet_units + EXCLUDED.bet_units,
        win_units = games_rounds.win_units + EXCLUDED.win_units, transactions = games_rounds.transactions + 1,
        updated_at = EXCLUDED.updated_at, closed_at = coalesce(games_rounds.closed_at, EXCLUDED.closed_at);
END
$$;

-- The calls outside the ledger (a zero-amount call, `GameRounds.record`) add to a round through
-- the follow-up, so the round's upsert is written once.
CREATE OR REPLACE FUNCTION games_round_add(p_provider text, p_round text, p_player bigint, p_game text, p_currency text, p_bet bigint,
                                           p_win bigint, p_closed boolean)
RETURNS void LANGUAGE sql AS $$
    SELECT games_record_round_v1(p_player, jsonb_build_object('provider', p_provider, 'round', p_round, 'game', p_game,
                                                              'currency', p_currency, 'bet', p_bet, 'win', p_win, 'closed', p_closed))
$$;
