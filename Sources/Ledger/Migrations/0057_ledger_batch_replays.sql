-- Replays in a batch without the single path (docs/ledger.md, "Group commit"): providers resend
-- what timed out, about one call in twenty in the benchmarks' mix, and ledger_apply_batch_v2
-- sends a replay, with every other operation of its player in the batch, through
-- ledger_apply_with_hooks_v2 one by one (about 0.7 ms each, the player's lock included).
--
-- Version 3 answers an exact replay of a committed bet, win or rollback (its key, payload hash,
-- kind, player and currency those of a transaction already written, its key used once in the
-- batch) from that transaction, as ledger_apply answers it: `ok`, its id, the balances it left,
-- `replayed`; no check or follow-up runs, as for every applied key. That row is immutable, so the
-- answer depends on nothing else in the batch and takes no lock: its place among its player's
-- operations changes nothing. The other operations go to ledger_apply_batch_v2 as before, which
-- numbers them 1…m; their answers are given back under their ordinals in the batch.
-- Same arguments and answers as version 2, which stays for callers that bound it.
-- Revert: re-run the CREATE OR REPLACE PROCEDURE of 0056, then DROP FUNCTION ledger_apply_batch_v3.
CREATE FUNCTION ledger_apply_batch_v3(
    p_scopes text[], p_keys text[], p_hashes bytea[], p_kinds text[], p_players bigint[], p_currencies text[], p_amounts bigint[],
    p_houses text[], p_reference_scopes text[], p_reference_keys text[], p_metadata text[], p_checks text[], p_follow_ups text[],
    p_hook_arguments text[]
) RETURNS TABLE (ordinal integer, refusal text, code text, transaction_id bigint, real_balance bigint, bonus_balance bigint,
                 locked_balance bigint, replayed boolean)
LANGUAGE plpgsql
-- As version 2: with arrays as parameters, plans made once per connection.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    n constant integer := cardinality(p_keys);
    -- The operations version 2 applies, by their ordinal in the batch.
    rest integer[];
BEGIN
    SELECT coalesce(array_agg(o.i::integer ORDER BY o.i) FILTER (WHERE x.id IS NULL), '{}')
      INTO rest
      FROM (SELECT u.*, count(*) OVER (PARTITION BY u.scope, u.key) AS key_uses
              FROM unnest(p_scopes, p_keys, p_hashes, p_kinds, p_players, p_currencies)
                   WITH ORDINALITY AS u(scope, key, hash, kind, player, currency, i)) o
      LEFT JOIN ledger_transactions x
        ON o.kind IN ('bet', 'win', 'rollback') AND o.key_uses = 1
       AND x.idempotency_scope = o.scope AND x.idempotency_key = o.key AND x.payload_hash = o.hash AND x.kind = o.kind
       AND x.player_id = o.player AND x.currency = o.currency;

    -- No replay, or arrays of different lengths (which version 2 refuses): the batch as it came.
    IF n IS NULL OR cardinality(rest) = n
       OR ARRAY[cardinality(p_scopes), cardinality(p_hashes), cardinality(p_kinds), cardinality(p_players),
                cardinality(p_currencies), cardinality(p_amounts), cardinality(p_houses), cardinality(p_reference_scopes),
                cardinality(p_reference_keys), cardinality(p_metadata), cardinality(p_checks), cardinality(p_follow_ups),
                cardinality(p_hook_arguments)] IS DISTINCT FROM array_fill(n, ARRAY[13]) THEN
        RETURN QUERY SELECT * FROM ledger_apply_batch_v2(
            p_scopes, p_keys, p_hashes, p_kinds, p_players, p_currencies, p_amounts, p_houses, p_reference_scopes, p_reference_keys,
            p_metadata, p_checks, p_follow_ups, p_hook_arguments);
        RETURN;
    END IF;

    RETURN QUERY
        SELECT o.i::integer, NULL::text, 'ok'::text, x.id, x.real_after, x.bonus_after, x.locked_after, true
          FROM unnest(p_scopes, p_keys) WITH ORDINALITY AS o(scope, key, i)
          JOIN ledger_transactions x ON x.idempotency_scope = o.scope AND x.idempotency_key = o.key
         WHERE o.i <> ALL (rest);
    IF cardinality(rest) > 0 THEN
        RETURN QUERY
            SELECT rest[r.ordinal], r.refusal, r.code, r.transaction_id, r.real_balance, r.bonus_balance, r.locked_balance, r.replayed
              FROM ledger_apply_batch_v2(
                       ARRAY(SELECT p_scopes[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_keys[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_hashes[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_kinds[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_players[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_currencies[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_amounts[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_houses[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_reference_scopes[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_reference_keys[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_metadata[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_checks[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_follow_ups[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k),
                       ARRAY(SELECT p_hook_arguments[j] FROM unnest(rest) WITH ORDINALITY AS s(j, k) ORDER BY k)) AS r;
    END IF;
END
$$;

-- The procedure of 0056, calling version 3.
CREATE OR REPLACE PROCEDURE ledger_apply_batch_committed(
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
      FROM ledger_apply_batch_v3(p_scopes, p_keys, p_hashes, p_kinds, p_players, p_currencies, p_amounts, p_houses,
                                 p_reference_scopes, p_reference_keys, p_metadata, p_checks, p_follow_ups,
                                 p_hook_arguments) AS r;
    COMMIT;
END
$$;
