-- A Hub88 win of 0 in one round trip: judged and stored by one function call (docs/providers/hub88.md
-- "Zero amounts"), and a free bet's answer stored, or the stored one read, in one call too.
--
-- Before, a new win of 0 took two statements (Ledger's reference view, then the store) and a
-- free call whose answer was stored already a third (reading it back). games_store_free_call
-- stores an RS_OK answer and counts the call in its round, or reads the answer stored first;
-- games_zero_win judges a win of 0 from Ledger's SQL API (its reference view, migration 0064,
-- whose name Ledger's Swift API hands over: Games never names Ledger's functions, and calls it
-- with EXECUTE) and Games' own free bets, then calls it. The answers are those of the Swift code
-- before, but one: the player's own bet that a rollback reversed is rolled back even when a
-- tombstone names it too (a rollback from another user or currency can race the bet and leave
-- one), where the tombstone used to hide the reversal and the win of 0 was answered RS_OK.
-- Revert this migration before 0064, whose function games_zero_win calls.
-- Revert: DROP FUNCTION games_zero_win(text, text, bigint, text, integer, text, text, text, bytea, text, text, boolean, text),
--         games_store_free_call(text, text, text, bytea, text, bigint, text, bigint, text, text, text, boolean, boolean),
--         games_hub88_wire_balance(numeric, integer);

-- Hub88Amount.wire in SQL, for the balance a zero win stores: a balance of a currency with
-- `p_scale` decimals in Hub88's 1/100000 units, rounded down (never show more than the player
-- has), and Int64.max for what does not fit, as Swift does for the playable sum (real + bonus,
-- never negative: the ledger refuses a negative balance). Hub88ZeroWinTests compares the two. One
-- expression, so that PostgreSQL inlines it into the call.
CREATE FUNCTION games_hub88_wire_balance(p_units numeric, p_scale integer) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT least(CASE WHEN p_scale >= 5 THEN div(least(p_units, 9223372036854775807), power(10::numeric, p_scale - 5))
                      ELSE least(p_units, 9223372036854775807) * power(10::numeric, 5 - p_scale) END,
                 9223372036854775807)::bigint
$$;

-- Stores a free call's answer when `p_store` (only an RS_OK answer is kept: a refused call may be
-- sent again and succeed) and counts the call in its round, once: only the call that stored the
-- record counts. Otherwise, or when an answer was stored first, returns that answer and whether it
-- was stored for the same call (the same payload hash). No row stored: first_status is NULL.
-- PL/pgSQL, not one SQL statement: when a twin's insert is in flight, ON CONFLICT waits for it to
-- commit, and only a statement started after that sees the twin's row.
CREATE FUNCTION games_store_free_call(
    p_provider text, p_transaction_uuid text, p_kind text, p_payload_hash bytea, p_status text, p_player bigint,
    p_currency text, p_balance bigint, p_reward text, p_round text, p_game text, p_closed boolean, p_store boolean)
RETURNS TABLE (stored boolean, first_status text, first_balance bigint, same_call boolean)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_store THEN
        INSERT INTO games_free_transactions AS f (provider, transaction_uuid, kind, payload_hash, status, player_id, currency,
                                                  balance, reward_uuid)
        VALUES (p_provider, p_transaction_uuid, p_kind, p_payload_hash, p_status, p_player, p_currency, p_balance, p_reward)
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            PERFORM games_round_add(p_provider, p_round, p_player, p_game, p_currency, 0, 0, p_closed);
            RETURN QUERY SELECT true, p_status, p_balance, true;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT false, f.status, f.balance, f.payload_hash = p_payload_hash
                   FROM (SELECT 1) AS one
                   LEFT JOIN games_free_transactions f ON f.provider = p_provider AND f.transaction_uuid = p_transaction_uuid;
END
$$;

-- A win of 0 names its bet (`p_bet_scope`/`p_bet_key` in the ledger, `p_bet_uuid` as a free bet)
-- and moves nothing. `p_reference_view`: Ledger's reference view function (migration 0064), by
-- the name `Ledger.referenceViewFunction` gives. The verdict: 'ok' when the bet is this player's
-- and not rolled back, in the ledger or as a free bet answered RS_OK; 'rolledBack' when the
-- player's bet was reversed, or when no bet of theirs is in the ledger and a rollback refused the
-- key in advance (a tombstone); 'betNotFound' otherwise. `played`: the verdict proved the player has played with this provider
-- (their bet passed its session check). The balances are the player's in `p_currency` as the
-- verdict read them; an 'ok' verdict is stored with their playable sum in Hub88 units.
CREATE FUNCTION games_zero_win(
    p_provider text, p_transaction_uuid text, p_player bigint, p_currency text, p_scale integer,
    p_bet_scope text, p_bet_key text, p_bet_uuid text, p_payload_hash bytea, p_round text, p_game text, p_closed boolean,
    p_reference_view text)
RETURNS TABLE (verdict text, played boolean, real_balance bigint, bonus_balance bigint, locked_balance bigint,
               stored boolean, first_status text, first_balance bigint, same_call boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    bet record;
BEGIN
    EXECUTE format('SELECT * FROM %s($1, $2, $3, $4)', p_reference_view::regproc) INTO bet
      USING p_bet_scope, p_bet_key, p_player, p_currency;
    IF bet.player_id = p_player THEN
        verdict := CASE WHEN bet.rolled_back THEN 'rolledBack' ELSE 'ok' END;
        played := true;
    ELSIF bet.tombstoned THEN
        verdict := 'rolledBack';
        played := false;
    ELSIF EXISTS (SELECT 1 FROM games_free_transactions f
                   WHERE f.provider = p_provider AND f.transaction_uuid = p_bet_uuid AND f.player_id = p_player
                     AND f.kind = 'bet' AND f.status = 'RS_OK') THEN
        verdict := 'ok';
        played := true;
    ELSE
        verdict := 'betNotFound';
        played := false;
    END IF;
    real_balance := bet.real_balance;
    bonus_balance := bet.bonus_balance;
    locked_balance := bet.locked_balance;
    SELECT s.stored, s.first_status, s.first_balance, s.same_call INTO stored, first_status, first_balance, same_call
      FROM games_store_free_call(p_provider, p_transaction_uuid, 'win', p_payload_hash, 'RS_OK', p_player, p_currency,
                                 games_hub88_wire_balance(bet.real_balance::numeric + bet.bonus_balance, p_scale),
                                 NULL, p_round, p_game, p_closed, verdict = 'ok') AS s;
    RETURN NEXT;
END
$$;
