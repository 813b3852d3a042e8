-- +goose Up
-- Delivery is made idempotent and its failures final:
--   message_token makes each email's Message-ID (email-{id}.{token}@domain)
--     the same on every attempt, and unique across installs whose ids
--     overlap, so a message resent after a crash can be recognised as the
--     same one by whoever receives it twice;
--   failed_at marks an email that will never be sent: its address was
--     refused for good (a 5xx reply) or every retry failed. last_error says
--     why. A sent email is never failed, nor the other way round.
ALTER TABLE emails
    ADD COLUMN message_token text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', ''),
    ADD COLUMN failed_at     timestamptz,
    ADD CONSTRAINT emails_sent_or_failed CHECK (sent_at IS NULL OR failed_at IS NULL);

-- The manager's list of failed emails, and their count for the last 30 days.
CREATE INDEX emails_failed_idx ON emails (created_at DESC, id DESC) WHERE failed_at IS NOT NULL;

-- +goose Down
DROP INDEX emails_failed_idx;
ALTER TABLE emails
    DROP CONSTRAINT emails_sent_or_failed,
    DROP COLUMN failed_at,
    DROP COLUMN message_token;
