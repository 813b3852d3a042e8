-- Prerequisites (internal/prerequisite): a course can require others, each
-- optionally done within so many months, and booking checks the person's
-- training record. A person can claim training done elsewhere (prior
-- learning), for a training manager to confirm; a manager adding someone
-- who lacks a prerequisite gives a reason, kept on the booking.

-- +goose Up
CREATE TABLE course_prerequisites (
    course_id          bigint      NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    requires_course_id bigint      NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    -- The required course counts only when done within this many months
    -- before the session being booked; NULL: done at any time.
    within_months      smallint    CHECK (within_months BETWEEN 1 AND 120),
    created_at         timestamptz NOT NULL,
    PRIMARY KEY (course_id, requires_course_id),
    CONSTRAINT course_prerequisites_not_itself CHECK (course_id <> requires_course_id)
);
CREATE INDEX course_prerequisites_required_idx ON course_prerequisites (requires_course_id);

-- No loop of any length (A needs B needs … needs A): a course needing one
-- that, through its own prerequisites, needs the first could never be
-- booked. Concurrent additions take turns on an advisory lock, and each
-- statement of the function sees what the other committed, so two halves
-- of a loop added at once cannot both pass.
-- +goose StatementBegin
CREATE FUNCTION course_prerequisites_no_loop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.course_id = NEW.requires_course_id THEN
        RETURN NEW; -- the CHECK course_prerequisites_not_itself refuses it
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('course_prerequisites'));
    IF EXISTS (
        WITH RECURSIVE needed (course_id) AS (
            SELECT NEW.requires_course_id
            UNION
            SELECT p.requires_course_id
            FROM course_prerequisites p JOIN needed n ON p.course_id = n.course_id
        )
        SELECT 1 FROM needed WHERE course_id = NEW.course_id
    ) THEN
        RAISE EXCEPTION 'course % cannot require course %: that would make a loop', NEW.course_id, NEW.requires_course_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'course_prerequisites_no_loop';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER course_prerequisites_no_loop BEFORE INSERT OR UPDATE ON course_prerequisites
    FOR EACH ROW EXECUTE FUNCTION course_prerequisites_no_loop();

CREATE TYPE prior_learning_status AS ENUM ('pending', 'confirmed', 'rejected');

CREATE TABLE prior_learning_claims (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES users (id),
    course_id     bigint      NOT NULL REFERENCES courses (id),
    completed_on  date        NOT NULL,
    provider      text        NOT NULL CHECK (btrim(provider) <> '' AND length(provider) <= 200),
    note          text        NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    status        prior_learning_status NOT NULL DEFAULT 'pending',
    decided_by    bigint      REFERENCES users (id),
    decided_at    timestamptz,
    reject_reason text        NOT NULL DEFAULT '' CHECK (length(reject_reason) <= 500),
    created_at    timestamptz NOT NULL,
    CONSTRAINT prior_learning_claims_decided CHECK ((status = 'pending') = (decided_at IS NULL)),
    CONSTRAINT prior_learning_claims_reject_reason CHECK (status <> 'rejected' OR btrim(reject_reason) <> '')
);
CREATE INDEX prior_learning_claims_pending_idx ON prior_learning_claims (created_at, id) WHERE status = 'pending';
CREATE INDEX prior_learning_claims_user_idx ON prior_learning_claims (user_id, course_id);
CREATE INDEX prior_learning_claims_course_idx ON prior_learning_claims (course_id);
CREATE INDEX prior_learning_claims_decided_by_idx ON prior_learning_claims (decided_by);
COMMENT ON COLUMN prior_learning_claims.provider IS 'personal: where the person says they did the training';
COMMENT ON COLUMN prior_learning_claims.note IS 'personal: what the person added about the training';
COMMENT ON COLUMN prior_learning_claims.reject_reason IS 'personal: why a training manager did not accept the person''s claim';

-- A manager adding someone who lacks a prerequisite says why.
ALTER TABLE bookings ADD COLUMN prerequisite_override text NOT NULL DEFAULT ''
    CHECK (length(prerequisite_override) <= 500);
COMMENT ON COLUMN bookings.prerequisite_override IS 'personal: why a training manager booked the person without a prerequisite';

-- +goose Down
ALTER TABLE bookings DROP COLUMN prerequisite_override;
DROP TABLE prior_learning_claims;
DROP TYPE prior_learning_status;
DROP TABLE course_prerequisites;
DROP FUNCTION course_prerequisites_no_loop();
