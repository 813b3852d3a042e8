-- Non-attendance and late-cancellation charges: the candidates of a session
-- after its register, the manager's decisions, billing each agency once per
-- session on a Stripe invoice (with the places it booked on invoice), and
-- Stripe's word that an invoice was paid.

-- name: ChargeSession :one
-- A session as its charges page heads it; register_taken once any mark is
-- recorded or the session is marked delivered.
SELECT s.id, s.course_title, s.starts_at, s.status, c.duration,
       (s.status = 'completed' OR EXISTS (
           SELECT 1 FROM bookings m WHERE m.session_id = s.id AND m.attendance IS NOT NULL))::boolean AS register_taken
FROM sessions s JOIN courses c ON c.id = s.course_id
WHERE s.id = @id;

-- name: ChargeCandidates :many
-- Who may be charged on a session: people marked absent, and cancellations
-- made inside the cut-off. A place passed to a colleague ends 'substituted',
-- never 'cancelled', so it is never here. place_paid: the place itself was
-- paid for (by card or on the agency's invoice), so that fee stands instead.
SELECT b.id AS booking_id, u.full_name, b.agency_id,
       coalesce(a.name, '')::text AS agency_name,
       coalesce(a.charging_band, '')::text AS charging_band,
       coalesce(a.billing_contact_email, '')::text AS billing_email,
       (CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END)::text AS kind,
       EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id
                 AND p.status IN ('pending', 'invoiced', 'paid'))::boolean AS place_paid,
       ch.id AS charge_id, ch.amount_pence AS charge_amount, ch.status AS charge_status,
       ch.waiver_reason AS charge_waiver_reason
FROM bookings b
JOIN users u ON u.id = b.user_id
LEFT JOIN agencies a ON a.id = b.agency_id
LEFT JOIN charges ch ON ch.booking_id = b.id
     AND ch.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END
WHERE b.session_id = @session_id
  AND ((b.status = 'confirmed' AND b.attendance = 'absent') OR (b.status = 'cancelled' AND b.late))
ORDER BY lower(u.full_name), b.id;

-- name: InsertCharge :one
-- A manager's decision; a second decision on the same booking and kind
-- (another manager, a second press) is no row.
INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, waiver_reason, decided_by, decided_at,
                     created_at, updated_at)
VALUES (@booking_id, @agency_id, @kind, @amount_pence, @status, @waiver_reason, @decided_by, @now::timestamptz,
        @now::timestamptz, @now::timestamptz)
ON CONFLICT ON CONSTRAINT charges_one_per_booking_kind DO NOTHING
RETURNING id;

-- name: AgencySessionsToBill :many
-- Each session and agency with something to bill: confirmed charges, and
-- places booked on the agency's invoice, once the session's register is taken.
SELECT x.session_id, x.agency_id
FROM (
    SELECT b.session_id, ch.agency_id
    FROM charges ch JOIN bookings b ON b.id = ch.booking_id
    WHERE ch.status = 'proposed'
    UNION
    SELECT b.session_id, b.agency_id
    FROM payments p JOIN bookings b ON b.id = p.booking_id
    WHERE p.method = 'invoice' AND p.status = 'pending' AND b.agency_id IS NOT NULL
) x
JOIN sessions s ON s.id = x.session_id
WHERE s.status = 'completed'
   OR (s.status = 'published' AND EXISTS (
         SELECT 1 FROM bookings m WHERE m.session_id = s.id AND m.attendance IS NOT NULL))
ORDER BY x.session_id, x.agency_id;

-- name: LockChargesToBill :many
-- The confirmed charges of one agency on one session, locked for billing;
-- rows another sweep is billing are skipped, never billed twice.
SELECT ch.id, ch.kind, ch.amount_pence, u.full_name
FROM charges ch
JOIN bookings b ON b.id = ch.booking_id
JOIN users u ON u.id = b.user_id
WHERE b.session_id = @session_id AND ch.agency_id = @agency_id AND ch.status = 'proposed'
ORDER BY lower(u.full_name), ch.id
FOR UPDATE OF ch SKIP LOCKED;

-- name: LockPlacesToBill :many
-- The places one agency booked on invoice on one session, not yet billed.
SELECT p.id, p.amount_pence, p.purchase_order, u.full_name
FROM payments p
JOIN bookings b ON b.id = p.booking_id
JOIN users u ON u.id = b.user_id
WHERE b.session_id = @session_id AND b.agency_id = @agency_id AND p.method = 'invoice' AND p.status = 'pending'
ORDER BY lower(u.full_name), p.id
FOR UPDATE OF p SKIP LOCKED;

-- name: InvoicesOfSessionAgency :one
-- How many invoices one agency has had for one session: the round of the
-- next, which makes its idempotency key.
SELECT count(DISTINCT inv)::integer FROM (
    SELECT ch.stripe_invoice_id AS inv
    FROM charges ch JOIN bookings b ON b.id = ch.booking_id
    WHERE b.session_id = @session_id AND ch.agency_id = @agency_id AND ch.stripe_invoice_id IS NOT NULL
    UNION ALL
    SELECT p.stripe_invoice_id
    FROM payments p JOIN bookings b ON b.id = p.booking_id
    WHERE b.session_id = @session_id AND b.agency_id = @agency_id AND p.method = 'invoice'
      AND p.stripe_invoice_id IS NOT NULL
) x;

-- name: MarkChargesInvoiced :execrows
UPDATE charges SET status = 'invoiced', stripe_invoice_id = @stripe_invoice_id, updated_at = @now::timestamptz
WHERE id = ANY(@ids::bigint[]) AND status = 'proposed';

-- name: MarkPlacesInvoiced :execrows
UPDATE payments SET status = 'invoiced', stripe_invoice_id = @stripe_invoice_id, updated_at = @now::timestamptz
WHERE id = ANY(@ids::bigint[]) AND method = 'invoice' AND status = 'pending';

-- name: MarkInvoiceChargesPaid :execrows
UPDATE charges SET status = 'paid', updated_at = @now::timestamptz
WHERE stripe_invoice_id = @stripe_invoice_id AND status = 'invoiced';

-- name: MarkInvoicePlacesPaid :execrows
UPDATE payments SET status = 'paid', paid_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE stripe_invoice_id = @stripe_invoice_id AND method = 'invoice' AND status = 'invoiced';

-- name: InvoiceAgency :one
-- The agency an invoice of ours was for, to audit what Stripe said of it.
SELECT agency_id FROM (
    SELECT ch.agency_id FROM charges ch WHERE ch.stripe_invoice_id = @stripe_invoice_id
    UNION ALL
    SELECT b.agency_id FROM payments p JOIN bookings b ON b.id = p.booking_id
    WHERE p.stripe_invoice_id = @stripe_invoice_id AND b.agency_id IS NOT NULL
) x LIMIT 1;

-- name: AgencyCharges :many
-- An agency's charges, newest session first, for its coordinators.
SELECT ch.id, ch.kind, ch.amount_pence, ch.status, ch.waiver_reason, u.full_name,
       s.id AS session_id, s.course_title, s.starts_at
FROM charges ch
JOIN bookings b ON b.id = ch.booking_id
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
WHERE ch.agency_id = @agency_id
ORDER BY s.starts_at DESC, lower(u.full_name), ch.id;
