-- Staff accounts, sessions and the hash-chained audit log (docs/identity.md).
-- Revert: DROP FUNCTION identity_audit_append; DROP TABLE identity_audit_log, identity_sessions, identity_staff;

CREATE TABLE identity_staff (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE CHECK (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    password_hash text NOT NULL,
    -- The TOTP secret, sealed with AES-GCM under a key derived from CROUPIER_SECRET_KEY.
    totp_secret bytea NOT NULL,
    -- The last TOTP time step accepted: a code is refused a second time.
    totp_last_step bigint NOT NULL DEFAULT 0,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'finance', 'risk', 'support', 'analyst')),
    disabled_at timestamptz,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Opaque session tokens are stored only as their SHA-256.
CREATE TABLE identity_sessions (
    token_hash bytea PRIMARY KEY,
    staff_id bigint REFERENCES identity_staff (id),
    player_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    user_agent text NOT NULL DEFAULT '',
    ip text NOT NULL DEFAULT '',
    CHECK ((staff_id IS NULL) <> (player_id IS NULL))
);
CREATE INDEX identity_sessions_staff ON identity_sessions (staff_id) WHERE staff_id IS NOT NULL;
CREATE INDEX identity_sessions_player ON identity_sessions (player_id) WHERE player_id IS NOT NULL;

-- Append-only and hash-chained: each row's hash covers its content and the previous row's
-- hash, so editing or deleting any row breaks every hash after it.
CREATE TABLE identity_audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    target text NOT NULL DEFAULT '',
    summary jsonb NOT NULL DEFAULT '{}',
    ip text NOT NULL DEFAULT '',
    request_id text NOT NULL DEFAULT '',
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL UNIQUE
);
CREATE INDEX identity_audit_log_actor ON identity_audit_log (actor, id);
CREATE INDEX identity_audit_log_action ON identity_audit_log (action, id);
CREATE TRIGGER identity_audit_log_immutable BEFORE UPDATE OR DELETE ON identity_audit_log
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- The text a row's hash covers. The verifier recomputes it the same way.
CREATE FUNCTION identity_audit_content(p_at timestamptz, p_actor text, p_action text, p_target text, p_summary jsonb, p_ip text, p_request_id text)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(concat_ws(chr(31), to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_actor, p_action,
                                p_target, p_summary::text, p_ip, p_request_id), 'UTF8')
$$;

CREATE FUNCTION identity_audit_append(p_actor text, p_action text, p_target text, p_summary jsonb, p_ip text, p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    previous bytea;
    stamp timestamptz := clock_timestamp();
    new_id bigint;
BEGIN
    -- One writer at a time extends the chain; audit writes are rare next to money writes.
    PERFORM pg_advisory_xact_lock(7243001);
    SELECT hash INTO previous FROM identity_audit_log ORDER BY id DESC LIMIT 1;
    previous := coalesce(previous, '\x'::bytea);
    INSERT INTO identity_audit_log (at, actor, action, target, summary, ip, request_id, prev_hash, hash)
    VALUES (stamp, p_actor, p_action, p_target, p_summary, p_ip, p_request_id, previous,
            sha256(previous || identity_audit_content(stamp, p_actor, p_action, p_target, p_summary, p_ip, p_request_id)))
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
