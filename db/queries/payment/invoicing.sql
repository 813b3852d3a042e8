-- Invoicing by hand, without Stripe: what is to be invoiced (charges and
-- places on invoice), marking rows invoiced with the finance system's
-- reference and then paid. A row reserved for or billed through Stripe
-- (billing_batch, stripe_invoice_id) is never marked here, and a row marked
-- here is never reserved by the Stripe sweep (it is no longer proposed or
-- pending).

-- name: InvoicingRowsToInvoice :many
-- The rows to invoice: confirmed charges, and places on invoice of sessions
-- that have begun (before then a cancellation is not billed). With Stripe
-- online only places whose payer is not the agency are invoiced by hand: the
-- sweep bills the rest. Grouped by who is invoiced, by session within a
-- payer; a page of @max_rows from @skip_rows (NULL: every row), each with its
-- payer's count and total and the whole list's, over every page.
--
-- Each row reads its booking once (the booking holds its session's start,
-- migration 00064), and each place its session (whether it is cancelled);
-- only the page's rows read their person and course. A manager's rows are their
-- partnership's by the rows' own column (migration 00067), so the policies
-- add no look-up. The parameters choose no branch, so one generic plan
-- serves every call (internal/payment, readInvoicing).
-- The bookings are read in a lateral subquery (OFFSET 0): the planner
-- guesses a tenth of the places on invoice are due, not the few that are,
-- and would otherwise read every booking to join them.
SELECT x.row_kind, x.id, x.kind, x.amount_pence, x.status, x.invoice_reference,
       x.payer, x.payer_name, x.billing_name, x.billing_email, x.purchase_order,
       coalesce(a.name, b.unlisted_agency_name, '')::text AS agency_name,
       b.full_name AS person, x.session_id, b.course_title, x.starts_at, x.booking_id,
       x.payer_rows, x.payer_pence, x.payer_row, x.all_rows, x.all_pence
FROM (
    SELECT y.*,
           count(*) OVER payer AS payer_rows, sum(y.amount_pence) OVER payer AS payer_pence,
           row_number() OVER (payer ORDER BY y.starts_at, y.session_id, y.row_kind, y.id) AS payer_row,
           count(*) OVER () AS all_rows, sum(y.amount_pence) OVER () AS all_pence
    FROM (
        SELECT 'charge'::text AS row_kind, ch.id, ch.kind::text AS kind, ch.amount_pence, ch.status::text AS status,
               coalesce(ch.invoice_reference, '')::text AS invoice_reference,
               'agency'::text AS payer, ag.name::text AS payer_name,
               coalesce(ag.billing_contact_name, '')::text AS billing_name,
               coalesce(ag.billing_contact_email, '')::text AS billing_email,
               ''::text AS purchase_order, ch.booking_id, cb.session_id, cb.session_starts_at AS starts_at
        FROM charges ch
        JOIN agencies ag ON ag.id = ch.agency_id
        CROSS JOIN LATERAL (
            SELECT cb.attendance, cb.session_id, cb.session_starts_at FROM bookings cb WHERE cb.id = ch.booking_id OFFSET 0
        ) cb
        WHERE NOT @online::boolean AND ch.status = 'proposed' AND ch.billing_batch IS NULL AND ch.stripe_invoice_id IS NULL
          AND (ch.kind <> 'non_attendance' OR cb.attendance = 'absent')
        UNION ALL
        SELECT 'place'::text, p.id, 'place'::text, p.amount_pence, p.status::text,
               coalesce(p.invoice_reference, '')::text,
               p.payer::text,
               (CASE WHEN p.payer = 'agency' THEN coalesce(pa.name, '') ELSE coalesce(p.payer_name, '(removed)') END)::text,
               (CASE p.payer WHEN 'agency' THEN coalesce(pa.billing_contact_name, '')
                             WHEN 'person' THEN coalesce(p.payer_name, '(removed)') ELSE '' END)::text,
               (CASE WHEN p.payer = 'agency' THEN coalesce(pa.billing_contact_email, '')
                     ELSE coalesce(p.payer_email::text, '') END)::text,
               coalesce(p.purchase_order, '')::text, p.booking_id, pb.session_id, pb.session_starts_at
        FROM payments p
        CROSS JOIN LATERAL (
            SELECT pb.agency_id, pb.session_id, pb.session_starts_at, ps.status
            FROM bookings pb JOIN sessions ps ON ps.id = pb.session_id
            WHERE pb.id = p.booking_id
            OFFSET 0
        ) pb
        LEFT JOIN agencies pa ON pa.id = pb.agency_id
        -- Places to invoice: those whose session has begun, read through
        -- payments_due_to_invoice_idx (session_starts_at, migration 00060),
        -- never the places of sessions to come.
        WHERE p.method = 'invoice' AND p.status = 'pending' AND p.billing_batch IS NULL AND p.stripe_invoice_id IS NULL
          AND p.session_starts_at <= @now::timestamptz AND (NOT @online::boolean OR p.payer <> 'agency')
          AND (p.payer <> 'agency' OR pb.agency_id IS NOT NULL)
          AND pb.status <> 'cancelled'
    ) y
    WINDOW payer AS (PARTITION BY y.payer, lower(y.payer_name), lower(y.billing_email))
    ORDER BY lower(y.payer_name), lower(y.billing_email), y.payer, y.starts_at, y.session_id, y.row_kind, y.id
    LIMIT sqlc.narg(max_rows)::integer OFFSET @skip_rows::integer
) x
CROSS JOIN LATERAL (
    SELECT b.agency_id, u.unlisted_agency_name, u.full_name, s.course_title
    FROM bookings b
    JOIN users u ON u.id = b.user_id
    JOIN sessions s ON s.id = b.session_id
    WHERE b.id = x.booking_id
    OFFSET 0
) b
LEFT JOIN agencies a ON a.id = b.agency_id
ORDER BY lower(x.payer_name), lower(x.billing_email), x.payer, x.starts_at, x.session_id, x.row_kind, x.id;

-- name: InvoicingRowsAwaitingPayment :many
-- The rows marked invoiced by hand, awaiting payment, as
-- InvoicingRowsToInvoice gives the rows to invoice.
SELECT x.row_kind, x.id, x.kind, x.amount_pence, x.status, x.invoice_reference,
       x.payer, x.payer_name, x.billing_name, x.billing_email, x.purchase_order,
       coalesce(a.name, b.unlisted_agency_name, '')::text AS agency_name,
       b.full_name AS person, x.session_id, b.course_title, x.starts_at, x.booking_id,
       x.payer_rows, x.payer_pence, x.payer_row, x.all_rows, x.all_pence
FROM (
    SELECT y.*,
           count(*) OVER payer AS payer_rows, sum(y.amount_pence) OVER payer AS payer_pence,
           row_number() OVER (payer ORDER BY y.starts_at, y.session_id, y.row_kind, y.id) AS payer_row,
           count(*) OVER () AS all_rows, sum(y.amount_pence) OVER () AS all_pence
    FROM (
        SELECT 'charge'::text AS row_kind, ch.id, ch.kind::text AS kind, ch.amount_pence, ch.status::text AS status,
               coalesce(ch.invoice_reference, '')::text AS invoice_reference,
               'agency'::text AS payer, ag.name::text AS payer_name,
               coalesce(ag.billing_contact_name, '')::text AS billing_name,
               coalesce(ag.billing_contact_email, '')::text AS billing_email,
               ''::text AS purchase_order, ch.booking_id, cb.session_id, cb.session_starts_at AS starts_at
        FROM charges ch
        JOIN agencies ag ON ag.id = ch.agency_id
        CROSS JOIN LATERAL (
            SELECT cb.session_id, cb.session_starts_at FROM bookings cb WHERE cb.id = ch.booking_id OFFSET 0
        ) cb
        WHERE NOT @online::boolean AND ch.status = 'invoiced' AND ch.invoice_reference IS NOT NULL
        UNION ALL
        SELECT 'place'::text, p.id, 'place'::text, p.amount_pence, p.status::text,
               coalesce(p.invoice_reference, '')::text,
               p.payer::text,
               (CASE WHEN p.payer = 'agency' THEN coalesce(pa.name, '') ELSE coalesce(p.payer_name, '(removed)') END)::text,
               (CASE p.payer WHEN 'agency' THEN coalesce(pa.billing_contact_name, '')
                             WHEN 'person' THEN coalesce(p.payer_name, '(removed)') ELSE '' END)::text,
               (CASE WHEN p.payer = 'agency' THEN coalesce(pa.billing_contact_email, '')
                     ELSE coalesce(p.payer_email::text, '') END)::text,
               coalesce(p.purchase_order, '')::text, p.booking_id, pb.session_id, pb.session_starts_at
        FROM payments p
        CROSS JOIN LATERAL (
            SELECT pb.agency_id, pb.session_id, pb.session_starts_at FROM bookings pb WHERE pb.id = p.booking_id OFFSET 0
        ) pb
        LEFT JOIN agencies pa ON pa.id = pb.agency_id
        WHERE p.method = 'invoice' AND p.status = 'invoiced' AND p.invoice_reference IS NOT NULL
          AND (NOT @online::boolean OR p.payer <> 'agency')
    ) y
    WINDOW payer AS (PARTITION BY y.payer, lower(y.payer_name), lower(y.billing_email))
    ORDER BY lower(y.payer_name), lower(y.billing_email), y.payer, y.starts_at, y.session_id, y.row_kind, y.id
    LIMIT sqlc.narg(max_rows)::integer OFFSET @skip_rows::integer
) x
CROSS JOIN LATERAL (
    SELECT b.agency_id, u.unlisted_agency_name, u.full_name, s.course_title
    FROM bookings b
    JOIN users u ON u.id = b.user_id
    JOIN sessions s ON s.id = b.session_id
    WHERE b.id = x.booking_id
    OFFSET 0
) b
LEFT JOIN agencies a ON a.id = b.agency_id
ORDER BY lower(x.payer_name), lower(x.billing_email), x.payer, x.starts_at, x.session_id, x.row_kind, x.id;

-- name: LockChargesToMark :many
-- Charges a manager marks, locked in id order (two managers marking the same
-- rows take turns, and never deadlock).
SELECT id, status, billing_batch, stripe_invoice_id, invoice_reference
FROM charges
WHERE id = ANY(@ids::bigint[])
ORDER BY id
FOR UPDATE;

-- name: LockPlacesToMark :many
SELECT id, method, status, billing_batch, stripe_invoice_id, invoice_reference
FROM payments
WHERE id = ANY(@ids::bigint[])
ORDER BY id
FOR UPDATE;

-- name: MarkChargesInvoicedByHand :execrows
UPDATE charges SET status = 'invoiced', invoice_reference = @invoice_reference::text, updated_at = @now::timestamptz
WHERE id = ANY(@ids::bigint[]) AND status = 'proposed' AND billing_batch IS NULL AND stripe_invoice_id IS NULL;

-- name: MarkPlacesInvoicedByHand :execrows
UPDATE payments SET status = 'invoiced', invoice_reference = @invoice_reference::text, updated_at = @now::timestamptz
WHERE id = ANY(@ids::bigint[]) AND method = 'invoice' AND status = 'pending' AND billing_batch IS NULL
  AND stripe_invoice_id IS NULL;

-- name: MarkChargesPaidByHand :execrows
UPDATE charges SET status = 'paid', updated_at = @now::timestamptz
WHERE id = ANY(@ids::bigint[]) AND status = 'invoiced' AND invoice_reference IS NOT NULL;

-- name: MarkPlacesPaidByHand :execrows
UPDATE payments SET status = 'paid', paid_at = @now::timestamptz, updated_at = @now::timestamptz
WHERE id = ANY(@ids::bigint[]) AND method = 'invoice' AND status = 'invoiced' AND invoice_reference IS NOT NULL;

-- name: InsertInvoicePaymentAs :one
-- A place on invoice with who pays for it: the agency, the person's own
-- organisation, or the person.
INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order, payer, payer_name, payer_email,
                      created_at, updated_at)
VALUES (@booking_id, 'invoice', @amount_pence, 'pending', sqlc.narg(purchase_order)::text, @payer::text,
        sqlc.narg(payer_name)::text, sqlc.narg(payer_email)::text, @now::timestamptz, @now::timestamptz)
RETURNING id;

-- name: PayerChoiceOfBooking :one
-- Whether a booking's person chooses who pays an invoice: a person of an
-- organisation not listed, or of an agency in the non-contributing band
-- (the umbrella agencies of private and independent providers: "Early years
-- settings and childminders" is not the nursery that pays).
-- (The band is the one the session's partnership gives the agency.)
SELECT (b.agency_id IS NULL OR agency_band(s.partnership_id, b.agency_id) = 'non_contributing')::boolean AS chooses_payer,
       u.email::text AS person_email, u.full_name AS person_name
FROM bookings b
JOIN users u ON u.id = b.user_id
JOIN sessions s ON s.id = b.session_id
WHERE b.id = @id;
