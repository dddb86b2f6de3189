-- A sign-in mail's body holds a working code and a link with the sign-in challenge: the bodies
-- are blanked once the mail is sent, or, never sent, once both stopped working
-- (docs/identity.md). secret_expires_at is that moment (NULL: the mail holds no secret);
-- purged_at is when the bodies were blanked.
-- Revert: DROP INDEX identity_mail_outbox_secrets; ALTER TABLE identity_mail_outbox DROP COLUMN purged_at, DROP COLUMN secret_expires_at;

ALTER TABLE identity_mail_outbox ADD COLUMN secret_expires_at timestamptz, ADD COLUMN purged_at timestamptz;
CREATE INDEX identity_mail_outbox_secrets ON identity_mail_outbox (secret_expires_at) WHERE purged_at IS NULL AND secret_expires_at IS NOT NULL;
