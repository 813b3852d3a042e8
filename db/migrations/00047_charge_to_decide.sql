-- The manager's home counts "charges to decide": absences and late
-- cancellations the policy charges and nobody has charged or waived yet. Found
-- by reading every absence and late cancellation ever, that count grew with
-- history (94 ms at 100x, issue 21). (And an index for a coordinator's
-- charges a page at a time, at the end.) Each booking now says whether it is such
-- a candidate (charge_to_decide), kept by triggers wherever what decides it
-- changes: the booking's own state, its charges and payments, and the policy,
-- the agency's band, the course's length and the session's cancellation
-- behind the amount (and the session's course). A partial index holds only
-- the candidates, so the count reads those rows alone.

-- +goose Up
ALTER TABLE bookings ADD COLUMN charge_to_decide boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN bookings.charge_to_decide IS
    'An absence or late cancellation waiting for the manager''s charge or waiver, kept by the triggers of migration 00047';

-- +goose StatementBegin
-- The rule of payment's ChargeCandidates and SessionCharges for a candidate
-- still undecided: absent, or cancelled late; of a listed agency whose band
-- the policy charges something for the course's length; the session not
-- cancelled; the place not paid for; no charge of that kind recorded.
CREATE FUNCTION booking_charge_to_decide(b bookings) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late), false)
       AND EXISTS (
           SELECT 1
           FROM sessions s
           JOIN courses c ON c.id = s.course_id
           JOIN agencies a ON a.id = b.agency_id
           JOIN charge_policy cp
                ON cp.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END
               AND cp.duration = c.duration AND cp.charging_band = a.charging_band
           WHERE s.id = b.session_id AND s.status <> 'cancelled' AND cp.amount_pence > 0)
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id AND p.status IN ('pending', 'invoiced', 'paid'))
       AND NOT EXISTS (SELECT 1 FROM charges ch WHERE ch.booking_id = b.id
                         AND ch.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION bookings_set_charge_to_decide() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.charge_to_decide := booking_charge_to_decide(NEW);
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- A new booking is rarely absent or cancelled late (the demo's past term,
-- tests): only then is the rule worked out. A changed one is worked out when
-- it is, or was, a candidate.
CREATE TRIGGER bookings_charge_to_decide_insert BEFORE INSERT ON bookings
    FOR EACH ROW WHEN (NEW.attendance = 'absent' OR NEW.late)
    EXECUTE FUNCTION bookings_set_charge_to_decide();
CREATE TRIGGER bookings_charge_to_decide_update BEFORE UPDATE OF status, attendance, late, agency_id, session_id ON bookings
    FOR EACH ROW WHEN (NEW.attendance = 'absent' OR NEW.late OR OLD.charge_to_decide)
    EXECUTE FUNCTION bookings_set_charge_to_decide();

-- +goose StatementBegin
-- A charge recorded or removed, a payment made or refunded: the booking's
-- rule again (charges and payments both name their booking_id).
CREATE FUNCTION bookings_recheck_charge_to_decide() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
    WHERE b.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.booking_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.booking_id END)
      AND (b.charge_to_decide OR b.attendance = 'absent' OR b.late)
      AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER charges_recheck_charge_to_decide AFTER INSERT OR DELETE OR UPDATE OF booking_id, kind ON charges
    FOR EACH ROW EXECUTE FUNCTION bookings_recheck_charge_to_decide();
CREATE TRIGGER payments_recheck_charge_to_decide AFTER INSERT OR DELETE OR UPDATE OF booking_id, status ON payments
    FOR EACH ROW EXECUTE FUNCTION bookings_recheck_charge_to_decide();

-- +goose StatementBegin
-- What sets the amount changed (rare, a manager's change): the rule again for
-- every candidate it may touch.
CREATE FUNCTION bookings_recheck_charge_to_decide_by_amount() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.session_id = NEW.id
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSIF TG_TABLE_NAME = 'agencies' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.agency_id = NEW.id
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSIF TG_TABLE_NAME = 'courses' THEN
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE b.session_id IN (SELECT s.id FROM sessions s WHERE s.course_id = NEW.id)
          AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    ELSE -- charge_policy
        UPDATE bookings b SET charge_to_decide = booking_charge_to_decide(b)
        WHERE ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
          AND b.charge_to_decide IS DISTINCT FROM booking_charge_to_decide(b);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER charge_policy_recheck_charge_to_decide AFTER UPDATE OF amount_pence ON charge_policy
    FOR EACH ROW WHEN ((OLD.amount_pence > 0) <> (NEW.amount_pence > 0))
    EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();
CREATE TRIGGER agencies_recheck_charge_to_decide AFTER UPDATE OF charging_band ON agencies
    FOR EACH ROW WHEN (OLD.charging_band IS DISTINCT FROM NEW.charging_band)
    EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();
CREATE TRIGGER courses_recheck_charge_to_decide AFTER UPDATE OF duration ON courses
    FOR EACH ROW WHEN (OLD.duration IS DISTINCT FROM NEW.duration)
    EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();
CREATE TRIGGER sessions_recheck_charge_to_decide AFTER UPDATE OF status, course_id ON sessions
    FOR EACH ROW WHEN ((OLD.status = 'cancelled') <> (NEW.status = 'cancelled') OR OLD.course_id <> NEW.course_id)
    EXECUTE FUNCTION bookings_recheck_charge_to_decide_by_amount();

UPDATE bookings b SET charge_to_decide = true
WHERE ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
  AND booking_charge_to_decide(b);

CREATE INDEX bookings_charge_to_decide_idx ON bookings (session_id) WHERE charge_to_decide;

-- A coordinator's charges, a page at a time, the most recent first.
CREATE INDEX charges_agency_recorded_idx ON charges (agency_id, created_at DESC, id DESC);
-- Invoicing's lists read the charges still to invoice or awaiting payment.
CREATE INDEX charges_open_idx ON charges (status) WHERE status IN ('proposed', 'invoiced');

-- +goose Down
DROP INDEX charges_open_idx;
DROP INDEX charges_agency_recorded_idx;
DROP INDEX bookings_charge_to_decide_idx;
DROP TRIGGER sessions_recheck_charge_to_decide ON sessions;
DROP TRIGGER courses_recheck_charge_to_decide ON courses;
DROP TRIGGER agencies_recheck_charge_to_decide ON agencies;
DROP TRIGGER charge_policy_recheck_charge_to_decide ON charge_policy;
DROP FUNCTION bookings_recheck_charge_to_decide_by_amount();
DROP TRIGGER payments_recheck_charge_to_decide ON payments;
DROP TRIGGER charges_recheck_charge_to_decide ON charges;
DROP FUNCTION bookings_recheck_charge_to_decide();
DROP TRIGGER bookings_charge_to_decide_update ON bookings;
DROP TRIGGER bookings_charge_to_decide_insert ON bookings;
DROP FUNCTION bookings_set_charge_to_decide();
DROP FUNCTION booking_charge_to_decide(bookings);
ALTER TABLE bookings DROP COLUMN charge_to_decide;
