-- A session open to every partnership's staff, or kept to its own area
-- (issue 22): a partnership can keep a session for the staff of the agencies
-- in its area (those it gives a band: agency_partnerships, migration 00052).
-- The database refuses anyone else's place, however it is made.

-- +goose Up
ALTER TABLE sessions ADD COLUMN own_area_only boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN sessions.own_area_only IS
    'Only staff of agencies in the session''s partnership''s area may have a place';

-- It reads the area as the service does: a coordinator's or manager's
-- request may not see the partnership's list.
-- +goose StatementBegin
CREATE FUNCTION bookings_in_session_area() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF (SELECT s.own_area_only AND NOT EXISTS (SELECT FROM agency_partnerships ap
                                                WHERE ap.partnership_id = s.partnership_id AND ap.agency_id = NEW.agency_id)
        FROM sessions s WHERE s.id = NEW.session_id) THEN
        RAISE EXCEPTION 'session % is kept to its partnership''s area, which agency % is not in', NEW.session_id, NEW.agency_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_in_session_area';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER bookings_in_session_area BEFORE INSERT OR UPDATE OF session_id, agency_id ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_in_session_area();

-- +goose Down
DROP TRIGGER bookings_in_session_area ON bookings;
DROP FUNCTION bookings_in_session_area();
ALTER TABLE sessions DROP COLUMN own_area_only;
