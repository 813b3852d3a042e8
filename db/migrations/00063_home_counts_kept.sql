-- The manager's home counts charges to decide and sessions without a trainer
-- from what is kept for it (issue 21). In a manager's scope, counting them
-- from bookings and session_trainers checked each row against its policy
-- (the row's session visible): the bookings of charges to decide made
-- PostgreSQL read every session to hash the visible ones, and each upcoming
-- session's look for a trainer probed sessions again, per row: 13 of the
-- home's 16 ms at 100x. What is kept is read under a policy of the row's own
-- partnership, from an index of exactly the rows with something to count.
--
-- sessions.charges_to_decide: how many of the session's bookings have
-- charge_to_decide (kept by the triggers of migration 00047 and later; this
-- follows the booking's final row, whatever set it).
-- trainerless_sessions: the sessions with no session_trainers row, with
-- their partnership, start and status (kept as they change). Kept
-- in a table of its own, not on sessions: a session is made and given its
-- trainers in one transaction, and updating its row again there would check
-- its room's exclusion constraint a second time, waiting for whoever is
-- making a session in the same room (a deadlock, not a clash).
--
-- The triggers run as the service (SECURITY DEFINER): what they keep must not
-- depend on what the statement's manager may see (a session's row triggers
-- read its venue, which may be another partnership's).
--
-- Growth fills both itself: its rows are made with row triggers off.
--
-- The home's other counts of a few hundred rows each read them from the
-- index alone: requests waiting (with the partnership, for the enquiries
-- policy), prior learning to decide (with the course, for its policy) and
-- organisations to confirm (with the name as typed; migration 00062's index
-- had only its lower case, so each of the people was read from the table).

-- +goose Up
ALTER TABLE sessions ADD COLUMN charges_to_decide integer NOT NULL DEFAULT 0;
UPDATE sessions s SET charges_to_decide = b.n
FROM (SELECT session_id, count(*) AS n FROM bookings WHERE charge_to_decide GROUP BY session_id) b
WHERE b.session_id = s.id;

-- +goose StatementBegin
CREATE FUNCTION bookings_count_charges_to_decide() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.charge_to_decide THEN
            UPDATE sessions SET charges_to_decide = charges_to_decide - 1 WHERE id = OLD.session_id;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.charge_to_decide THEN
            UPDATE sessions SET charges_to_decide = charges_to_decide + 1 WHERE id = NEW.session_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- After the row is final: charge_to_decide is set by BEFORE triggers and by
-- other tables' triggers, so no "UPDATE OF" list would catch every change.
-- A booking that never has a charge to decide (every place in a rush) fires
-- none of these.
CREATE TRIGGER bookings_count_charges_to_decide_insert AFTER INSERT ON bookings
    FOR EACH ROW WHEN (NEW.charge_to_decide)
    EXECUTE FUNCTION bookings_count_charges_to_decide();
CREATE TRIGGER bookings_count_charges_to_decide_update AFTER UPDATE ON bookings
    FOR EACH ROW WHEN (OLD.charge_to_decide <> NEW.charge_to_decide
                       OR (NEW.charge_to_decide AND OLD.session_id <> NEW.session_id))
    EXECUTE FUNCTION bookings_count_charges_to_decide();
CREATE TRIGGER bookings_count_charges_to_decide_delete AFTER DELETE ON bookings
    FOR EACH ROW WHEN (OLD.charge_to_decide)
    EXECUTE FUNCTION bookings_count_charges_to_decide();

-- Exactly the sessions the home counts, with the partnership for the
-- sessions policy, so the count is read from the index alone.
CREATE INDEX sessions_charges_to_decide_idx ON sessions (partnership_id) INCLUDE (charges_to_decide)
    WHERE charges_to_decide > 0;

CREATE TABLE trainerless_sessions (
    session_id     bigint         PRIMARY KEY REFERENCES sessions ON DELETE CASCADE,
    -- The session's, kept with it, so that the count and the policy read
    -- this row alone.
    partnership_id bigint         NOT NULL,
    starts_at      timestamptz    NOT NULL,
    status         session_status NOT NULL
);
COMMENT ON TABLE trainerless_sessions IS 'The sessions with no trainer, kept by triggers for the manager''s home';
INSERT INTO trainerless_sessions (session_id, partnership_id, starts_at, status)
SELECT s.id, s.partnership_id, s.starts_at, s.status FROM sessions s
WHERE NOT EXISTS (SELECT FROM session_trainers st WHERE st.session_id = s.id);
-- The home's count: those still to run, from the index alone.
CREATE INDEX trainerless_sessions_to_come_idx ON trainerless_sessions (starts_at) INCLUDE (partnership_id)
    WHERE status IN ('draft', 'published');

-- +goose StatementBegin
CREATE FUNCTION trainerless_sessions_keep() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' AND TG_OP = 'INSERT' THEN
        INSERT INTO trainerless_sessions (session_id, partnership_id, starts_at, status)
        VALUES (NEW.id, NEW.partnership_id, NEW.starts_at, NEW.status);
    ELSIF TG_TABLE_NAME = 'sessions' THEN
        UPDATE trainerless_sessions
        SET partnership_id = NEW.partnership_id, starts_at = NEW.starts_at, status = NEW.status
        WHERE session_id = NEW.id;
    ELSIF TG_OP = 'INSERT' THEN
        DELETE FROM trainerless_sessions WHERE session_id = NEW.session_id;
    ELSE
        INSERT INTO trainerless_sessions (session_id, partnership_id, starts_at, status)
        SELECT s.id, s.partnership_id, s.starts_at, s.status FROM sessions s
        WHERE s.id = OLD.session_id AND NOT EXISTS (SELECT FROM session_trainers st WHERE st.session_id = s.id)
        ON CONFLICT (session_id) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER trainerless_sessions_made AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION trainerless_sessions_keep();
CREATE TRIGGER trainerless_sessions_moved AFTER UPDATE OF partnership_id, starts_at, status ON sessions
    FOR EACH ROW WHEN (OLD.partnership_id <> NEW.partnership_id OR OLD.starts_at <> NEW.starts_at
                       OR OLD.status <> NEW.status)
    EXECUTE FUNCTION trainerless_sessions_keep();
-- session_trainers rows are never updated (session_trainers_no_update).
CREATE TRIGGER trainerless_sessions_kept AFTER INSERT OR DELETE ON session_trainers
    FOR EACH ROW EXECUTE FUNCTION trainerless_sessions_keep();

ALTER TABLE trainerless_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY service ON trainerless_sessions USING (NOT in_manager_scope()) WITH CHECK (NOT in_manager_scope());
CREATE POLICY own_partnership ON trainerless_sessions TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());

CREATE INDEX enquiries_waiting_idx ON enquiries (submitted_at) INCLUDE (partnership_id)
    WHERE status = 'submitted';
CREATE INDEX prior_learning_claims_to_decide_idx ON prior_learning_claims (course_id)
    WHERE status = 'pending';
DROP INDEX users_unlisted_to_confirm_idx;
CREATE INDEX users_unlisted_to_confirm_idx ON users (lower(unlisted_agency_name)) INCLUDE (unlisted_agency_name)
    WHERE unlisted_agency_name <> '' AND agency_id IS NULL AND erased_at IS NULL;

-- +goose Down
DROP INDEX users_unlisted_to_confirm_idx;
CREATE INDEX users_unlisted_to_confirm_idx ON users (lower(unlisted_agency_name))
    WHERE unlisted_agency_name <> '' AND agency_id IS NULL AND erased_at IS NULL;
DROP INDEX prior_learning_claims_to_decide_idx;
DROP INDEX enquiries_waiting_idx;
DROP TRIGGER trainerless_sessions_kept ON session_trainers;
DROP TRIGGER trainerless_sessions_moved ON sessions;
DROP TRIGGER trainerless_sessions_made ON sessions;
DROP FUNCTION trainerless_sessions_keep();
DROP TABLE trainerless_sessions; -- and its index
DROP INDEX sessions_charges_to_decide_idx;
DROP TRIGGER bookings_count_charges_to_decide_delete ON bookings;
DROP TRIGGER bookings_count_charges_to_decide_update ON bookings;
DROP TRIGGER bookings_count_charges_to_decide_insert ON bookings;
DROP FUNCTION bookings_count_charges_to_decide();
ALTER TABLE sessions DROP COLUMN charges_to_decide;
