-- Group commit (docs/ledger.md, "Group commit"): many operations in one statement and one
-- transaction, each answered exactly as if it had been applied alone, in the order given.
-- Only Ledger binds it (LedgerBatcher, BatchApplyStatement). Version 1; a change of arguments or
-- meaning is a new function (`_v2`) beside this one.
--
-- Every player of the batch is locked first, in one statement and in account id order (their
-- real accounts: the player's lock, migration 0050), so two batches (or a batch and a single
-- call) that share players take their locks in one order and never deadlock on each other's
-- ledger rows. Then each operation runs through `ledger_apply_with_hooks_v2` (migration 0051),
-- the single-operation path, in order inside this transaction: the second operation of a
-- player sees the first, a refusal sees the balances the earlier ones left, a rollback before
-- its bet leaves its tombstone for the bet, and a repeated key meets the row the first one
-- wrote (a replay, or duplicateMismatch). An operation without hooks passes empty lists, which
-- is `ledger_apply` with one more probe of its key.
--
-- One array element per operation, all arrays of one length. A client's array carries no NULL
-- here, so an absent amount is -2^63 (Ledger refuses that amount for every kind before the
-- database) and an absent house or reference is '' (never a well-formed code or key). Hooks come
-- as the text of a regproc[] per operation: the cast fails the whole call for a name that is not
-- a function, as the single path's parameter does, so only a function's name reaches the
-- EXECUTE of the hooks.
-- Revert: DROP FUNCTION ledger_apply_batch_v1;

CREATE FUNCTION ledger_apply_batch_v1(
    p_scopes text[], p_keys text[], p_hashes bytea[], p_kinds text[], p_players bigint[], p_currencies text[], p_amounts bigint[],
    p_houses text[], p_reference_scopes text[], p_reference_keys text[], p_metadata text[], p_checks text[], p_follow_ups text[],
    p_hook_arguments text[]
) RETURNS TABLE (ordinal integer, refusal text, code text, transaction_id bigint, real_balance bigint, bonus_balance bigint,
                 locked_balance bigint, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    n constant integer := cardinality(p_keys);
    absent constant bigint := -9223372036854775808;
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(p_scopes), cardinality(p_hashes), cardinality(p_kinds), cardinality(p_players),
                                          cardinality(p_currencies), cardinality(p_amounts), cardinality(p_houses),
                                          cardinality(p_reference_scopes), cardinality(p_reference_keys), cardinality(p_metadata),
                                          cardinality(p_checks), cardinality(p_follow_ups), cardinality(p_hook_arguments)]) AS l
                WHERE l IS DISTINCT FROM n) THEN
        RAISE EXCEPTION 'ledger_apply_batch_v1: arrays of different lengths' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM 1 FROM ledger_accounts
     WHERE player_id = ANY (p_players) AND balance_kind = 'real'
     ORDER BY id FOR UPDATE;
    FOR i IN 1 .. n LOOP
        ordinal := i;
        SELECT h.refusal, h.code, h.transaction_id, h.real_balance, h.bonus_balance, h.locked_balance, h.replayed
          INTO refusal, code, transaction_id, real_balance, bonus_balance, locked_balance, replayed
          FROM ledger_apply_with_hooks_v2(
                   p_scopes[i], p_keys[i], p_hashes[i], p_kinds[i], p_players[i], p_currencies[i], nullif(p_amounts[i], absent),
                   nullif(p_houses[i], ''), nullif(p_reference_scopes[i], ''), nullif(p_reference_keys[i], ''), p_metadata[i]::jsonb,
                   p_checks[i]::regproc[], p_follow_ups[i]::regproc[], p_hook_arguments[i]::jsonb) h;
        RETURN NEXT;
    END LOOP;
END
$$;
