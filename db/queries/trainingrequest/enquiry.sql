-- Requests for bespoke and single-agency training.

-- name: EnquiryCourse :one
-- A course of the programme that can be asked for, and the partnership that runs it.
SELECT id, partnership_id FROM courses WHERE id = @id AND retired_at IS NULL AND NOT bespoke;

-- name: EnquiryCourseChoices :many
SELECT c.id, c.title, c.partnership_id, p.short_name AS partnership_name
FROM courses c JOIN partnerships p ON p.id = c.partnership_id
WHERE c.retired_at IS NULL AND NOT c.bespoke ORDER BY lower(c.title), c.id;

-- name: EnquiryPartnerships :many
-- The partnerships a request can be sent to, the first (the deployment's own) first.
SELECT id, slug, name, short_name FROM partnerships ORDER BY id;

-- name: InsertEnquiry :one
-- No row when the same form (form_key) was sent before.
INSERT INTO enquiries (agency_id, requested_by, kind, course_id, topic, need, audience, participants, location,
                       address, access_needs, contact_name, contact_email, contact_phone, submitted_at, updated_at,
                       form_key, partnership_id)
VALUES (@agency_id, @requested_by, @kind, sqlc.narg(course_id), @topic, @need, @audience, @participants, @location,
        @address, @access_needs, @contact_name, @contact_email, @contact_phone, @now, @now, sqlc.narg(form_key),
        @partnership_id)
ON CONFLICT (requested_by, form_key) DO NOTHING
RETURNING id;

-- name: InsertEnquiryDate :exec
INSERT INTO enquiry_dates (enquiry_id, position, starts_at, ends_at) VALUES (@enquiry_id, @position, @starts_at, @ends_at);

-- name: InsertEnquiryEvent :exec
INSERT INTO enquiry_events (enquiry_id, actor_id, action, status, note, at)
VALUES (@enquiry_id, @actor_id, @action, @status, @note, @at);

-- name: InsertEnquiryMessage :exec
INSERT INTO enquiry_messages (enquiry_id, author_id, from_partnership, body, sent_at)
VALUES (@enquiry_id, @author_id, @from_partnership, @body, @sent_at);

-- name: GetEnquiry :one
SELECT e.id, e.agency_id, a.name AS agency_name, e.requested_by, u.full_name AS requester_name,
       u.email::text AS requester_email, e.kind, e.course_id, coalesce(c.title, '')::text AS course_title,
       e.topic, e.need, e.audience, e.participants, e.location, e.address, e.access_needs,
       e.contact_name, e.contact_email::text AS contact_email, e.contact_phone, e.status, e.decline_reason,
       e.submitted_at, e.updated_at
FROM enquiries e
JOIN agencies a ON a.id = e.agency_id
JOIN users u ON u.id = e.requested_by
LEFT JOIN courses c ON c.id = e.course_id
WHERE e.id = @id;

-- name: LockEnquiry :one
SELECT id, status, kind, course_id, agency_id FROM enquiries WHERE id = @id FOR UPDATE;

-- name: SetEnquiryStatus :exec
UPDATE enquiries SET status = @status, decline_reason = @decline_reason, updated_at = @now WHERE id = @id;

-- name: SetEnquiryCourse :exec
UPDATE enquiries SET course_id = @course_id, updated_at = @now WHERE id = @id AND course_id IS NULL;

-- name: EnquiryDates :many
SELECT position, starts_at, ends_at FROM enquiry_dates WHERE enquiry_id = @enquiry_id ORDER BY position;

-- name: EnquiryMessages :many
SELECT m.id, m.from_partnership, m.body, m.sent_at, u.full_name AS author_name
FROM enquiry_messages m JOIN users u ON u.id = m.author_id
WHERE m.enquiry_id = @enquiry_id
ORDER BY m.id;

-- name: EnquiryEvents :many
SELECT ev.action, ev.status, ev.note, ev.at, u.full_name AS actor_name
FROM enquiry_events ev JOIN users u ON u.id = ev.actor_id
WHERE ev.enquiry_id = @enquiry_id
ORDER BY ev.id;

-- name: EnquirySessions :many
SELECT s.id, s.course_title, s.starts_at, s.ends_at, s.capacity, s.seats_taken, s.status,
       coalesce(s.invite_token, '')::text AS invite_token, v.name AS venue_name, v.online AS venue_online,
       (v.agency_id IS NOT NULL)::boolean AS agency_premises, v.address_line1, v.address_line2, v.town, v.postcode
FROM enquiry_sessions es
JOIN sessions s ON s.id = es.session_id
JOIN venues v ON v.id = s.venue_id
WHERE es.enquiry_id = @enquiry_id
ORDER BY s.starts_at, s.id;

-- name: EnquirySessionBookings :many
-- The people booked or waiting on the sessions of a request.
SELECT b.session_id, u.full_name, b.status
FROM enquiry_sessions es
JOIN bookings b ON b.session_id = es.session_id
JOIN users u ON u.id = b.user_id
WHERE es.enquiry_id = @enquiry_id AND b.status IN ('confirmed', 'offered', 'waiting')
ORDER BY b.session_id, lower(u.full_name), b.id;

-- name: LinkEnquirySession :exec
INSERT INTO enquiry_sessions (enquiry_id, session_id) VALUES (@enquiry_id, @session_id);

-- name: ListEnquiries :many
-- The manager's queue (every agency) or one agency's requests, filtered; an
-- empty status and NULL agency or course match everything.
SELECT e.id, e.kind, e.status, e.submitted_at, e.updated_at, e.participants, e.topic,
       a.name AS agency_name, coalesce(c.title, '')::text AS course_title
FROM enquiries e
JOIN agencies a ON a.id = e.agency_id
LEFT JOIN courses c ON c.id = e.course_id
WHERE (sqlc.narg(agency_id)::bigint IS NULL OR e.agency_id = sqlc.narg(agency_id))
  AND (sqlc.narg(course_id)::bigint IS NULL OR e.course_id = sqlc.narg(course_id))
  AND (@status::text = '' OR e.status = @status)
ORDER BY e.submitted_at, e.id
LIMIT @max_rows OFFSET @skip_rows;

-- name: EnquiryManagers :many
SELECT u.id, u.email::text AS email, u.full_name
FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'manager'
WHERE u.erased_at IS NULL AND u.email_verified_at IS NOT NULL
ORDER BY u.id;

-- name: GetEnquiryByFormKey :one
SELECT id FROM enquiries WHERE requested_by = @requested_by AND form_key = @form_key;
