-- Payments: what a place costs each charging band, what non-attendance and
-- late cancellation cost, payments for places (Stripe Checkout or an agency's
-- invoice), charges billed to agencies, and the ledger of Stripe events
-- already processed. Amounts are whole pence; at most £10,000 each.

-- +goose Up

-- A course's price for one charging band. No row: free for that band.
CREATE TABLE course_prices (
    course_id     bigint      NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    charging_band text        NOT NULL CHECK (charging_band IN ('partner', 'contributing', 'non_contributing')),
    amount_pence  integer     NOT NULL CHECK (amount_pence BETWEEN 0 AND 1000000),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, charging_band)
);

-- What a non-attendance or a late cancellation costs, by the course's length
-- and the agency's band. Every combination has a row (the manager changes
-- amounts, never the shape), so a charge is always a lookup, never a guess.
CREATE TABLE charge_policy (
    kind          text        NOT NULL CHECK (kind IN ('non_attendance', 'late_cancellation')),
    duration      text        NOT NULL CHECK (duration IN ('half_day', 'full_day')),
    charging_band text        NOT NULL CHECK (charging_band IN ('partner', 'contributing', 'non_contributing')),
    amount_pence  integer     NOT NULL CHECK (amount_pence BETWEEN 0 AND 1000000),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, duration, charging_band)
);
INSERT INTO charge_policy (kind, duration, charging_band, amount_pence)
SELECT k.kind, d.duration, b.band,
       CASE WHEN b.band = 'partner' THEN 0 WHEN d.duration = 'half_day' THEN 5000 ELSE 10000 END
FROM (VALUES ('non_attendance'), ('late_cancellation')) AS k (kind)
CROSS JOIN (VALUES ('half_day'), ('full_day')) AS d (duration)
CROSS JOIN (VALUES ('partner'), ('contributing'), ('non_contributing')) AS b (band);

-- One Stripe customer per agency, made the first time it is invoiced; the
-- invoice goes to the agency's billing contact (billing_contact_email).
ALTER TABLE agencies
    ADD COLUMN stripe_customer_id text UNIQUE CHECK (stripe_customer_id <> '' AND length(stripe_customer_id) <= 255);

-- Money for a place: paid by card through Stripe Checkout, or put on the
-- agency's invoice against a purchase order.
CREATE TABLE payments (
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id          bigint      NOT NULL REFERENCES bookings (id),
    method              text        NOT NULL CHECK (method IN ('card', 'invoice')),
    amount_pence        integer     NOT NULL CHECK (amount_pence BETWEEN 1 AND 1000000),
    -- card: pending (checkout open) → paid → refunded, or pending → expired
    -- or failed. invoice: pending (to invoice) → invoiced → paid.
    status              text        NOT NULL CHECK (status IN (
                            'pending', 'paid', 'refunded', 'expired', 'failed', 'invoiced')),
    checkout_session_id text        UNIQUE,
    checkout_url        text,
    -- When the checkout session (and the held place) lapses.
    expires_at          timestamptz,
    payment_intent_id   text        UNIQUE,
    purchase_order      text        CHECK (btrim(purchase_order) <> '' AND length(purchase_order) <= 100),
    stripe_invoice_id   text,
    refund_id           text        UNIQUE,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    paid_at             timestamptz,
    refunded_at         timestamptz,
    CONSTRAINT payments_card_or_invoice CHECK (
        (method = 'card' AND purchase_order IS NULL AND status <> 'invoiced')
        OR (method = 'invoice' AND purchase_order IS NOT NULL AND checkout_session_id IS NULL
            AND status IN ('pending', 'invoiced', 'paid'))),
    CONSTRAINT payments_paid_has_time CHECK (status NOT IN ('paid', 'refunded') OR paid_at IS NOT NULL),
    CONSTRAINT payments_card_paid_has_intent CHECK (
        method <> 'card' OR status NOT IN ('paid', 'refunded') OR payment_intent_id IS NOT NULL),
    CONSTRAINT payments_refund_complete CHECK (
        (status = 'refunded') = (refund_id IS NOT NULL AND refunded_at IS NOT NULL)),
    CONSTRAINT payments_invoiced_has_invoice CHECK (status <> 'invoiced' OR stripe_invoice_id IS NOT NULL)
);
-- Never two live payments for one place: at most one pending, invoiced or paid.
CREATE UNIQUE INDEX payments_one_live ON payments (booking_id) WHERE status IN ('pending', 'invoiced', 'paid');
CREATE INDEX payments_booking_idx ON payments (booking_id);
CREATE INDEX payments_expiry_idx ON payments (expires_at) WHERE status = 'pending' AND method = 'card';

-- A non-attendance or late-cancellation charge: proposed from the register by
-- the policy, then waived (with a reason) or confirmed and invoiced to the
-- agency, then paid as Stripe says.
CREATE TABLE charges (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id        bigint      NOT NULL REFERENCES bookings (id),
    agency_id         bigint      NOT NULL REFERENCES agencies (id),
    kind              text        NOT NULL CHECK (kind IN ('non_attendance', 'late_cancellation')),
    amount_pence      integer     NOT NULL CHECK (amount_pence BETWEEN 0 AND 1000000),
    status            text        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'invoiced', 'paid', 'waived')),
    waiver_reason     text        NOT NULL DEFAULT '' CHECK (length(waiver_reason) <= 500),
    stripe_invoice_id text,
    decided_by        bigint      REFERENCES users (id),
    decided_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT charges_one_per_booking_kind UNIQUE (booking_id, kind),
    CONSTRAINT charges_waiver_has_reason CHECK (status <> 'waived' OR btrim(waiver_reason) <> ''),
    CONSTRAINT charges_decided_has_time CHECK (status = 'proposed' OR decided_at IS NOT NULL),
    CONSTRAINT charges_billed_has_invoice CHECK (status NOT IN ('invoiced', 'paid') OR stripe_invoice_id IS NOT NULL)
);
CREATE INDEX charges_agency_idx ON charges (agency_id, status);
CREATE INDEX charges_invoice_idx ON charges (stripe_invoice_id) WHERE stripe_invoice_id IS NOT NULL;

-- Stripe events already processed. A row is written in the same transaction
-- as the event's effect, so an event takes effect once however often it comes.
CREATE TABLE stripe_events (
    id           text        PRIMARY KEY CHECK (id <> '' AND length(id) <= 255),
    type         text        NOT NULL CHECK (type <> ''),
    received_at  timestamptz NOT NULL,
    processed_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE stripe_events;
DROP TABLE charges;
DROP TABLE payments;
ALTER TABLE agencies DROP COLUMN stripe_customer_id;
DROP TABLE charge_policy;
DROP TABLE course_prices;
