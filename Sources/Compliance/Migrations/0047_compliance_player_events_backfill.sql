-- Analytics learns of the countries and KYC levels set before Compliance published
-- `profile_changed` and `kyc_level_changed` (docs/events.md): one event per player as of now,
-- dated by the level's setting and by the profile's last change (which may be of another field:
-- no earlier date is kept). Only the country leaves the profile, as in the events themselves.
-- Revert: nothing to undo (events once published stay published).
INSERT INTO outbox (event_id, subject, payload, occurred_at)
SELECT gen_random_uuid(), 'croupier.compliance.profile_changed', jsonb_build_object('playerId', player_id, 'country', country), updated_at
  FROM compliance_profiles WHERE country IS NOT NULL ORDER BY player_id;

INSERT INTO outbox (event_id, subject, payload, occurred_at)
SELECT gen_random_uuid(), 'croupier.compliance.kyc_level_changed', jsonb_build_object('playerId', player_id, 'level', level), set_at
  FROM compliance_player_levels ORDER BY player_id;
