-- A batch's days of play in one statement (docs/ledger.md, "Group commit"): the set variant of the
-- follow-up `compliance_count_play_v1`, which `ledger_apply_batch_v2` calls once per batch with
-- the players and arguments of every operation it applied, in their order, instead of calling
-- the follow-up once per operation through `EXECUTE` (docs/benchmarks.md, 2026-12-06, night).
--
-- The same rows as `compliance_count_play_v1` called for each element in order: the calls of one
-- day (player, currency, day) are added up first, because one `INSERT … ON CONFLICT` may not
-- touch a row twice. Days are written in the order of their first call, which is player by
-- player.
-- Revert: DROP FUNCTION compliance_count_play_v1_batch(bigint[], jsonb[]).

CREATE FUNCTION compliance_count_play_v1_batch(p_players bigint[], p_calls jsonb[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO compliance_play_days (player_id, currency, day, stake_units, win_units)
    SELECT c.player, c.currency, c.day, sum(c.bet), sum(c.win)
      FROM (SELECT u.player, u.call->>'currency' AS currency,
                   coalesce((u.call->>'day')::date, (now() AT TIME ZONE 'UTC')::date) AS day, (u.call->>'bet')::bigint AS bet,
                   (u.call->>'win')::bigint AS win, u.at
              FROM unnest(p_players, p_calls) WITH ORDINALITY AS u(player, call, at)) c
     GROUP BY c.player, c.currency, c.day
     ORDER BY min(c.at)
    ON CONFLICT (player_id, currency, day) DO UPDATE
       SET stake_units = compliance_play_days.stake_units + EXCLUDED.stake_units,
           win_units = compliance_play_days.win_units + EXCLUDED.win_units
$$;
