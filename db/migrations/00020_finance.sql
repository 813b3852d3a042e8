-- Finance without Stripe, and private providers paying as themselves.
--
-- Without Stripe a training manager downloads what is to be invoiced, raises
-- the invoices in the council's own finance system, and marks the charges and
-- places on invoice as invoiced there (invoice_reference: that system's
-- reference), then as paid. A row is billed one way only: by Stripe
-- (stripe_invoice_id, reached through a billing_batch) or by hand
-- (invoice_reference), never both.
--
-- A place on invoice names who pays: the person's agency (as before), their
-- own organisation (a nursery under an umbrella agency of private providers:
-- its name, billing email and purchase order) or the person themselves (an
-- invoice to their own name and email, a purchase order optional).

-- +goose Up
ALTER TABLE charges
    ADD COLUMN invoice_reference text CHECK (btrim(invoice_reference) <> '' AND length(invoice_reference) <= 100);
ALTER TABLE charges DROP CONSTRAINT charges_billed_has_invoice;
ALTER TABLE charges ADD CONSTRAINT charges_billed_has_invoice CHECK (
    status NOT IN ('invoiced', 'paid') OR stripe_invoice_id IS NOT NULL OR invoice_reference IS NOT NULL);
ALTER TABLE charges ADD CONSTRAINT charges_billed_one_way CHECK (
    invoice_reference IS NULL OR (stripe_invoice_id IS NULL AND billing_batch IS NULL));

ALTER TABLE payments
    ADD COLUMN invoice_reference text CHECK (btrim(invoice_reference) <> '' AND length(invoice_reference) <= 100),
    ADD COLUMN payer text NOT NULL DEFAULT 'agency' CHECK (payer IN ('agency', 'organisation', 'person')),
    ADD COLUMN payer_name text CHECK (btrim(payer_name) <> '' AND length(payer_name) <= 200),
    ADD COLUMN payer_email citext CHECK (btrim(payer_email) <> '' AND length(payer_email) <= 254);
ALTER TABLE payments DROP CONSTRAINT payments_invoiced_has_invoice;
ALTER TABLE payments ADD CONSTRAINT payments_invoiced_has_invoice CHECK (
    status <> 'invoiced' OR stripe_invoice_id IS NOT NULL OR invoice_reference IS NOT NULL);
ALTER TABLE payments ADD CONSTRAINT payments_billed_one_way CHECK (
    invoice_reference IS NULL OR (method = 'invoice' AND stripe_invoice_id IS NULL AND billing_batch IS NULL));
-- Only an invoice has a payer other than the agency; the person may have no
-- purchase order.
ALTER TABLE payments ADD CONSTRAINT payments_payer_on_invoice CHECK (payer = 'agency' OR method = 'invoice');
ALTER TABLE payments DROP CONSTRAINT payments_card_or_invoice;
ALTER TABLE payments ADD CONSTRAINT payments_card_or_invoice CHECK (
    (method = 'card' AND purchase_order IS NULL AND status NOT IN ('invoiced', 'cancelled'))
    OR (method = 'invoice' AND (purchase_order IS NOT NULL OR payer = 'person') AND checkout_session_id IS NULL
        AND status IN ('pending', 'invoiced', 'paid', 'cancelled')));
CREATE INDEX payments_to_invoice_idx ON payments (status) WHERE method = 'invoice' AND status IN ('pending', 'invoiced');

COMMENT ON COLUMN payments.payer_name IS 'personal: who the person said pays for their place: their organisation, or their own name';
COMMENT ON COLUMN payments.payer_email IS 'personal: the billing email the person gave for their place: their organisation''s or their own';

-- +goose Down
COMMENT ON COLUMN payments.payer_email IS NULL;
COMMENT ON COLUMN payments.payer_name IS NULL;
DROP INDEX payments_to_invoice_idx;
ALTER TABLE payments DROP CONSTRAINT payments_card_or_invoice;
ALTER TABLE payments ADD CONSTRAINT payments_card_or_invoice CHECK (
    (method = 'card' AND purchase_order IS NULL AND status NOT IN ('invoiced', 'cancelled'))
    OR (method = 'invoice' AND purchase_order IS NOT NULL AND checkout_session_id IS NULL
        AND status IN ('pending', 'invoiced', 'paid', 'cancelled')));
ALTER TABLE payments DROP CONSTRAINT payments_payer_on_invoice;
ALTER TABLE payments DROP CONSTRAINT payments_billed_one_way;
ALTER TABLE payments DROP CONSTRAINT payments_invoiced_has_invoice;
ALTER TABLE payments ADD CONSTRAINT payments_invoiced_has_invoice CHECK (status <> 'invoiced' OR stripe_invoice_id IS NOT NULL);
ALTER TABLE payments DROP COLUMN payer_email, DROP COLUMN payer_name, DROP COLUMN payer, DROP COLUMN invoice_reference;
ALTER TABLE charges DROP CONSTRAINT charges_billed_one_way;
ALTER TABLE charges DROP CONSTRAINT charges_billed_has_invoice;
ALTER TABLE charges ADD CONSTRAINT charges_billed_has_invoice CHECK (
    status NOT IN ('invoiced', 'paid') OR stripe_invoice_id IS NOT NULL);
ALTER TABLE charges DROP COLUMN invoice_reference;
