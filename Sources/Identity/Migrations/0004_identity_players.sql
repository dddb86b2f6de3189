-- Players, their sign-in challenges and confirmed devices, replay guards, and the mail queue
-- (docs/identity.md). A player row exists only once its e-mail is confirmed.
-- Revert: DROP TABLE identity_mail_outbox, identity_auth_replays, identity_devices, identity_challenges, identity_players;

CREATE TABLE identity_players (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100001) PRIMARY KEY,
    telegram_id bigint NOT NULL UNIQUE,
    telegram_username text,
    first_name text NOT NULL DEFAULT '',
    last_name text,
    photo_url text,
    email text NOT NULL UNIQUE CHECK (email = lower(email)),
    email_confirmed_at timestamptz NOT NULL,
    adult_confirmed_at timestamptz NOT NULL,
    terms_accepted_at timestamptz NOT NULL,
    language text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The state between "Telegram said who you are" and "you confirmed your e-mail".
CREATE TABLE identity_challenges (
    token_hash bytea PRIMARY KEY,
    telegram_id bigint NOT NULL,
    telegram_profile jsonb NOT NULL,
    player_id bigint REFERENCES identity_players (id),
    stage text NOT NULL CHECK (stage IN ('email', 'code', 'done')),
    email text,
    language text NOT NULL DEFAULT 'ru',
    code_hash bytea,
    code_expires_at timestamptz,
    code_sent_at timestamptz,
    sends integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE identity_devices (
    player_id bigint NOT NULL REFERENCES identity_players (id),
    device_hash bytea NOT NULL,
    confirmed_at timestamptz NOT NULL,
    PRIMARY KEY (player_id, device_hash)
);

-- Signed Telegram data is accepted once.
CREATE TABLE identity_auth_replays (
    digest bytea PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

-- Mail waits here until delivered, so a relay that is down delays mail but loses none.
CREATE TABLE identity_mail_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient text NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    last_error text
);
CREATE INDEX identity_mail_outbox_pending ON identity_mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
