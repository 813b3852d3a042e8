-- An agency coordinator's bookings are listed in groups by their session's
-- start (upcoming soonest first, past newest first), a page at a time (issue
-- 21). The start is the session's and the agency the booking's, so no index
-- held both: each group read every one of the agency's bookings in it and
-- sorted them (20,000 for the large agency at 100x, 50 ms), or walked the
-- sessions in order looking for the agency's (134 ms for its few absences).
-- Each booking now carries its session's start (session_starts_at), kept by
-- triggers wherever it can change: the booking made, the session moved (a
-- booking never moves to another session: bookings_count_seats, migration
-- 00046, refuses it). Indexes by agency and start give each group
-- its page in order; the waiting places, late cancellations and absences,
-- a few in each hundred, have partial indexes of their own.
--
-- The agency's staff training records (a CSV of every person and place,
-- streamed a batch of people at a time) list its people by name: an index
-- of them in that order, so the list is read, not sorted.
--
-- The triggers run as the service (SECURITY DEFINER): what they keep must not
-- depend on what the statement's manager may see.
--
-- internal/growth fills the table with row triggers off, so it sets the
-- column itself.

-- +goose Up
ALTER TABLE bookings ADD COLUMN session_starts_at timestamptz;
COMMENT ON COLUMN bookings.session_starts_at IS
    'When the booking''s session starts, kept by the triggers of migration 00064 (for the agency''s lists)';

-- +goose StatementBegin
CREATE FUNCTION bookings_set_session_starts_at() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    NEW.session_starts_at := (SELECT s.starts_at FROM sessions s WHERE s.id = NEW.session_id);
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER bookings_session_starts_at_insert BEFORE INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_set_session_starts_at();

-- +goose StatementBegin
-- A session moved: its bookings follow.
CREATE FUNCTION sessions_bookings_follow_start() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE bookings SET session_starts_at = NEW.starts_at
    WHERE session_id = NEW.id AND session_starts_at IS DISTINCT FROM NEW.starts_at;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_bookings_follow_start AFTER UPDATE OF starts_at ON sessions
    FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at)
    EXECUTE FUNCTION sessions_bookings_follow_start();

UPDATE bookings b SET session_starts_at = s.starts_at FROM sessions s WHERE s.id = b.session_id;
ALTER TABLE bookings ALTER COLUMN session_starts_at SET NOT NULL;

-- An agency's places by their session's start: upcoming and past places.
CREATE INDEX bookings_agency_starts_idx ON bookings (agency_id, session_starts_at)
    WHERE agency_id IS NOT NULL;
-- The sparser groups, each from exactly its rows.
CREATE INDEX bookings_agency_waiting_starts_idx ON bookings (agency_id, session_starts_at)
    WHERE agency_id IS NOT NULL AND status = 'waiting';
CREATE INDEX bookings_agency_late_starts_idx ON bookings (agency_id, session_starts_at)
    WHERE agency_id IS NOT NULL AND status = 'cancelled' AND late;
CREATE INDEX bookings_agency_absent_starts_idx ON bookings (agency_id, session_starts_at)
    WHERE agency_id IS NOT NULL AND attendance = 'absent';

-- The people of an agency by name, as the staff training records list them.
CREATE INDEX users_agency_full_name_idx ON users (agency_id, full_name, id) WHERE erased_at IS NULL;

-- +goose Down
DROP INDEX users_agency_full_name_idx;
DROP INDEX bookings_agency_absent_starts_idx;
DROP INDEX bookings_agency_late_starts_idx;
DROP INDEX bookings_agency_waiting_starts_idx;
DROP INDEX bookings_agency_starts_idx;
DROP TRIGGER sessions_bookings_follow_start ON sessions;
DROP FUNCTION sessions_bookings_follow_start();
DROP TRIGGER bookings_session_starts_at_insert ON bookings;
DROP FUNCTION bookings_set_session_starts_at();
ALTER TABLE bookings DROP COLUMN session_starts_at;
