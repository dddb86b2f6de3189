-- Analytics learns of the players who registered, and were tagged, before Identity published
-- `player_registered` and `player_segments_changed` (docs/events.md): one event each, as of now,
-- dated when it happened (the registration's time; the latest tag's) in `occurred_at` (0043), so
-- that a report counts a player registered last year as new last year. The relay publishes them
-- like any other event, after the events written before this migration.
-- Revert: nothing to undo (events once published stay published).
INSERT INTO outbox (event_id, subject, payload, occurred_at)
SELECT gen_random_uuid(), 'croupier.identity.player_registered', jsonb_build_object('playerId', id, 'language', language), created_at
  FROM identity_players ORDER BY id;

INSERT INTO outbox (event_id, subject, payload, occurred_at)
SELECT gen_random_uuid(), 'croupier.identity.player_segments_changed',
       jsonb_build_object('playerId', player_id, 'segments', jsonb_agg(segment ORDER BY segment)), max(tagged_at)
  FROM identity_player_segments GROUP BY player_id ORDER BY player_id;
