-- A rollback's reads of the transfers it reverses and of the reversed bet's wins, and a
-- chargeback's of its deposit, look each row up by key whatever the tables' statistics were when
-- the plan was made (docs/benchmarks.md, "A rollback that read every account").
--
-- Called from `ledger_apply_batch_v2`, `ledger_apply` inherits that function's
-- `force_generic_plan`, so each of its statements is planned once per connection, from the
-- statistics of that moment, until they change. A rollback's two reads were joins the planner
-- could make scan a whole table or index:
-- - a rollback's transfers, joined to `ledger_accounts` for the house's code. From statistics
--   taken while the transfers debited only house accounts (a new install whose players have only
--   deposited, a benchmark's funded players) the planner chose a merge join walking the accounts'
--   primary key up to the debited one: for a player's bet, most of the table (4,500 to 5,800
--   rows a rollback in the ledger benchmark, 0.74 ms a call);
-- - a bet's rollback looks for a win of it that was not rolled back, an anti-join. From statistics
--   with no rollbacks yet, the plan read every rollback for each such win.
-- Each is now a scalar subquery on a unique key per row (a probe). Chargebacks are not batched
-- (Payments applies them alone), but PostgreSQL's plan cache may still keep a generic plan after
-- five calls, so their two joins take the same shape: the deposit's house debit by a scalar
-- subquery, the earlier chargebacks' amounts by a LATERAL aggregate per chargeback.
-- The answers are the same: a transfer's accounts exist (the auditor's invariant 10), a win has
-- at most one rollback (`ledger_transactions_one_rollback`), and the deposit's one house-debit
-- transfer is found as before. The rest of the body is 0067's.
-- Revert: re-run the CREATE OR REPLACE FUNCTION ledger_apply of 0067_ledger_own_reference_under_lock.sql.

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
    a_real bigint; a_bonus bigint; a_locked bigint; a_house bigint; a_fees bigint; a_debt bigint;
    d_real bigint := 0; d_bonus bigint := 0; d_locked bigint := 0; d_debt bigint := 0;
    debt_balance bigint;
    from_real bigint; from_bonus bigint;
    win_bonus bigint := 0;
    deposited bigint; charged bigint; taken bigint;
    transfers bigint[][] := '{}';
    t record;
    -- The event's house account: the caller's, or the reversed transaction's for a rollback (0049).
    event_house text := p_house;
    max_int constant bigint := 9223372036854775807;
BEGIN
    replayed := false;

    -- A replay is found before any lock is taken: a tombstone's is answered here, an applied
    -- operation's after the player's lock (below), with no key's lock.
    SELECT * INTO existing FROM ledger_transactions WHERE idempotency_scope = p_scope AND idempotency_key = p_key;
    IF NOT FOUND THEN
        SELECT * INTO tomb FROM ledger_tombstones WHERE rollback_scope = p_scope AND rollback_key = p_key;
        IF FOUND THEN
            -- The balances of this player and currency only (0066: they were the tombstone's, so
            -- a call reusing another player's rollback key was shown that player's balances).
            SELECT r.balance, b.balance, l.balance INTO real_balance, bonus_balance, locked_balance
              FROM ledger_accounts r, ledger_accounts b, ledger_accounts l
             WHERE tomb.player_id = p_player AND tomb.currency = p_currency
               AND r.player_id = tomb.player_id AND r.currency = tomb.currency AND r.balance_kind = 'real'
               AND b.player_id = tomb.player_id AND b.currency = tomb.currency AND b.balance_kind = 'bonus'
               AND l.player_id = tomb.player_id AND l.currency = tomb.currency AND l.balance_kind = 'locked';
            code := CASE WHEN tomb.payload_hash = p_hash THEN 'referenceNotFound' ELSE 'duplicateMismatch' END;
            replayed := tomb.payload_hash = p_hash;
            RETURN;
        END IF;
    END IF;

    IF p_kind NOT IN ('rollback', 'withdrawal_post', 'withdrawal_void', 'unfreeze') AND (p_amount IS NULL OR p_amount <= 0)
       AND NOT (p_kind = 'adjustment' AND p_amount < 0) THEN
        code := 'invalidAmount'; RETURN;
    END IF;
    -- A payout's p_amount is its fee: none (NULL or 0) or a positive part of the hold.
    IF p_kind = 'withdrawal_post' AND p_amount < 0 THEN code := 'invalidAmount'; RETURN; END IF;
    PERFORM 1 FROM ledger_currencies WHERE ledger_currencies.code = p_currency;
    IF NOT FOUND THEN code := 'unknownCurrency'; RETURN; END IF;

    -- A refusal writes nothing, not even the player's accounts: while the player has none in
    -- this currency, nothing of theirs in it exists to be named, replayed or spent, so anything
    -- but a credit or a rollback (which may leave a tombstone) is refused before they are opened.
    -- Unlocked: whatever commits meanwhile is ordered after this call, but for the player's own
    -- operation the call names (0067, below).
    PERFORM 1 FROM ledger_accounts WHERE player_id = p_player AND ledger_accounts.currency = p_currency;
    IF NOT FOUND AND (existing.id IS NOT NULL
                      OR p_kind IN ('bet', 'withdrawal_hold', 'withdrawal_post', 'withdrawal_void', 'bonus_convert', 'bonus_forfeit',
                                    'chargeback', 'freeze', 'unfreeze')
                      OR (p_kind = 'win' AND p_reference_key IS NOT NULL) OR (p_kind = 'adjustment' AND p_amount < 0)
                      -- A rollback naming nothing known is let through: its tombstone needs the lock.
                      OR (p_kind = 'rollback'
                          AND (EXISTS (SELECT 1 FROM ledger_transactions
                                        WHERE idempotency_scope = p_reference_scope AND idempotency_key = p_reference_key)
                               OR EXISTS (SELECT 1 FROM ledger_tombstones
                                           WHERE reference_scope = p_reference_scope AND reference_key = p_reference_key)))) THEN
        IF existing.id IS NOT NULL THEN code := 'duplicateMismatch'; RETURN; END IF;
        real_balance := 0; bonus_balance := 0; locked_balance := 0;
        PERFORM 1 FROM ledger_tombstones WHERE reference_scope = p_scope AND reference_key = p_key;
        IF FOUND THEN code := 'alreadyRolledBack'; RETURN; END IF;
        IF p_reference_key IS NULL THEN code := 'insufficientFunds'; RETURN; END IF;
        SELECT * INTO reference FROM ledger_transactions
         WHERE idempotency_scope = p_reference_scope AND idempotency_key = p_reference_key;
        IF reference.id IS NULL THEN
            PERFORM 1 FROM ledger_tombstones WHERE reference_scope = p_reference_scope AND reference_key = p_reference_key;
            code := CASE WHEN FOUND THEN 'alreadyRolledBack' ELSE 'referenceNotFound' END;
            RETURN;
        END IF;
        IF reference.player_id <> p_player THEN code := 'referenceNotFound'; RETURN; END IF;
        IF reference.currency <> p_currency THEN code := 'currencyMismatch'; RETURN; END IF;
        -- The player's own operation in this currency, committed since the look at their accounts
        -- (which it opened): no refusal here can be right, so the call is judged under the lock.
    END IF;

    -- Lock the player's real account for this currency, creating the three on first use. Its
    -- row lock is the player's lock: every operation takes it before it reads or writes any of
    -- the player's accounts in the currency, so bonus, locked and debt are written only under
    -- it and need no lock of their own (an UPDATE still locks the row it changes). The three
    -- are created together, real first, so real has the lowest id of them: a caller that locks
    -- all three in id order (ledger_refuse_known_reference_v1) takes real first too.
    SELECT id INTO a_real FROM ledger_accounts
     WHERE player_id = p_player AND ledger_accounts.currency = p_currency AND balance_kind = 'real' FOR UPDATE;
    IF a_real IS NULL THEN
        INSERT INTO ledger_accounts (player_id, balance_kind, currency)
        VALUES (p_player, 'real', p_currency), (p_player, 'bonus', p_currency), (p_player, 'locked', p_currency)
        ON CONFLICT DO NOTHING;
        SELECT id INTO a_real FROM ledger_accounts
         WHERE player_id = p_player AND ledger_accounts.currency = p_currency AND balance_kind = 'real' FOR UPDATE;
    END IF;
    -- Read after the lock, so of a snapshot that holds every write of the lock's previous holder.
    SELECT r.balance, b.id, b.balance, l.id, l.balance INTO real_balance, a_bonus, bonus_balance, a_locked, locked_balance
      FROM ledger_accounts r, ledger_accounts b, ledger_accounts l
     WHERE r.id = a_real AND b.player_id = p_player AND b.currency = p_currency AND b.balance_kind = 'bonus'
       AND l.player_id = p_player AND l.currency = p_currency AND l.balance_kind = 'locked';

    IF existing.id IS NULL THEN
        -- The keys' locks (0066): a rollback's named key, then the operation's own, after the
        -- player's lock in every path (Ledger's early-rollback check takes the named key's after
        -- the player's rows too). An operation of either key under another player's (or
        -- currency's) lock has committed before the reads below, or waits for this one's commit
        -- and then sees its rows. A replay found above needs neither: a committed row is final.
        IF p_kind = 'rollback' AND p_reference_key IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(hashtextextended('ledger.key:' || p_reference_scope || ':' || p_reference_key, 0));
        END IF;
        PERFORM pg_advisory_xact_lock(hashtextextended('ledger.key:' || p_scope || ':' || p_key, 0));
        -- Under the locks, look again: a concurrent twin of this operation may have committed.
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

    -- Or a twin that is a rollback of another player's (or currency's) left a tombstone under this
    -- key: answered as the replay check above answers one (no other player's balances).
    SELECT * INTO tomb FROM ledger_tombstones WHERE rollback_scope = p_scope AND rollback_key = p_key;
    IF FOUND THEN
        code := CASE WHEN tomb.payload_hash = p_hash THEN 'referenceNotFound' ELSE 'duplicateMismatch' END;
        replayed := tomb.payload_hash = p_hash;
        IF tomb.player_id <> p_player OR tomb.currency <> p_currency THEN
            real_balance := NULL; bonus_balance := NULL; locked_balance := NULL;
        END IF;
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
    WHEN 'win' THEN
        IF reference.id IS NOT NULL THEN
            PERFORM 1 FROM ledger_transactions r WHERE r.reference_id = reference.id AND r.kind = 'rollback';
            IF FOUND THEN code := 'alreadyRolledBack'; RETURN; END IF;
            -- The bet's deltas are its stake, negated: the bonus part's share, rounded down, in
            -- numeric so that W × B cannot overflow, and with div() (integer division, exact):
            -- numeric's `/` rounds its quotient to a scale of its choosing, 0 for large operands.
            IF reference.kind = 'bet' AND reference.bonus_delta < 0 THEN
                win_bonus := div(p_amount::numeric * (-reference.bonus_delta),
                                 (-(reference.real_delta + reference.bonus_delta))::numeric)::bigint;
            END IF;
        END IF;
        IF p_amount > win_bonus THEN transfers := ARRAY[[a_house, a_real, p_amount - win_bonus]]; END IF;
        IF win_bonus > 0 THEN transfers := transfers || ARRAY[[a_house, a_bonus, win_bonus]]; END IF;
    WHEN 'deposit' THEN
        transfers := ARRAY[[a_house, a_real, p_amount]];
        -- What the player owes from chargebacks is paid first, out of this deposit. One indexed
        -- lookup; a player who never owed anything has no debt account at all.
        SELECT id, balance INTO a_debt, debt_balance FROM ledger_accounts
         WHERE player_id = p_player AND ledger_accounts.currency = p_currency AND balance_kind = 'debt';
        IF debt_balance < 0 THEN
            d_debt := least(p_amount, -debt_balance);
            transfers := transfers || ARRAY[[a_real, a_debt, d_debt]];
        END IF;
    WHEN 'withdrawal_hold' THEN
        IF p_amount > real_balance THEN code := 'insufficientFunds'; RETURN; END IF;
        transfers := ARRAY[[a_real, a_locked, p_amount]];
    WHEN 'withdrawal_post', 'withdrawal_void' THEN
        IF reference.kind <> 'withdrawal_hold' THEN code := 'notReversible'; RETURN; END IF;
        PERFORM 1 FROM ledger_transactions s WHERE s.reference_id = reference.id AND s.kind IN ('withdrawal_post', 'withdrawal_void');
        IF FOUND THEN code := 'alreadySettled'; RETURN; END IF;
        IF p_kind = 'withdrawal_void' THEN
            transfers := ARRAY[[a_locked, a_real, reference.locked_delta]];
        ELSE
            -- The gateway's fee stays with the house (`fees`); the gateway pays out the rest.
            IF coalesce(p_amount, 0) > reference.locked_delta THEN code := 'invalidAmount'; RETURN; END IF;
            IF reference.locked_delta > coalesce(p_amount, 0) THEN
                transfers := ARRAY[[a_locked, a_house, reference.locked_delta - coalesce(p_amount, 0)]];
            END IF;
            IF p_amount > 0 THEN
                SELECT id INTO a_fees FROM ledger_accounts WHERE house_code = 'fees' AND ledger_accounts.currency = p_currency;
                IF a_fees IS NULL THEN
                    INSERT INTO ledger_accounts (house_code, balance_kind, currency) VALUES ('fees', 'house', p_currency)
                    ON CONFLICT DO NOTHING;
                    SELECT id INTO a_fees FROM ledger_accounts WHERE house_code = 'fees' AND ledger_accounts.currency = p_currency;
                END IF;
                transfers := transfers || ARRAY[[a_locked, a_fees, p_amount]];
            END IF;
        END IF;
    WHEN 'chargeback' THEN
        IF reference.kind <> 'deposit' THEN code := 'notReversible'; RETURN; END IF;
        -- A deposit's amount is its one transfer from the gateway; what settled a debt out of it
        -- was still deposited. Chargebacks naming it may take back that much in all, no more.
        -- The house debit by its account's key, earlier chargebacks' transfers per chargeback (0071):
        -- as joins, a plan made once per connection could scan a whole table.
        SELECT f.amount INTO deposited FROM ledger_transfers f
         WHERE f.transaction_id = reference.id
           AND (SELECT a.house_code FROM ledger_accounts a WHERE a.id = f.debit_account_id) IS NOT NULL;
        SELECT coalesce(sum(charge.amount), 0) INTO charged
          FROM ledger_transactions c, LATERAL (SELECT sum(f.amount) AS amount FROM ledger_transfers f WHERE f.transaction_id = c.id) charge
         WHERE c.reference_id = reference.id AND c.kind = 'chargeback';
        IF p_amount > deposited - charged THEN code := 'invalidAmount'; RETURN; END IF;
        -- Real money only (bonus was never the gateway's, locked is promised to a payout), never
        -- below zero; what real does not cover the player owes, booked on the debt account.
        taken := least(p_amount, real_balance);
        d_debt := taken - p_amount;
        IF taken > 0 THEN transfers := ARRAY[[a_real, a_house, taken]]; END IF;
        IF d_debt < 0 THEN
            -- Opened under the player's lock, so it is never written concurrently.
            SELECT id, balance INTO a_debt, debt_balance FROM ledger_accounts
             WHERE player_id = p_player AND ledger_accounts.currency = p_currency AND balance_kind = 'debt';
            -- Never down to -2^63, whose negation (what is owed) has no bigint.
            IF coalesce(debt_balance, 0) < -max_int - d_debt THEN code := 'amountOverflow'; RETURN; END IF;
            IF a_debt IS NULL THEN
                INSERT INTO ledger_accounts (player_id, balance_kind, currency) VALUES (p_player, 'debt', p_currency)
                RETURNING id INTO a_debt;
            END IF;
            transfers := transfers || ARRAY[[a_debt, a_house, -d_debt]];
        END IF;
    WHEN 'freeze' THEN
        -- A compliance freeze: real money set aside, like a withdrawal's hold but for no payout.
        IF p_amount > real_balance THEN code := 'insufficientFunds'; RETURN; END IF;
        transfers := ARRAY[[a_real, a_locked, p_amount]];
    WHEN 'unfreeze' THEN
        -- Returns exactly what the named freeze set aside, once.
        IF reference.kind <> 'freeze' THEN code := 'notReversible'; RETURN; END IF;
        PERFORM 1 FROM ledger_transactions s WHERE s.reference_id = reference.id AND s.kind = 'unfreeze';
        IF FOUND THEN code := 'alreadySettled'; RETURN; END IF;
        transfers := ARRAY[[a_locked, a_real, reference.locked_delta]];
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
            -- The win's rollback by its key (0071): as an anti-join, a plan made while there were no
            -- rollbacks read all of them for every win.
            PERFORM 1 FROM ledger_transactions w
             WHERE w.reference_id = reference.id AND w.kind = 'win'
               AND (SELECT u.id FROM ledger_transactions u WHERE u.reference_id = w.id AND u.kind = 'rollback') IS NULL;
            IF FOUND THEN code := 'alreadySettled'; RETURN; END IF;
        END IF;
        -- The house's code by each account's key (0071): as a join, a merge could scan the accounts.
        FOR t IN SELECT f.credit_account_id, f.debit_account_id, f.amount,
                        coalesce((SELECT c.house_code FROM ledger_accounts c WHERE c.id = f.credit_account_id),
                                 (SELECT d.house_code FROM ledger_accounts d WHERE d.id = f.debit_account_id)) AS house_code
                   FROM ledger_transfers f
                  WHERE f.transaction_id = reference.id ORDER BY f.id LOOP
            transfers := transfers || ARRAY[[t.credit_account_id, t.debit_account_id, t.amount]];
            event_house := coalesce(event_house, t.house_code);
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
    IF d_debt <> 0 THEN UPDATE ledger_accounts SET balance = balance + d_debt WHERE id = a_debt RETURNING balance INTO debt_balance; END IF;
    INSERT INTO outbox (event_id, subject, payload)
    VALUES (gen_random_uuid(), 'croupier.ledger.' || p_kind, jsonb_build_object(
        'transactionId', transaction_id, 'kind', p_kind, 'playerId', p_player, 'currency', p_currency,
        'idempotencyKey', p_scope || ':' || p_key,
        'delta', jsonb_build_object('real', d_real, 'bonus', d_bonus, 'locked', d_locked)
                 || CASE WHEN d_debt <> 0 THEN jsonb_build_object('debt', d_debt) ELSE '{}' END,
        'balance', jsonb_build_object('real', real_balance, 'bonus', bonus_balance, 'locked', locked_balance)
                   || CASE WHEN d_debt <> 0 THEN jsonb_build_object('debt', debt_balance) ELSE '{}' END,
        'reference', reference.id, 'house', event_house, 'metadata', p_metadata));
    code := 'ok';
END
$$;
