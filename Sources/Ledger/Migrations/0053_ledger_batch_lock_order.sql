-- Group commit takes its locks in the order every other path takes them (docs/ledger.md, "Group
-- commit", "Lock order"): players in id order, and for each player the contexts' locks before
-- the ledger's rows.
--
-- Version 1 (0052) locked the real account of every player of the batch first, then ran the
-- operations. A check takes its context's lock (Compliance's `compliance.player:<id>` for a
-- player with play limits) only when its operation runs, so a batch held a player's ledger row
-- while it waited for that lock, and a withdrawal's confirmation or a deposit, which take
-- Compliance's lock and then the ledger's row, waited for the batch: a deadlock, which PostgreSQL
-- broke after `deadlock_timeout` by failing one side.
--
-- Now the batch runs its operations grouped by player, players in id order, each player's in
-- arrival order, and each operation locks as the single path does: its checks (and their
-- locks), then `ledger_apply` (the player's real row). Two batches, a batch and a single call, or
-- a batch and a Compliance action thus always lock in one order. Answers are unchanged: calls of
-- different players share no row, so their order between players does not matter; only a key
-- reused for two players in one batch (a provider's error) is now taken first for the lower id,
-- an order the provider could have seen by sending the two at once. Ordinals stay the caller's.
-- Same arguments and answers, so the same version.
-- Revert: re-run the CREATE FUNCTION of 0052_ledger_apply_batch.sql as CREATE OR REPLACE.

CREATE OR REPLACE FUNCTION ledger_apply_batch_v1(
    p_scopes text[], p_keys text[], p_hashes bytea[], p_kinds text[], p_players bigint[], p_currencies text[], p_amounts bigint[],
    p_houses text[], p_reference_scopes text[], p_reference_keys text[], p_metadata text[], p_checks text[], p_follow_ups text[],
    p_hook_arguments text[]
) RETURNS TABLE (ordinal integer, refusal text, code text, transaction_id bigint, real_balance bigint, bonus_balance bigint,
                 locked_balance bigint, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    n constant integer := cardinality(p_keys);
    absent constant bigint := -9223372036854775808;
    i integer;
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(p_scopes), cardinality(p_hashes), cardinality(p_kinds), cardinality(p_players),
                                          cardinality(p_currencies), cardinality(p_amounts), cardinality(p_houses),
                                          cardinality(p_reference_scopes), cardinality(p_reference_keys), cardinality(p_metadata),
                                          cardinality(p_checks), cardinality(p_follow_ups), cardinality(p_hook_arguments)]) AS l
                WHERE l IS DISTINCT FROM n) THEN
        RAISE EXCEPTION 'ledger_apply_batch_v1: arrays of different lengths' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR i IN SELECT o.i FROM unnest(p_players) WITH ORDINALITY AS o(player, i) ORDER BY o.player, o.i LOOP
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
