-- A batch's rounds in one statement (docs/ledger.md, "Group commit"): the set variant of the
-- follow-up `games_record_round_v1`, which `ledger_apply_batch_v2` calls once per batch with the
-- players and arguments of every operation it applied, in their order, instead of calling the
-- follow-up once per operation through `EXECUTE` (docs/benchmarks.md, 2026-12-06, night).
--
-- The same rows as `games_record_round_v1` called for each element in order: the calls of one
-- round (provider, round id as stored, player) are added up first, because one `INSERT … ON
-- CONFLICT` may not touch a row twice. A round created by the batch takes its game and currency
-- from its first call, as the first call's insert did; it is closed if any of its calls closes it
-- (`closed_at` is kept once set, and `now()` is the transaction's). Rounds are written in the
-- order of their first call, which is player by player.
-- Revert: DROP FUNCTION games_record_round_v1_batch(bigint[], jsonb[]).

CREATE FUNCTION games_record_round_v1_batch(p_players bigint[], p_calls jsonb[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO games_rounds (provider, round, player_id, game_code, currency, bet_units, win_units, transactions, opened_at, updated_at,
                              closed_at)
    SELECT c.provider, c.round, c.player, (array_agg(c.game ORDER BY c.at))[1], (array_agg(c.currency ORDER BY c.at))[1], sum(c.bet),
           sum(c.win), count(*), now(), now(), CASE WHEN bool_or(c.closed) THEN now() END
      FROM (SELECT u.call->>'provider' AS provider, left(u.call->>'round', 200) AS round, u.player, u.call->>'game' AS game,
                   u.call->>'currency' AS currency, (u.call->>'bet')::bigint AS bet, (u.call->>'win')::bigint AS win,
                   (u.call->>'closed')::boolean AS closed, u.at
              FROM unnest(p_players, p_calls) WITH ORDINALITY AS u(player, call, at)) c
     GROUP BY c.provider, c.round, c.player
     ORDER BY min(c.at)
    ON CONFLICT (provider, round, player_id) DO UPDATE SET bet_units = games_rounds.bet_units + EXCLUDED.bet_units,
        win_units = games_rounds.win_units + EXCLUDED.win_units, transactions = games_rounds.transactions + EXCLUDED.transactions,
        updated_at = EXCLUDED.updated_at, closed_at = coalesce(games_rounds.closed_at, EXCLUDED.closed_at)
$$;
