-- Ledger's check for a rollback sent before its reference was seen (docs/ledger.md "Hooks"): a
-- caller that found no operation under the reference applies the rollback as a tombstone, with
-- no follow-ups, since there is nothing to take back. If the referenced bet or win commits
-- between that lookup and the rollback, `ledger_apply` would reverse it without the follow-ups
-- of what it reversed (counters, wagering). This check first waits for the player's in-flight
-- call (it locks the player's accounts of the currency, in id order, as `ledger_apply` does) and
-- then refuses `referenceKnown` when the reference exists; the caller looks it up again and
-- reverses it with its follow-ups. Arguments: `currency`, `reference_scope`, `reference_key`.
-- Revert: DROP FUNCTION ledger_refuse_known_reference_v1;

CREATE FUNCTION ledger_refuse_known_reference_v1(p_player bigint, p_call jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1 FROM ledger_accounts
     WHERE player_id = p_player AND currency = p_call->>'currency' AND balance_kind IN ('real', 'bonus', 'locked')
     ORDER BY id FOR UPDATE;
    PERFORM 1 FROM ledger_transactions
     WHERE idempotency_scope = p_call->>'reference_scope' AND idempotency_key = p_call->>'reference_key';
    RETURN CASE WHEN FOUND THEN 'referenceKnown' END;
END
$$;
