-- Ledger's SQL API for a provider's call about an earlier operation that moves nothing itself
-- (a Hub88 win of 0 names its bet and answers with the balance): the operation applied under a
-- key, whether a rollback reversed it or refused it in advance (a tombstone), and the asking
-- player's balances in the asked currency, all of one snapshot and one row.
--
-- Until now Ledger.referenceView read the same in a statement of its own, and the caller stored
-- its answer in a second one. As a function, another context's SQL function can call it and
-- judge and store in one round trip (Games' zero win, migration 0065). That context never names
-- it: Ledger's Swift API hands it the name (`Ledger.referenceViewFunction`), as the caller of a
-- ledger operation hands Ledger the names of its hooks, and the caller runs it with EXECUTE.
-- PL/pgSQL, so that EXECUTE plans only the call and the query's plan is kept per connection (a
-- SQL function would be inlined and its query planned again on every call). It reads only.
-- Versioned like ledger_apply_with_hooks: another column or meaning is a _v2 beside it.
-- Revert (after 0065's, whose function calls this one by the name it is given):
--         DROP FUNCTION ledger_reference_view_v1(text, text, bigint, text);

CREATE FUNCTION ledger_reference_view_v1(p_scope text, p_key text, p_player bigint, p_currency text)
RETURNS TABLE (kind text, player_id bigint, currency text, units bigint, metadata jsonb, applied_at timestamptz,
               tombstoned boolean, rolled_back boolean, real_balance bigint, bonus_balance bigint, locked_balance bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT t.kind, t.player_id, t.currency, abs(t.real_delta + t.bonus_delta), t.metadata, t.created_at,
           EXISTS (SELECT 1 FROM ledger_tombstones x WHERE x.reference_scope = p_scope AND x.reference_key = p_key),
           EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.reference_id = t.id AND r.kind = 'rollback'),
           coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'real'), 0)::bigint,
           coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'bonus'), 0)::bigint,
           coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'locked'), 0)::bigint
      FROM (SELECT 1) AS one
      LEFT JOIN ledger_transactions t ON t.idempotency_scope = p_scope AND t.idempotency_key = p_key
      LEFT JOIN ledger_accounts a ON a.player_id = p_player AND a.currency = p_currency
     GROUP BY t.id;
END
$$;
