-- The back office's player pages (docs/identity.md "Back office"): staff blocks, staff notes,
-- segments, and the indexes the players search needs.
-- Revert: DROP TABLE identity_player_segments, identity_player_notes; DROP FUNCTION identity_player_notes_append_only;
--         DROP INDEX identity_players_username_search, identity_players_email_search, identity_players_created,
--         identity_sessions_player_seen,
--         identity_audit_log_target; ALTER TABLE identity_players DROP COLUMN blocked;

-- A staff block is one way of being disabled (`disabled_at`); any other is a closure another
-- context made (under 18, an AML case), which staff may not lift from the players pages. Rows
-- disabled before this migration keep `blocked = false`: no staff block existed yet.
ALTER TABLE identity_players ADD COLUMN blocked boolean NOT NULL DEFAULT false;
ALTER TABLE identity_players ADD CONSTRAINT identity_players_blocked_is_disabled CHECK (NOT blocked OR disabled_at IS NOT NULL);

-- The search matches usernames and e-mails by prefix, and pages by registration.
CREATE INDEX identity_players_username_search ON identity_players (lower(telegram_username) text_pattern_ops);
CREATE INDEX identity_players_email_search ON identity_players (email text_pattern_ops);
CREATE INDEX identity_players_created ON identity_players (created_at);
-- "Last seen" is the newest session activity of a player.
CREATE INDEX identity_sessions_player_seen ON identity_sessions (player_id, last_seen_at) WHERE player_id IS NOT NULL;

-- A player's page shows the audit trail about them (`target = 'player:<id>'`).
CREATE INDEX identity_audit_log_target ON identity_audit_log (target, id);

-- Staff notes about a player: append-only (a correction is a new note).
CREATE TABLE identity_player_notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    player_id bigint NOT NULL REFERENCES identity_players (id),
    author text NOT NULL,
    body text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 2000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identity_player_notes_player ON identity_player_notes (player_id, id);

CREATE FUNCTION identity_player_notes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'identity_player_notes is append-only';
END
$$;
CREATE TRIGGER identity_player_notes_append_only BEFORE UPDATE OR DELETE ON identity_player_notes
    FOR EACH ROW EXECUTE FUNCTION identity_player_notes_append_only();

-- Segments a player is tagged with (`PlayerSegment`: vip, test_account, …).
CREATE TABLE identity_player_segments (
    player_id bigint NOT NULL REFERENCES identity_players (id),
    segment text NOT NULL CHECK (segment ~ '^[a-z][a-z0-9_]{1,39}$'),
    tagged_by text NOT NULL,
    tagged_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (player_id, segment)
);
CREATE INDEX identity_player_segments_segment ON identity_player_segments (segment, player_id);
