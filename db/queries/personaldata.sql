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

-- name: ExportCourseApprovals :many
SELECT c.title, tc.approved_at
FROM trainer_courses tc
JOIN courses c ON c.id = tc.course_id
WHERE tc.trainer_id = @trainer_id
ORDER BY c.title;

-- name: DeleteCourseApprovalsOf :exec
DELETE FROM trainer_courses WHERE trainer_id = @trainer_id;

-- name: ExportTimeOff :many
SELECT lower(during)::timestamptz AS starts_at, upper(during)::timestamptz AS ends_at, reason, created_at
FROM trainer_commitments
WHERE trainer_id = @trainer_id AND session_id IS NULL
ORDER BY lower(during), id;

-- name: DeleteTimeOffOf :exec
-- An erased person trains no more: their time off goes, reason and all.
DELETE FROM trainer_commitments WHERE trainer_id = @trainer_id AND session_id IS NULL;

-- name: ExportSessionsDelivered :many
SELECT s.course_title, s.starts_at, s.ends_at, s.status
FROM session_trainers st
JOIN sessions s ON s.id = st.session_id
WHERE st.trainer_id = @trainer_id
ORDER BY s.starts_at, s.id;

-- name: ExportCalendarFeed :one
-- Whether the person has a feed; never its secret address.
SELECT (calendar_token IS NOT NULL)::boolean AS has_feed FROM users WHERE id = @id;

-- name: ForgetCalendarToken :exec
UPDATE users SET calendar_token = NULL WHERE id = @id;

-- name: ExportBillingContacts :many
-- Agencies whose invoices go to the person.
SELECT name, billing_contact_name, billing_contact_email
FROM agencies
WHERE lower(billing_contact_email) = lower(@email::text)
ORDER BY name;

-- name: ClearBillingContacts :exec
-- Invoices stop until the agency names another contact (the billing sweep
-- asks for one); the copy last sent to Stripe goes too.
UPDATE agencies
SET billing_contact_name = '', billing_contact_email = '',
    stripe_customer_email = CASE WHEN lower(stripe_customer_email) = lower(@email::text) THEN '' ELSE stripe_customer_email END,
    updated_at = now()
WHERE lower(billing_contact_email) = lower(@email::text) OR lower(stripe_customer_email) = lower(@email::text);

-- name: EraseEmailsMentioning :exec
-- Copies of emails to others that name the person (a coordinator told of
-- their booking, the training team told of their request) lose their text.
UPDATE emails
SET subject = CASE WHEN strpos(lower(subject), lower(@name::text)) > 0 OR strpos(lower(subject), lower(@email::text)) > 0
                   THEN '(removed)' ELSE subject END,
    to_name = CASE WHEN strpos(lower(to_name), lower(@name::text)) > 0 THEN '' ELSE to_name END,
    body_text = '', body_html = '', calendar_ics = ''
WHERE length(@name::text) >= 3 AND (
        strpos(lower(subject), lower(@name::text)) > 0 OR strpos(lower(body_text), lower(@name::text)) > 0
        OR strpos(lower(body_html), lower(@name::text)) > 0 OR strpos(lower(calendar_ics), lower(@name::text)) > 0
        OR strpos(lower(to_name), lower(@name::text)) > 0)
   OR (length(@email::text) >= 3 AND (
        strpos(lower(subject), lower(@email::text)) > 0 OR strpos(lower(body_text), lower(@email::text)) > 0
        OR strpos(lower(body_html), lower(@email::text)) > 0 OR strpos(lower(calendar_ics), lower(@email::text)) > 0));

-- name: EraseEmailErrors :exec
-- A mail server's reply about the person's address (or quoting it).
UPDATE emails SET last_error = ''
WHERE last_error <> '' AND (user_id = @user_id::bigint OR lower(to_address) = lower(@email::text)
                            OR strpos(lower(last_error), lower(@email::text)) > 0);

-- name: AuditEventsMentioning :many
-- Audit events by or about the person, or whose details name them: their
-- details are cleaned in Go, value by value.
-- theirs: an event about the person (not one they did to someone else,
-- whose reason is kept as that person's record).
SELECT id, details,
       (subject_user_id IS NOT DISTINCT FROM @user_id::bigint
        OR (actor_id IS NOT DISTINCT FROM @user_id::bigint AND subject_user_id IS NULL))::boolean AS theirs
FROM audit_events
WHERE actor_id = @user_id::bigint OR subject_user_id = @user_id::bigint
   OR strpos(lower(details::text), lower(@email::text)) > 0
   OR (length(@name::text) >= 3 AND strpos(lower(details::text), lower(@name::text)) > 0)
FOR UPDATE;

-- name: SetAuditDetails :exec
UPDATE audit_events SET details = @details WHERE id = @id;

-- name: ForgetAuditIPs :exec
-- Who did it stays ("Deleted person"), and what and when; not from where
-- (nor where someone typed their address from).
UPDATE audit_events SET ip = NULL
WHERE ip IS NOT NULL AND (actor_id = @user_id OR (actor_email <> '' AND lower(actor_email) = lower(@email::text)));
