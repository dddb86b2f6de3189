-- A rollback's tombstone and an operation of the key it names are ordered by that key's lock
-- (docs/ledger.md "Tombstones and the key's lock").
--
-- A rollback that finds nothing to reverse leaves a tombstone under its own player's lock (the
-- `real` row of its player and currency). An operation of the named key by another player, or by
-- the same player in another currency, holds a different lock: the two could run at once, each
-- miss the other's uncommitted row, and both commit. The operation stood while its rollback had
-- been answered, and the auditor reported invariant 5 (a key both tombstoned and applied).
-- Now each key has a transaction-scoped advisory lock, taken after the player's lock: a rollback
-- takes the named key's, then every operation that may be applied its own; then, under all three,
-- it looks again for a twin, for a tombstone left under its own key by another player's rollback,
-- and for a tombstone of its key. Whichever commits first, the other sees it: the operation is
-- refused (`alreadyRolledBack`), or the rollback finds it (`referenceNotFound` for another
-- player's, `currencyMismatch` for another currency's, or it reverses it), and of two operations
-- under one key by different players the second is a replay or `duplicateMismatch`. The batch's
-- plain operations (bets and wins) take their keys' locks in one order, after their players'
-- locks and before it looks at them again (so a tombstone committed meanwhile makes it raise, as
-- one committed under the same player's lock did). A replay found before the player's lock takes
-- no key's lock; a refusal that opens no accounts takes none.
-- Ledger's check for a rollback sent before its reference was seen (0032) takes the named key's
-- lock too, after the player's rows, before it looks: a reference committing under another
-- player's or currency's lock is then refused `referenceKnown`, and the caller looks it up again
-- and answers as it would have after that commit (otherwise the ledger refused the rollback
-- `currencyMismatch`, and the caller never looked again). When the player has no accounts in the
-- currency yet, the check opens them first, as the rollback would, unless the reference is
-- applied already (so only a reference committing meanwhile leaves them open, empty). So every single call takes the player's lock, then the named
-- key's, then its own; a batch's player that is not plain takes keys' locks before the batch
-- locks later players, a cycle only two `serve`s can close (docs/ledger.md "Lock order"). And a mismatch under a key another player's rollback left a tombstone
-- under answers no balances, as a mismatch under another player's operation does (it answered
-- that player's, which Hub88 then showed to the caller).
-- Revert: re-run the CREATE OR REPLACE FUNCTION ledger_apply of 0050_ledger_leaner_writes.sql,
-- ledger_apply_batch_v2 of 0060_ledger_hooks_in_one_statement.sql, and the CREATE FUNCTION
-- ledger_refuse_known_reference_v1 of 0032_ledger_rollback_reference_check.sql as CREATE OR REPLACE.

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
    -- Unlocked: whatever commits meanwhile is ordered after this call.
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
        ELSE
            code := CASE WHEN reference.player_id = p_player THEN 'currencyMismatch' ELSE 'referenceNotFound' END;
        END IF;
        RETURN;
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
        SELECT f.amount INTO deposited FROM ledger_transfers f JOIN ledger_accounts a ON a.id = f.debit_account_id
         WHERE f.transaction_id = reference.id AND a.house_code IS NOT NULL;
        SELECT coalesce(sum(f.amount), 0) INTO charged FROM ledger_transactions c JOIN ledger_transfers f ON f.transaction_id = c.id
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
            PERFORM 1 FROM ledger_transactions w
             WHERE w.reference_id = reference.id AND w.kind = 'win'
               AND NOT EXISTS (SELECT 1 FROM ledger_transactions u WHERE u.reference_id = w.id AND u.kind = 'rollback');
            IF FOUND THEN code := 'alreadySettled'; RETURN; END IF;
        END IF;
        FOR t IN SELECT f.credit_account_id, f.debit_account_id, f.amount, coalesce(c.house_code, d.house_code) AS house_code
                   FROM ledger_transfers f
                   JOIN ledger_accounts c ON c.id = f.credit_account_id
                   JOIN ledger_accounts d ON d.id = f.debit_account_id
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

    -- Their keys' locks, in one order (0066), so that a rollback's tombstone committing under another
    -- player's lock is seen below; then, under the locks, look again at what made these operations plain.
    PERFORM pg_advisory_xact_lock(l.key)
       FROM (SELECT DISTINCT hashtextextended('ledger.key:' || p_scopes[ordered[s]] || ':' || p_keys[ordered[s]], 0) AS key
               FROM unnest(held) AS h(p), generate_series(firsts[h.p], lasts[h.p]) AS s ORDER BY 1) l;
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

CREATE OR REPLACE FUNCTION ledger_refuse_known_reference_v1(p_player bigint, p_call jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1 FROM ledger_accounts
     WHERE player_id = p_player AND currency = p_call->>'currency' AND balance_kind IN ('real', 'bonus', 'locked')
     ORDER BY id FOR UPDATE;
    IF NOT FOUND THEN
        -- None yet. A reference applied already is refused before anything is opened; otherwise
        -- the rollback may leave a tombstone and so opens them anyway: opened here, as
        -- ledger_apply opens them (real first), and locked, so that the named key's lock comes
        -- after the player's here too. Otherwise a credit of that key opening them meanwhile held
        -- them and waited for the key, and ledger_apply, after this check, waited for them.
        PERFORM 1 FROM ledger_transactions
         WHERE idempotency_scope = p_call->>'reference_scope' AND idempotency_key = p_call->>'reference_key';
        IF FOUND THEN RETURN 'referenceKnown'; END IF;
        INSERT INTO ledger_accounts (player_id, balance_kind, currency)
        SELECT p_player, v.kind, c.code FROM (VALUES (1, 'real'), (2, 'bonus'), (3, 'locked')) AS v(n, kind)
          JOIN ledger_currencies c ON c.code = p_call->>'currency' ORDER BY v.n
        ON CONFLICT DO NOTHING;
        PERFORM 1 FROM ledger_accounts
         WHERE player_id = p_player AND currency = p_call->>'currency' AND balance_kind IN ('real', 'bonus', 'locked')
         ORDER BY id FOR UPDATE;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('ledger.key:' || (p_call->>'reference_scope') || ':' || (p_call->>'reference_key'), 0));
    PERFORM 1 FROM ledger_transactions
     WHERE idempotency_scope = p_call->>'reference_scope' AND idempotency_key = p_call->>'reference_key';
    RETURN CASE WHEN FOUND THEN 'referenceKnown' END;
END
$$;
