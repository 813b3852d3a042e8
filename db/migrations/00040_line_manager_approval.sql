-- Line-manager approval (issue 20): an agency may ask that its staff's
-- bookings wait for their line manager's approval. Such a booking is
-- 'awaiting_approval' until approval_expires_at: live, taking a seat (so it
-- counts against capacity and every cap that counts seats), and on approval
-- confirmed (or, for a paid place, held for payment), on a decline or no
-- answer ended and the place offered on. The line manager answers through a
-- link that needs no account; only a fingerprint (SHA-256) of its token is
-- kept.

-- +goose Up
ALTER TABLE agencies
    ADD COLUMN line_manager_approval boolean NOT NULL DEFAULT false,
    ADD COLUMN approval_hours int NOT NULL DEFAULT 72
        CONSTRAINT agencies_approval_hours_range CHECK (approval_hours BETWEEN 1 AND 336);
COMMENT ON COLUMN agencies.line_manager_approval IS
    'Bookings by the agency''s staff wait for their line manager''s approval';
COMMENT ON COLUMN agencies.approval_hours IS 'How long a line manager has to answer, in hours';

ALTER TABLE bookings ADD COLUMN approval_expires_at timestamptz;
ALTER TABLE bookings ADD CONSTRAINT bookings_approval_has_deadline
    CHECK (status <> 'awaiting_approval' OR approval_expires_at IS NOT NULL);
CREATE INDEX bookings_approvals_idx ON bookings (approval_expires_at) WHERE status = 'awaiting_approval';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION booking_status_live(s booking_status) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN s IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval');
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION booking_status_takes_seat(s booking_status) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN s IN ('held', 'offered', 'confirmed', 'awaiting_approval');
-- +goose StatementEnd

-- The index spells the live statuses out (see 00033).
DROP INDEX bookings_one_live;
CREATE UNIQUE INDEX bookings_one_live ON bookings (session_id, user_id)
    WHERE status IN ('held', 'waiting', 'offered', 'confirmed', 'awaiting_approval');

CREATE TYPE approval_decision AS ENUM ('approved', 'declined');

CREATE TABLE booking_approvals (
    booking_id         bigint            PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    -- Copied from the booking when asked; the address and the token's
    -- fingerprint are deleted once the request is decided or has expired.
    line_manager_name  text              NOT NULL DEFAULT '' CHECK (length(line_manager_name) <= 200),
    line_manager_email citext            CHECK (length(line_manager_email) <= 254),
    token_hash         bytea             CHECK (length(token_hash) = 32),
    asked_at           timestamptz       NOT NULL,
    expires_at         timestamptz       NOT NULL CHECK (expires_at > asked_at),
    decided_at         timestamptz,
    decision           approval_decision,
    -- who answered for the line manager: a training manager (NULL for the line manager's link)
    decided_by         bigint            REFERENCES users (id) ON DELETE SET NULL,
    reason             text              NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    CONSTRAINT booking_approvals_token_key UNIQUE (token_hash),
    CHECK ((decided_at IS NULL) = (decision IS NULL)),
    CHECK ((line_manager_email IS NULL) = (token_hash IS NULL))
);
CREATE INDEX booking_approvals_decided_by_idx ON booking_approvals (decided_by) WHERE decided_by IS NOT NULL;
COMMENT ON TABLE booking_approvals IS 'A line manager''s approval asked for a booking, and their answer';
COMMENT ON COLUMN booking_approvals.line_manager_name IS 'personal: the line manager''s name, as the person gave it';
COMMENT ON COLUMN booking_approvals.line_manager_email IS 'personal: the line manager''s email address the request went to';
COMMENT ON COLUMN booking_approvals.token_hash IS 'personal: SHA-256 of the line manager''s link, which shows the person''s name and course';
COMMENT ON COLUMN booking_approvals.reason IS 'personal: why the line manager declined';

-- +goose Down
DROP TABLE booking_approvals;
DROP TYPE approval_decision;
UPDATE bookings SET status = 'cancelled', ended_at = coalesce(ended_at, now()) WHERE status = 'awaiting_approval';
UPDATE bookings SET status = 'cancelled' WHERE status IN ('declined', 'unapproved');
DROP INDEX bookings_one_live;
CREATE UNIQUE INDEX bookings_one_live ON bookings (session_id, user_id)
    WHERE status IN ('held', 'waiting', 'offered', 'confirmed');
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION booking_status_live(s booking_status) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN s IN ('held', 'waiting', 'offered', 'confirmed');
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION booking_status_takes_seat(s booking_status) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN s IN ('held', 'offered', 'confirmed');
-- +goose StatementEnd
DROP INDEX bookings_approvals_idx;
ALTER TABLE bookings DROP CONSTRAINT bookings_approval_has_deadline;
ALTER TABLE bookings DROP COLUMN approval_expires_at;
ALTER TABLE agencies DROP COLUMN approval_hours, DROP COLUMN line_manager_approval;
