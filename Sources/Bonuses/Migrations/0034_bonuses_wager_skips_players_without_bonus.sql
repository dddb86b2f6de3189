-- Bonuses' wagering follow-up runs after every bet and rollback of every player, and most
-- players have no running bonus. Version 1 first looked up the game's contribution (a scan of
-- `bonuses_game_contributions`) and only then found no grant to update. Now a player without an
-- active grant in the currency costs one probe of `bonuses_grants_one_active` and nothing more
-- (docs/bonuses.md, "Wagering"). Same arguments and meaning.
-- Revert: re-run the CREATE FUNCTION bonuses_record_wager_v1 of 0031_bonuses.sql as CREATE OR REPLACE.

CREATE OR REPLACE FUNCTION bonuses_record_wager_v1(p_player bigint, p_call jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    game text := coalesce(p_call->>'game', '');
    contribution numeric;
BEGIN
    IF (p_call->>'bet')::bigint = 0 THEN RETURN; END IF;
    IF NOT EXISTS (SELECT 1 FROM bonuses_grants
                    WHERE player_id = p_player AND currency = p_call->>'currency' AND state = 'active') THEN
        RETURN;
    END IF;
    -- div(): an exact integer division (numeric's `/` rounds large quotients to its own scale),
    -- of the stake's size, so that a rollback takes back exactly what its bet added.
    contribution := sign((p_call->>'bet')::numeric) * div(abs((p_call->>'bet')::numeric) * coalesce(
        (SELECT c.percent FROM bonuses_game_contributions c
          WHERE left(game, length(c.game_prefix)) = c.game_prefix ORDER BY length(c.game_prefix) DESC LIMIT 1), 100), 100);
    UPDATE bonuses_grants
       SET wagered_units = greatest(0, least(9223372036854775807, wagered_units + contribution))::bigint
     WHERE player_id = p_player AND currency = p_call->>'currency' AND state = 'active';
END
$$;
