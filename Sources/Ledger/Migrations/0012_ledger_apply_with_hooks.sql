-- Ledger's SQL API for a context that adds its own checks and bookkeeping to one ledger
-- operation, in the operation's transaction and one round trip (docs/ledger.md, "Hooks").
-- Version 1; a change of arguments or meaning is a new function (`_v2`) beside this one.
-- Only Ledger binds it (`Ledger.apply(_:checks:followUps:hookArguments:)`, HookedApplyStatement);
-- other contexts name their own functions as hooks and never Ledger's tables or functions.
--
-- A hook is a function `(p_player bigint, p_arguments jsonb)` that its context publishes:
-- - a check returns NULL to go on or a refusal code (its context's word, passed back as
--   `refusal`, with no ledger `code` and no balances); checks run in order, only for a key not
--   applied yet, so a retry of an applied operation gets its first answer whatever the checks
--   would say now;
-- - a follow-up returns nothing and runs only when the operation was applied now (`ok`, not a
--   replay), so its bookkeeping happens exactly once per operation.
-- Hooks are named as `regproc`: a name that is not an existing function fails the call, so no
-- text other than a function's name ever reaches the EXECUTE below.
-- Revert: DROP FUNCTION ledger_apply_with_hooks_v1;

CREATE FUNCTION ledger_apply_with_hooks_v1(
    p_scope text, p_key text, p_hash bytea, p_kind text, p_player bigint, p_currency text,
    p_amount bigint, p_house text, p_reference_scope text, p_reference_key text, p_metadata jsonb,
    p_checks regproc[], p_follow_ups regproc[], p_hook_arguments jsonb,
    OUT refusal text, OUT code text, OUT transaction_id bigint, OUT real_balance bigint, OUT bonus_balance bigint, OUT locked_balance bigint,
    OUT replayed boolean
) LANGUAGE plpgsql AS $$
DECLARE
    hook regproc;
BEGIN
    replayed := false;
    IF NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE idempotency_scope = p_scope AND idempotency_key = p_key) THEN
        FOREACH hook IN ARRAY p_checks LOOP
            EXECUTE format('SELECT %s($1, $2)', hook) INTO refusal USING p_player, p_hook_arguments;
            IF refusal IS NOT NULL THEN RETURN; END IF;
        END LOOP;
    END IF;
    SELECT a.code, a.transaction_id, a.real_balance, a.bonus_balance, a.locked_balance, a.replayed
      INTO code, transaction_id, real_balance, bonus_balance, locked_balance, replayed
      FROM ledger_apply(p_scope, p_key, p_hash, p_kind, p_player, p_currency, p_amount, p_house, p_reference_scope, p_reference_key,
                        p_metadata) a;
    IF code = 'ok' AND NOT replayed THEN
        FOREACH hook IN ARRAY p_follow_ups LOOP
            EXECUTE format('SELECT %s($1, $2)', hook) USING p_player, p_hook_arguments;
        END LOOP;
    END IF;
END
$$;
