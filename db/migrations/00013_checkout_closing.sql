-- A card checkout whose payment we closed (the hold lapsed, the place was
-- given up or put on the invoice) is closed at Stripe too, by the payments
-- sweep, so nobody can pay on a page we no longer stand behind.

-- +goose Up
ALTER TABLE payments ADD COLUMN checkout_closed_at timestamptz;
CREATE INDEX payments_checkouts_to_close_idx ON payments (id)
    WHERE method = 'card' AND status = 'expired' AND checkout_session_id IS NOT NULL AND checkout_closed_at IS NULL;

-- +goose Down
DROP INDEX payments_checkouts_to_close_idx;
ALTER TABLE payments DROP COLUMN checkout_closed_at;
