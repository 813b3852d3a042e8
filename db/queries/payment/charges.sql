-- Non-attendance and late-cancellation charges: the candidates of a session
-- after its register, the manager's decisions, billing each agency once per
-- session on a Stripe invoice (with the places it booked on invoice), and
-- Stripe's word that an invoice was paid.

-- name: ChargeSession :one
-- A session as its charges page heads it; register_taken once any mark is
-- recorded or the session is marked delivered.
SELECT s.id, s.course_title, s.starts_at, s.status, c.duration, s.partnership_id,
       (s.status = 'completed' OR EXISTS (
           SELECT 1 FROM bookings m WHERE m.session_id = s.id AND m.attendance IS NOT NULL))::boolean AS register_taken
FROM sessions s JOIN courses c ON c.id = s.course_id
WHERE s.id = @id;

-- name: ChargeCandidates :many
-- Who may be charged on a session: people marked absent, and cancellations
-- made inside the cut-off. A place passed to a colleague ends 'substituted',
-- never 'cancelled', so it is never here. place_paid: the place itself was
-- paid for (by card or on the agency's invoice), so that fee stands instead.
-- The band is the one the session's partnership gives the agency.
-- policy_amount: what the partnership's charge policy asks of the agency's
-- band for the kind on the course's duration (NULL without an agency, or
-- with no such policy row), read here rather than once per candidate.
SELECT b.id AS booking_id, u.full_name, b.agency_id,
       coalesce(a.name, '')::text AS agency_name,
       coalesce(ab.band, '')::text AS charging_band,
       coalesce(a.billing_contact_email, '')::text AS billing_email,
       (CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END)::text AS kind,
       EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id
                 AND p.status IN ('pending', 'invoiced', 'paid'))::boolean AS place_paid,
       ch.id AS charge_id, ch.amount_pence AS charge_amount, ch.status AS charge_status,
       ch.waiver_reason AS charge_waiver_reason,
       coalesce(ch.invoice_reference, '')::text AS charge_invoice_reference,
       cp.amount_pence AS policy_amount
FROM bookings b
JOIN sessions s ON s.id = b.session_id
JOIN courses c ON c.id = s.course_id
JOIN users u ON u.id = b.user_id
LEFT JOIN agencies a ON a.id = b.agency_id
LEFT JOIN LATERAL (SELECT agency_band(s.partnership_id, a.id)::text AS band) ab ON a.id IS NOT NULL
LEFT JOIN charges ch ON ch.booking_id = b.id
     AND ch.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END
LEFT JOIN charge_policy cp ON cp.partnership_id = s.partnership_id
     AND cp.kind = CASE WHEN b.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END
     AND cp.duration = c.duration AND cp.charging_band = ab.band
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
-- (All of them, or those of one session, or of one session and agency.)
-- Each session and agency with something not yet in a billing batch:
-- confirmed charges (a non-attendance only while the person is still marked
-- absent), and places booked on the agency's invoice. A session is billed
-- once nothing is left to decide: it is completed, or its register is taken
-- and no candidate of it waits for the manager's charge-or-waive (the rule of
-- ChargeCandidates and SessionCharges: someone of a listed agency, whose place
-- was not paid for, whom the policy charges something).
SELECT x.session_id, x.agency_id, (a.billing_contact_email <> '')::boolean AS has_billing_contact
FROM (
    SELECT b.session_id, ch.agency_id
    FROM charges ch JOIN bookings b ON b.id = ch.booking_id
    WHERE ch.status = 'proposed' AND ch.billing_batch IS NULL
      AND (ch.kind <> 'non_attendance' OR b.attendance = 'absent')
    UNION
    SELECT b.session_id, b.agency_id
    FROM payments p JOIN bookings b ON b.id = p.booking_id
    WHERE p.method = 'invoice' AND p.status = 'pending' AND p.billing_batch IS NULL AND b.agency_id IS NOT NULL
      AND p.payer = 'agency' AND p.invoice_reference IS NULL
) x
JOIN sessions s ON s.id = x.session_id
JOIN agencies a ON a.id = x.agency_id
WHERE (sqlc.narg(session_id)::bigint IS NULL OR x.session_id = sqlc.narg(session_id)::bigint)
  AND (sqlc.narg(agency_id)::bigint IS NULL OR x.agency_id = sqlc.narg(agency_id)::bigint)
  AND (s.status = 'completed'
   OR (s.status = 'published'
       AND EXISTS (SELECT 1 FROM bookings m WHERE m.session_id = s.id AND m.attendance IS NOT NULL)
       AND NOT EXISTS (
           SELECT 1
           FROM bookings cb
           JOIN courses cc ON cc.id = s.course_id
           JOIN charge_policy cp
                ON cp.partnership_id = s.partnership_id
               AND cp.kind = CASE WHEN cb.status = 'confirmed' THEN 'non_attendance' ELSE 'late_cancellation' END
               AND cp.duration = cc.duration AND cp.charging_band = agency_band(s.partnership_id, cb.agency_id)
           WHERE cb.session_id = s.id AND cb.agency_id IS NOT NULL
             AND ((cb.status = 'confirmed' AND cb.attendance = 'absent') OR (cb.status = 'cancelled' AND cb.late))
             AND cp.amount_pence > 0
             AND NOT EXISTS (SELECT 1 FROM payments cpp WHERE cpp.booking_id = cb.id
                               AND cpp.status IN ('pending', 'invoiced', 'paid'))
             AND NOT EXISTS (SELECT 1 FROM charges cch WHERE cch.booking_id = cb.id AND cch.kind = cp.kind)))
  )
ORDER BY x.session_id, x.agency_id;

-- name: LockChargesToReserve :many
-- The confirmed charges of one agency on one session in no batch yet, locked
-- to reserve them; a non-attendance whose person is no longer marked absent
-- is not billed.
SELECT ch.id
FROM charges ch
JOIN bookings b ON b.id = ch.booking_id
WHERE b.session_id = @session_id AND ch.agency_id = @agency_id AND ch.status = 'proposed'
  AND ch.billing_batch IS NULL AND (ch.kind <> 'non_attendance' OR b.attendance = 'absent')
ORDER BY ch.id
FOR UPDATE OF ch SKIP LOCKED;

-- name: LockPlacesToReserve :many
-- The places one agency booked on invoice on one session in no batch yet. A
-- place whose payer is the person or their own organisation is never billed
-- to the agency's Stripe customer: it is invoiced by hand.
SELECT p.id
FROM payments p
JOIN bookings b ON b.id = p.booking_id
WHERE b.session_id = @session_id AND b.agency_id = @agency_id AND p.method = 'invoice' AND p.status = 'pending'
  AND p.billing_batch IS NULL AND p.payer = 'agency' AND p.invoice_reference IS NULL
ORDER BY p.id
FOR UPDATE OF p SKIP LOCKED;

-- name: BatchesOfSessionAgency :one
-- How many invoices (batches) one agency has had for one session: the number
-- of the next batch, which makes its key. Rows billed before batches existed
-- count by their invoice.
SELECT count(DISTINCT batch)::integer FROM (
    SELECT coalesce(ch.billing_batch, ch.stripe_invoice_id) AS batch
    FROM charges ch JOIN bookings b ON b.id = ch.booking_id
    WHERE b.session_id = @session_id AND ch.agency_id = @agency_id
    UNION ALL
    SELECT coalesce(p.billing_batch, p.stripe_invoice_id)
    FROM payments p JOIN bookings b ON b.id = p.booking_id
    WHERE b.session_id = @session_id AND b.agency_id = @agency_id AND p.method = 'invoice'
) x;

-- name: ReserveCharges :execrows
UPDATE charges SET billing_batch = @billing_batch::text, updated_at = @now::timestamptz
WHERE id = ANY(@ids::bigint[]) AND status = 'proposed' AND billing_batch IS NULL AND invoice_reference IS NULL;

-- name: ReservePlaces :execrows
UPDATE payments SET billing_batch = @billing_batch::text, updated_at = @now::timestamptz
WHERE id = ANY(@ids::bigint[]) AND method = 'invoice' AND status = 'pending' AND billing_batch IS NULL
  AND payer = 'agency' AND invoice_reference IS NULL;

-- name: BatchesToInvoice :many
-- Every batch with rows not yet invoiced: reserved by this run, or left by
-- one that failed (it is resumed with the same keys).
SELECT x.billing_batch::text AS billing_batch, x.session_id, x.agency_id,
       (a.billing_contact_email <> '')::boolean AS has_billing_contact
FROM (
    SELECT ch.billing_batch, b.session_id, ch.agency_id
    FROM charges ch JOIN bookings b ON b.id = ch.booking_id
    WHERE ch.status = 'proposed' AND ch.billing_batch IS NOT NULL
    UNION
    SELECT p.billing_batch, b.session_id, b.agency_id
    FROM payments p JOIN bookings b ON b.id = p.booking_id
    WHERE p.method = 'invoice' AND p.status = 'pending' AND p.billing_batch IS NOT NULL AND b.agency_id IS NOT NULL
) x
JOIN agencies a ON a.id = x.agency_id
WHERE (sqlc.narg(session_id)::bigint IS NULL OR x.session_id = sqlc.narg(session_id)::bigint)
  AND (sqlc.narg(agency_id)::bigint IS NULL OR x.agency_id = sqlc.narg(agency_id)::bigint)
ORDER BY x.session_id, x.agency_id, length(x.billing_batch), x.billing_batch;

-- name: BatchCharges :many
-- A batch's charges still to invoice, read (not locked) before Stripe is
-- asked: a reserved row never leaves its batch (waiving and cancelling take
-- only rows in none), so every attempt reads the same lines, in id order,
-- and asks with the same keys.
SELECT ch.id, ch.kind, ch.amount_pence, u.full_name
FROM charges ch
JOIN bookings b ON b.id = ch.booking_id
JOIN users u ON u.id = b.user_id
WHERE ch.billing_batch = @billing_batch::text AND ch.status = 'proposed'
ORDER BY ch.id;

-- name: BatchPlaces :many
SELECT p.id, p.amount_pence, p.purchase_order, u.full_name
FROM payments p
JOIN bookings b ON b.id = p.booking_id
JOIN users u ON u.id = b.user_id
WHERE p.billing_batch = @billing_batch::text AND p.method = 'invoice' AND p.status = 'pending'
ORDER BY p.id;

-- name: MarkBatchChargesInvoiced :execrows
UPDATE charges SET status = 'invoiced', stripe_invoice_id = @stripe_invoice_id, updated_at = @now::timestamptz
WHERE billing_batch = @billing_batch::text AND status = 'proposed';

-- name: MarkBatchPlacesInvoiced :execrows
UPDATE payments SET status = 'invoiced', stripe_invoice_id = @stripe_invoice_id, updated_at = @now::timestamptz
WHERE billing_batch = @billing_batch::text AND method = 'invoice' AND status = 'pending';

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
-- A page of an agency's charges, for its coordinators: the most recently
-- recorded first (an index on the agency and when, migration 00047, so a page
-- reads its own rows however many the agency has had). Each charge's place,
-- person and session are looked up by key (a lateral subquery) for the page's
-- rows alone.
SELECT ch.id, ch.kind, ch.amount_pence, ch.status, ch.waiver_reason, x.full_name,
       coalesce(ch.invoice_reference, '')::text AS invoice_reference,
       x.session_id, x.course_title, x.starts_at
FROM (
    SELECT * FROM charges c
    WHERE c.agency_id = @agency_id
    ORDER BY c.created_at DESC, c.id DESC
    LIMIT @max_rows OFFSET @skip_rows
) ch
CROSS JOIN LATERAL (
    SELECT u.full_name, s.id AS session_id, s.course_title, s.starts_at
    FROM bookings b
    JOIN users u ON u.id = b.user_id
    JOIN sessions s ON s.id = b.session_id
    WHERE b.id = ch.booking_id
    OFFSET 0
) x
ORDER BY ch.created_at DESC, ch.id DESC;

-- name: WaiveCorrectedAbsence :execrows
-- A register corrected from absent: the non-attendance charge confirmed but
-- not yet put in a billing batch no longer stands. (One already in a batch
-- or invoiced is left for the training team to credit in Stripe.)
UPDATE charges
SET status = 'waived', waiver_reason = 'The register was corrected: they attended',
    decided_by = @decided_by, decided_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE booking_id = @booking_id AND kind = 'non_attendance' AND status = 'proposed' AND billing_batch IS NULL;
