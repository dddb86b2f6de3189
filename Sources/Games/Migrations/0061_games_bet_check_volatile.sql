-- Games' bet check reads what committed before it starts, whatever ran before it in the
-- statement (docs/ledger.md "Hooks").
--
-- Since migration 0060 a bet's checks run in one statement, and a STABLE function reads the
-- snapshot its statement took: a STABLE check after one that waited for a lock (Compliance's
-- limit check waits for the player's call in flight) would read from before that wait. Each check
-- is VOLATILE, so its statements read what committed before they started, as when every check
-- had a statement of its own. This one runs first today; it is VOLATILE so that no order of the
-- checks depends on where it stands.
-- Revert: ALTER FUNCTION games_check_bet_v1(bigint, jsonb) STABLE;

ALTER FUNCTION games_check_bet_v1(bigint, jsonb) VOLATILE;
