-- A check's refusal gives way to the operation's first answer (docs/ledger.md, "Hooks").
-- `ledger_apply_with_hooks_v1` runs the checks only for a key not applied yet, so that a retry
-- gets its first answer. But the "not applied yet" probe runs before the checks, and a check may
-- wait for the player's call in flight (Compliance's limit check takes the player's lock). When
-- that call is the same operation sent twice at once (a provider's retry racing its original),
-- the check then sees the original's stake and may refuse the retry (`limitReached`) although
-- the original was applied: the provider would believe the bet failed while the player's money
-- moved. So after a refusal the key is probed again, and when it was applied meanwhile, the call
-- answers as a replay. Same arguments and meaning as version 1, which promised exactly this.
-- Revert: re-run the CREATE FUNCTION of 0012_ledger_apply_with_hooks.sql as CREATE OR REPLACE.

CREATE OR REPLACE FUNCTION ledger_apply_with_hooks_v1(
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
            IF refusal IS NOT NULL THEN
                IF NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE idempotency_scope = p_scope AND idempotency_key = p_key) THEN
                    RETURN;
                END IF;
                refusal := NULL;
                EXIT;
            END IF;
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
