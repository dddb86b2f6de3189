-- An event may have happened before it is written: a backfill publishes what was true long ago
-- (migrations 0044, 0047). `occurred_at` is then its business time, which the relay sends as
-- `Croupier-Occurred-At`; `created_at` stays the time it was written, which the relay's lag is
-- measured from, so a backfill of last year's facts is not a year of lag. NULL (every event
-- written as it happens) means `created_at`.
-- Revert: ALTER TABLE outbox DROP COLUMN occurred_at;
ALTER TABLE outbox ADD COLUMN occurred_at timestamptz;
