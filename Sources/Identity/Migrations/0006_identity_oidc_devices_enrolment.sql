-- Telegram OpenID Connect flows in progress, the device behind each player session (so
-- revoking a session also withdraws that device's trust), and staff enrolment links for
-- invitations and TOTP resets (docs/identity.md).
-- Revert: DROP TABLE identity_staff_enrolments, identity_oidc_flows; ALTER TABLE identity_sessions DROP COLUMN device_hash, DROP COLUMN id;
--         and restore NOT NULL on identity_staff.password_hash and totp_secret.

-- One row per sign-in started with the OIDC button; the state is used once.
CREATE TABLE identity_oidc_flows (
    state_hash bytea PRIMARY KEY,
    nonce text NOT NULL,
    code_verifier text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX identity_oidc_flows_expiry ON identity_oidc_flows (expires_at);

-- A player's profile names sessions by this id, never by their token hash.
ALTER TABLE identity_sessions ADD COLUMN device_hash bytea, ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE;

-- An invited member has neither password nor TOTP until the enrolment link is used; a TOTP
-- reset clears both, so the old authenticator and password stop working at once.
ALTER TABLE identity_staff ALTER COLUMN password_hash DROP NOT NULL, ALTER COLUMN totp_secret DROP NOT NULL;

CREATE TABLE identity_staff_enrolments (
    token_hash bytea PRIMARY KEY,
    staff_id bigint NOT NULL REFERENCES identity_staff (id),
    purpose text NOT NULL CHECK (purpose IN ('invite', 'totpReset')),
    -- The new TOTP secret, sealed like identity_staff.totp_secret; it becomes the member's
    -- only when they prove they enrolled it by typing a code.
    totp_secret bytea NOT NULL,
    created_by bigint REFERENCES identity_staff (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX identity_staff_enrolments_staff ON identity_staff_enrolments (staff_id);
