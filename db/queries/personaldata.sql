-- The parts of the privacy registry outside accounts: what each domain holds
-- about a person, for "Download your data", and its erasure. Export queries
-- never read a token, a secret or a Stripe page's address.

-- name: ExportPayments :many
SELECT p.method, p.amount_pence, p.status, coalesce(p.purchase_order, '')::text AS purchase_order,
       coalesce(p.checkout_session_id, '')::text AS checkout_session_id,
       coalesce(p.payment_intent_id, '')::text AS payment_intent_id,
       coalesce(p.stripe_invoice_id, '')::text AS stripe_invoice_id,
       coalesce(p.refund_id, '')::text AS refund_id,
       p.created_at, p.paid_at, p.refund_requested_at, p.refunded_at,
       s.course_title, s.starts_at, p.payer, coalesce(p.payer_name, '')::text AS payer_name,
       coalesce(p.payer_email::text, '')::text AS payer_email,
       coalesce(p.invoice_reference, '')::text AS invoice_reference
FROM payments p
JOIN bookings b ON b.id = p.booking_id
JOIN sessions s ON s.id = b.session_id
WHERE b.user_id = @user_id
ORDER BY p.created_at, p.id;

-- name: ErasePurchaseOrders :exec
-- The payment, its amount and its status stay for the accounts.
UPDATE payments p
SET purchase_order = '(removed)'
FROM bookings b
WHERE b.id = p.booking_id AND b.user_id = @user_id AND p.purchase_order IS NOT NULL;

-- name: ErasePayers :exec
-- Who the person said pays (their own name, their organisation's, a billing
-- email) goes like the purchase order; the amount and status stay.
UPDATE payments p
SET payer_email = NULL, payer_name = NULL
FROM bookings b
WHERE b.id = p.booking_id AND b.user_id = @user_id AND (p.payer_email IS NOT NULL OR p.payer_name IS NOT NULL);

-- name: ExportCharges :many
SELECT c.kind, c.amount_pence, c.status, c.waiver_reason, coalesce(c.stripe_invoice_id, '')::text AS stripe_invoice_id,
       c.decided_at, c.created_at, coalesce(a.name, '')::text AS agency_name, s.course_title, s.starts_at
FROM charges c
JOIN bookings b ON b.id = c.booking_id
JOIN sessions s ON s.id = b.session_id
LEFT JOIN agencies a ON a.id = c.agency_id
WHERE b.user_id = @user_id
ORDER BY c.created_at, c.id;

-- name: EraseWaiverReasons :exec
-- The charge and its amount stay for the figures; why it was waived goes.
UPDATE charges c
SET waiver_reason = '(removed)'
FROM bookings b
WHERE b.id = c.booking_id AND b.user_id = @user_id AND c.waiver_reason <> '';

-- name: EraseBookingDetails :exec
-- The bookings stay, with agency and attendance, for the figures; what the
-- person told us and notes about their place go ("Account deleted" says only
-- why an erasure ended it).
UPDATE bookings
SET access_needs = '', dietary_needs = '', line_manager_name = '', line_manager_email = '',
    end_note = CASE WHEN end_note = 'Account deleted' THEN end_note ELSE '' END
WHERE user_id = @user_id;

-- name: ExportEnquiries :many
-- Requests the person made, or that name them as the contact.
SELECT e.id, e.kind, coalesce(c.title, '')::text AS course_title, e.topic, e.need, e.audience, e.participants,
       e.location, e.address, e.access_needs, e.contact_name, e.contact_email::text AS contact_email, e.contact_phone,
       e.status, e.decline_reason, e.submitted_at, e.updated_at, a.name AS agency_name,
       (e.requested_by = @user_id::bigint)::boolean AS made_by_you
FROM enquiries e
JOIN agencies a ON a.id = e.agency_id
LEFT JOIN courses c ON c.id = e.course_id
WHERE e.requested_by = @user_id::bigint OR lower(e.contact_email::text) = lower(@email::text)
ORDER BY e.submitted_at, e.id;

-- name: ExportEnquiryDates :many
SELECT d.enquiry_id, d.position, d.starts_at, d.ends_at
FROM enquiry_dates d
WHERE d.enquiry_id = ANY (@ids::bigint[])
ORDER BY d.enquiry_id, d.position;

-- name: ExportEnquiryMessages :many
-- The thread of the person's requests, and every message they wrote.
SELECT m.enquiry_id, m.from_partnership, (m.author_id = @user_id::bigint)::boolean AS by_you, m.body, m.sent_at
FROM enquiry_messages m
WHERE m.author_id = @user_id::bigint OR m.enquiry_id = ANY (@ids::bigint[])
ORDER BY m.enquiry_id, m.id;

-- name: ExportEnquiryEvents :many
SELECT ev.enquiry_id, ev.action, ev.status, ev.note, ev.at, (ev.actor_id = @user_id::bigint)::boolean AS by_you
FROM enquiry_events ev
WHERE ev.actor_id = @user_id::bigint OR ev.enquiry_id = ANY (@ids::bigint[])
ORDER BY ev.enquiry_id, ev.id;

-- name: EraseEnquiryCopiesInEmails :exec
-- Emails that carried the person's messages or their requests' contact
-- details (to the training team, acknowledgements) lose their content. Run
-- before the messages and contacts themselves are removed. (Very short
-- names and messages are not looked for: they would match unrelated emails,
-- and an email not yet delivered with its text gone is never sent.)
UPDATE emails em
SET body_text = '', body_html = '', calendar_ics = ''
WHERE em.body_text <> '' AND (
    EXISTS (SELECT 1 FROM enquiry_messages m
            WHERE m.author_id = @user_id::bigint AND m.body <> '(removed)' AND length(m.body) >= 8
              AND strpos(em.body_text, m.body) > 0)
    OR EXISTS (SELECT 1 FROM enquiries e
               WHERE (e.requested_by = @user_id::bigint OR lower(e.contact_email::text) = lower(@email::text))
                 AND e.contact_name <> 'Deleted person'
                 AND ((length(e.contact_name) >= 3 AND strpos(em.body_text, e.contact_name) > 0)
                      OR strpos(lower(em.body_text), lower(e.contact_email::text)) > 0
                      OR (e.contact_phone <> '' AND strpos(em.body_text, e.contact_phone) > 0))));

-- name: EraseEnquiryContacts :exec
-- The request, its agency and dates stay for the figures; who to contact goes.
UPDATE enquiries
SET contact_name = 'Deleted person', contact_email = 'deleted-' || @user_id::bigint || '@deleted.invalid', contact_phone = ''
WHERE requested_by = @user_id::bigint OR lower(contact_email::text) = lower(@email::text);

-- name: EraseEnquiryMessages :exec
-- The thread keeps its shape (who wrote when); the person's words go.
UPDATE enquiry_messages SET body = '(removed)' WHERE author_id = @user_id;
