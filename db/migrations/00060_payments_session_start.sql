-- Invoicing's "to invoice" list holds the places on invoice whose session has
-- begun (before then a cancellation is not billed). It found them by reading
-- every pending place on invoice, sessions to come too, and looking up each
-- one's session (8,700 places and 70 ms at 100x, issue 21). Each place on
-- invoice now carries its session's start (session_starts_at), kept by
-- triggers wherever it can change: the payment made or moved to another
-- booking, the booking moved to another session, the session moved. A partial
-- index holds only the places still to invoice, by that start, so the list
-- reads the places due and no others.
--
-- internal/growth fills the table with row triggers off, so it sets the
-- column itself; the check below refuses a place on invoice without it.

-- +goose Up
ALTER TABLE payments ADD COLUMN session_starts_at timestamptz;
COMMENT ON COLUMN payments.session_starts_at IS
    'A place on invoice: when its session starts (to invoice once it has begun), kept by the triggers of migration 00060';

-- +goose StatementBegin
CREATE FUNCTION payments_set_session_starts_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.session_starts_at := CASE WHEN NEW.method = 'invoice' THEN (
        SELECT s.starts_at FROM bookings b JOIN sessions s ON s.id = b.session_id WHERE b.id = NEW.booking_id) END;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER payments_session_starts_at BEFORE INSERT OR UPDATE OF booking_id, method ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_set_session_starts_at();

-- +goose StatementBegin
-- A session moved (or a booking moved to another session): its places on
-- invoice follow.
CREATE FUNCTION payments_follow_session_start() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        UPDATE payments p SET session_starts_at = NEW.starts_at
        FROM bookings b
        WHERE b.session_id = NEW.id AND p.booking_id = b.id AND p.method = 'invoice'
          AND p.session_starts_at IS DISTINCT FROM NEW.starts_at;
    ELSE -- bookings
        UPDATE payments p SET session_starts_at = s.starts_at
        FROM sessions s
        WHERE s.id = NEW.session_id AND p.booking_id = NEW.id AND p.method = 'invoice'
          AND p.session_starts_at IS DISTINCT FROM s.starts_at;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sessions_payments_follow_start AFTER UPDATE OF starts_at ON sessions
    FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at)
    EXECUTE FUNCTION payments_follow_session_start();
CREATE TRIGGER bookings_payments_follow_session AFTER UPDATE OF session_id ON bookings
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id)
    EXECUTE FUNCTION payments_follow_session_start();

UPDATE payments p SET session_starts_at = s.starts_at
FROM bookings b JOIN sessions s ON s.id = b.session_id
WHERE b.id = p.booking_id AND p.method = 'invoice';

ALTER TABLE payments ADD CONSTRAINT payments_invoice_knows_session_start
    CHECK (method <> 'invoice' OR session_starts_at IS NOT NULL);

-- The places on invoice still to invoice (not reserved or billed by Stripe),
-- by their session's start: the list reads those begun.
CREATE INDEX payments_due_to_invoice_idx ON payments (session_starts_at)
    WHERE method = 'invoice' AND status = 'pending' AND billing_batch IS NULL AND stripe_invoice_id IS NULL;

-- +goose Down
DROP INDEX payments_due_to_invoice_idx;
ALTER TABLE payments DROP CONSTRAINT payments_invoice_knows_session_start;
DROP TRIGGER bookings_payments_follow_session ON bookings;
DROP TRIGGER sessions_payments_follow_start ON sessions;
DROP FUNCTION payments_follow_session_start();
DROP TRIGGER payments_session_starts_at ON payments;
DROP FUNCTION payments_set_session_starts_at();
ALTER TABLE payments DROP COLUMN session_starts_at;
