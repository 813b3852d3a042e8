-- Scheduling: trainers and what they may deliver, their time off, who
-- delivers each session, and the rules that make a clash impossible.

-- +goose Up

-- What a session was, whatever later happens to its course.
ALTER TABLE sessions ADD COLUMN course_title text NOT NULL DEFAULT '';
UPDATE sessions s SET course_title = c.title FROM courses c WHERE c.id = s.course_id;

-- A closed session is booked through a secret link sent to its agency.
ALTER TABLE sessions ADD COLUMN invite_token text UNIQUE;
UPDATE sessions SET invite_token = replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
WHERE closed_to_agency_id IS NOT NULL AND invite_token IS NULL;
ALTER TABLE sessions ADD CONSTRAINT sessions_closed_has_invite
    CHECK ((closed_to_agency_id IS NULL) OR (invite_token IS NOT NULL));

-- A room holds one session at a time; online platforms hold any number.
-- in_room copies venues.online (a constraint cannot read another table).
ALTER TABLE sessions ADD COLUMN in_room boolean NOT NULL DEFAULT true;
UPDATE sessions s SET in_room = NOT v.online FROM venues v WHERE v.id = s.venue_id;

-- +goose StatementBegin
CREATE FUNCTION sessions_set_in_room() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.in_room := NOT (SELECT online FROM venues WHERE id = NEW.venue_id);
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_set_in_room BEFORE INSERT OR UPDATE OF venue_id ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_set_in_room();

ALTER TABLE sessions ADD CONSTRAINT sessions_room_no_overlap
    EXCLUDE USING gist (venue_id WITH =, during WITH &&) WHERE (in_room AND status <> 'cancelled');

-- The courses a trainer is approved to deliver.
CREATE TABLE trainer_courses (
    trainer_id  bigint      NOT NULL REFERENCES users (id),
    course_id   bigint      NOT NULL REFERENCES courses (id),
    approved_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trainer_id, course_id)
);

-- Who delivers each session (kept when a session is cancelled).
CREATE TABLE session_trainers (
    session_id bigint NOT NULL REFERENCES sessions (id),
    trainer_id bigint NOT NULL REFERENCES users (id),
    PRIMARY KEY (session_id, trainer_id)
);
CREATE INDEX session_trainers_trainer_idx ON session_trainers (trainer_id);

-- Everything that takes a trainer's time: the sessions they deliver (not
-- cancelled) and their time off. One exclusion constraint over both means a
-- trainer can never be in two sessions at once, nor in a session on a day
-- they cannot train, whoever schedules it and however many at once.
CREATE TABLE trainer_commitments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trainer_id bigint    NOT NULL REFERENCES users (id),
    session_id bigint    REFERENCES sessions (id),
    during     tstzrange NOT NULL CHECK (NOT isempty(during)),
    reason     text      NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT trainer_commitments_one_per_session UNIQUE (session_id, trainer_id),
    CONSTRAINT trainer_commitments_no_overlap EXCLUDE USING gist (trainer_id WITH =, during WITH &&)
);

-- Commitments follow session_trainers and the session's time and status.
-- +goose StatementBegin
CREATE FUNCTION session_trainers_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO trainer_commitments (trainer_id, session_id, during)
        SELECT NEW.trainer_id, s.id, s.during FROM sessions s
        WHERE s.id = NEW.session_id AND s.status <> 'cancelled';
        RETURN NEW;
    END IF;
    DELETE FROM trainer_commitments WHERE session_id = OLD.session_id AND trainer_id = OLD.trainer_id;
    RETURN OLD;
END $$;
-- +goose StatementEnd
CREATE TRIGGER session_trainers_commit AFTER INSERT OR DELETE ON session_trainers
    FOR EACH ROW EXECUTE FUNCTION session_trainers_commit();

-- +goose StatementBegin
CREATE FUNCTION sessions_move_commitments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'cancelled' THEN
        DELETE FROM trainer_commitments WHERE session_id = NEW.id;
    ELSIF NEW.during IS DISTINCT FROM OLD.during THEN
        UPDATE trainer_commitments SET during = NEW.during WHERE session_id = NEW.id;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_move_commitments AFTER UPDATE OF starts_at, ends_at, status ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_move_commitments();

-- A trainer's personal calendar feed: a secret token that can be reset.
ALTER TABLE users ADD COLUMN calendar_token text UNIQUE;

-- +goose Down
ALTER TABLE users DROP COLUMN calendar_token;
DROP TRIGGER sessions_move_commitments ON sessions;
DROP FUNCTION sessions_move_commitments();
DROP TABLE session_trainers;
DROP FUNCTION session_trainers_commit();
DROP TABLE trainer_commitments;
DROP TABLE trainer_courses;
ALTER TABLE sessions DROP CONSTRAINT sessions_room_no_overlap;
DROP TRIGGER sessions_set_in_room ON sessions;
DROP FUNCTION sessions_set_in_room();
ALTER TABLE sessions DROP COLUMN in_room;
ALTER TABLE sessions DROP CONSTRAINT sessions_closed_has_invite;
ALTER TABLE sessions DROP COLUMN invite_token;
ALTER TABLE sessions DROP COLUMN course_title;
