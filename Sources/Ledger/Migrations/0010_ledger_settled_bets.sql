-- A bet settled by a win that stands cannot be rolled back (docs/ledger.md, "Settled bets"):
-- ledger_apply as in 0002, plus that refusal (`alreadySettled`) in its rollback branch.
-- Revert: DROP INDEX ledger_transactions_wins; re-run the CREATE FUNCTION ledger_apply of 0002_ledger.sql as CREATE OR REPLACE.

-- Finds the wins naming a bet without scanning the table on every rollback.
CREATE INDEX ledger_transactions_wins ON ledger_transactions (reference_id) WHERE kind = 'win';

CREATE OR REPLACE FUNCTION ledger_apply(
    p_scope text, p_key text, p_hash bytea, p_kind text, p_player bigint, p_currency text,
    p_amount bigint, p_house text, p_reference_scope text, p_reference_key text, p_metadata jsonb,
    OUT code text, OUT transaction_id bigint, OUT real_balance bigint, OUT bonus_balance bigint, OUT locked_balance bigint,
    OUT replayed boolean
) LANGUAGE plpgsql AS $$
DECLARE
    existing ledger_transactions%ROWTYPE;
    reference ledger_transactions%ROWTYPE;
    tomb ledger_tombstones%ROWTYPE;
    a_real bigint; a_bonus bigint; a_locked bigint; a_house bigint;
    d_real bigint := 0; d_bonus bigint := 0; d_locked bigint := 0;
    from_real bigint; from_bonus bigint;
    transfers bigint[][] := '{}';
    t record;
    max_int constant bigint := 9223372036854775807;
BEGIN
    replayed := false;

    -- A replay is answered before any lock is taken.
    SELECT * INTO existing FROM ledger_transactions WHERE idempotency_scope = p_scope AND idempotency_key = p_key;
    IF NOT FOUND THEN
        SELECT * INTO tomb FROM ledger_tombstones WHERE rollback_scope = p_scope AND rollback_key = p_key;
        IF FOUND THEN
            SELECT r.balance, b.balance, l.balance INTO real_balance, bonus_balance, locked_balance
              FROM ledger_accounts r, ledger_accounts b, ledger_accounts l
             WHERE r.player_id = tomb.player_id AND r.currency = tomb.currency AND r.balance_kind = 'real'
               AND b.player_id = tomb.player_id AND b.currency = tomb.currency AND b.balance_kind = 'bonus'
               AND l.player_id = tomb.player_id AND l.currency = tomb.currency AND l.balance_kind = 'locked';
            code := CASE WHEN tomb.payload_hash = p_hash THEN 'referenceNotFound' ELSE 'duplicateMismatch' END;
            replayed := tomb.payload_hash = p_hash;
            RETURN;
        END IF;
    END IF;

    IF p_kind NOT IN ('rollback', 'withdrawal_post', 'withdrawal_void') AND (p_amount IS NULL OR p_amount <= 0)
       AND NOT (p_kind = 'adjustment' AND p_amount < 0) THEN
        code := 'invalidAmount'; RETURN;
    END IF;
    PERFORM 1 FROM ledger_currencies WHERE ledger_currencies.code = p_currency;
    IF NOT FOUND THEN code := 'unknownCurrency'; RETURN; END IF;

    -- Lock the player's three accounts for this currency (in id order), creating them on first use.
    SELECT max(id) FILTER (WHERE balance_kind = 'real'), max(id) FILTER (WHERE balance_kind = 'bonus'),
           max(id) FILTER (WHERE balance_kind = 'locked')
      INTO a_real, a_bonus, a_locked
      FROM (SELECT id, balance_kind FROM ledger_accounts
             WHERE player_id = p_player AND ledger_accounts.currency = p_currency ORDER BY id FOR UPDATE) AS locked_rows;
    IF a_real IS NULL OR a_bonus IS NULL OR a_locked IS NULL THEN
        INSERT INTO ledger_accounts (player_id, balance_kind, currency)
        VALUES (p_player, 'real', p_currency), (p_player, 'bonus', p_currency), (p_player, 'locked', p_currency)
        ON CONFLICT DO NOTHING;
        SELECT max(id) FILTER (WHERE balance_kind = 'real'), max(id) FILTER (WHERE balance_kind = 'bonus'),
               max(id) FILTER (WHERE balance_kind = 'locked')
          INTO a_real, a_bonus, a_locked
          FROM (SELECT id, balance_kind FROM ledger_accounts
                 WHERE player_id = p_player AND ledger_accounts.currency = p_currency ORDER BY id FOR UPDATE) AS locked_rows;
    END IF;
    SELECT r.balance, b.balance, l.balance INTO real_balance, bonus_balance, locked_balance
      FROM ledger_accounts r, ledger_accounts b, ledger_accounts l
     WHERE r.id = a_real AND b.id = a_bonus AND l.id = a_locked;

    -- Under the player's lock, look again: a concurrent twin of this operation may have committed.
    IF existing.id IS NULL THEN
        SELECT * INTO existing FROM ledger_transactions WHERE idempotency_scope = p_scope AND idempotency_key = p_key;
    END IF;
    IF existing.id IS NOT NULL THEN
        IF existing.payload_hash <> p_hash THEN
            code := 'duplicateMismatch';
            IF existing.player_id <> p_player OR existing.currency <> p_currency THEN
                real_balance := NULL; bonus_balance := NULL; locked_balance := NULL;
            END IF;
            RETURN;
        END IF;
        code := 'ok'; transaction_id := existing.id; replayed := true;
        real_balance := existing.real_after; bonus_balance := existing.bonus_after; locked_balance := existing.locked_after;
        RETURN;
    END IF;

    PERFORM 1 FROM ledger_tombstones WHERE reference_scope = p_scope AND reference_key = p_key;
    IF FOUND THEN code := 'alreadyRolledBack'; RETURN; END IF;

    IF p_reference_key IS NOT NULL THEN
        SELECT * INTO reference FROM ledger_transactions
         WHERE idempotency_scope = p_reference_scope AND idempotency_key = p_reference_key;
        IF NOT FOUND THEN
            PERFORM 1 FROM ledger_tombstones WHERE reference_scope = p_reference_scope AND reference_key = p_reference_key;
            IF FOUND THEN code := 'alreadyRolledBack'; RETURN; END IF;
            IF p_kind = 'rollback' THEN
                INSERT INTO ledger_tombstones (reference_scope, reference_key, rollback_scope, rollback_key, payload_hash, player_id, currency)
                VALUES (p_reference_scope, p_reference_key, p_scope, p_key, p_hash, p_player, p_currency)
                ON CONFLICT DO NOTHING;
            END IF;
            code := 'referenceNotFound';
            RETURN;
        END IF;
        IF reference.player_id <> p_player THEN code := 'referenceNotFound'; RETURN; END IF;
        IF reference.currency <> p_currency THEN code := 'currencyMismatch'; RETURN; END IF;
    END IF;

    IF p_house IS NOT NULL THEN
        SELECT id INTO a_house FROM ledger_accounts WHERE house_code = p_house AND ledger_accounts.currency = p_currency;
        IF a_house IS NULL THEN
            INSERT INTO ledger_accounts (house_code, balance_kind, currency) VALUES (p_house, 'house', p_currency)
            ON CONFLICT DO NOTHING;
            SELECT id INTO a_house FROM ledger_accounts WHERE house_code = p_house AND ledger_accounts.currency = p_currency;
        END IF;
    END IF;

    CASE p_kind
    WHEN 'bet' THEN
        IF p_amount > real_balance + bonus_balance THEN code := 'insufficientFunds'; RETURN; END IF;
        from_real := least(p_amount, real_balance);
        from_bonus := p_amount - from_real;
        IF from_real > 0 THEN transfers := transfers || ARRAY[[a_real, a_house, from_real]]; END IF;
        IF from_bonus > 0 THEN transfers := transfers || ARRAY[[a_bonus, a_house, from_bonus]]; END IF;
    WHEN 'win', 'deposit' THEN
        IF reference.id IS NOT NULL THEN
            PERFORM 1 FROM ledger_transactions r WHERE r.reference_id = reference.id AND r.kind = 'rollback';
            IF FOUND THEN code := 'alreadyRolledBack'; RETURN; END IF;
        END IF;
        transfers := ARRAY[[a_house, a_real, p_amount]];
    WHEN 'withdrawal_hold' THEN
        IF p_amount > real_balance THEN code := 'insufficientFunds'; RETURN; END IF;
        transfers := ARRAY[[a_real, a_locked, p_amount]];
    WHEN 'withdrawal_post', 'withdrawal_void' THEN
        IF reference.kind <> 'withdrawal_hold' THEN code := 'notReversible'; RETURN; END IF;
        PERFORM 1 FROM ledger_transactions s WHERE s.reference_id = reference.id AND s.kind IN ('withdrawal_post', 'withdrawal_void');
        IF FOUND THEN code := 'alreadySettled'; RETURN; END IF;
        transfers := ARRAY[[a_locked, CASE WHEN p_kind = 'withdrawal_post' THEN a_house ELSE a_real END, reference.locked_delta]];
    WHEN 'bonus_grant' THEN
        transfers := ARRAY[[a_house, a_bonus, p_amount]];
    WHEN 'bonus_convert', 'bonus_forfeit' THEN
        IF p_amount > bonus_balance THEN code := 'insufficientFunds'; RETURN; END IF;
        transfers := ARRAY[[a_bonus, CASE WHEN p_kind = 'bonus_convert' THEN a_real ELSE a_house END, p_amount]];
    WHEN 'adjustment' THEN
        IF p_amount > 0 THEN
            transfers := ARRAY[[a_house, a_real, p_amount]];
        ELSE
            IF -p_amount > real_balance THEN code := 'insufficientFunds'; RETURN; END IF;
            transfers := ARRAY[[a_real, a_house, -p_amount]];
        END IF;
    WHEN 'rollback' THEN
        IF reference.kind NOT IN ('bet', 'win') THEN code := 'notReversible'; RETURN; END IF;
        PERFORM 1 FROM ledger_transactions r WHERE r.reference_id = reference.id AND r.kind = 'rollback';
        IF FOUND THEN code := 'alreadyRolledBack'; RETURN; END IF;
        -- A bet a win settled stays settled while that win stands: refunding its stake would let
        -- the player keep both. The player's lock orders this against a concurrent win.
        IF reference.kind = 'bet' THEN
            PERFORM 1 FROM ledger_transactions w
             WHERE w.reference_id = reference.id AND w.kind = 'win'
               AND NOT EXISTS (SELECT 1 FROM ledger_transactions u WHERE u.reference_id = w.id AND u.kind = 'rollback');
            IF FOUND THEN code := 'alreadySettled'; RETURN; END IF;
        END IF;
        FOR t IN SELECT credit_account_id, debit_account_id, amount FROM ledger_transfers
                  WHERE ledger_transfers.transaction_id = reference.id ORDER BY id LOOP
            transfers := transfers || ARRAY[[t.credit_account_id, t.debit_account_id, t.amount]];
        END LOOP;
    ELSE
        RAISE EXCEPTION 'unknown operation kind %', p_kind USING ERRCODE = 'invalid_parameter_value';
    END CASE;

    -- Net effect on the player's balances, checked before anything is written.
    FOR i IN 1 .. coalesce(array_length(transfers, 1), 0) LOOP
        d_real := d_real + CASE WHEN transfers[i][2] = a_real THEN transfers[i][3] WHEN transfers[i][1] = a_real THEN -transfers[i][3] ELSE 0 END;
        d_bonus := d_bonus + CASE WHEN transfers[i][2] = a_bonus THEN transfers[i][3] WHEN transfers[i][1] = a_bonus THEN -transfers[i][3] ELSE 0 END;
        d_locked := d_locked + CASE WHEN transfers[i][2] = a_locked THEN transfers[i][3] WHEN transfers[i][1] = a_locked THEN -transfers[i][3] ELSE 0 END;
    END LOOP;
    IF (d_real > 0 AND real_balance > max_int - d_real) OR (d_bonus > 0 AND bonus_balance > max_int - d_bonus)
       OR (d_locked > 0 AND locked_balance > max_int - d_locked) THEN
        code := 'amountOverflow'; RETURN;
    END IF;
    IF real_balance + d_real < 0 OR bonus_balance + d_bonus < 0 OR locked_balance + d_locked < 0 THEN
        code := 'insufficientFunds'; RETURN;
    END IF;

    real_balance := real_balance + d_real; bonus_balance := bonus_balance + d_bonus; locked_balance := locked_balance + d_locked;
    INSERT INTO ledger_transactions (idempotency_scope, idempotency_key, payload_hash, kind, player_id, currency, reference_id,
                                     real_delta, bonus_delta, locked_delta, real_after, bonus_after, locked_after, metadata)
    VALUES (p_scope, p_key, p_hash, p_kind, p_player, p_currency, reference.id,
            d_real, d_bonus, d_locked, real_balance, bonus_balance, locked_balance, p_metadata)
    RETURNING id INTO transaction_id;
    INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
    SELECT transaction_id, transfers[i][1], transfers[i][2], transfers[i][3] FROM generate_subscripts(transfers, 1) AS i;
    IF d_real <> 0 THEN UPDATE ledger_accounts SET balance = balance + d_real WHERE id = a_real; END IF;
    IF d_bonus <> 0 THEN UPDATE ledger_accounts SET balance = balance + d_bonus WHERE id = a_bonus; END IF;
    IF d_locked <> 0 THEN UPDATE ledger_accounts SET balance = balance + d_locked WHERE id = a_locked; END IF;
    INSERT INTO outbox (event_id, subject, payload)
    VALUES (gen_random_uuid(), 'croupier.ledger.' || p_kind, jsonb_build_object(
        'transactionId', transaction_id, 'kind', p_kind, 'playerId', p_player, 'currency', p_currency,
        'idempotencyKey', p_scope || ':' || p_key,
        'delta', jsonb_build_object('real', d_real, 'bonus', d_bonus, 'locked', d_locked),
        'balance', jsonb_build_object('real', real_balance, 'bonus', bonus_balance, 'locked', locked_balance),
        'reference', reference.id, 'metadata', p_metadata));
    code := 'ok';
END
$$;
