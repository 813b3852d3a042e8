-- The catalogue's version (issue 21): one number that goes up in the same
-- transaction as any change to what the public catalogue pages (the course
-- list, its search, a course page) show, and a notification on the channel
-- catalogue_changed when that transaction commits, so every app process can
-- keep those pages cached until the next change. Triggers bump it, so no
-- handler can forget. A booking changes only sessions.seats_taken, which
-- bumps nothing: the pages read places left apart (internal/catalogue).
-- And an index for the pages' sessions, so the course list reads each
-- course's next session instead of scanning every session to come.

-- +goose Up
-- A sequence, not a row: a row would be locked by each change until it
-- commits, queueing every change to the catalogue behind it (and risking
-- deadlocks with the rows those transactions lock). The notification is
-- what the caches hear, and it is transactional: sent when the change
-- commits, never when it rolls back.
CREATE SEQUENCE catalogue_version;
COMMENT ON SEQUENCE catalogue_version IS
    'Goes up with every change to what the public catalogue pages show; notified on catalogue_changed';

-- +goose StatementBegin
CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('catalogue_changed', nextval('catalogue_version')::text);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER courses_catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON courses
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER venues_catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON venues
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER course_prices_catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON course_prices
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER course_prerequisites_catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON course_prerequisites
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
-- A course page shows a signed-in person their agency's price, by its band.
CREATE TRIGGER agencies_catalogue_changed AFTER UPDATE OF charging_band ON agencies
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
-- Sessions: every column the pages show or filter on, and not seats_taken
-- (places left), which every booking changes.
CREATE TRIGGER sessions_catalogue_changed AFTER INSERT OR DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER sessions_catalogue_updated AFTER UPDATE OF
    course_id, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, closed_to_agency_id,
    agency_cap, sector_cap, caps_release_at
    ON sessions FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();

-- The public sessions of a course, by start: the course list's next session
-- of each course and a course page's upcoming ones.
CREATE INDEX sessions_public_course_starts_idx ON sessions (course_id, starts_at)
    WHERE status = 'published' AND closed_to_agency_id IS NULL;

-- +goose Down
DROP INDEX sessions_public_course_starts_idx;
DROP TRIGGER sessions_catalogue_updated ON sessions;
DROP TRIGGER sessions_catalogue_changed ON sessions;
DROP TRIGGER agencies_catalogue_changed ON agencies;
DROP TRIGGER course_prerequisites_catalogue_changed ON course_prerequisites;
DROP TRIGGER course_prices_catalogue_changed ON course_prices;
DROP TRIGGER venues_catalogue_changed ON venues;
DROP TRIGGER courses_catalogue_changed ON courses;
DROP FUNCTION catalogue_changed();
DROP SEQUENCE catalogue_version;
