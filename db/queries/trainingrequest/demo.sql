-- Demo data for an empty database (trainingrequest.AddDemoRequestTx).

-- name: AddDemoRequest :one
INSERT INTO enquiries (agency_id, requested_by, kind, course_id, audience, participants, location,
                       contact_name, contact_email, status, decline_reason, submitted_at, updated_at)
SELECT u.agency_id, u.id, 'course', c.id, @audience, @participants, @location,
       u.full_name, u.email, @status, @decline_reason, @submitted_at::timestamptz, @updated_at::timestamptz
FROM users u, courses c
WHERE u.id = @requested_by AND c.slug = @course_slug AND u.agency_id IS NOT NULL
RETURNING id;

-- name: AddDemoRequestDate :exec
INSERT INTO enquiry_dates (enquiry_id, position, starts_at, ends_at) VALUES (@enquiry_id, 1, @starts_at, @ends_at);

-- name: AddDemoRequestEvent :exec
INSERT INTO enquiry_events (enquiry_id, actor_id, action, status, note, at)
VALUES (@enquiry_id, @actor_id, @action, @status, @note, @at);

-- name: LinkDemoRequestSession :exec
INSERT INTO enquiry_sessions (enquiry_id, session_id) VALUES (@enquiry_id, @session_id);
