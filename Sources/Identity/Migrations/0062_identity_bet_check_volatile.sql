-- Identity's bet check reads what committed before it starts, whatever ran before it in the
-- statement (docs/ledger.md "Hooks").
--
-- Since migration 0060 a bet's checks run in one statement, and a STABLE function reads the
-- snapshot its statement took: a STABLE check after one that waited for a lock (Compliance's
-- limit check waits for the player's call in flight) would read from before that wait, and miss
-- a player blocked meanwhile. Each check is VOLATILE, so its statements read what committed
-- before they started, as when every check had a statement of its own.
-- Revert: ALTER FUNCTION identity_refuse_disabled_player_v1(bigint, jsonb) STABLE;

ALTER FUNCTION identity_refuse_disabled_player_v1(bigint, jsonb) VOLATILE;
