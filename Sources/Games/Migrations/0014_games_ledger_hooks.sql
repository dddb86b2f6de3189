-- Games' part of a Hub88 bet or win, as hooks the ledger runs inside the operation's
-- transaction (Ledger's SQL API, docs/ledger.md "Hooks"; docs/providers/hub88.md): one round
-- trip and one commit, as games_bet and games_win did, without Games naming Ledger's or
-- Identity's tables or functions. Each takes the player and the call's arguments
-- (Hub88Wallet+Hooks.swift): provider, token_hash (hex), game, playable, currency, round,
-- closed, bet, win. PL/pgSQL, so that their plans are cached per connection: the ledger calls
-- them by name (EXECUTE), which rules out inlining, and a SQL function would be planned anew on
-- every call.
-- Revert: DROP FUNCTION games_record_round_v1, games_check_bet_v1;
--         re-run games_bet and games_win of 0007_games.sql.

DROP FUNCTION games_bet(text, bytea, bigint, text, boolean, text, text, boolean, text, text, bytea, bigint, text, jsonb);
DROP FUNCTION games_win(text, bigint, text, text, text, boolean, text, text, bytea, bigint, text, text, text, jsonb);

-- A bet's session: the game is playable, the token is this provider's, names this player, has
-- not expired, and is for this game and currency (refusals: invalidGame, invalidToken,
-- tokenExpired, invalidGame, wrongCurrency, in that order).
CREATE FUNCTION games_check_bet_v1(p_player bigint, p_call jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s record;
BEGIN
    IF NOT (p_call->>'playable')::boolean THEN RETURN 'invalidGame'; END IF;
    SELECT player_id, game_code, currency, expires_at INTO s FROM games_sessions
     WHERE token_hash = decode(p_call->>'token_hash', 'hex') AND provider = p_call->>'provider';
    IF NOT FOUND OR s.player_id <> p_player THEN RETURN 'invalidToken'; END IF;
    IF s.expires_at <= now() THEN RETURN 'tokenExpired'; END IF;
    IF s.game_code <> p_call->>'game' THEN RETURN 'invalidGame'; END IF;
    IF s.currency <> p_call->>'currency' THEN RETURN 'wrongCurrency'; END IF;
    RETURN NULL;
END
$$;

-- Follow-up of an applied bet or win: the round's totals (as games_round_add adds them).
CREATE FUNCTION games_record_round_v1(p_player bigint, p_call jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO games_rounds (provider, round, player_id, game_code, currency, bet_units, win_units, transactions, opened_at, updated_at,
                              closed_at)
    VALUES (p_call->>'provider', left(p_call->>'round', 200), p_player, p_call->>'game', p_call->>'currency', (p_call->>'bet')::bigint,
            (p_call->>'win')::bigint, 1, now(), now(), CASE WHEN (p_call->>'closed')::boolean THEN now() END)
    ON CONFLICT (provider, round) DO UPDATE SET bet_units = games_rounds.bet_units + EXCLUDED.bet_units,
        win_units = games_rounds.win_units + EXCLUDED.win_units, transactions = games_rounds.transactions + 1,
        updated_at = EXCLUDED.updated_at, closed_at = coalesce(games_rounds.closed_at, EXCLUDED.closed_at);
END
$$;
