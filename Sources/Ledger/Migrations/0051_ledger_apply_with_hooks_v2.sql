-- Ledger's SQL API for hooked operations, version 2 (docs/ledger.md, "Hooks"): as version 1
-- (migrations 0012 and 0033), except that a check's refusal comes back with the player's
-- balances in the currency (0 where they have no account), as the ledger's own refusals do. A
-- provider answers every refusal with the balance; reading it with the refusal spares that call
-- its second round trip. Version 1 stays, unchanged, for callers that bound it.
-- Revert: DROP FUNCTION ledger_apply_with_hooks_v2;

CREATE FUNCTION ledger_apply_with_hooks_v2(
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
                    -- Unlocked, as a refusal's balances are: whatever commits meanwhile comes after it.
                    SELECT coalesce(sum(balance) FILTER (WHERE balance_kind = 'real'), 0)::bigint,
                           coalesce(sum(balance) FILTER (WHERE balance_kind = 'bonus'), 0)::bigint,
                           coalesce(sum(balance) FILTER (WHERE balance_kind = 'locked'), 0)::bigint
                      INTO real_balance, bonus_balance, locked_balance
                      FROM ledger_accounts WHERE player_id = p_player AND currency = p_currency;
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
