-- Bookings, payments and charges carry their partnership (issue 21).
--
-- Migration 00049's policies let a manager see a booking when its session is
-- theirs (EXISTS on sessions, under sessions' own policy), and a payment or a
-- charge when its booking is (EXISTS on bookings, then on sessions). Each row
-- a manager read cost a probe of bookings and then of sessions: invoicing at
-- 100x read every line due and awaiting payment so, and spent about half its
-- 40 ms of SQL in those probes. Each booking, payment and charge now holds its
-- session's partnership (partnership_id), and their policies compare it.
--
-- The column is kept by triggers wherever it can change:
--   - a booking made: from its session, in the same look-up that fills its
--     session's start (migration 00064's insert trigger); a booking never
--     moves to another session (bookings_count_seats, migration 00046,
--     refuses it);
--   - a payment or charge made, or moved to another booking: from the
--     booking (a payment's look-up is migration 00060's, which now reads the
--     session's start from the booking too);
--   - a session given to another partnership: its bookings, and their
--     payments and charges, follow;
--   - the column set by hand: it is set again from the session or booking.
-- The triggers run as the service (SECURITY DEFINER): what they fill must
-- not depend on what the statement's manager may see, and a manager's row
-- for another partnership's session is then refused by the policy's check.
--
-- internal/growth fills the tables with row triggers off, so it sets the
-- column itself.

-- +goose Up
ALTER TABLE bookings ADD COLUMN partnership_id bigint REFERENCES partnerships;
ALTER TABLE payments ADD COLUMN partnership_id bigint REFERENCES partnerships;
ALTER TABLE charges ADD COLUMN partnership_id bigint REFERENCES partnerships;
COMMENT ON COLUMN bookings.partnership_id IS
    'The session''s partnership, kept by the triggers of migration 00067 (for row-level security)';
COMMENT ON COLUMN payments.partnership_id IS
    'The booking''s session''s partnership, kept by the triggers of migration 00067 (for row-level security)';
COMMENT ON COLUMN charges.partnership_id IS
    'The booking''s session''s partnership, kept by the triggers of migration 00067 (for row-level security)';

-- +goose StatementBegin
-- Migration 00064's look-up of the session, now filling both.
CREATE OR REPLACE FUNCTION bookings_set_session_starts_at() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    SELECT s.starts_at, s.partnership_id INTO NEW.session_starts_at, NEW.partnership_id
    FROM sessions s WHERE s.id = NEW.session_id;
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- Set by hand, the column is set again from the session.
DROP TRIGGER bookings_session_starts_at_insert ON bookings;
CREATE TRIGGER bookings_session_starts_at_insert BEFORE INSERT OR UPDATE OF partnership_id ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_set_session_starts_at();

-- +goose StatementBegin
-- Migration 00060's look-up, now of the booking alone (which holds its
-- session's start and partnership), filling both.
CREATE OR REPLACE FUNCTION payments_set_session_starts_at() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    starts timestamptz;
BEGIN
    SELECT b.session_starts_at, b.partnership_id INTO starts, NEW.partnership_id
    FROM bookings b WHERE b.id = NEW.booking_id;
    NEW.session_starts_at := CASE WHEN NEW.method = 'invoice' THEN starts END;
    RETURN NEW;
END $$;
-- +goose StatementEnd
DROP TRIGGER payments_session_starts_at ON payments;
CREATE TRIGGER payments_session_starts_at BEFORE INSERT OR UPDATE OF booking_id, method, partnership_id ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_set_session_starts_at();

-- +goose StatementBegin
CREATE FUNCTION charges_set_partnership() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    NEW.partnership_id := (SELECT b.partnership_id FROM bookings b WHERE b.id = NEW.booking_id);
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER charges_partnership BEFORE INSERT OR UPDATE OF booking_id, partnership_id ON charges
    FOR EACH ROW EXECUTE FUNCTION charges_set_partnership();

-- +goose StatementBegin
-- A session given to another partnership: what hangs from it follows.
CREATE FUNCTION sessions_bookings_follow_partnership() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE bookings SET partnership_id = NEW.partnership_id
    WHERE session_id = NEW.id AND partnership_id IS DISTINCT FROM NEW.partnership_id;
    UPDATE payments p SET partnership_id = NEW.partnership_id
    FROM bookings b
    WHERE b.session_id = NEW.id AND p.booking_id = b.id AND p.partnership_id IS DISTINCT FROM NEW.partnership_id;
    UPDATE charges ch SET partnership_id = NEW.partnership_id
    FROM bookings b
    WHERE b.session_id = NEW.id AND ch.booking_id = b.id AND ch.partnership_id IS DISTINCT FROM NEW.partnership_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_bookings_follow_partnership AFTER UPDATE OF partnership_id ON sessions
    FOR EACH ROW WHEN (OLD.partnership_id IS DISTINCT FROM NEW.partnership_id)
    EXECUTE FUNCTION sessions_bookings_follow_partnership();

UPDATE bookings b SET partnership_id = s.partnership_id FROM sessions s WHERE s.id = b.session_id;
UPDATE payments p SET partnership_id = b.partnership_id FROM bookings b WHERE b.id = p.booking_id;
UPDATE charges ch SET partnership_id = b.partnership_id FROM bookings b WHERE b.id = ch.booking_id;
ALTER TABLE bookings ALTER COLUMN partnership_id SET NOT NULL;
ALTER TABLE payments ALTER COLUMN partnership_id SET NOT NULL;
ALTER TABLE charges ALTER COLUMN partnership_id SET NOT NULL;

-- The foreign keys' indexes (a partnership is never deleted while it has
-- sessions, so these serve the check, not a list).
CREATE INDEX bookings_partnership ON bookings (partnership_id);
CREATE INDEX payments_partnership ON payments (partnership_id);
CREATE INDEX charges_partnership ON charges (partnership_id);

-- The policies: a manager's rows are their partnership's (the service's
-- policy stays as migration 00049 made it).
DROP POLICY own_partnership ON bookings;
CREATE POLICY own_partnership ON bookings TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());
DROP POLICY own_partnership ON payments;
CREATE POLICY own_partnership ON payments TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());
DROP POLICY own_partnership ON charges;
CREATE POLICY own_partnership ON charges TO booktraining_manager
    USING (partnership_id = acting_partnership_id()) WITH CHECK (partnership_id = acting_partnership_id());

-- +goose Down
DROP POLICY own_partnership ON charges;
CREATE POLICY own_partnership ON charges TO booktraining_manager
    USING (EXISTS (SELECT FROM bookings parent WHERE parent.id = charges.booking_id))
    WITH CHECK (EXISTS (SELECT FROM bookings parent WHERE parent.id = charges.booking_id));
DROP POLICY own_partnership ON payments;
CREATE POLICY own_partnership ON payments TO booktraining_manager
    USING (EXISTS (SELECT FROM bookings parent WHERE parent.id = payments.booking_id))
    WITH CHECK (EXISTS (SELECT FROM bookings parent WHERE parent.id = payments.booking_id));
DROP POLICY own_partnership ON bookings;
CREATE POLICY own_partnership ON bookings TO booktraining_manager
    USING (EXISTS (SELECT FROM sessions parent WHERE parent.id = bookings.session_id))
    WITH CHECK (EXISTS (SELECT FROM sessions parent WHERE parent.id = bookings.session_id));

DROP TRIGGER sessions_bookings_follow_partnership ON sessions;
DROP FUNCTION sessions_bookings_follow_partnership();
DROP TRIGGER charges_partnership ON charges;
DROP FUNCTION charges_set_partnership();

DROP TRIGGER payments_session_starts_at ON payments;
CREATE TRIGGER payments_session_starts_at BEFORE INSERT OR UPDATE OF booking_id, method ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_set_session_starts_at();
DROP TRIGGER bookings_session_starts_at_insert ON bookings;
CREATE TRIGGER bookings_session_starts_at_insert BEFORE INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_set_session_starts_at();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payments_set_session_starts_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.session_starts_at := CASE WHEN NEW.method = 'invoice' THEN (
        SELECT s.starts_at FROM bookings b JOIN sessions s ON s.id = b.session_id WHERE b.id = NEW.booking_id) END;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bookings_set_session_starts_at() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    NEW.session_starts_at := (SELECT s.starts_at FROM sessions s WHERE s.id = NEW.session_id);
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- Dropping the columns drops their indexes.
ALTER TABLE charges DROP COLUMN partnership_id;
ALTER TABLE payments DROP COLUMN partnership_id;
ALTER TABLE bookings DROP COLUMN partnership_id;
