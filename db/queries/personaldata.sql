-- The parts of the privacy registry outside accounts: what each domain holds
-- about a person, for "Download your data", and its erasure. Export queries
-- never read a token, a secret or a Stripe page's address.

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
