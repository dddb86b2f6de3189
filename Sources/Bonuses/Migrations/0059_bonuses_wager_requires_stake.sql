-- The wagering follow-up refuses a call without a stake instead of counting it as everything
-- wagered (docs/bonuses.md, "Wagering").
--
-- Version 1 read the stake as `(p_call->>'bet')::bigint`; a call without `bet` made it NULL, and
-- `greatest(0, least(9223372036854775807, wagered_units + NULL))` is 9223372036854775807, since
-- both functions skip NULLs: the running bonus was marked fully wagered, ready to convert into
-- real money. Every caller passes `bet` today (Games' hook arguments), so no row was written that
-- way; a provider adapter that forgot it would have been. Now such a call raises, which fails the
-- ledger operation it follows, and nothing is written. Same arguments and meaning for every call
-- with a stake, so the same version.
-- Revert: re-run the CREATE FUNCTION of 0034_bonuses_wager_skips_players_without_bonus.sql.

CREATE OR REPLACE FUNCTION bonuses_record_wager_v1(p_player bigint, p_call jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    game text := coalesce(p_call->>'game', '');
    stake bigint := (p_call->>'bet')::bigint;
    contribution numeric;
BEGIN
    IF stake IS NULL THEN
        RAISE EXCEPTION 'bonuses_record_wager_v1: the call has no stake (bet)' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF stake = 0 THEN RETURN; END IF;
    IF NOT EXISTS (SELECT 1 FROM bonuses_grants
                    WHERE player_id = p_player AND currency = p_call->>'currency' AND state = 'active') THEN
        RETURN;
    END IF;
    -- div(): an exact integer division (numeric's `/` rounds large quotients to its own scale),
    -- of the stake's size, so that a rollback takes back exactly what its bet added.
    contribution := sign(stake::numeric) * div(abs(stake::numeric) * coalesce(
        (SELECT c.percent FROM bonuses_game_contributions c
          WHERE left(game, length(c.game_prefix)) = c.game_prefix ORDER BY length(c.game_prefix) DESC LIMIT 1), 100), 100);
    UPDATE bonuses_grants
       SET wagered_units = greatest(0, least(9223372036854775807, wagered_units + contribution))::bigint
     WHERE player_id = p_player AND currency = p_call->>'currency' AND state = 'active';
END
$$;
