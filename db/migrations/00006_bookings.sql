-- Bookings: places on sessions, waiting lists and offers, cancellations,
-- substitutes and attendance. One row is one person's claim on one session,
-- from joining the waiting list or booking to the register.

-- +goose Up

CREATE SEQUENCE bookings_queue_seq;

CREATE TABLE bookings (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id         bigint      NOT NULL REFERENCES sessions (id),
    user_id            bigint      NOT NULL REFERENCES users (id),
    -- The person's agency when they booked: whose coordinator sees it, and
    -- later whom a charge goes to. NULL for an organisation not yet listed.
    agency_id          bigint      REFERENCES agencies (id),
    -- waiting, offered and confirmed are live; the rest are how a claim ended.
    status             text        NOT NULL CHECK (status IN (
                           'waiting', 'offered', 'confirmed',
                           'cancelled', 'substituted', 'moved', 'left', 'expired')),
    booked_by          bigint      NOT NULL REFERENCES users (id),
    access_needs       text        NOT NULL DEFAULT '' CHECK (length(access_needs) <= 1000),
    dietary_needs      text        NOT NULL DEFAULT '' CHECK (length(dietary_needs) <= 1000),
    line_manager_name  text        NOT NULL DEFAULT '' CHECK (length(line_manager_name) <= 200),
    line_manager_email citext      NOT NULL DEFAULT '' CHECK (length(line_manager_email) <= 254),
    policy_agreed_at   timestamptz NOT NULL,
    -- Waiting-list order: lower goes first; managers may reorder.
    queue_position     bigint      NOT NULL DEFAULT nextval('bookings_queue_seq'),
    waiting_since      timestamptz,
    offered_at         timestamptz,
    offer_expires_at   timestamptz,
    confirmed_at       timestamptz,
    ended_at           timestamptz,
    ended_by           bigint      REFERENCES users (id),
    -- A cancellation inside the cut-off (or marked so by a manager).
    late               boolean     NOT NULL DEFAULT false,
    end_note           text        NOT NULL DEFAULT '' CHECK (length(end_note) <= 500),
    -- The booking that took this one's place: a substitute's, or the same
    -- person's on the session they were moved to.
    replaced_by        bigint      REFERENCES bookings (id),
    attendance         text        CHECK (attendance IN ('attended', 'absent', 'late')),
    attendance_by      bigint      REFERENCES users (id),
    attendance_at      timestamptz,
    absence_notified_at timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bookings_offer_has_deadline CHECK (status <> 'offered' OR offer_expires_at IS NOT NULL),
    CONSTRAINT bookings_waiting_has_time CHECK (status NOT IN ('waiting', 'offered') OR waiting_since IS NOT NULL),
    CONSTRAINT bookings_confirmed_has_time CHECK (status <> 'confirmed' OR confirmed_at IS NOT NULL),
    CONSTRAINT bookings_ended_has_time CHECK (status IN ('waiting', 'offered', 'confirmed') OR ended_at IS NOT NULL),
    CONSTRAINT bookings_attendance_needs_place CHECK (attendance IS NULL OR status = 'confirmed'),
    CONSTRAINT bookings_late_is_cancellation CHECK (NOT late OR status = 'cancelled')
);

-- One live claim (booked, offered or waiting) per person per session.
CREATE UNIQUE INDEX bookings_one_live ON bookings (session_id, user_id)
    WHERE status IN ('waiting', 'offered', 'confirmed');
CREATE INDEX bookings_session_idx ON bookings (session_id, status, queue_position);
CREATE INDEX bookings_user_idx ON bookings (user_id);
CREATE INDEX bookings_agency_idx ON bookings (agency_id);
CREATE INDEX bookings_offers_idx ON bookings (offer_expires_at) WHERE status = 'offered';

-- seats_taken counts confirmed places and places held for an offer, kept
-- by the database on every change of a booking's status, so no code path
-- can forget it; the CHECK on sessions refuses any change that over-fills.
-- +goose StatementBegin
CREATE FUNCTION bookings_count_seats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_before boolean := TG_OP <> 'INSERT' AND OLD.status IN ('offered', 'confirmed');
    held_after  boolean := TG_OP <> 'DELETE' AND NEW.status IN ('offered', 'confirmed');
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.session_id <> OLD.session_id THEN
        RAISE EXCEPTION 'booking % cannot change session', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_keep_session';
    END IF;
    IF held_before AND NOT held_after THEN
        UPDATE sessions SET seats_taken = seats_taken - 1 WHERE id = OLD.session_id;
    ELSIF held_after AND NOT held_before THEN
        UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER bookings_count_seats AFTER INSERT OR UPDATE OR DELETE ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_count_seats();

-- +goose Down
DROP TRIGGER bookings_count_seats ON bookings;
DROP FUNCTION bookings_count_seats();
DROP TABLE bookings;
UPDATE sessions SET seats_taken = 0; -- the places were the bookings
DROP SEQUENCE bookings_queue_seq;
