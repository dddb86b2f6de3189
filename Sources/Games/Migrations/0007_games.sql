-- Game providers and their catalogue, game sessions, rounds, and Croupier Originals' own
-- state (docs/providers/hub88.md, docs/games/originals.md).
-- Revert: DROP FUNCTION games_win, games_bet, games_round_add; DROP TABLE games_free_transactions, originals_rounds, originals_seeds, originals_sessions, originals_settings, games_rounds, games_sessions, games_catalog, games_providers;
--         ALTER TABLE identity_players DROP COLUMN disabled_at;

-- A disabled player can still be paid (wins, rollbacks) but cannot bet.
ALTER TABLE identity_players ADD COLUMN disabled_at timestamptz;

CREATE TABLE games_providers (
    code text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{2,40}$'),
    name text NOT NULL,
    dialect text NOT NULL CHECK (dialect IN ('hub88')),
    enabled boolean NOT NULL DEFAULT true,
    currencies text[] NOT NULL DEFAULT '{}',
    api_url text NOT NULL,
    operator_id bigint NOT NULL,
    -- {"providerPublicKey": PEM, "operatorPrivateKey": PEM} sealed with AES-GCM under a key
    -- derived from CROUPIER_SECRET_KEY: a database dump alone cannot sign as us.
    credentials bytea NOT NULL,
    provider_key_fingerprint text NOT NULL,
    operator_key_fingerprint text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE games_catalog (
    provider text NOT NULL REFERENCES games_providers (code),
    code text NOT NULL CHECK (length(code) BETWEEN 1 AND 100),
    name text NOT NULL,
    category text NOT NULL DEFAULT 'other',
    -- Return to player in hundredths of a percent (9612 = 96.12 %): never a float.
    rtp_basis_points integer CHECK (rtp_basis_points BETWEEN 0 AND 10000),
    volatility text CHECK (volatility IN ('low', 'medium', 'high')),
    thumbnail_url text NOT NULL DEFAULT '',
    enabled boolean NOT NULL DEFAULT true,
    display_order integer NOT NULL DEFAULT 1000,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, code)
);
CREATE INDEX games_catalog_lobby ON games_catalog (display_order, name) WHERE enabled;

-- A launch: a random token (stored as its SHA-256) bound to player, game and currency.
CREATE TABLE games_sessions (
    token_hash bytea PRIMARY KEY,
    player_id bigint NOT NULL REFERENCES identity_players (id),
    provider text NOT NULL REFERENCES games_providers (code),
    game_code text NOT NULL,
    currency text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX games_sessions_player ON games_sessions (player_id, created_at);

-- Rounds as the provider reports them: opened by a bet, closed by round_closed.
CREATE TABLE games_rounds (
    provider text NOT NULL,
    round text NOT NULL,
    player_id bigint NOT NULL,
    game_code text NOT NULL,
    currency text NOT NULL,
    bet_units bigint NOT NULL DEFAULT 0,
    win_units bigint NOT NULL DEFAULT 0,
    transactions integer NOT NULL DEFAULT 0,
    opened_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz,
    PRIMARY KEY (provider, round)
);
CREATE INDEX games_rounds_open ON games_rounds (opened_at) WHERE closed_at IS NULL;

-- Croupier Originals' side: it is a provider, so it keeps its own keys (its private key signs
-- its wallet calls; our public key verifies our launches), its sessions (the operator's token
-- it must send back) and its provably fair seeds.
CREATE TABLE originals_settings (
    id integer PRIMARY KEY CHECK (id = 1),
    -- {"providerPrivateKey": PEM, "operatorPublicKey": PEM}, sealed like provider credentials.
    credentials bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE originals_sessions (
    id text PRIMARY KEY,
    operator_token text NOT NULL,
    player text NOT NULL,
    game_code text NOT NULL,
    currency text NOT NULL,
    language text NOT NULL DEFAULT 'en',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

-- One active seed pair per player; rotating it reveals the old server seed.
CREATE TABLE originals_seeds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    player text NOT NULL,
    server_seed text NOT NULL,
    server_seed_hash text NOT NULL,
    client_seed text NOT NULL,
    next_nonce bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    revealed_at timestamptz
);
CREATE UNIQUE INDEX originals_seeds_active ON originals_seeds (player) WHERE revealed_at IS NULL;

CREATE TABLE originals_rounds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    player text NOT NULL,
    seed_id bigint NOT NULL REFERENCES originals_seeds (id),
    nonce bigint NOT NULL,
    game_code text NOT NULL,
    currency text NOT NULL,
    bet_units bigint NOT NULL,
    win_units bigint NOT NULL,
    -- The player's choices (dice target and direction) and the outcome, as shown.
    parameters jsonb NOT NULL,
    outcome jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (seed_id, nonce)
);
CREATE INDEX originals_rounds_player ON originals_rounds (player, id DESC);

-- Calls that move no money (a free bet, a zero win that closes a lost round) never reach the
-- ledger, so their idempotency is kept here: a replay gets the first answer, a changed replay
-- is a duplicate.
CREATE TABLE games_free_transactions (
    provider text NOT NULL,
    transaction_uuid text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('bet', 'win')),
    payload_hash bytea NOT NULL,
    status text NOT NULL,
    player_id bigint NOT NULL,
    currency text NOT NULL,
    balance bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, transaction_uuid)
);

-- A round's totals move with each accepted call.
CREATE FUNCTION games_round_add(p_provider text, p_round text, p_player bigint, p_game text, p_currency text, p_bet bigint, p_win bigint, p_closed boolean)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO games_rounds (provider, round, player_id, game_code, currency, bet_units, win_units, transactions, opened_at, updated_at, closed_at)
    VALUES (p_provider, left(p_round, 200), p_player, p_game, p_currency, p_bet, p_win, 1, now(), now(), CASE WHEN p_closed THEN now() END)
    ON CONFLICT (provider, round) DO UPDATE SET bet_units = games_rounds.bet_units + EXCLUDED.bet_units,
        win_units = games_rounds.win_units + EXCLUDED.win_units, transactions = games_rounds.transactions + 1,
        updated_at = EXCLUDED.updated_at, closed_at = coalesce(games_rounds.closed_at, EXCLUDED.closed_at)
$$;

-- A Hub88 bet in one round trip and one transaction: the session checks (token, user, expiry,
-- player disabled, game, currency), then ledger_apply, then the round. `status` is one of the
-- session refusals (invalidToken, tokenExpired, userDisabled, invalidGame, wrongCurrency) or a
-- ledger result code.
CREATE FUNCTION games_bet(
    p_provider text, p_token_hash bytea, p_user bigint, p_game text, p_game_playable boolean, p_currency text, p_round text, p_closed boolean,
    p_scope text, p_key text, p_hash bytea, p_amount bigint, p_house text, p_metadata jsonb,
    OUT status text, OUT real_balance bigint, OUT bonus_balance bigint, OUT replayed boolean
) LANGUAGE plpgsql AS $$
DECLARE
    s record;
    l record;
BEGIN
    -- A retry of a bet already applied gets its first answer (or a duplicate refusal) whatever
    -- happened to the session or the game since: the ledger decides.
    PERFORM 1 FROM ledger_transactions WHERE idempotency_scope = p_scope AND idempotency_key = p_key;
    IF FOUND THEN
        SELECT * INTO l FROM ledger_apply(p_scope, p_key, p_hash, 'bet', p_user, p_currency, p_amount, p_house, NULL, NULL, p_metadata);
        status := l.code; real_balance := l.real_balance; bonus_balance := l.bonus_balance; replayed := l.replayed;
        RETURN;
    END IF;
    IF NOT p_game_playable THEN status := 'invalidGame'; RETURN; END IF;
    SELECT g.player_id, g.game_code, g.currency, g.expires_at, p.disabled_at INTO s
      FROM games_sessions g JOIN identity_players p ON p.id = g.player_id
     WHERE g.token_hash = p_token_hash AND g.provider = p_provider;
    IF NOT FOUND OR s.player_id <> p_user THEN status := 'invalidToken'; RETURN; END IF;
    IF s.expires_at <= now() THEN status := 'tokenExpired'; RETURN; END IF;
    IF s.disabled_at IS NOT NULL THEN status := 'userDisabled'; RETURN; END IF;
    IF s.game_code <> p_game THEN status := 'invalidGame'; RETURN; END IF;
    IF s.currency <> p_currency THEN status := 'wrongCurrency'; RETURN; END IF;
    SELECT * INTO l FROM ledger_apply(p_scope, p_key, p_hash, 'bet', p_user, p_currency, p_amount, p_house, NULL, NULL, p_metadata);
    status := l.code; real_balance := l.real_balance; bonus_balance := l.bonus_balance; replayed := l.replayed;
    IF l.code = 'ok' AND NOT l.replayed THEN
        PERFORM games_round_add(p_provider, p_round, p_user, p_game, p_currency, p_amount, 0, p_closed);
    END IF;
END
$$;

-- A Hub88 win in one round trip: ledger_apply (which checks the bet it settles), then the round.
-- Never a token check: the money is the player's whatever happened to the session.
CREATE FUNCTION games_win(
    p_provider text, p_user bigint, p_game text, p_currency text, p_round text, p_closed boolean,
    p_scope text, p_key text, p_hash bytea, p_amount bigint, p_house text, p_reference_scope text, p_reference_key text, p_metadata jsonb,
    OUT status text, OUT real_balance bigint, OUT bonus_balance bigint, OUT replayed boolean
) LANGUAGE plpgsql AS $$
DECLARE
    l record;
BEGIN
    SELECT * INTO l FROM ledger_apply(p_scope, p_key, p_hash, 'win', p_user, p_currency, p_amount, p_house, p_reference_scope, p_reference_key, p_metadata);
    status := l.code; real_balance := l.real_balance; bonus_balance := l.bonus_balance; replayed := l.replayed;
    IF l.code = 'ok' AND NOT l.replayed THEN
        PERFORM games_round_add(p_provider, p_round, p_user, p_game, p_currency, 0, p_amount, p_closed);
    END IF;
END
$$;
