-- Identity's check that a player may start a bet, published as a ledger hook (docs/identity.md,
-- "Player status"): NULL when the player may go on, `userDisabled` for a disabled player. Games
-- passes it to the ledger by the name `PlayerStatuses.betCheck` gives; nothing else calls it.
-- Wins and rollbacks never run it: the money is the player's whatever their status. PL/pgSQL so
-- that its plan is cached per connection (the ledger calls hooks by name, which rules out
-- inlining a SQL function).
-- Revert: DROP FUNCTION identity_refuse_disabled_player_v1;

CREATE FUNCTION identity_refuse_disabled_player_v1(p_player bigint, p_arguments jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM 1 FROM identity_players WHERE id = p_player AND disabled_at IS NOT NULL;
    RETURN CASE WHEN FOUND THEN 'userDisabled' END;
END
$$;
