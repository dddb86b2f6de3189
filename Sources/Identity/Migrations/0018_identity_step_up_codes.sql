-- Step-up confirmations (docs/identity.md, "Step-up codes"): a signed-in player confirms a
-- sensitive action (a withdrawal) with a code mailed to their confirmed address. The same rules
-- as sign-in codes: 6 digits stored as an HMAC, 10 minutes, single use, 5 attempts.
-- `purpose` and `subject` name what is being confirmed (`withdrawal`, its id); the code proves
-- nothing else.
-- Revert: DROP TABLE identity_step_up_codes;

CREATE TABLE identity_step_up_codes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    player_id bigint NOT NULL REFERENCES identity_players (id),
    purpose text NOT NULL CHECK (purpose ~ '^[a-z_]{1,40}$'),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 100),
    code_hash bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    confirmed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (purpose, subject)
);
-- How many codes a player was sent lately (the sending limit).
CREATE INDEX identity_step_up_codes_player ON identity_step_up_codes (player_id, created_at);
