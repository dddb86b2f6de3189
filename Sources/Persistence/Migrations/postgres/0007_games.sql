-- Game providers and their catalogue, game sessions, rounds, and Croupier Originals' own
-- state (docs/providers/hub88.md, docs/games/originals.md).
-- Revert: DROP TABLE originals_rounds, originals_seeds, originals_sessions, originals_settings, games_rounds, games_sessions, games_catalog, games_providers;
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
