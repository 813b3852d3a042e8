-- A session never has more places than its room holds, however two managers
-- interleave: one scheduling a session (or raising its places, or moving it
-- to another room) while another makes the room smaller. Scheduling checks
-- the room in Go first, for a clear message; these triggers keep the rule
-- when that check raced. A session's trigger reads its room FOR SHARE, so a
-- change to the room waits for it and then sees it; the room's trigger
-- refuses to hold fewer than a session to come already has. Online venues
-- have no capacity and no limit; cancelled and completed sessions are left
-- as they were.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION session_within_room_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    room integer;
BEGIN
    IF NEW.status IN ('cancelled', 'completed') THEN
        RETURN NEW;
    END IF;
    SELECT capacity INTO room FROM venues WHERE id = NEW.venue_id FOR SHARE;
    IF room IS NOT NULL AND NEW.capacity > room THEN
        RAISE EXCEPTION 'session % would have % places in a room that holds %', NEW.id, NEW.capacity, room
            USING ERRCODE = 'check_violation', CONSTRAINT = 'sessions_within_room_capacity';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sessions_within_room_capacity
    BEFORE INSERT OR UPDATE OF capacity, venue_id, status ON sessions
    FOR EACH ROW EXECUTE FUNCTION session_within_room_capacity();

-- +goose StatementBegin
CREATE FUNCTION room_holds_its_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    most integer;
BEGIN
    IF NEW.capacity IS NULL OR (OLD.capacity IS NOT NULL AND NEW.capacity >= OLD.capacity) THEN
        RETURN NEW;
    END IF;
    SELECT max(capacity) INTO most FROM sessions
    WHERE venue_id = NEW.id AND status IN ('draft', 'published') AND ends_at > now();
    IF most > NEW.capacity THEN
        RAISE EXCEPTION 'venue % would hold % but a session to come there has % places', NEW.id, NEW.capacity, most
            USING ERRCODE = 'check_violation', CONSTRAINT = 'venues_hold_their_sessions';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER venues_hold_their_sessions
    BEFORE UPDATE OF capacity ON venues
    FOR EACH ROW EXECUTE FUNCTION room_holds_its_sessions();

-- +goose Down
DROP TRIGGER venues_hold_their_sessions ON venues;
DROP FUNCTION room_holds_its_sessions();
DROP TRIGGER sessions_within_room_capacity ON sessions;
DROP FUNCTION session_within_room_capacity();
