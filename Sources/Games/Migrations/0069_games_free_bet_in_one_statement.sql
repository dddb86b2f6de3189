-- A Hub88 free bet in one round trip: judged and stored by one function call (docs/providers/hub88.md
-- "Zero amounts").
--
-- A free bet (is_free, or an amount of 0) moves no money, so it never reaches the ledger. It read
-- the session, then the player's status (Identity), then the balance, then stored its answer: four
-- statements. games_free_bet runs a paid bet's checks with a stake of 0 (Games' session check,
-- then the others it is handed: Identity's player status and those the App adds, Compliance's
-- exclusions and limits, Bonuses' maximum stake), learns whether the player has played with the
-- provider and their balance as a refusal does (games_refusal_view, migration 0068), and stores
-- the answer with games_store_free_call (0065). Other contexts' functions come by the names their
-- Swift APIs give: Games never names them. The answers are the
-- Swift code's, with the session's expiry judged by the database's clock as a paid bet's is, but
-- for the checks the App adds, which a free bet did not run: a self-excluded or timed-out
-- player's free bet was accepted and is RS_ERROR_USER_DISABLED now, as their paid bet is, and a
-- player already past a loss or wager limit (after lowering it, say) is RS_ERROR_LIMIT_REACHED.
-- Revert: DROP FUNCTION games_free_bet(text, text, bigint, text, integer, bytea, text, text, text, boolean, jsonb, regproc[], text);

-- `p_arguments`: the hook arguments of a bet (Hub88Wallet.hookArguments). `p_checks`: a bet's
-- checks after the session's, run in order until one refuses. `played`: the player has played
-- with this provider (a session of theirs exists, as it does when the checks passed), so the
-- answer may show their balance; the balances are read only then. An RS_OK answer is stored with the
-- playable sum in Hub88 units; a refusal is not stored (it may be sent again and succeed), but an
-- answer stored first for the uuid is returned either way.
CREATE FUNCTION games_free_bet(
    p_provider text, p_transaction_uuid text, p_player bigint, p_currency text, p_scale integer, p_payload_hash bytea,
    p_reward text, p_round text, p_game text, p_closed boolean, p_arguments jsonb, p_checks regproc[], p_reference_view text)
RETURNS TABLE (refusal text, played boolean, real_balance bigint, bonus_balance bigint, locked_balance bigint,
               stored boolean, first_status text, first_balance bigint, same_call boolean)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- The session's check by name, not handed over: `played` below rests on it.
    refusal := games_check_bet_v1(p_player, p_arguments);
    IF refusal IS NULL AND coalesce(cardinality(p_checks), 0) > 0 THEN
        -- The others in one statement, as the ledger runs a bet's (migration 0060): the first
        -- refusal. A regproc's text is the function's name, quoted and qualified as needed.
        EXECUTE 'SELECT coalesce(' || array_to_string(p_checks::text[], '($1, $2), ') || '($1, $2))'
           INTO refusal USING p_player, p_arguments;
    END IF;
    SELECT v.played, v.real_balance, v.bonus_balance, v.locked_balance INTO played, real_balance, bonus_balance, locked_balance
      FROM games_refusal_view(p_player, p_provider, p_currency, p_reference_view) AS v;
    SELECT s.stored, s.first_status, s.first_balance, s.same_call INTO stored, first_status, first_balance, same_call
      FROM games_store_free_call(p_provider, p_transaction_uuid, 'bet', p_payload_hash, 'RS_OK', p_player, p_currency,
                                 games_hub88_wire_balance(real_balance::numeric + bonus_balance, p_scale),
                                 p_reward, p_round, p_game, p_closed, refusal IS NULL) AS s;
    RETURN NEXT;
END
$$;
