-- A campaign may be only for the players of one segment (docs/bonuses.md "Eligibility"): staff
-- tag players (Identity's `PlayerSegment`, e.g. `vip`), and a deposit or a code grants a
-- campaign with a segment only to its members. Bonuses keeps the segment's name, never
-- Identity's rows: the App passes the player's segments in.
-- Revert: ALTER TABLE bonuses_campaigns DROP COLUMN segment;

ALTER TABLE bonuses_campaigns ADD COLUMN segment text CHECK (segment ~ '^[a-z_]{1,32}$');
