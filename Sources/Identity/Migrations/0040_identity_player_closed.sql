-- A closure (Compliance found a date of birth under 18) and a staff block are two facts, not one
-- (docs/back-office.md "Actions"). Migration 0035 let a closure replace a block, so closing a
-- blocked player lifted the block's refusals (sign-in, withdrawals). Now `closed_at` marks the
-- closure; a block stays until staff lift it, and lifting it never reopens a closed player.
-- Existing closures are the disabled players without a block.
-- Revert: ALTER TABLE identity_players DROP COLUMN closed_at;

ALTER TABLE identity_players ADD COLUMN closed_at timestamptz;
UPDATE identity_players SET closed_at = disabled_at WHERE disabled_at IS NOT NULL AND NOT blocked;
