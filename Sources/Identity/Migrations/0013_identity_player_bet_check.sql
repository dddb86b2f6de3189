-- Identity's check that a player may start a bet, published as a ledger hook (docs/identity.md,
-- "Player status"): NULL when the player may go on, `userDisabled` for a disabled player. Games
-- passes it to the ledger by the name `PlayerStatuses.betCheck` gives; nothing else calls it.
-- Wins and rollbacks never run it: the money is the player's whatever their status.
-- Revert: DROP FUNCTION identity_refuse_disabled_player_v1;

CREATE FUNCTION identity_refuse_disabled_player_v1(p_player bigint, p_arguments jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT 'userDisabled' FROM identity_players WHERE id = p_player AND disabled_at IS NOT NULL
$$;
