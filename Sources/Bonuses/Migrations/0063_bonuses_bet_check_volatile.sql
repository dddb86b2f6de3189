-- Bonuses' maximum-bet check reads what committed before it starts, whatever ran before it in the
-- statement (docs/ledger.md "Hooks").
--
-- Since migration 0060 a bet's checks run in one statement, and a STABLE function reads the
-- snapshot its statement took. This check runs after Compliance's limit check, which may wait for
-- the player's call in flight: as STABLE it would read the grants from before that wait and miss
-- a bonus granted meanwhile. As VOLATILE its statements read what committed before they started,
-- as when every check had a statement of its own.
-- Revert: ALTER FUNCTION bonuses_check_bet_v1(bigint, jsonb) STABLE;

ALTER FUNCTION bonuses_check_bet_v1(bigint, jsonb) VOLATILE;
