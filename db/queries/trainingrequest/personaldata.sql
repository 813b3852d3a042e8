-- A training request's personal data, for "Download your data", its erasure
-- (internal/trainingrequest/personaldata.go), and the retention schedule's
-- rule for closed requests.

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

-- name: EnquiryTextsOf :one
-- What copies of emails would hold of the person's requests: the messages
-- they wrote (matched as written), and their requests' contact names and
-- phone numbers (as written) and addresses (in any case). Very short names
-- and messages are left out: they would match unrelated emails.
SELECT
    coalesce((SELECT array_agg(DISTINCT t) FROM (
        SELECT m.body AS t FROM enquiry_messages m
        WHERE m.author_id = @user_id::bigint AND m.body <> '(removed)' AND length(m.body) >= 8
        UNION ALL
        SELECT e.contact_name FROM enquiries e
        WHERE (e.requested_by = @user_id::bigint OR lower(e.contact_email::text) = lower(@email::text))
          AND e.contact_name <> 'Deleted person' AND length(e.contact_name) >= 3
        UNION ALL
        SELECT e.contact_phone FROM enquiries e
        WHERE (e.requested_by = @user_id::bigint OR lower(e.contact_email::text) = lower(@email::text))
          AND e.contact_name <> 'Deleted person' AND e.contact_phone <> '') AS exact), '{}')::text[] AS exact,
    coalesce((SELECT array_agg(DISTINCT e.contact_email::text) FROM enquiries e
              WHERE (e.requested_by = @user_id::bigint OR lower(e.contact_email::text) = lower(@email::text))
                AND e.contact_name <> 'Deleted person'), '{}')::text[] AS any_case;

-- name: EraseEnquiryContacts :exec
-- The request, its agency and dates stay for the figures; who to contact goes.
UPDATE enquiries
SET contact_name = 'Deleted person', contact_email = 'deleted-' || @user_id::bigint || '@deleted.invalid', contact_phone = ''
WHERE requested_by = @user_id::bigint OR lower(contact_email::text) = lower(@email::text);

-- name: EraseEnquiryMessages :exec
-- The thread keeps its shape (who wrote when); the person's words go.
UPDATE enquiry_messages SET body = '(removed)' WHERE author_id = @user_id;

-- name: RemoveClosedEnquiriesPersonalData :many
-- A request is closed when accepted or declined; an accepted one only once
-- the last of its sessions is over too.
UPDATE enquiries
SET contact_name = 'Removed', contact_email = 'removed-' || id || '@deleted.invalid', contact_phone = '',
    access_needs = '', personal_data_removed_at = @now::timestamptz
WHERE id IN (
    SELECT e.id FROM enquiries e
    WHERE e.status IN ('accepted', 'declined') AND e.personal_data_removed_at IS NULL
      AND e.updated_at < @closed_before
      AND NOT EXISTS (
          SELECT 1 FROM enquiry_sessions es JOIN sessions s ON s.id = es.session_id
          WHERE es.enquiry_id = e.id AND s.ends_at >= @closed_before)
    ORDER BY e.id
    LIMIT @max_rows
    FOR UPDATE OF e SKIP LOCKED)
RETURNING id;

-- name: DeleteEnquiryMessages :exec
DELETE FROM enquiry_messages WHERE enquiry_id = ANY(@enquiry_ids::bigint[]);
