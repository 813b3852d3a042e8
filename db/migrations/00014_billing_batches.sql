-- Billing in two steps, so a crash between Stripe's answer and our commit
-- can never bill a row twice: the sweep first reserves the rows of one
-- agency's invoice for one session into a batch (its key is the invoice's
-- idempotency key) and commits; then it invoices exactly that batch, as often
-- as it takes, with the same keys and the same lines. Rows confirmed later go
-- into a new batch. And the billing contact last sent to Stripe, so a changed
-- one is sent again before the next invoice.

-- +goose Up
ALTER TABLE charges
    ADD COLUMN billing_batch text CHECK (billing_batch <> '' AND length(billing_batch) <= 200);
ALTER TABLE payments
    ADD COLUMN billing_batch text CHECK (billing_batch <> '' AND length(billing_batch) <= 200);
CREATE INDEX charges_batch_idx ON charges (billing_batch) WHERE billing_batch IS NOT NULL;
CREATE INDEX payments_batch_idx ON payments (billing_batch) WHERE billing_batch IS NOT NULL;

ALTER TABLE agencies
    ADD COLUMN stripe_customer_email text,
    ADD COLUMN stripe_customer_name  text;

-- +goose Down
ALTER TABLE agencies DROP COLUMN stripe_customer_name, DROP COLUMN stripe_customer_email;
DROP INDEX payments_batch_idx;
DROP INDEX charges_batch_idx;
ALTER TABLE payments DROP COLUMN billing_batch;
ALTER TABLE charges DROP COLUMN billing_batch;
