-- What a Hub88 refusal may show, in one round trip (docs/providers/hub88.md "Answers").
--
-- A refusal shows the player's balance only to a provider the player has played with (a session
-- of theirs with it exists). A refusal that knew neither (an unknown currency or a malformed
-- amount before any ledger call, a free bet on a game not offered, a rollback whose ledger answer
-- carried no balances) asked Games whether the player has played, then Ledger for the balances:
-- two statements. games_refusal_view answers both, reading the balances through Ledger's
-- reference view (migration 0064, called with the empty key, which names no operation: the
-- balances alone) only when they may be shown; a free bet reads them the same way (0069).
-- Ledger's function comes by the name Ledger's Swift API gives: Games never names it.
-- Revert (after 0069, whose function calls this one): DROP FUNCTION games_refusal_view(bigint, text, text, text);

CREATE FUNCTION games_refusal_view(p_player bigint, p_provider text, p_currency text, p_reference_view text)
RETURNS TABLE (played boolean, real_balance bigint, bonus_balance bigint, locked_balance bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    balances record;
BEGIN
    played := EXISTS (SELECT 1 FROM games_sessions s WHERE s.player_id = p_player AND s.provider = p_provider);
    IF played THEN
        EXECUTE format('SELECT * FROM %s($1, $2, $3, $4)', p_reference_view::regproc) INTO balances
          USING '', '', p_player, p_currency;
        real_balance := balances.real_balance;
        bonus_balance := balances.bonus_balance;
        locked_balance := balances.locked_balance;
    END IF;
    RETURN NEXT;
END
$$;
