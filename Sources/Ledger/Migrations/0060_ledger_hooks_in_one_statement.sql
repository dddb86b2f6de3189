-- An operation's hooks run through one dynamic statement per list, not one per hook
-- (docs/ledger.md "Hooks"; docs/benchmarks.md "Hooks in one statement").
--
-- Versions 2 of ledger_apply_with_hooks and ledger_apply_batch ran each hook by its own
-- `EXECUTE format('SELECT %s($1, $2)', hook)`: PostgreSQL parses and plans a dynamic statement on
-- every run, about 5 µs each, and a Hub88 bet has four checks and three follow-ups. Both now call
-- the two functions below, which run a list in one statement:
-- - checks: `SELECT coalesce(check_1($1, $2), check_2($1, $2), ...)`. COALESCE evaluates its
--   arguments left to right and stops at the first that is not NULL (PostgreSQL's documentation,
--   "COALESCE"), so the checks run in order until one refuses, as the loop did. One difference:
--   the loop gave each check a statement, and so a snapshot, of its own; now a check that does
--   not wait reads the snapshot the statement took before the checks before it ran, even when
--   one of those waited for a lock. Checks that wait and then read (Compliance's limit check,
--   Ledger's reference check) are VOLATILE and take their own snapshots either way.
-- - follow-ups: `SELECT follow_up_1($1, $2), follow_up_2($1, $2), ...`, evaluated in order; each
--   is VOLATILE and sees what the ones before it wrote.
-- The arguments are parsed as jsonb once per operation, not once per hook.
-- Same arguments and answers, so the same versions of both callers.
-- Revert: re-run the CREATE FUNCTION of 0051_ledger_apply_with_hooks_v2.sql and of
-- 0057_ledger_batch_reference_probe.sql as CREATE OR REPLACE, then DROP FUNCTION
-- ledger_run_checks_v1, ledger_run_follow_ups_v1.

CREATE FUNCTION ledger_run_checks_v1(p_checks regproc[], p_player bigint, p_arguments jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    refusal text;
BEGIN
    IF coalesce(cardinality(p_checks), 0) = 0 THEN RETURN NULL; END IF;
    -- A regproc's text is the function's name, quoted and qualified as needed.
    EXECUTE 'SELECT coalesce(' || array_to_string(p_checks::text[], '($1, $2), ') || '($1, $2))'
       INTO refusal USING p_player, p_arguments;
    RETURN refusal;
END
$$;

CREATE FUNCTION ledger_run_follow_ups_v1(p_follow_ups regproc[], p_player bigint, p_arguments jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(p_follow_ups), 0) = 0 THEN RETURN; END IF;
    EXECUTE 'SELECT ' || array_to_string(p_follow_ups::text[], '($1, $2), ') || '($1, $2)' USING p_player, p_arguments;
END
$$;

CREATE OR REPLACE FUNCTION ledger_apply_with_hooks_v2(
    p_scope text, p_key text, p_hash bytea, p_kind text, p_player bigint, p_currency text,
    p_amount bigint, p_house text, p_reference_scope text, p_reference_key text, p_metadata jsonb,
    p_checks regproc[], p_follow_ups regproc[], p_hook_arguments jsonb,
    OUT refusal text, OUT code text, OUT transaction_id bigint, OUT real_balance bigint, OUT bonus_balance bigint, OUT locked_balance bigint,
    OUT replayed boolean
) LANGUAGE plpgsql AS $$
BEGIN
    replayed := false;
    IF NOT EXISTS (SELECT 1 FROM ledger_transactions WHERE idempotency_scope = p_scope AND idempotency_key = p_key) THEN
        refusal := ledger_run_checks_v1(p_checks, p_player, p_hook_arguments);
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
        END IF;
    END IF;
    SELECT a.code, a.transaction_id, a.real_balance, a.bonus_balance, a.locked_balance, a.replayed
      INTO code, transaction_id, real_balance, bonus_balance, locked_balance, replayed
      FROM ledger_apply(p_scope, p_key, p_hash, p_kind, p_player, p_currency, p_amount, p_house, p_reference_scope, p_reference_key,
                        p_metadata) a;
    IF code = 'ok' AND NOT replayed THEN
        PERFORM ledger_run_follow_ups_v1(p_follow_ups, p_player, p_hook_arguments);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION ledger_apply_batch_v2(
    p_scopes text[], p_keys text[], p_hashes bytea[], p_kinds text[], p_players bigint[], p_currencies text[], p_amounts bigint[],
    p_houses text[], p_reference_scopes text[], p_reference_keys text[], p_metadata text[], p_checks text[], p_follow_ups text[],
    p_hook_arguments text[]
) RETURNS TABLE (ordinal integer, refusal text, code text, transaction_id bigint, real_balance bigint, bonus_balance bigint,
                 locked_balance bigint, replayed boolean)
LANGUAGE plpgsql
-- Its statements' plans are made once per connection: with arrays as parameters the plan cache
-- kept planning them again on every call (the planner led PostgreSQL's profile; one pair of
-- ledger benchmark runs gave 1,091 ops/s without this line and 1,695 with it).
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    n constant integer := cardinality(p_keys);
    absent constant bigint := -9223372036854775808;
    max_int constant bigint := 9223372036854775807;
    -- Per operation, by ordinal: whether it can be applied here; its bet (id, kind, deltas); its house account.
    eligible boolean[]; ref_ids bigint[]; ref_kinds text[]; ref_real bigint[]; ref_bonus bigint[]; houses bigint[];
    -- The ordinals in the order they are applied: by player, then arrival.
    ordered integer[];
    -- Per player of the batch, in id order: its first and last position in `ordered`, whether plain.
    players bigint[]; firsts integer[]; lasts integer[]; plain boolean[];
    -- Plain players not locked yet, and those locked (indices into `players`).
    waiting integer[] := '{}'; held integer[] := '{}';
    -- The plain operations to write, in order; their transfers; the accounts they change.
    w_ordinals integer[] := '{}'; w_ids bigint[]; w_real bigint[] := '{}'; w_bonus bigint[] := '{}';
    w_real_after bigint[] := '{}'; w_bonus_after bigint[] := '{}'; w_locked_after bigint[] := '{}';
    t_rows integer[] := '{}'; t_debits bigint[] := '{}'; t_credits bigint[] := '{}'; t_amounts bigint[] := '{}';
    a_ids bigint[] := '{}'; a_deltas bigint[] := '{}';
    acc record;
    b_real bigint; b_bonus bigint; s_real bigint; s_bonus bigint;
    amount bigint; d_real bigint; d_bonus bigint;
    p integer; k integer; i integer; w integer; start integer;
BEGIN
    -- Expressions, not a query: every statement here costs an executor start, every batch.
    IF n IS NULL OR cardinality(p_scopes) IS DISTINCT FROM n OR cardinality(p_hashes) IS DISTINCT FROM n
       OR cardinality(p_kinds) IS DISTINCT FROM n OR cardinality(p_players) IS DISTINCT FROM n
       OR cardinality(p_currencies) IS DISTINCT FROM n OR cardinality(p_amounts) IS DISTINCT FROM n
       OR cardinality(p_houses) IS DISTINCT FROM n OR cardinality(p_reference_scopes) IS DISTINCT FROM n
       OR cardinality(p_reference_keys) IS DISTINCT FROM n OR cardinality(p_metadata) IS DISTINCT FROM n
       OR cardinality(p_checks) IS DISTINCT FROM n OR cardinality(p_follow_ups) IS DISTINCT FROM n
       OR cardinality(p_hook_arguments) IS DISTINCT FROM n THEN
        RAISE EXCEPTION 'ledger_apply_batch_v2: arrays of different lengths' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF n = 0 THEN RETURN; END IF;
    IF n = 1 THEN
        -- A batch of one costs less the single way: what the set-based path saves per operation
        -- pays for its own statements from about three operations on (docs/benchmarks.md).
        ordered := '{1}'; players := ARRAY[p_players[1]]; firsts := '{1}'; lasts := '{1}'; plain := '{false}';
    ELSE
        -- What each operation is, read before any lock (looked at again under the locks). Each
        -- lookup is a lateral join, one index probe per operation: as EXISTS in the select list the
        -- planner hashed whole tables.
        WITH ops AS (
            SELECT o.*, min(o.i) OVER (PARTITION BY o.player) AS player_first, count(*) OVER (PARTITION BY o.scope, o.key) AS key_uses
              FROM unnest(p_scopes, p_keys, p_kinds, p_players, p_currencies, p_amounts, p_houses, p_reference_scopes, p_reference_keys,
                          p_checks) WITH ORDINALITY AS o(scope, key, kind, player, currency, amount, house, rscope, rkey, checks, i)
        )
        SELECT array_agg(c.eligible ORDER BY c.i), array_agg(c.ref_id ORDER BY c.i), array_agg(c.ref_kind ORDER BY c.i),
               array_agg(c.ref_real ORDER BY c.i), array_agg(c.ref_bonus ORDER BY c.i), array_agg(c.house_id ORDER BY c.i),
               array_agg(c.i::integer ORDER BY c.player, c.i)
          INTO eligible, ref_ids, ref_kinds, ref_real, ref_bonus, houses, ordered
          FROM (
            SELECT o.i, o.player, r.id AS ref_id, r.kind AS ref_kind, r.real_delta AS ref_real, r.bonus_delta AS ref_bonus, h.id AS house_id,
                   coalesce(o.kind IN ('bet', 'win') AND o.amount > 0 AND o.key_uses = 1 AND (o.checks = '{}' OR o.i = o.player_first)
                            AND h.id IS NOT NULL AND a.id IS NOT NULL AND known.found IS NULL
                            AND (o.rkey = '' OR (o.kind = 'win' AND r.player_id = o.player AND r.currency = o.currency
                                                 AND reversed.found IS NULL))
                            -- No other operation of the batch names this one's key or its bet.
                            AND NOT EXISTS (SELECT 1 FROM ops y
                                             WHERE y.i <> o.i AND ((y.rscope = o.scope AND y.rkey = o.key)
                                                                   OR (o.rkey <> '' AND ((y.scope = o.rscope AND y.key = o.rkey)
                                                                                         OR (y.rscope = o.rscope AND y.rkey = o.rkey))))),
                            false) AS eligible
              FROM ops o
              -- LIMIT 1 keeps each lookup a probe per operation (a key names at most one row): a plain
              -- join, or a lateral subquery the planner may flatten into one, was planned once for the
              -- connection as a hash of the whole table whenever the table was small when planned.
              LEFT JOIN LATERAL (SELECT x.id FROM ledger_accounts x WHERE x.house_code = o.house AND x.currency = o.currency LIMIT 1) h
                ON true
              LEFT JOIN LATERAL (SELECT x.id FROM ledger_accounts x
                                  WHERE x.player_id = o.player AND x.currency = o.currency AND x.balance_kind = 'real' LIMIT 1) a ON true
              LEFT JOIN LATERAL (SELECT x.id, x.kind, x.player_id, x.currency, x.real_delta, x.bonus_delta FROM ledger_transactions x
                                  WHERE o.rkey <> '' AND x.idempotency_scope = o.rscope AND x.idempotency_key = o.rkey LIMIT 1) r ON true
              -- The key applied already, or a rollback's tombstone either way.
              LEFT JOIN LATERAL (SELECT true AS found FROM ledger_transactions x WHERE x.idempotency_scope = o.scope AND x.idempotency_key = o.key
                                 UNION ALL
                                 SELECT true FROM ledger_tombstones x WHERE x.rollback_scope = o.scope AND x.rollback_key = o.key
                                 UNION ALL
                                 SELECT true FROM ledger_tombstones x WHERE x.reference_scope = o.scope AND x.reference_key = o.key
                                 LIMIT 1) known ON true
              LEFT JOIN LATERAL (SELECT true AS found FROM ledger_transactions x WHERE x.reference_id = r.id AND x.kind = 'rollback' LIMIT 1)
                reversed ON true
          ) c;

        -- Players in id order; plain when all of a player's operations are eligible and in one currency.
        SELECT array_agg(g.player ORDER BY g.player), array_agg(g.first_at ORDER BY g.player), array_agg(g.last_at ORDER BY g.player),
               array_agg(g.plain ORDER BY g.player)
          INTO players, firsts, lasts, plain
          FROM (SELECT p_players[ordered[s]] AS player, min(s)::integer AS first_at, max(s)::integer AS last_at,
                       bool_and(eligible[ordered[s]]) AND count(DISTINCT p_currencies[ordered[s]]) = 1 AS plain
                  FROM generate_subscripts(ordered, 1) AS s GROUP BY 1) g;
    END IF;

    -- One pass more than there are players: the last locks the plain players still waiting.
    FOR p IN 1 .. cardinality(players) + 1 LOOP
        i := ordered[firsts[p]];
        IF (p > cardinality(players) OR NOT plain[p] OR p_checks[i] <> '{}') AND cardinality(waiting) > 0 THEN
            -- What this player runs (checks, or ledger_apply's locks) comes after the locks of
            -- every player before it.
            PERFORM FROM (SELECT a.id FROM ledger_accounts a
                            JOIN unnest(waiting) AS u(p)
                              ON a.player_id = players[u.p] AND a.currency = p_currencies[ordered[firsts[u.p]]]
                             AND a.balance_kind = 'real'
                           ORDER BY a.player_id FOR UPDATE OF a) l;
            held := held || waiting; waiting := '{}';
        END IF;
        EXIT WHEN p > cardinality(players);
        start := firsts[p];
        IF plain[p] AND p_checks[i] <> '{}' THEN
            -- Its first operation's checks, as ledger_apply_with_hooks_v2 runs them.
            refusal := ledger_run_checks_v1(p_checks[i]::regproc[], p_players[i], p_hook_arguments[i]::jsonb);
            IF refusal IS NOT NULL THEN
                IF EXISTS (SELECT 1 FROM ledger_transactions x WHERE x.idempotency_scope = p_scopes[i] AND x.idempotency_key = p_keys[i]) THEN
                    -- Its twin committed meanwhile: no longer new, so the player goes the single way.
                    plain[p] := false;
                ELSE
                    -- Unlocked, as a refusal's balances are.
                    ordinal := i; code := NULL; transaction_id := NULL; replayed := false;
                    SELECT coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'real'), 0)::bigint,
                           coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'bonus'), 0)::bigint,
                           coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'locked'), 0)::bigint
                      INTO real_balance, bonus_balance, locked_balance
                      FROM ledger_accounts a WHERE a.player_id = p_players[i] AND a.currency = p_currencies[i];
                    RETURN NEXT;
                    start := start + 1;
                END IF;
            END IF;
            refusal := NULL;
        END IF;
        IF NOT plain[p] THEN
            FOR k IN start .. lasts[p] LOOP
                i := ordered[k];
                ordinal := i;
                SELECT h.refusal, h.code, h.transaction_id, h.real_balance, h.bonus_balance, h.locked_balance, h.replayed
                  INTO refusal, code, transaction_id, real_balance, bonus_balance, locked_balance, replayed
                  FROM ledger_apply_with_hooks_v2(
                           p_scopes[i], p_keys[i], p_hashes[i], p_kinds[i], p_players[i], p_currencies[i], nullif(p_amounts[i], absent),
                           nullif(p_houses[i], ''), nullif(p_reference_scopes[i], ''), nullif(p_reference_keys[i], ''), p_metadata[i]::jsonb,
                           p_checks[i]::regproc[], p_follow_ups[i]::regproc[], p_hook_arguments[i]::jsonb) h;
                RETURN NEXT;
            END LOOP;
        ELSIF start <= lasts[p] THEN
            firsts[p] := start;
            waiting := waiting || p;
        END IF;
    END LOOP;
    IF cardinality(held) = 0 THEN RETURN; END IF;

    -- Under the locks, look again at what made these operations plain.
    IF EXISTS (SELECT 1 FROM unnest(held) AS h(p), generate_series(firsts[h.p], lasts[h.p]) AS s,
                      LATERAL (SELECT 1 FROM ledger_transactions x
                                WHERE x.idempotency_scope = p_scopes[ordered[s]] AND x.idempotency_key = p_keys[ordered[s]]
                               UNION ALL
                               SELECT 1 FROM ledger_tombstones x
                                WHERE x.rollback_scope = p_scopes[ordered[s]] AND x.rollback_key = p_keys[ordered[s]]
                               UNION ALL
                               SELECT 1 FROM ledger_tombstones x
                                WHERE x.reference_scope = p_scopes[ordered[s]] AND x.reference_key = p_keys[ordered[s]]
                               UNION ALL
                               SELECT 1 FROM ledger_transactions x WHERE x.reference_id = ref_ids[ordered[s]] AND x.kind = 'rollback') changed) THEN
        RAISE EXCEPTION 'ledger_apply_batch_v2: an operation changed while its player was being locked'
              USING ERRCODE = 'serialization_failure';
    END IF;

    -- Each held player's operations, in order, as ledger_apply computes them, from its balances
    -- read after its lock.
    FOR acc IN SELECT h.p, r.id AS real_id, r.balance AS real_now, b.id AS bonus_id, b.balance AS bonus_now, l.balance AS locked_now
                 FROM unnest(held) AS h(p)
                 JOIN ledger_accounts r ON r.player_id = players[h.p] AND r.currency = p_currencies[ordered[lasts[h.p]]] AND r.balance_kind = 'real'
                 JOIN ledger_accounts b ON b.player_id = players[h.p] AND b.currency = r.currency AND b.balance_kind = 'bonus'
                 JOIN ledger_accounts l ON l.player_id = players[h.p] AND l.currency = r.currency AND l.balance_kind = 'locked'
                ORDER BY h.p LOOP
        b_real := acc.real_now; b_bonus := acc.bonus_now; s_real := 0; s_bonus := 0;
        FOR k IN firsts[acc.p] .. lasts[acc.p] LOOP
            i := ordered[k];
            amount := p_amounts[i];
            IF p_kinds[i] = 'bet' THEN
                IF amount > b_real + b_bonus THEN
                    ordinal := i; refusal := NULL; code := 'insufficientFunds'; transaction_id := NULL; replayed := false;
                    real_balance := b_real; bonus_balance := b_bonus; locked_balance := acc.locked_now;
                    RETURN NEXT;
                    CONTINUE;
                END IF;
                d_real := -least(amount, b_real);
                d_bonus := -(amount + d_real);
                IF d_real < 0 THEN
                    t_rows := t_rows || (cardinality(w_ordinals) + 1); t_debits := t_debits || acc.real_id;
                    t_credits := t_credits || houses[i]; t_amounts := t_amounts || -d_real;
                END IF;
                IF d_bonus < 0 THEN
                    t_rows := t_rows || (cardinality(w_ordinals) + 1); t_debits := t_debits || acc.bonus_id;
                    t_credits := t_credits || houses[i]; t_amounts := t_amounts || -d_bonus;
                END IF;
            ELSE
                -- A win's bonus share is its bet's, rounded down (ledger_apply, 0030).
                d_bonus := 0;
                IF ref_kinds[i] = 'bet' AND ref_bonus[i] < 0 THEN
                    d_bonus := div(amount::numeric * (-ref_bonus[i]), (-(ref_real[i] + ref_bonus[i]))::numeric)::bigint;
                END IF;
                d_real := amount - d_bonus;
                IF (d_real > 0 AND b_real > max_int - d_real) OR (d_bonus > 0 AND b_bonus > max_int - d_bonus) THEN
                    ordinal := i; refusal := NULL; code := 'amountOverflow'; transaction_id := NULL; replayed := false;
                    real_balance := b_real; bonus_balance := b_bonus; locked_balance := acc.locked_now;
                    RETURN NEXT;
                    CONTINUE;
                END IF;
                IF d_real > 0 THEN
                    t_rows := t_rows || (cardinality(w_ordinals) + 1); t_debits := t_debits || houses[i];
                    t_credits := t_credits || acc.real_id; t_amounts := t_amounts || d_real;
                END IF;
                IF d_bonus > 0 THEN
                    t_rows := t_rows || (cardinality(w_ordinals) + 1); t_debits := t_debits || houses[i];
                    t_credits := t_credits || acc.bonus_id; t_amounts := t_amounts || d_bonus;
                END IF;
            END IF;
            b_real := b_real + d_real; b_bonus := b_bonus + d_bonus; s_real := s_real + d_real; s_bonus := s_bonus + d_bonus;
            w_ordinals := w_ordinals || i; w_real := w_real || d_real; w_bonus := w_bonus || d_bonus;
            w_real_after := w_real_after || b_real; w_bonus_after := w_bonus_after || b_bonus; w_locked_after := w_locked_after || acc.locked_now;
        END LOOP;
        IF s_real <> 0 THEN a_ids := a_ids || acc.real_id; a_deltas := a_deltas || s_real; END IF;
        IF s_bonus <> 0 THEN a_ids := a_ids || acc.bonus_id; a_deltas := a_deltas || s_bonus; END IF;
    END LOOP;
    IF cardinality(w_ordinals) = 0 THEN RETURN; END IF;

    -- Ids in the operations' order, then every row in one statement.
    SELECT array_agg(nextval(pg_get_serial_sequence('ledger_transactions', 'id')::regclass) ORDER BY g)
      INTO w_ids FROM generate_series(1, cardinality(w_ordinals)) AS g;
    WITH transactions AS (
        INSERT INTO ledger_transactions (id, idempotency_scope, idempotency_key, payload_hash, kind, player_id, currency, reference_id,
                                         real_delta, bonus_delta, locked_delta, real_after, bonus_after, locked_after, metadata)
        OVERRIDING SYSTEM VALUE
        SELECT w_ids[m], p_scopes[w_ordinals[m]], p_keys[w_ordinals[m]], p_hashes[w_ordinals[m]], p_kinds[w_ordinals[m]],
               p_players[w_ordinals[m]], p_currencies[w_ordinals[m]], ref_ids[w_ordinals[m]], w_real[m], w_bonus[m], 0,
               w_real_after[m], w_bonus_after[m], w_locked_after[m], p_metadata[w_ordinals[m]]::jsonb
          FROM generate_subscripts(w_ordinals, 1) AS m ORDER BY m
    ), transfers AS (
        INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
        SELECT w_ids[t_rows[t]], t_debits[t], t_credits[t], t_amounts[t] FROM generate_subscripts(t_rows, 1) AS t ORDER BY t
    ), balances AS (
        UPDATE ledger_accounts a SET balance = a.balance + d.delta FROM unnest(a_ids, a_deltas) AS d(id, delta) WHERE a.id = d.id
    )
    INSERT INTO outbox (event_id, subject, payload)
    SELECT gen_random_uuid(), 'croupier.ledger.' || p_kinds[w_ordinals[m]], jsonb_build_object(
               'transactionId', w_ids[m], 'kind', p_kinds[w_ordinals[m]], 'playerId', p_players[w_ordinals[m]],
               'currency', p_currencies[w_ordinals[m]], 'idempotencyKey', p_scopes[w_ordinals[m]] || ':' || p_keys[w_ordinals[m]],
               'delta', jsonb_build_object('real', w_real[m], 'bonus', w_bonus[m], 'locked', 0),
               'balance', jsonb_build_object('real', w_real_after[m], 'bonus', w_bonus_after[m], 'locked', w_locked_after[m]),
               'reference', ref_ids[w_ordinals[m]], 'house', p_houses[w_ordinals[m]], 'metadata', p_metadata[w_ordinals[m]]::jsonb)
      FROM generate_subscripts(w_ordinals, 1) AS m ORDER BY m;

    FOR w IN 1 .. cardinality(w_ordinals) LOOP
        i := w_ordinals[w];
        PERFORM ledger_run_follow_ups_v1(p_follow_ups[i]::regproc[], p_players[i], p_hook_arguments[i]::jsonb);
        ordinal := i; refusal := NULL; code := 'ok'; transaction_id := w_ids[w]; replayed := false;
        real_balance := w_real_after[w]; bonus_balance := w_bonus_after[w]; locked_balance := w_locked_after[w];
        RETURN NEXT;
    END LOOP;
END
$$;
