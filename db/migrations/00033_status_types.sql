-- A booking's and a session's status are each one PostgreSQL enum type, the
-- one list of them: sqlc generates the Go constants from it (dbsqlc's
-- BookingStatus and SessionStatus, which the booking and catalogue packages
-- name), and a CHECK no longer repeats it. Which statuses are live, and which
-- take a seat, are each one immutable function that the constraints and the
-- seat-counting trigger ask; "open for booking" is one that queries ask.
--
-- Changing a column's type rebuilds what reads it, and the CHECKs, partial
-- indexes, triggers and view that compared it with text literals cannot be
-- rebuilt as they were, so they are dropped and made again here.

-- +goose Up
CREATE TYPE booking_status AS ENUM (
    'held', 'waiting', 'offered', 'confirmed',
    'cancelled', 'substituted', 'moved', 'left', 'expired', 'lapsed');
CREATE TYPE session_status AS ENUM ('draft', 'published', 'cancelled', 'completed');

-- Open for booking: published, and the cut-off not yet passed. Go's
-- catalogue.OpenForBooking is the same rule, and a test holds them together.
-- +goose StatementBegin
CREATE FUNCTION session_open_for_booking(status session_status, cutoff timestamptz, at timestamptz) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN status = 'published' AND at < cutoff;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION booking_status_live(s booking_status) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN s IN ('held', 'waiting', 'offered', 'confirmed');
-- +goose StatementEnd
COMMENT ON FUNCTION booking_status_live(booking_status) IS
    'A live booking: the person has, or is waiting for, a place. One a person per session.';
-- +goose StatementBegin
CREATE FUNCTION booking_status_takes_seat(s booking_status) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN s IN ('held', 'offered', 'confirmed');
-- +goose StatementEnd
COMMENT ON FUNCTION booking_status_takes_seat(booking_status) IS
    'A booking that counts in its session''s seats_taken.';

-- The view reads both columns, so it is made again below as 00030 made it.
DROP VIEW booking_details;

ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings DROP CONSTRAINT bookings_attendance_needs_place;
ALTER TABLE bookings DROP CONSTRAINT bookings_confirmed_has_time;
ALTER TABLE bookings DROP CONSTRAINT bookings_ended_has_time;
ALTER TABLE bookings DROP CONSTRAINT bookings_hold_has_deadline;
ALTER TABLE bookings DROP CONSTRAINT bookings_late_is_cancellation;
ALTER TABLE bookings DROP CONSTRAINT bookings_offer_has_deadline;
ALTER TABLE bookings DROP CONSTRAINT bookings_waiting_has_time;
DROP INDEX bookings_offers_idx;
DROP INDEX bookings_one_live;
DROP INDEX bookings_holds_idx;

ALTER TABLE bookings ALTER COLUMN status TYPE booking_status USING status::booking_status;

ALTER TABLE bookings ADD CONSTRAINT bookings_attendance_needs_place CHECK (attendance IS NULL OR status = 'confirmed');
ALTER TABLE bookings ADD CONSTRAINT bookings_confirmed_has_time CHECK (status <> 'confirmed' OR confirmed_at IS NOT NULL);
ALTER TABLE bookings ADD CONSTRAINT bookings_ended_has_time CHECK (booking_status_live(status) OR ended_at IS NOT NULL);
ALTER TABLE bookings ADD CONSTRAINT bookings_hold_has_deadline CHECK (status <> 'held' OR hold_expires_at IS NOT NULL);
ALTER TABLE bookings ADD CONSTRAINT bookings_late_is_cancellation CHECK (NOT late OR status = 'cancelled');
ALTER TABLE bookings ADD CONSTRAINT bookings_offer_has_deadline CHECK (status <> 'offered' OR offer_expires_at IS NOT NULL);
ALTER TABLE bookings ADD CONSTRAINT bookings_waiting_has_time CHECK (status NOT IN ('waiting', 'offered') OR waiting_since IS NOT NULL);
CREATE INDEX bookings_offers_idx ON bookings (offer_expires_at) WHERE status = 'offered';
-- The index spells the live statuses out, as the queries that look a live
-- booking up do: the planner uses a partial index only when a query's WHERE
-- implies its predicate, and it does not see through the function.
CREATE UNIQUE INDEX bookings_one_live ON bookings (session_id, user_id)
    WHERE status IN ('held', 'waiting', 'offered', 'confirmed');
CREATE INDEX bookings_holds_idx ON bookings (hold_expires_at) WHERE status = 'held';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bookings_count_seats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_before boolean := TG_OP <> 'INSERT' AND booking_status_takes_seat(OLD.status);
    held_after  boolean := TG_OP <> 'DELETE' AND booking_status_takes_seat(NEW.status);
BEGIN
    IF held_before AND NOT held_after THEN
        UPDATE sessions SET seats_taken = seats_taken - 1 WHERE id = OLD.session_id;
    ELSIF held_after AND NOT held_before THEN
        UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions DROP CONSTRAINT sessions_cancelled_has_reason;
ALTER TABLE sessions DROP CONSTRAINT sessions_room_no_overlap;
DROP INDEX sessions_starts_idx;
DROP TRIGGER sessions_move_commitments ON sessions;
DROP TRIGGER sessions_stay_cancelled ON sessions;
DROP TRIGGER sessions_within_room_capacity ON sessions;
ALTER TABLE sessions ALTER COLUMN status DROP DEFAULT;

ALTER TABLE sessions ALTER COLUMN status TYPE session_status USING status::session_status;

ALTER TABLE sessions ALTER COLUMN status SET DEFAULT 'draft';
ALTER TABLE sessions ADD CONSTRAINT sessions_cancelled_has_reason CHECK ((status = 'cancelled') = (cancelled_reason <> ''));
ALTER TABLE sessions ADD CONSTRAINT sessions_room_no_overlap
    EXCLUDE USING gist (venue_id WITH =, during WITH &&) WHERE (in_room AND status <> 'cancelled');
CREATE INDEX sessions_starts_idx ON sessions (starts_at) WHERE status = 'published';
CREATE TRIGGER sessions_move_commitments AFTER UPDATE OF starts_at, ends_at, status ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_move_commitments();
CREATE TRIGGER sessions_stay_cancelled BEFORE UPDATE OF status ON sessions
    FOR EACH ROW WHEN (OLD.status = 'cancelled' AND NEW.status <> 'cancelled')
    EXECUTE FUNCTION sessions_stay_cancelled();
CREATE TRIGGER sessions_within_room_capacity
    BEFORE INSERT OR UPDATE OF capacity, venue_id, status ON sessions
    FOR EACH ROW EXECUTE FUNCTION session_within_room_capacity();

CREATE VIEW booking_details AS
SELECT b.id, b.session_id, b.user_id, b.agency_id, b.status, b.booked_by, b.access_needs, b.dietary_needs,
       b.line_manager_name, b.line_manager_email::text AS line_manager_email, b.policy_agreed_at,
       b.waiting_since, b.offered_at, b.offer_expires_at, b.confirmed_at, b.ended_at, b.late, b.end_note,
       b.replaced_by, b.attendance, b.created_at,
       u.email::text AS person_email, u.full_name AS person_name, (u.erased_at IS NOT NULL)::boolean AS person_erased,
       s.course_id, s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at, s.status AS session_status,
       s.meeting_url, s.closed_to_agency_id, v.name AS venue_name, v.online AS venue_online,
       concat_ws(', ', nullif(v.address_line1, ''), nullif(v.address_line2, ''), nullif(v.town, ''), nullif(v.postcode, ''))::text AS venue_address, coalesce(a.name, '')::text AS agency_name,
       c.slug AS course_slug, c.duration AS course_duration, c.summary AS course_summary, s.sequence AS session_sequence,
       -- who ended it, for "cancelled by you" and "cancelled for you", and the partnership's reason
       b.ended_by, s.cancelled_reason AS session_cancelled_reason,
       EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = b.ended_by AND r.role = 'manager')::boolean AS ended_by_manager,
       -- a place on the agency's invoice: its price, purchase order and where it stands
       coalesce(inv.amount_pence, 0)::bigint AS invoice_pence, coalesce(inv.purchase_order, '')::text AS invoice_purchase_order,
       coalesce(inv.status, '')::text AS invoice_status,
       -- the booking this one took over when the person was moved (0 for none), whose invite is to be cancelled
       coalesce((SELECT o.id FROM bookings o WHERE o.user_id = b.user_id AND o.replaced_by = b.id AND o.status = 'moved'
                 ORDER BY o.id DESC LIMIT 1), 0)::bigint AS moved_from_id,
       b.hold_expires_at,
       -- money: what was paid by card for the place, and what of it is to be (or was) refunded
       coalesce((SELECT p.amount_pence FROM payments p WHERE p.booking_id = b.id AND p.method = 'card'
                 AND p.status IN ('paid', 'refunded') ORDER BY p.id DESC LIMIT 1), 0)::bigint AS paid_pence,
       coalesce((SELECT p.amount_pence FROM payments p WHERE p.booking_id = b.id AND p.refund_requested_at IS NOT NULL
                 ORDER BY p.id DESC LIMIT 1), 0)::bigint AS refund_pence
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN venues v ON v.id = s.venue_id
JOIN courses c ON c.id = s.course_id
LEFT JOIN agencies a ON a.id = b.agency_id
LEFT JOIN LATERAL (
    SELECT p.amount_pence, p.purchase_order, p.status FROM payments p
    WHERE p.booking_id = b.id AND p.method = 'invoice' ORDER BY p.id DESC LIMIT 1) inv ON true;

-- +goose Down
DROP VIEW booking_details;

ALTER TABLE sessions DROP CONSTRAINT sessions_cancelled_has_reason;
ALTER TABLE sessions DROP CONSTRAINT sessions_room_no_overlap;
DROP INDEX sessions_starts_idx;
DROP TRIGGER sessions_move_commitments ON sessions;
DROP TRIGGER sessions_stay_cancelled ON sessions;
DROP TRIGGER sessions_within_room_capacity ON sessions;
ALTER TABLE sessions ALTER COLUMN status DROP DEFAULT;
ALTER TABLE sessions ALTER COLUMN status TYPE text USING status::text;
ALTER TABLE sessions ALTER COLUMN status SET DEFAULT 'draft';
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check CHECK (status IN ('draft', 'published', 'cancelled', 'completed'));
ALTER TABLE sessions ADD CONSTRAINT sessions_cancelled_has_reason CHECK ((status = 'cancelled') = (cancelled_reason <> ''));
ALTER TABLE sessions ADD CONSTRAINT sessions_room_no_overlap
    EXCLUDE USING gist (venue_id WITH =, during WITH &&) WHERE (in_room AND status <> 'cancelled');
CREATE INDEX sessions_starts_idx ON sessions (starts_at) WHERE status = 'published';
CREATE TRIGGER sessions_move_commitments AFTER UPDATE OF starts_at, ends_at, status ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_move_commitments();
CREATE TRIGGER sessions_stay_cancelled BEFORE UPDATE OF status ON sessions
    FOR EACH ROW WHEN (OLD.status = 'cancelled' AND NEW.status <> 'cancelled')
    EXECUTE FUNCTION sessions_stay_cancelled();
CREATE TRIGGER sessions_within_room_capacity
    BEFORE INSERT OR UPDATE OF capacity, venue_id, status ON sessions
    FOR EACH ROW EXECUTE FUNCTION session_within_room_capacity();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bookings_count_seats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_before boolean := TG_OP <> 'INSERT' AND OLD.status IN ('held', 'offered', 'confirmed');
    held_after  boolean := TG_OP <> 'DELETE' AND NEW.status IN ('held', 'offered', 'confirmed');
BEGIN
    IF held_before AND NOT held_after THEN
        UPDATE sessions SET seats_taken = seats_taken - 1 WHERE id = OLD.session_id;
    ELSIF held_after AND NOT held_before THEN
        UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

ALTER TABLE bookings DROP CONSTRAINT bookings_attendance_needs_place;
ALTER TABLE bookings DROP CONSTRAINT bookings_confirmed_has_time;
ALTER TABLE bookings DROP CONSTRAINT bookings_ended_has_time;
ALTER TABLE bookings DROP CONSTRAINT bookings_hold_has_deadline;
ALTER TABLE bookings DROP CONSTRAINT bookings_late_is_cancellation;
ALTER TABLE bookings DROP CONSTRAINT bookings_offer_has_deadline;
ALTER TABLE bookings DROP CONSTRAINT bookings_waiting_has_time;
DROP INDEX bookings_offers_idx;
DROP INDEX bookings_one_live;
DROP INDEX bookings_holds_idx;
ALTER TABLE bookings ALTER COLUMN status TYPE text USING status::text;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN (
    'held', 'waiting', 'offered', 'confirmed',
    'cancelled', 'substituted', 'moved', 'left', 'expired', 'lapsed'));
ALTER TABLE bookings ADD CONSTRAINT bookings_attendance_needs_place CHECK (attendance IS NULL OR status = 'confirmed');
ALTER TABLE bookings ADD CONSTRAINT bookings_confirmed_has_time CHECK (status <> 'confirmed' OR confirmed_at IS NOT NULL);
ALTER TABLE bookings ADD CONSTRAINT bookings_ended_has_time
    CHECK (status IN ('held', 'waiting', 'offered', 'confirmed') OR ended_at IS NOT NULL);
ALTER TABLE bookings ADD CONSTRAINT bookings_hold_has_deadline CHECK (status <> 'held' OR hold_expires_at IS NOT NULL);
ALTER TABLE bookings ADD CONSTRAINT bookings_late_is_cancellation CHECK (NOT late OR status = 'cancelled');
ALTER TABLE bookings ADD CONSTRAINT bookings_offer_has_deadline CHECK (status <> 'offered' OR offer_expires_at IS NOT NULL);
ALTER TABLE bookings ADD CONSTRAINT bookings_waiting_has_time CHECK (status NOT IN ('waiting', 'offered') OR waiting_since IS NOT NULL);
CREATE INDEX bookings_offers_idx ON bookings (offer_expires_at) WHERE status = 'offered';
CREATE UNIQUE INDEX bookings_one_live ON bookings (session_id, user_id)
    WHERE status IN ('held', 'waiting', 'offered', 'confirmed');
CREATE INDEX bookings_holds_idx ON bookings (hold_expires_at) WHERE status = 'held';

CREATE VIEW booking_details AS
SELECT b.id, b.session_id, b.user_id, b.agency_id, b.status, b.booked_by, b.access_needs, b.dietary_needs,
       b.line_manager_name, b.line_manager_email::text AS line_manager_email, b.policy_agreed_at,
       b.waiting_since, b.offered_at, b.offer_expires_at, b.confirmed_at, b.ended_at, b.late, b.end_note,
       b.replaced_by, b.attendance, b.created_at,
       u.email::text AS person_email, u.full_name AS person_name, (u.erased_at IS NOT NULL)::boolean AS person_erased,
       s.course_id, s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at, s.status AS session_status,
       s.meeting_url, s.closed_to_agency_id, v.name AS venue_name, v.online AS venue_online,
       concat_ws(', ', nullif(v.address_line1, ''), nullif(v.address_line2, ''), nullif(v.town, ''), nullif(v.postcode, ''))::text AS venue_address, coalesce(a.name, '')::text AS agency_name,
       c.slug AS course_slug, c.duration AS course_duration, c.summary AS course_summary, s.sequence AS session_sequence,
       -- who ended it, for "cancelled by you" and "cancelled for you", and the partnership's reason
       b.ended_by, s.cancelled_reason AS session_cancelled_reason,
       EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = b.ended_by AND r.role = 'manager')::boolean AS ended_by_manager,
       -- a place on the agency's invoice: its price, purchase order and where it stands
       coalesce(inv.amount_pence, 0)::bigint AS invoice_pence, coalesce(inv.purchase_order, '')::text AS invoice_purchase_order,
       coalesce(inv.status, '')::text AS invoice_status,
       -- the booking this one took over when the person was moved (0 for none), whose invite is to be cancelled
       coalesce((SELECT o.id FROM bookings o WHERE o.user_id = b.user_id AND o.replaced_by = b.id AND o.status = 'moved'
                 ORDER BY o.id DESC LIMIT 1), 0)::bigint AS moved_from_id,
       b.hold_expires_at,
       -- money: what was paid by card for the place, and what of it is to be (or was) refunded
       coalesce((SELECT p.amount_pence FROM payments p WHERE p.booking_id = b.id AND p.method = 'card'
                 AND p.status IN ('paid', 'refunded') ORDER BY p.id DESC LIMIT 1), 0)::bigint AS paid_pence,
       coalesce((SELECT p.amount_pence FROM payments p WHERE p.booking_id = b.id AND p.refund_requested_at IS NOT NULL
                 ORDER BY p.id DESC LIMIT 1), 0)::bigint AS refund_pence
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
JOIN venues v ON v.id = s.venue_id
JOIN courses c ON c.id = s.course_id
LEFT JOIN agencies a ON a.id = b.agency_id
LEFT JOIN LATERAL (
    SELECT p.amount_pence, p.purchase_order, p.status FROM payments p
    WHERE p.booking_id = b.id AND p.method = 'invoice' ORDER BY p.id DESC LIMIT 1) inv ON true;

DROP FUNCTION session_open_for_booking(session_status, timestamptz, timestamptz);
DROP FUNCTION booking_status_takes_seat(booking_status);
DROP FUNCTION booking_status_live(booking_status);
DROP TYPE session_status;
DROP TYPE booking_status;
