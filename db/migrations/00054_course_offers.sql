-- HIPS courses (issue 22, shared courses): a course can be offered by several
-- partnerships, each scheduling its own sessions of it, and a trainer is
-- approved by a partnership to deliver a course for it.
--
-- A course belongs to the partnership that wrote it (courses.partnership_id),
-- which alone changes its content. When it marks the course shared (a HIPS
-- course), any other partnership may offer it too: course_offers holds who
-- offers what, the owner's row included, and a session's course must be
-- offered by the session's partnership.

-- +goose Up
ALTER TABLE courses ADD COLUMN shared boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN courses.shared IS 'A HIPS course: the other partnerships may offer it and schedule its sessions';

CREATE TABLE course_offers (
    course_id      bigint      NOT NULL REFERENCES courses ON DELETE CASCADE,
    partnership_id bigint      NOT NULL REFERENCES partnerships,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, partnership_id)
);
CREATE INDEX course_offers_partnership ON course_offers (partnership_id, course_id);
COMMENT ON TABLE course_offers IS 'The partnerships offering each course: its own, and others when it is shared';

INSERT INTO course_offers (course_id, partnership_id, created_at)
SELECT id, partnership_id, created_at FROM courses;
INSERT INTO course_offers (course_id, partnership_id)
SELECT DISTINCT course_id, partnership_id FROM sessions
ON CONFLICT DO NOTHING;

-- The owner always offers its course.
-- +goose StatementBegin
CREATE FUNCTION courses_offered_by_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO course_offers (course_id, partnership_id) VALUES (NEW.id, NEW.partnership_id)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER courses_offered_by_owner AFTER INSERT OR UPDATE OF partnership_id ON courses
    FOR EACH ROW EXECUTE FUNCTION courses_offered_by_owner();

-- Another partnership offers a course only while it is shared; the owner's
-- offer stays while the course does; a course stops being shared only once
-- no other partnership offers it.
-- +goose StatementBegin
-- It reads the course as the service does: a manager may offer a shared
-- course they cannot lock.
CREATE FUNCTION course_offers_allowed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    owner bigint;
    is_shared boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT partnership_id, shared INTO owner, is_shared FROM courses WHERE id = NEW.course_id FOR KEY SHARE;
        IF owner IS DISTINCT FROM NEW.partnership_id AND NOT coalesce(is_shared, false) THEN
            RAISE EXCEPTION 'course % is not shared, so partnership % cannot offer it', NEW.course_id, NEW.partnership_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'course_offers_course_shared';
        END IF;
        RETURN NEW;
    END IF;
    SELECT partnership_id INTO owner FROM courses WHERE id = OLD.course_id;
    IF owner = OLD.partnership_id THEN
        RAISE EXCEPTION 'partnership % owns course %, so offers it', OLD.partnership_id, OLD.course_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'course_offers_owner_offers';
    END IF;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER course_offers_allowed BEFORE INSERT OR DELETE ON course_offers
    FOR EACH ROW EXECUTE FUNCTION course_offers_allowed();

-- +goose StatementBegin
CREATE FUNCTION courses_keep_offers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.shared AND NOT NEW.shared
       AND EXISTS (SELECT FROM course_offers o WHERE o.course_id = NEW.id AND o.partnership_id <> NEW.partnership_id) THEN
        RAISE EXCEPTION 'course % is offered by other partnerships, so stays shared', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'courses_shared_while_offered';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER courses_keep_offers BEFORE UPDATE OF shared ON courses
    FOR EACH ROW EXECUTE FUNCTION courses_keep_offers();

-- A partnership schedules only what it offers, and cannot withdraw an offer
-- it has sessions of.
CREATE INDEX sessions_course_partnership ON sessions (course_id, partnership_id);
ALTER TABLE sessions ADD CONSTRAINT sessions_course_offered
    FOREIGN KEY (course_id, partnership_id) REFERENCES course_offers (course_id, partnership_id);

-- A trainer is approved by a partnership, for a course it offers. The
-- approval's partnership is the acting manager's, else the course's owner.
ALTER TABLE trainer_courses ADD COLUMN partnership_id bigint;
UPDATE trainer_courses tc SET partnership_id = c.partnership_id FROM courses c WHERE c.id = tc.course_id;
ALTER TABLE trainer_courses ALTER COLUMN partnership_id SET NOT NULL;
ALTER TABLE trainer_courses DROP CONSTRAINT trainer_courses_pkey;
ALTER TABLE trainer_courses ADD PRIMARY KEY (trainer_id, course_id, partnership_id);
ALTER TABLE trainer_courses ADD CONSTRAINT trainer_courses_course_offered
    FOREIGN KEY (course_id, partnership_id) REFERENCES course_offers (course_id, partnership_id) ON DELETE CASCADE;
DROP INDEX trainer_courses_course_idx;
CREATE INDEX trainer_courses_course_partnership ON trainer_courses (course_id, partnership_id);

-- +goose StatementBegin
CREATE FUNCTION trainer_courses_partnership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.partnership_id := coalesce(NEW.partnership_id, acting_partnership_id(),
                                   (SELECT partnership_id FROM courses WHERE id = NEW.course_id));
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER trainer_courses_partnership BEFORE INSERT ON trainer_courses
    FOR EACH ROW EXECUTE FUNCTION trainer_courses_partnership();

-- 00032's rules, now by the session's partnership: a trainer on a session is
-- approved for its course by the partnership running it, and that approval
-- stays while they are down to deliver such a session to come.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION session_trainer_qualified() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM user_roles WHERE user_id = NEW.trainer_id AND role = 'trainer' FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % does not hold the trainer role, so cannot deliver session %', NEW.trainer_id, NEW.session_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'session_trainers_hold_trainer_role';
    END IF;
    PERFORM 1 FROM trainer_courses tc
    JOIN sessions s ON s.course_id = tc.course_id AND s.partnership_id = tc.partnership_id
    WHERE s.id = NEW.session_id AND tc.trainer_id = NEW.trainer_id
    FOR KEY SHARE OF tc;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'trainer % is not approved for the course of session %', NEW.trainer_id, NEW.session_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'session_trainers_approved_for_course';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION trainer_course_keeps_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.trainer_id = OLD.trainer_id AND NEW.course_id = OLD.course_id
       AND NEW.partnership_id = OLD.partnership_id THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM session_trainers st JOIN sessions s ON s.id = st.session_id
               WHERE st.trainer_id = OLD.trainer_id AND s.course_id = OLD.course_id
                 AND s.partnership_id = OLD.partnership_id
                 AND s.status IN ('draft', 'published') AND s.ends_at > now()) THEN
        RAISE EXCEPTION 'trainer % is down to deliver a session to come of course %, so stays approved for it', OLD.trainer_id, OLD.course_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'trainer_courses_keep_sessions_to_come';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;
-- +goose StatementEnd

-- Row-level security. A manager sees their partnership's courses, the
-- courses it offers and the shared ones it could offer, and changes only
-- its own. Who offers what is public (the catalogue says it); a partnership
-- makes and withdraws only its own offers. Trainer approvals are the
-- approving partnership's. A course's prerequisites are read with the
-- course and changed by its owner; claims of prior learning for a course
-- are its owner's to review.
ALTER TABLE course_offers ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON course_offers USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY read_all ON course_offers FOR SELECT TO booktraining_manager USING (true);
CREATE POLICY own_offers ON course_offers FOR INSERT TO booktraining_manager
    WITH CHECK (partnership_id = acting_partnership_id());
CREATE POLICY own_withdrawn ON course_offers FOR DELETE TO booktraining_manager
    USING (partnership_id = acting_partnership_id());

CREATE POLICY offered_or_shared ON courses FOR SELECT TO booktraining_manager
    USING (shared OR EXISTS (SELECT FROM course_offers o
                             WHERE o.course_id = courses.id AND o.partnership_id = acting_partnership_id()));

ALTER TABLE trainer_courses ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON trainer_courses USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON trainer_courses TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());

DROP POLICY own_partnership ON course_prerequisites;
CREATE POLICY read_with_course ON course_prerequisites FOR SELECT TO booktraining_manager
    USING (EXISTS (SELECT FROM courses parent WHERE parent.id = course_prerequisites.course_id));
CREATE POLICY own_partnership ON course_prerequisites TO booktraining_manager
    USING (EXISTS (SELECT FROM courses parent
                   WHERE parent.id = course_prerequisites.course_id AND parent.partnership_id = acting_partnership_id()))
    WITH CHECK (EXISTS (SELECT FROM courses parent
                        WHERE parent.id = course_prerequisites.course_id AND parent.partnership_id = acting_partnership_id()));

DROP POLICY own_partnership ON prior_learning_claims;
CREATE POLICY own_partnership ON prior_learning_claims TO booktraining_manager
    USING (EXISTS (SELECT FROM courses parent
                   WHERE parent.id = prior_learning_claims.course_id AND parent.partnership_id = acting_partnership_id()))
    WITH CHECK (EXISTS (SELECT FROM courses parent
                        WHERE parent.id = prior_learning_claims.course_id AND parent.partnership_id = acting_partnership_id()));

-- +goose Down
DROP POLICY own_partnership ON prior_learning_claims;
CREATE POLICY own_partnership ON prior_learning_claims TO booktraining_manager
    USING (EXISTS (SELECT FROM courses parent WHERE parent.id = prior_learning_claims.course_id))
    WITH CHECK (EXISTS (SELECT FROM courses parent WHERE parent.id = prior_learning_claims.course_id));
DROP POLICY own_partnership ON course_prerequisites;
DROP POLICY read_with_course ON course_prerequisites;
CREATE POLICY own_partnership ON course_prerequisites TO booktraining_manager
    USING (EXISTS (SELECT FROM courses parent WHERE parent.id = course_prerequisites.course_id))
    WITH CHECK (EXISTS (SELECT FROM courses parent WHERE parent.id = course_prerequisites.course_id));
DROP POLICY own_partnership ON trainer_courses;
DROP POLICY service ON trainer_courses;
ALTER TABLE trainer_courses DISABLE ROW LEVEL SECURITY;
DROP POLICY offered_or_shared ON courses;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION trainer_course_keeps_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.trainer_id = OLD.trainer_id AND NEW.course_id = OLD.course_id THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM session_trainers st JOIN sessions s ON s.id = st.session_id
               WHERE st.trainer_id = OLD.trainer_id AND s.course_id = OLD.course_id
                 AND s.status IN ('draft', 'published') AND s.ends_at > now()) THEN
        RAISE EXCEPTION 'trainer % is down to deliver a session to come of course %, so stays approved for it', OLD.trainer_id, OLD.course_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'trainer_courses_keep_sessions_to_come';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION session_trainer_qualified() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM user_roles WHERE user_id = NEW.trainer_id AND role = 'trainer' FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % does not hold the trainer role, so cannot deliver session %', NEW.trainer_id, NEW.session_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'session_trainers_hold_trainer_role';
    END IF;
    PERFORM 1 FROM trainer_courses tc JOIN sessions s ON s.course_id = tc.course_id
    WHERE s.id = NEW.session_id AND tc.trainer_id = NEW.trainer_id
    FOR KEY SHARE OF tc;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'trainer % is not approved for the course of session %', NEW.trainer_id, NEW.session_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'session_trainers_approved_for_course';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
DROP TRIGGER trainer_courses_partnership ON trainer_courses;
DROP FUNCTION trainer_courses_partnership();
DROP INDEX trainer_courses_course_partnership;
ALTER TABLE trainer_courses DROP CONSTRAINT trainer_courses_course_offered;
ALTER TABLE trainer_courses DROP CONSTRAINT trainer_courses_pkey;
DELETE FROM trainer_courses a USING trainer_courses b
WHERE a.trainer_id = b.trainer_id AND a.course_id = b.course_id AND a.partnership_id > b.partnership_id;
ALTER TABLE trainer_courses ADD PRIMARY KEY (trainer_id, course_id);
ALTER TABLE trainer_courses DROP COLUMN partnership_id;
CREATE INDEX trainer_courses_course_idx ON trainer_courses (course_id);
ALTER TABLE sessions DROP CONSTRAINT sessions_course_offered;
DROP INDEX sessions_course_partnership;
DROP TRIGGER courses_keep_offers ON courses;
DROP FUNCTION courses_keep_offers();
DROP TABLE course_offers;
DROP FUNCTION course_offers_allowed();
DROP TRIGGER courses_offered_by_owner ON courses;
DROP FUNCTION courses_offered_by_owner();
ALTER TABLE courses DROP COLUMN shared;
