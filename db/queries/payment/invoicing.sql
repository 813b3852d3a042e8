-- Invoicing by hand, without Stripe: what is to be invoiced (charges and
-- places on invoice), marking rows invoiced with the finance system's
-- reference and then paid. A row reserved for or billed through Stripe
-- (billing_batch, stripe_invoice_id) is never marked here, and a row marked
-- here is never reserved by the Stripe sweep (it is no longer proposed or
-- pending).

-- name: InvoicingRows :many
-- The rows in @state: 'to_invoice' (confirmed charges, and places on invoice
-- of sessions that have begun by @now: before then a cancellation is not
-- billed) or 'invoiced' (marked invoiced by hand, awaiting payment). With
-- Stripe online only places whose payer is not the agency are invoiced by
-- hand: the sweep bills the rest. Grouped by who is invoiced, by session
-- within a payer; a page of @max_rows from @skip_rows (NULL: every row), each
-- with its payer's count and total and the whole list's, over every page.
--
-- The lines are read as migration 00072 keeps them, through one index, with
-- no look-up but, for a person or an organisation, their payment (their
-- name). They are counted by payer (an agency by its id), the payers put in
-- order by name once each, and only the rows of the payers on the page are
-- put in order. Only the page's rows read their charge or payment, person,
-- course and agency. A manager's lines are their partnership's by the
-- lines' own column, so the policies add no look-up. The parameters choose no
-- branch, so one generic plan serves both states and every call
-- (internal/payment, readInvoicing).
--
-- Measured at 100x (warm, generic plan, as a manager; the least of 40 runs):
-- 2.1 ms for the 777 lines to invoice, 3.4 ms for the 1,545 awaiting
-- payment, about half of it reading and grouping every line. These gave
-- the same rows but were slower: both states in one statement (9.4 ms for
-- the two), one sort of every line for all the window functions (3.0 and
-- 5.6 ms). These were no faster: l not materialized, one scan of the lines
-- with the payment looked up laterally, an agency's lines grouped by its id
-- alone.
WITH page AS (
    SELECT @skip_rows::integer AS skip, sqlc.narg(max_rows)::integer AS max_rows
),
l AS (
    SELECT l.row_kind, l.id, l.booking_id, l.payer, l.agency_id, l.session_id, l.starts_at, l.amount_pence,
           coalesce(l.agency_id, 0)::bigint AS agency_key, ''::text AS name_key, ''::text AS email_key, NULL::text AS payer_name,
           NULL::text AS payer_email
    FROM invoice_lines l
    WHERE l.state = @state::text AND l.due_at <= @now::timestamptz AND l.payer = 'agency' AND NOT @online::boolean
    UNION ALL
    SELECT l.row_kind, l.id, l.booking_id, l.payer, l.agency_id, l.session_id, l.starts_at, l.amount_pence,
           0, lower(coalesce(lp.payer_name, '(removed)')), lower(coalesce(lp.payer_email::text, '')),
           coalesce(lp.payer_name, '(removed)'), coalesce(lp.payer_email::text, '')
    FROM invoice_lines l
    JOIN payments lp ON lp.id = l.id
    WHERE l.state = @state::text AND l.due_at <= @now::timestamptz AND l.payer <> 'agency'
),
-- Each payer once: its count and total, its name (an agency's read once),
-- and how many rows of the list come before its own.
payers AS (
    SELECT g.*,
           (sum(g.payer_rows) OVER (ORDER BY g.sort_name, g.sort_email, g.payer, g.agency_key ROWS UNBOUNDED PRECEDING)
            - g.payer_rows)::bigint AS before,
           (sum(g.payer_rows) OVER ())::bigint AS all_rows, (sum(g.payer_pence) OVER ())::bigint AS all_pence
    FROM (
        SELECT c.*,
               coalesce(ag.name, '')::text AS agency_name, coalesce(ag.billing_contact_email, '')::text AS agency_email,
               (CASE WHEN c.payer = 'agency' THEN lower(coalesce(ag.name, '')) ELSE c.name_key END)::text AS sort_name,
               (CASE WHEN c.payer = 'agency' THEN lower(coalesce(ag.billing_contact_email, '')) ELSE c.email_key END)::text AS sort_email
        FROM (
            SELECT l.payer, l.agency_key, l.name_key, l.email_key,
                   count(*)::integer AS payer_rows, sum(l.amount_pence)::bigint AS payer_pence
            FROM l
            GROUP BY 1, 2, 3, 4
        ) c
        LEFT JOIN agencies ag ON ag.id = c.agency_key
    ) g
),
-- The rows of the payers on the page, each with its place among its payer's.
x AS (
    SELECT r.*
    FROM (
        SELECT l.row_kind, l.id, l.booking_id, l.payer, l.agency_id, l.session_id, l.starts_at, l.amount_pence,
               (CASE WHEN l.payer = 'agency' THEN pp.agency_name ELSE l.payer_name END)::text AS payer_name,
               (CASE WHEN l.payer = 'agency' THEN pp.agency_email ELSE l.payer_email END)::text AS billing_email,
               pp.sort_name, pp.sort_email, pp.agency_key, pp.payer_rows::bigint AS payer_rows, pp.payer_pence, pp.before,
               pp.all_rows, pp.all_pence,
               row_number() OVER (PARTITION BY pp.payer, pp.agency_key, pp.name_key, pp.email_key
                                  ORDER BY l.starts_at, l.session_id, l.row_kind, l.id) AS payer_row
        FROM page, payers pp
        JOIN l ON l.payer = pp.payer AND l.agency_key = pp.agency_key AND l.name_key = pp.name_key AND l.email_key = pp.email_key
        WHERE pp.before < page.skip + coalesce(page.max_rows, 2147483647 - page.skip) AND pp.before + pp.payer_rows > page.skip
    ) r, page
    WHERE r.before + r.payer_row > page.skip AND r.before + r.payer_row <= page.skip + coalesce(page.max_rows, 2147483647 - page.skip)
)
SELECT x.row_kind, x.id, d.kind, x.amount_pence, d.status, d.invoice_reference,
       x.payer, x.payer_name,
       (CASE x.payer WHEN 'agency' THEN coalesce(pa.billing_contact_name, '')
                     WHEN 'person' THEN coalesce(d.payer_name, '(removed)') ELSE '' END)::text AS billing_name,
       x.billing_email, d.purchase_order,
       coalesce(a.name, b.unlisted_agency_name, '')::text AS agency_name,
       b.full_name AS person, x.session_id, b.course_title, x.starts_at, x.booking_id,
       x.payer_rows, x.payer_pence, x.payer_row, x.all_rows, x.all_pence
FROM x
-- Each page row reads its charge or its payment (the planner, guessing a
-- tenth of the list is on the page, would otherwise hash every charge).
CROSS JOIN LATERAL (
    SELECT ch.kind::text AS kind, ch.status::text AS status, coalesce(ch.invoice_reference, '')::text AS invoice_reference,
           NULL::text AS payer_name, ''::text AS purchase_order
    FROM charges ch WHERE x.row_kind = 'charge' AND ch.id = x.id
    UNION ALL
    SELECT 'place', p.status, coalesce(p.invoice_reference, ''), p.payer_name, coalesce(p.purchase_order, '')
    FROM payments p WHERE x.row_kind = 'place' AND p.id = x.id
    OFFSET 0
) d
LEFT JOIN LATERAL (SELECT pa.billing_contact_name FROM agencies pa WHERE pa.id = x.agency_id OFFSET 0) pa ON true
CROSS JOIN LATERAL (
    SELECT b.agency_id, u.unlisted_agency_name, u.full_name, s.course_title
    FROM bookings b
    JOIN users u ON u.id = b.user_id
    JOIN sessions s ON s.id = b.session_id
    WHERE b.id = x.booking_id
    OFFSET 0
) b
LEFT JOIN agencies a ON a.id = b.agency_id
ORDER BY x.sort_name, x.sort_email, x.payer, x.agency_key, x.starts_at, x.session_id, x.row_kind, x.id;

-- name: InvoicingBookings :many
-- The bookings of the rows InvoicingRows gives in @state: who an export
-- names, audited before any of it is sent. Read from the kept lines alone.
SELECT DISTINCT l.booking_id
FROM invoice_lines l
WHERE l.state = @state::text AND l.due_at <= @now::timestamptz AND (NOT @online::boolean OR l.payer <> 'agency')
ORDER BY l.booking_id;

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
