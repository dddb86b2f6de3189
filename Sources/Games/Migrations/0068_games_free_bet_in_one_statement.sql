-- A Hub88 free bet in one round trip: judged and stored by one function call (docs/providers/hub88.md
-- "Free rounds").
--
-- A free bet (is_free, or an amount of 0) moves no money, so it never reaches the ledger. It read
-- the session, then the player's status (Identity), then the balance, then stored its answer: four
-- statements. games_free_bet runs the checks it is handed, a paid bet's (Games' session check,
-- Identity's player status, and those the App adds: Compliance's exclusions and limits, Bonuses'
-- maximum stake), with a stake of 0; reads the balance through Ledger's reference view (migration
-- 0064); and stores the answer with games_store_free_call (0065). Other contexts' functions come
-- by the names their Swift APIs give: Games never names them. The answers are the Swift code's,
-- with the session's expiry judged by the database's clock as a paid bet's is, but one: the
-- checks the App adds were not run for a free bet, so a self-excluded or timed-out player's free
-- bet was accepted; it is RS_ERROR_USER_DISABLED now, as their paid bet is.
-- Revert: DROP FUNCTION games_free_bet(text, text, bigint, text, integer, bytea, text, text, text, boolean, jsonb, text[], text);

-- `p_arguments`: the hook arguments of a bet (Hub88Wallet.hookArguments). `p_checks`: a bet's
-- checks, run in order until one refuses (the session's first). `played`: the player
-- has played with this provider (the checks passed, or a session of theirs exists), so the answer
-- may show their balance; the balances are read only then. An RS_OK answer is stored with the
-- playable sum in Hub88 units; a refusal is not stored (it may be sent again and succeed), but an
-- answer stored first for the uuid is returned either way.
CREATE FUNCTION games_free_bet(
    p_provider text, p_transaction_uuid text, p_player bigint, p_currency text, p_scale integer, p_payload_hash bytea,
    p_reward text, p_round text, p_game text, p_closed boolean, p_arguments jsonb, p_checks text[], p_reference_view text)
RETURNS TABLE (refusal text, played boolean, real_balance bigint, bonus_balance bigint, locked_balance bigint,
               stored boolean, first_status text, first_balance bigint, same_call boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    check_function text;
    balances record;
BEGIN
    FOREACH check_function IN ARRAY p_checks LOOP
        EXIT WHEN refusal IS NOT NULL;
        EXECUTE format('SELECT %s($1, $2)', check_function::regproc) INTO refusal USING p_player, p_arguments;
    END LOOP;
    played := refusal IS NULL
              OR EXISTS (SELECT 1 FROM games_sessions s WHERE s.player_id = p_player AND s.provider = p_provider);
    IF played THEN
        -- An empty key names no operation (the ledger refuses one as invalidKey): the view
        -- answers the balances alone.
        EXECUTE format('SELECT * FROM %s($1, $2, $3, $4)', p_reference_view::regproc) INTO balances
          USING '', '', p_player, p_currency;
        real_balance := balances.real_balance;
        bonus_balance := balances.bonus_balance;
        locked_balance := balances.locked_balance;
    END IF;
    SELECT s.stored, s.first_status, s.first_balance, s.same_call INTO stored, first_status, first_balance, same_call
      FROM games_store_free_call(p_provider, p_transaction_uuid, 'bet', p_payload_hash, 'RS_OK', p_player, p_currency,
                                 games_hub88_wire_balance(real_balance::numeric + bonus_balance, p_scale),
                                 p_reward, p_round, p_game, p_closed, refusal IS NULL) AS s;
    RETURN NEXT;
END
$$;
