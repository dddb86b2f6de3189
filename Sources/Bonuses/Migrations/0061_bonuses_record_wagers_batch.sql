-- A batch's wagering in one statement (docs/ledger.md, "Group commit"): the set variant of the
-- follow-up `bonuses_record_wager_v1`, which `ledger_apply_batch_v2` calls once per batch with
-- the players and arguments of every operation it applied, in their order, instead of calling
-- the follow-up once per operation through `EXECUTE` (docs/benchmarks.md, 2026-12-06, night).
--
-- The same grants as `bonuses_record_wager_v1` called for each element in order. Each call's
-- contribution is computed as it computes it (rounded per call), and a grant's are added up
-- first. The single follow-up clamps at 0 after each call, which a sum equals only when no
-- contribution is negative; a batch holding a rollback's negative stake is therefore handed to the
-- single follow-up call by call. (The ledger's set-based path applies only new bets and wins;
-- rollbacks go one by one.) Grants are locked in player order, as the calls one by one lock them.
-- Revert: DROP FUNCTION bonuses_record_wager_v1_batch(bigint[], jsonb[]).

CREATE FUNCTION bonuses_record_wager_v1_batch(p_players bigint[], p_calls jsonb[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    i integer;
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(p_calls) AS u(call) WHERE (u.call->>'bet')::bigint < 0) THEN
        FOR i IN 1 .. cardinality(p_players) LOOP
            PERFORM bonuses_record_wager_v1(p_players[i], p_calls[i]);
        END LOOP;
        RETURN;
    END IF;
    WITH contributions AS (
        SELECT u.player, u.call->>'currency' AS currency,
               sign((u.call->>'bet')::numeric) * div(abs((u.call->>'bet')::numeric) * coalesce(
                   (SELECT c.percent FROM bonuses_game_contributions c
                     WHERE left(coalesce(u.call->>'game', ''), length(c.game_prefix)) = c.game_prefix
                     ORDER BY length(c.game_prefix) DESC LIMIT 1), 100), 100) AS units
          FROM unnest(p_players, p_calls) AS u(player, call)
         WHERE (u.call->>'bet')::bigint <> 0
           AND EXISTS (SELECT 1 FROM bonuses_grants g
                        WHERE g.player_id = u.player AND g.currency = u.call->>'currency' AND g.state = 'active')
    ), locked AS (
        SELECT g.id, s.units
          FROM (SELECT player, currency, sum(units) AS units FROM contributions GROUP BY player, currency) s
          JOIN bonuses_grants g ON g.player_id = s.player AND g.currency = s.currency AND g.state = 'active'
         ORDER BY g.player_id, g.currency
           FOR UPDATE OF g
    )
    UPDATE bonuses_grants g
       SET wagered_units = greatest(0, least(9223372036854775807, g.wagered_units + l.units))::bigint
      FROM locked l
     WHERE g.id = l.id;
END
$$;
