-- A trainer on a session holds the trainer role and is approved for the
-- session's course, whoever puts them there and however two managers
-- interleave. Scheduling checks both in Go first, for a clear message; these
-- triggers keep the rule when that check raced or was skipped.
--
-- Putting a trainer on a session locks their role and their approval (FOR
-- KEY SHARE), so withdrawing either waits for it and then sees the session;
-- withdrawing the role or the approval while the trainer is down to deliver a
-- session to come (draft or published, not yet over) is refused. Sessions
-- already over keep their trainers as history, whatever later happens to the
-- approval or the role. A session's course can change only if its trainers
-- are approved for the new one.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION session_trainer_qualified() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER session_trainers_qualified BEFORE INSERT ON session_trainers
    FOR EACH ROW EXECUTE FUNCTION session_trainer_qualified();

-- +goose StatementBegin
CREATE FUNCTION trainer_course_keeps_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER trainer_courses_keep_sessions_to_come BEFORE DELETE OR UPDATE ON trainer_courses
    FOR EACH ROW EXECUTE FUNCTION trainer_course_keeps_sessions();

-- +goose StatementBegin
CREATE FUNCTION trainer_role_keeps_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.role <> 'trainer' OR (TG_OP = 'UPDATE' AND NEW.user_id = OLD.user_id AND NEW.role = OLD.role) THEN
        IF TG_OP = 'UPDATE' THEN
            RETURN NEW;
        END IF;
        RETURN OLD;
    END IF;
    IF EXISTS (SELECT 1 FROM session_trainers st JOIN sessions s ON s.id = st.session_id
               WHERE st.trainer_id = OLD.user_id
                 AND s.status IN ('draft', 'published') AND s.ends_at > now()) THEN
        RAISE EXCEPTION 'user % is down to deliver a session to come, so keeps the trainer role', OLD.user_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'user_roles_trainer_keeps_sessions_to_come';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER user_roles_trainer_keeps_sessions_to_come BEFORE DELETE OR UPDATE ON user_roles
    FOR EACH ROW EXECUTE FUNCTION trainer_role_keeps_sessions();

-- +goose StatementBegin
CREATE FUNCTION session_course_keeps_trainers_approved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM trainer_courses tc JOIN session_trainers st ON st.trainer_id = tc.trainer_id
    WHERE st.session_id = NEW.id AND tc.course_id = NEW.course_id
    FOR KEY SHARE OF tc;
    IF EXISTS (SELECT 1 FROM session_trainers st
               WHERE st.session_id = NEW.id
                 AND NOT EXISTS (SELECT 1 FROM trainer_courses tc
                                 WHERE tc.trainer_id = st.trainer_id AND tc.course_id = NEW.course_id)) THEN
        RAISE EXCEPTION 'session % cannot move to course %: a trainer on it is not approved for that course', NEW.id, NEW.course_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'session_trainers_approved_for_course';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sessions_course_keeps_trainers_approved BEFORE UPDATE OF course_id ON sessions
    FOR EACH ROW WHEN (NEW.course_id IS DISTINCT FROM OLD.course_id)
    EXECUTE FUNCTION session_course_keeps_trainers_approved();

-- +goose Down
DROP TRIGGER sessions_course_keeps_trainers_approved ON sessions;
DROP FUNCTION session_course_keeps_trainers_approved();
DROP TRIGGER user_roles_trainer_keeps_sessions_to_come ON user_roles;
DROP FUNCTION trainer_role_keeps_sessions();
DROP TRIGGER trainer_courses_keep_sessions_to_come ON trainer_courses;
DROP FUNCTION trainer_course_keeps_sessions();
DROP TRIGGER session_trainers_qualified ON session_trainers;
DROP FUNCTION session_trainer_qualified();
