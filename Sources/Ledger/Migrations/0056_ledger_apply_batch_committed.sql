-- Group commit in one round trip (docs/ledger.md, "Group commit"): a batch used to take three,
-- `BEGIN`, the call of ledger_apply_batch_v2 and `COMMIT`, each a wake-up of the backend and of
-- the client; PostgreSQL spent a quarter of a batch's time idle in its transaction, waiting for
-- the next one. This procedure applies the batch and commits it before it returns, so its one
-- answer row exists only once the commit is durable (`synchronous_commit`), without leaning on
-- when PostgreSQL flushes its replies. `CALL` it outside a transaction block (a procedure commits
-- only there); inside one it fails with "invalid transaction termination" and changes nothing.
--
-- Its answer is the function's, one array per column in the operations' order (a procedure
-- answers one row, and PostgresNIO reads arrays only without NULL elements): `ordinals` 1…n, a
-- missing refusal or code as '', a missing transaction id as 0 (ids start at 1), a missing
-- balance as the smallest bigint (balances are never negative).
-- Revert: point `BatchApplyStatement` back at ledger_apply_batch_v2 in a transaction, then
-- DROP PROCEDURE ledger_apply_batch_committed.
CREATE PROCEDURE ledger_apply_batch_committed(
    p_scopes text[], p_keys text[], p_hashes bytea[], p_kinds text[], p_players bigint[], p_currencies text[], p_amounts bigint[],
    p_houses text[], p_reference_scopes text[], p_reference_keys text[], p_metadata text[], p_checks text[], p_follow_ups text[],
    p_hook_arguments text[],
    INOUT ordinals integer[] DEFAULT NULL, INOUT refusals text[] DEFAULT NULL, INOUT codes text[] DEFAULT NULL,
    INOUT transaction_ids bigint[] DEFAULT NULL, INOUT real_balances bigint[] DEFAULT NULL,
    INOUT bonus_balances bigint[] DEFAULT NULL, INOUT locked_balances bigint[] DEFAULT NULL,
    INOUT replays boolean[] DEFAULT NULL
)
LANGUAGE plpgsql
AS $$
DECLARE
    absent constant bigint := -9223372036854775808;
BEGIN
    SELECT array_agg(r.ordinal ORDER BY r.ordinal), array_agg(coalesce(r.refusal, '') ORDER BY r.ordinal),
           array_agg(coalesce(r.code, '') ORDER BY r.ordinal), array_agg(coalesce(r.transaction_id, 0) ORDER BY r.ordinal),
           array_agg(coalesce(r.real_balance, absent) ORDER BY r.ordinal),
           array_agg(coalesce(r.bonus_balance, absent) ORDER BY r.ordinal),
           array_agg(coalesce(r.locked_balance, absent) ORDER BY r.ordinal), array_agg(r.replayed ORDER BY r.ordinal)
      INTO ordinals, refusals, codes, transaction_ids, real_balances, bonus_balances, locked_balances, replays
      FROM ledger_apply_batch_v2(p_scopes, p_keys, p_hashes, p_kinds, p_players, p_currencies, p_amounts, p_houses,
                                 p_reference_scopes, p_reference_keys, p_metadata, p_checks, p_follow_ups,
                                 p_hook_arguments) AS r;
    COMMIT;
END
$$;
