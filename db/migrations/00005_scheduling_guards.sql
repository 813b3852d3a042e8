-- Close the gaps a review found in the scheduling guarantees: every way of
-- changing the rows behind the clash rules now keeps them true.

-- +goose Up

-- in_room follows the venue on every insert and update (not only when
-- venue_id changes), reading the venue under a share lock so a concurrent
-- change of the venue's kind waits.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION sessions_set_in_room() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.in_room := NOT (SELECT online FROM venues WHERE id = NEW.venue_id FOR SHARE);
    RETURN NEW;
END $$;
-- +goose StatementEnd
DROP TRIGGER sessions_set_in_room ON sessions;
CREATE TRIGGER sessions_set_in_room BEFORE INSERT OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_set_in_room();

-- A venue that has sessions cannot switch between room and online platform.
-- +goose StatementBegin
CREATE FUNCTION venues_keep_kind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM sessions WHERE venue_id = NEW.id) THEN
        RAISE EXCEPTION 'venue % has sessions, so it cannot switch between room and online platform', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'venues_keep_kind';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER venues_keep_kind BEFORE UPDATE OF online ON venues
    FOR EACH ROW WHEN (OLD.online IS DISTINCT FROM NEW.online) EXECUTE FUNCTION venues_keep_kind();

-- A cancelled session stays cancelled (its trainers' commitments are gone).
-- +goose StatementBegin
CREATE FUNCTION sessions_stay_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'session % is cancelled and cannot be reopened', OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'sessions_stay_cancelled';
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_stay_cancelled BEFORE UPDATE OF status ON sessions
    FOR EACH ROW WHEN (OLD.status = 'cancelled' AND NEW.status <> 'cancelled')
    EXECUTE FUNCTION sessions_stay_cancelled();

-- Who delivers a session is changed by removing and adding rows, which the
-- commitment triggers follow; an UPDATE would slip past them.
-- +goose StatementBegin
CREATE FUNCTION session_trainers_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'session_trainers rows are removed and added, never updated'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'session_trainers_no_update';
END $$;
-- +goose StatementEnd
CREATE TRIGGER session_trainers_no_update BEFORE UPDATE ON session_trainers
    FOR EACH ROW EXECUTE FUNCTION session_trainers_no_update();

-- +goose Down
DROP TRIGGER session_trainers_no_update ON session_trainers;
DROP FUNCTION session_trainers_no_update();
DROP TRIGGER sessions_stay_cancelled ON sessions;
DROP FUNCTION sessions_stay_cancelled();
DROP TRIGGER venues_keep_kind ON venues;
DROP FUNCTION venues_keep_kind();
DROP TRIGGER sessions_set_in_room ON sessions;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION sessions_set_in_room() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.in_room := NOT (SELECT online FROM venues WHERE id = NEW.venue_id);
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_set_in_room BEFORE INSERT OR UPDATE OF venue_id ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_set_in_room();
