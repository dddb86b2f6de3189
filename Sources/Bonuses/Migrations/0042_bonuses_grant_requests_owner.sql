-- A manual grant worth the operator's owner threshold or more waits for an owner's approval
-- (docs/bonuses.md "Staff"), as a manual adjustment of real money does (docs/back-office.md
-- "Adjustments"). The App decides it when the request is made, from the grant's worth; requests
-- made before this migration need no owner.
-- Revert: ALTER TABLE bonuses_grant_requests DROP COLUMN requires_owner;

ALTER TABLE bonuses_grant_requests ADD COLUMN requires_owner boolean NOT NULL DEFAULT false;
