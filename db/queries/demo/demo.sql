-- demo's own reads; what it makes, it makes through the owners' ...DemoTx
-- functions (and its bookings through the shared db/queries/demo.sql).

-- name: LockDemoSeed :exec
-- Serialises seeding between app processes that start together.
SELECT pg_advisory_xact_lock(7412001);

-- name: DatabaseIsEmpty :one
-- Nothing a partnership has entered: no courses, agencies or people.
SELECT coalesce(NOT EXISTS (SELECT 1 FROM courses)
   AND NOT EXISTS (SELECT 1 FROM agencies)
   AND NOT EXISTS (SELECT 1 FROM users), false)::boolean AS empty;

-- name: DemoSessionsForCourses :many
SELECT s.id, s.starts_at, s.ends_at FROM sessions s JOIN courses c ON c.id = s.course_id
WHERE c.slug = ANY (@slugs::text[]) AND s.status <> 'cancelled'
ORDER BY s.starts_at;

-- name: DemoTrainerSessions :many
-- The demo trainer's upcoming published sessions open to everyone.
SELECT s.id FROM sessions s JOIN session_trainers st ON st.session_id = s.id
WHERE st.trainer_id = @trainer_id AND s.closed_to_agency_id IS NULL
  AND session_open_for_booking(s.status, s.booking_cutoff_at, now())
ORDER BY s.starts_at;

-- name: DemoCourseIDs :many
-- The demo courses' ids in the order they were made (the order of Courses).
SELECT id FROM courses WHERE NOT bespoke ORDER BY id;

-- name: DemoVenueIDs :many
SELECT id FROM venues ORDER BY id;

-- name: DemoAgencyIDs :many
SELECT id FROM agencies ORDER BY id;

-- name: DemoCourseNotAttended :one
-- The first of @slugs that the person has no place on (internal/demo's
-- renewals: an old place that later training would not renew).
SELECT c.slug
FROM courses c
WHERE c.slug = ANY(@slugs::text[])
  AND NOT EXISTS (SELECT 1 FROM bookings b
                  JOIN sessions s ON s.id = b.session_id
                  JOIN users u ON u.id = b.user_id
                  WHERE u.email = @email AND s.course_id = c.id)
ORDER BY array_position(@slugs::text[], c.slug)
LIMIT 1;
