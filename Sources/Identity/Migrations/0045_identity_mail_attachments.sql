-- A queued mail may carry one attachment (a scheduled report's export, docs/reports.md
-- "Schedules"): its file name, its media type and its bytes, at most 4 MiB. The bytes are not a
-- secret but they are big, so delivery drops them once the relay has the mail (`attachment`
-- becomes NULL, the name stays to say what was sent).
-- Revert: ALTER TABLE identity_mail_outbox DROP COLUMN attachment, DROP COLUMN attachment_type, DROP COLUMN attachment_name;

ALTER TABLE identity_mail_outbox
    ADD COLUMN attachment_name text CHECK (length(attachment_name) BETWEEN 1 AND 200),
    ADD COLUMN attachment_type text CHECK (attachment_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
    ADD COLUMN attachment bytea CHECK (octet_length(attachment) <= 4194304),
    ADD CONSTRAINT identity_mail_outbox_attachment_named CHECK (
        (attachment_name IS NULL) = (attachment_type IS NULL) AND (attachment IS NULL OR attachment_name IS NOT NULL));
