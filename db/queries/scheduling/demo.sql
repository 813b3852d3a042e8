-- Demo data for an empty database (scheduling's ...DemoTx functions).

-- name: InsertDemoSession :one
INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status,
                      meeting_url, closed_to_agency_id, invite_token, cancelled_reason, agency_cap, caps_release_at)
SELECT c.id, c.title, @venue_id, @starts_at, @ends_at, @booking_cutoff_at, @capacity, @status,
       @meeting_url, sqlc.narg(closed_to_agency_id), sqlc.narg(invite_token), @cancelled_reason,
       sqlc.narg(agency_cap), sqlc.narg(caps_release_at)
FROM courses c WHERE c.id = @course_id
RETURNING id;

-- name: InsertDemoPastSession :one
-- A session delivered online, for the demo training record.
INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
SELECT c.id, c.title, v.id, @starts_at::timestamptz, @ends_at::timestamptz, @cutoff_at::timestamptz, 30, 'completed'
FROM courses c, venues v
WHERE c.slug = @slug AND v.online
ORDER BY v.id LIMIT 1
RETURNING id;

-- name: AssignDemoTrainer :exec
INSERT INTO session_trainers (session_id, trainer_id) VALUES (@session_id, @trainer_id) ON CONFLICT DO NOTHING;
