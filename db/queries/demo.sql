-- Demo data for an empty database.

-- name: LockDemoSeed :exec
-- Serialises seeding between app processes that start together.
SELECT pg_advisory_xact_lock(7412001);

-- name: DatabaseIsEmpty :one
-- Nothing a partnership has entered: no courses, agencies or people.
SELECT coalesce(NOT EXISTS (SELECT 1 FROM courses)
   AND NOT EXISTS (SELECT 1 FROM agencies)
   AND NOT EXISTS (SELECT 1 FROM users), false)::boolean AS empty;

-- name: InsertAgency :one
INSERT INTO agencies (name, sector, charging_band)
VALUES ($1, $2, $3)
RETURNING id;

-- name: InsertCourse :one
INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description,
                     audiences, level, duration, delivery_modes, default_capacity)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id;

-- name: InsertVenue :one
INSERT INTO venues (name, online, address_line1, address_line2, town, postcode, capacity,
                    accessibility_notes, directions)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: InsertSession :one
INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status,
                      meeting_url, closed_to_agency_id, invite_token)
SELECT c.id, c.title, @venue_id, @starts_at, @ends_at, @booking_cutoff_at, @capacity, @status,
       @meeting_url, sqlc.narg(closed_to_agency_id), sqlc.narg(invite_token)
FROM courses c WHERE c.id = @course_id
RETURNING id;

-- name: ApproveDemoTrainer :exec
INSERT INTO trainer_courses (trainer_id, course_id)
SELECT @trainer_id, id FROM courses WHERE slug = ANY (@slugs::text[])
ON CONFLICT DO NOTHING;

-- name: DemoSessionsForCourses :many
SELECT s.id, s.starts_at, s.ends_at FROM sessions s JOIN courses c ON c.id = s.course_id
WHERE c.slug = ANY (@slugs::text[]) AND s.status <> 'cancelled'
ORDER BY s.starts_at;

-- name: AssignDemoTrainer :exec
INSERT INTO session_trainers (session_id, trainer_id) VALUES (@session_id, @trainer_id) ON CONFLICT DO NOTHING;

-- name: DemoPastSession :one
-- A session delivered online a fortnight ago, for the demo training record.
INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
SELECT c.id, c.title, v.id, @starts_at::timestamptz, @ends_at::timestamptz, @cutoff_at::timestamptz, 30, 'completed'
FROM courses c, venues v
WHERE c.slug = @slug AND v.online
ORDER BY v.id LIMIT 1
RETURNING id;

-- name: DemoBooking :exec
-- A demo booking: a confirmed place, with attendance for a past session.
INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, line_manager_name, line_manager_email,
                      access_needs, policy_agreed_at, confirmed_at, attendance)
SELECT @session_id, u.id, u.agency_id, 'confirmed', u.id, @line_manager_name, @line_manager_email, @access_needs,
       now(), now(), sqlc.narg(attendance)
FROM users u
WHERE u.email = @email
  AND (SELECT seats_taken < capacity FROM sessions WHERE id = @session_id)
ON CONFLICT DO NOTHING;

-- name: DemoTrainerSessions :many
-- The demo trainer's upcoming published sessions open to everyone.
SELECT s.id FROM sessions s JOIN session_trainers st ON st.session_id = s.id
WHERE st.trainer_id = @trainer_id AND s.closed_to_agency_id IS NULL
  AND session_open_for_booking(s.status, s.booking_cutoff_at, now())
ORDER BY s.starts_at;

-- name: SeedDemoPrices :exec
-- Demo prices: the non-contributing band (private and independent
-- providers) pays £80 a full day and £40 a half day; everyone else is free.
INSERT INTO course_prices (course_id, charging_band, amount_pence)
SELECT id, 'non_contributing', CASE duration WHEN 'full_day' THEN 8000 ELSE 4000 END
FROM courses WHERE NOT bespoke
ON CONFLICT DO NOTHING;
