-- The manager's home counts charges to decide and sessions without a trainer
-- from counts each session keeps (issue 21). In a manager's scope, counting
-- them from bookings and session_trainers checked each row against its
-- policy (the row's session visible): the bookings of charges to decide made
-- PostgreSQL read every session to hash the visible ones, and each upcoming
-- session's look for a trainer probed sessions again, per row, 16 ms at 100x
-- in all. The session is the row the policy is about, so the count kept on
-- it is read under the sessions policy alone, from an index of exactly the
-- sessions that have something to count.
--
-- trainers_assigned: how many session_trainers rows the session has.
-- charges_to_decide: how many of its bookings have charge_to_decide (kept by
-- the triggers of migration 00047 and later, which this follows from the
-- booking's final row, whatever set it).
--
-- Growth fills these itself: its rows are made with row triggers off.
--
-- The home's other counts of a few hundred rows each read them from the
-- index alone: requests waiting (with the partnership, for the enquiries
-- policy), prior learning to decide (with the course, for its policy) and
-- organisations to confirm (with the name as typed; migration 00062's index
-- had only its lower case, so each of the people was read from the table).

-- +goose Up
ALTER TABLE sessions ADD COLUMN trainers_assigned integer NOT NULL DEFAULT 0,
                     ADD COLUMN charges_to_decide integer NOT NULL DEFAULT 0;

UPDATE sessions s SET trainers_assigned = t.n
FROM (SELECT session_id, count(*) AS n FROM session_trainers GROUP BY session_id) t
WHERE t.session_id = s.id;
UPDATE sessions s SET charges_to_decide = b.n
FROM (SELECT session_id, count(*) AS n FROM bookings WHERE charge_to_decide GROUP BY session_id) b
WHERE b.session_id = s.id;

-- +goose StatementBegin
CREATE FUNCTION session_trainers_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE sessions SET trainers_assigned = trainers_assigned + 1 WHERE id = NEW.session_id;
    ELSE
        UPDATE sessions SET trainers_assigned = trainers_assigned - 1 WHERE id = OLD.session_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- session_trainers rows are never updated (session_trainers_no_update).
CREATE TRIGGER session_trainers_count AFTER INSERT OR DELETE ON session_trainers
    FOR EACH ROW EXECUTE FUNCTION session_trainers_count();

-- +goose StatementBegin
CREATE FUNCTION bookings_count_charges_to_decide() RETURNS trigger LANGUAGE plpgsql AS $$
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
-- sessions policy, so the counts are read from the index alone.
CREATE INDEX sessions_charges_to_decide_idx ON sessions (partnership_id) INCLUDE (charges_to_decide)
    WHERE charges_to_decide > 0;
CREATE INDEX sessions_without_trainer_idx ON sessions (starts_at) INCLUDE (partnership_id)
    WHERE trainers_assigned = 0 AND status IN ('draft', 'published');

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
DROP INDEX sessions_without_trainer_idx;
DROP INDEX sessions_charges_to_decide_idx;
DROP TRIGGER bookings_count_charges_to_decide_delete ON bookings;
DROP TRIGGER bookings_count_charges_to_decide_update ON bookings;
DROP TRIGGER bookings_count_charges_to_decide_insert ON bookings;
DROP FUNCTION bookings_count_charges_to_decide();
DROP TRIGGER session_trainers_count ON session_trainers;
DROP FUNCTION session_trainers_count();
ALTER TABLE sessions DROP COLUMN charges_to_decide, DROP COLUMN trainers_assigned;
