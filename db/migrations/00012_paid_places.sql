-- Paid places: a place on a paid course is held while its person pays (it
-- counts against capacity like a confirmed place) and is confirmed only when
-- Stripe says the payment succeeded, or at once against a purchase order.

-- +goose Up
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN (
    'held', 'waiting', 'offered', 'confirmed',
    'cancelled', 'substituted', 'moved', 'left', 'expired'));
ALTER TABLE bookings ADD COLUMN hold_expires_at timestamptz;
ALTER TABLE bookings ADD CONSTRAINT bookings_hold_has_deadline CHECK (status <> 'held' OR hold_expires_at IS NOT NULL);
ALTER TABLE bookings DROP CONSTRAINT bookings_ended_has_time;
ALTER TABLE bookings ADD CONSTRAINT bookings_ended_has_time
    CHECK (status IN ('held', 'waiting', 'offered', 'confirmed') OR ended_at IS NOT NULL);

DROP INDEX bookings_one_live;
CREATE UNIQUE INDEX bookings_one_live ON bookings (session_id, user_id)
    WHERE status IN ('held', 'waiting', 'offered', 'confirmed');
CREATE INDEX bookings_holds_idx ON bookings (hold_expires_at) WHERE status = 'held';

-- A held place counts as taken, like a confirmed one or an offer.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bookings_count_seats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_before boolean := TG_OP <> 'INSERT' AND OLD.status IN ('held', 'offered', 'confirmed');
    held_after  boolean := TG_OP <> 'DELETE' AND NEW.status IN ('held', 'offered', 'confirmed');
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.session_id <> OLD.session_id THEN
        RAISE EXCEPTION 'booking % cannot change session', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_keep_session';
    END IF;
    IF held_before AND NOT held_after THEN
        UPDATE sessions SET seats_taken = seats_taken - 1 WHERE id = OLD.session_id;
    ELSIF held_after AND NOT held_before THEN
        UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- A place put on the agency's invoice and cancelled before it was billed is
-- simply not billed; a refund asked of Stripe is remembered until it is done.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN (
    'pending', 'paid', 'refunded', 'expired', 'failed', 'invoiced', 'cancelled'));
ALTER TABLE payments DROP CONSTRAINT payments_card_or_invoice;
ALTER TABLE payments ADD CONSTRAINT payments_card_or_invoice CHECK (
    (method = 'card' AND purchase_order IS NULL AND status NOT IN ('invoiced', 'cancelled'))
    OR (method = 'invoice' AND purchase_order IS NOT NULL AND checkout_session_id IS NULL
        AND status IN ('pending', 'invoiced', 'paid', 'cancelled')));
ALTER TABLE payments ADD COLUMN refund_requested_at timestamptz;
ALTER TABLE payments ADD CONSTRAINT payments_refund_was_asked CHECK (status <> 'refunded' OR refund_requested_at IS NOT NULL);

-- +goose Down
ALTER TABLE payments DROP CONSTRAINT payments_refund_was_asked;
ALTER TABLE payments DROP COLUMN refund_requested_at;
ALTER TABLE payments DROP CONSTRAINT payments_card_or_invoice;
ALTER TABLE payments ADD CONSTRAINT payments_card_or_invoice CHECK (
    (method = 'card' AND purchase_order IS NULL AND status <> 'invoiced')
    OR (method = 'invoice' AND purchase_order IS NOT NULL AND checkout_session_id IS NULL
        AND status IN ('pending', 'invoiced', 'paid')));
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN (
    'pending', 'paid', 'refunded', 'expired', 'failed', 'invoiced'));
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bookings_count_seats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_before boolean := TG_OP <> 'INSERT' AND OLD.status IN ('offered', 'confirmed');
    held_after  boolean := TG_OP <> 'DELETE' AND NEW.status IN ('offered', 'confirmed');
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.session_id <> OLD.session_id THEN
        RAISE EXCEPTION 'booking % cannot change session', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_keep_session';
    END IF;
    IF held_before AND NOT held_after THEN
        UPDATE sessions SET seats_taken = seats_taken - 1 WHERE id = OLD.session_id;
    ELSIF held_after AND NOT held_before THEN
        UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP INDEX bookings_holds_idx;
DROP INDEX bookings_one_live;
CREATE UNIQUE INDEX bookings_one_live ON bookings (session_id, user_id)
    WHERE status IN ('waiting', 'offered', 'confirmed');
ALTER TABLE bookings DROP CONSTRAINT bookings_ended_has_time;
ALTER TABLE bookings ADD CONSTRAINT bookings_ended_has_time
    CHECK (status IN ('waiting', 'offered', 'confirmed') OR ended_at IS NOT NULL);
ALTER TABLE bookings DROP CONSTRAINT bookings_hold_has_deadline;
ALTER TABLE bookings DROP COLUMN hold_expires_at;
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN (
    'waiting', 'offered', 'confirmed',
    'cancelled', 'substituted', 'moved', 'left', 'expired'));
