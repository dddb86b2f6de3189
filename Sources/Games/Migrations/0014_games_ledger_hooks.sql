-- Games' part of a Hub88 bet or win, as hooks the ledger runs inside the operation's
-- transaction (Ledger's ledger_apply_with_hooks_v1; docs/providers/hub88.md): one round trip
-- and one commit, as games_bet and games_win did, without Games naming Ledger's or Identity's
-- tables or functions. Each takes the player and the call's arguments (Hub88Wallet+Hooks.swift):
-- provider, token_hash (hex), game, playable, currency, round, closed, bet, win.
-- Revert: DROP FUNCTION games_record_round_v1, games_check_bet_game_v1, games_check_bet_token_v1;
--         re-run games_bet and games_win of 0007_games.sql.

DROP FUNCTION games_bet(text, bytea, bigint, text, boolean, text, text, boolean, text, text, bytea, bigint, text, jsonb);
DROP FUNCTION games_win(text, bigint, text, text, text, boolean, text, text, bytea, bigint, text, text, text, jsonb);

-- First check of a bet: the game is playable, the token is this provider's, names this player
-- and has not expired (refusals: invalidGame, invalidToken, tokenExpired).
CREATE FUNCTION games_check_bet_token_v1(p_player bigint, p_call jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s record;
BEGIN
    IF NOT (p_call->>'playable')::boolean THEN RETURN 'invalidGame'; END IF;
    SELECT player_id, expires_at INTO s FROM games_sessions
     WHERE token_hash = decode(p_call->>'token_hash', 'hex') AND provider = p_call->>'provider';
    IF NOT FOUND OR s.player_id <> p_player THEN RETURN 'invalidToken'; END IF;
    IF s.expires_at <= now() THEN RETURN 'tokenExpired'; END IF;
    RETURN NULL;
END
$$;

-- Last check of a bet, after Identity's: the session is for this game and currency (refusals:
-- invalidGame, wrongCurrency).
CREATE FUNCTION games_check_bet_game_v1(p_player bigint, p_call jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN game_code <> p_call->>'game' THEN 'invalidGame' WHEN currency <> p_call->>'currency' THEN 'wrongCurrency' END
      FROM games_sessions
     WHERE token_hash = decode(p_call->>'token_hash', 'hex') AND provider = p_call->>'provider'
$$;

-- Follow-up of an applied bet or win: the round's totals.
CREATE FUNCTION games_record_round_v1(p_player bigint, p_call jsonb) RETURNS void
LANGUAGE sql AS $$
    SELECT games_round_add(p_call->>'provider', p_call->>'round', p_player, p_call->>'game', p_call->>'currency',
                           (p_call->>'bet')::bigint, (p_call->>'win')::bigint, (p_call->>'closed')::boolean)
$$;
