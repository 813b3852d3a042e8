-- Reminders sent before a session, one row per booking and kind, so each
-- is sent once however many sweepers run: the email is written in the same
-- transaction as its row, and a second sweeper's insert finds it there.
-- Reminders skipped (a nearer one was due, or the booking came too late)
-- are recorded too, so they are not considered again.

-- +goose Up
CREATE TABLE booking_reminders (
    booking_id bigint      NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind ~ '^[a-z0-9_]+$'),
    sent_at    timestamptz NOT NULL,
    PRIMARY KEY (booking_id, kind)
);

-- +goose Down
DROP TABLE booking_reminders;
