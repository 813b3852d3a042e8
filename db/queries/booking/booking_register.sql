-- The register (attendance) of a session, and the agency coordinator's view
-- of their agency's bookings.

-- name: RegisterSession :one
SELECT s.id, s.course_title, s.status, s.starts_at, s.ends_at, v.name AS venue_name, v.online AS venue_online
FROM sessions s JOIN venues v ON v.id = s.venue_id
WHERE s.id = @id;

-- name: IsTrainerOfSession :one
SELECT EXISTS (
    SELECT 1 FROM session_trainers WHERE session_id = @session_id AND trainer_id = @trainer_id
)::boolean AS trains;

-- name: RegisterBookings :many
-- The confirmed places of a session, as the register lists them.
SELECT b.id, b.attendance, b.absence_notified_at,
       u.full_name, (u.erased_at IS NOT NULL)::boolean AS erased,
       coalesce(a.name, u.unlisted_agency_name, '')::text AS agency_name
FROM bookings b
JOIN users u ON u.id = b.user_id
LEFT JOIN agencies a ON a.id = b.agency_id
WHERE b.session_id = @session_id AND b.status = 'confirmed'
ORDER BY u.full_name, b.id;

-- name: SetAttendance :exec
-- Records one mark of the register. absence_notified_at is set once, the
-- first time the person is marked absent, so the emails go only once.
UPDATE bookings
SET attendance = @attendance, attendance_by = @attendance_by, attendance_at = @now::timestamptz,
    absence_notified_at = CASE WHEN @notify::boolean THEN @now::timestamptz ELSE absence_notified_at END,
    updated_at = @now::timestamptz
WHERE id = @id AND session_id = @session_id AND status = 'confirmed';

-- name: MarkUnmarkedAttended :many
-- "Mark everyone as attended": every confirmed place of the session with no
-- mark yet. Places already marked (an exception another trainer saved a
-- moment ago, or a second press of the button) are left as they are.
UPDATE bookings
SET attendance = 'attended', attendance_by = @attendance_by, attendance_at = @now::timestamptz,
    updated_at = @now::timestamptz
WHERE session_id = @session_id AND status = 'confirmed' AND attendance IS NULL
RETURNING id;

-- name: AgencyBookingsFor :many
-- An agency's bookings for its coordinator, in the page's groups (grp), a
-- page of each (@per_group from @skip_rows) or of @only_group alone, each
-- group in order (n): places and offers still to come and waiting places
-- (each with its place in the queue), soonest first; past places, late
-- cancellations and absences, newest first. Each group is read in order
-- from an index of the agency's bookings by their session's start
-- (migration 00064), so a page costs the same however many bookings the
-- agency has; the sessions of the page are joined once, after, which keeps
-- the statement quick to plan. It is planned for each request, for its
-- search; without one, AgencyBookingsPage gives the same rows.
SELECT g.grp, g.id, g.status, g.late, g.attendance, g.offer_expires_at,
       g.full_name, g.email, g.erased, g.position,
       s.course_title, s.starts_at, s.ends_at, s.status AS session_status,
       v.name AS venue_name, v.online AS venue_online
FROM (
(SELECT 'upcoming'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (0)::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.session_starts_at > @now AND b.status IN ('confirmed', 'offered', 'awaiting_approval')
   AND NOT (b.status = 'offered' AND b.offer_expires_at <= @now)
   AND (@only_group::text = '' OR @only_group::text = 'upcoming')
   AND (@search::text = '' OR u.full_name ILIKE '%' || @search::text || '%' OR u.email ILIKE '%' || @search::text || '%'
        OR EXISTS (SELECT FROM sessions s WHERE s.id = b.session_id AND s.course_title ILIKE '%' || @search::text || '%'))
 ORDER BY b.session_starts_at, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
UNION ALL
(SELECT 'waiting'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (SELECT count(*) FROM bookings w
         WHERE w.session_id = b.session_id AND w.status = 'waiting'
           AND (w.queue_position, w.id) <= (b.queue_position, b.id))::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.session_starts_at > @now AND b.status = 'waiting'
   AND (@only_group::text = '' OR @only_group::text = 'waiting')
   AND (@search::text = '' OR u.full_name ILIKE '%' || @search::text || '%' OR u.email ILIKE '%' || @search::text || '%'
        OR EXISTS (SELECT FROM sessions s WHERE s.id = b.session_id AND s.course_title ILIKE '%' || @search::text || '%'))
 ORDER BY b.session_starts_at, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
UNION ALL
(SELECT 'past'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (0)::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.session_starts_at <= @now AND b.status = 'confirmed'
   AND (@only_group::text = '' OR @only_group::text = 'past')
   AND (@search::text = '' OR u.full_name ILIKE '%' || @search::text || '%' OR u.email ILIKE '%' || @search::text || '%'
        OR EXISTS (SELECT FROM sessions s WHERE s.id = b.session_id AND s.course_title ILIKE '%' || @search::text || '%'))
 ORDER BY b.session_starts_at DESC, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
UNION ALL
(SELECT 'late'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (0)::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.status = 'cancelled' AND b.late
   AND (@only_group::text = '' OR @only_group::text = 'late')
   AND (@search::text = '' OR u.full_name ILIKE '%' || @search::text || '%' OR u.email ILIKE '%' || @search::text || '%'
        OR EXISTS (SELECT FROM sessions s WHERE s.id = b.session_id AND s.course_title ILIKE '%' || @search::text || '%'))
 ORDER BY b.session_starts_at DESC, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
UNION ALL
(SELECT 'absent'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (0)::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.attendance = 'absent'
   AND (@only_group::text = '' OR @only_group::text = 'absent')
   AND (@search::text = '' OR u.full_name ILIKE '%' || @search::text || '%' OR u.email ILIKE '%' || @search::text || '%'
        OR EXISTS (SELECT FROM sessions s WHERE s.id = b.session_id AND s.course_title ILIKE '%' || @search::text || '%'))
 ORDER BY b.session_starts_at DESC, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
) g
JOIN sessions s ON s.id = g.session_id
JOIN venues v ON v.id = s.venue_id
ORDER BY g.grp, g.n;

-- name: AgencyBookingsPage :many
-- AgencyBookingsFor without a search, for a plan kept for the connection
-- (internal/booking, AgencyBookings). A kept plan cannot know the agency:
-- guessing a group of a row or two, it read the group whole (416 waiting
-- places at 100x) and sorted it for a page. So each group first finds,
-- from its index alone, the session start of the page's last booking (the
-- bound), and reads only the bookings up to it: the page, and those that
-- share its last start, which the order puts by name. Any plan then reads
-- a page's worth. At 100x, 0.6 ms a page generic against 2.2 ms planned
-- for each request (1.4 ms of it planning).
SELECT g.grp, g.id, g.status, g.late, g.attendance, g.offer_expires_at,
       g.full_name, g.email, g.erased, g.position,
       s.course_title, s.starts_at, s.ends_at, s.status AS session_status,
       v.name AS venue_name, v.online AS venue_online
FROM (
(SELECT 'upcoming'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (0)::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.session_starts_at > @now AND b.status IN ('confirmed', 'offered', 'awaiting_approval')
   AND NOT (b.status = 'offered' AND b.offer_expires_at <= @now)
   AND (@only_group::text = '' OR @only_group::text = 'upcoming')
   AND b.session_starts_at <= coalesce((
       SELECT c.session_starts_at FROM bookings c
       WHERE c.agency_id = @agency_id AND c.session_starts_at > @now
         AND c.status IN ('confirmed', 'offered', 'awaiting_approval')
         AND NOT (c.status = 'offered' AND c.offer_expires_at <= @now)
       ORDER BY c.session_starts_at LIMIT 1 OFFSET sqlc.arg(per_group)::integer + sqlc.arg(skip_rows)::integer - 1), 'infinity')
 ORDER BY b.session_starts_at, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
UNION ALL
(SELECT 'waiting'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (SELECT count(*) FROM bookings w
         WHERE w.session_id = b.session_id AND w.status = 'waiting'
           AND (w.queue_position, w.id) <= (b.queue_position, b.id))::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.session_starts_at > @now AND b.status = 'waiting'
   AND (@only_group::text = '' OR @only_group::text = 'waiting')
   AND b.session_starts_at <= coalesce((
       SELECT c.session_starts_at FROM bookings c
       WHERE c.agency_id = @agency_id AND c.session_starts_at > @now AND c.status = 'waiting'
       ORDER BY c.session_starts_at LIMIT 1 OFFSET sqlc.arg(per_group)::integer + sqlc.arg(skip_rows)::integer - 1), 'infinity')
 ORDER BY b.session_starts_at, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
UNION ALL
(SELECT 'past'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (0)::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.session_starts_at <= @now AND b.status = 'confirmed'
   AND (@only_group::text = '' OR @only_group::text = 'past')
   AND b.session_starts_at >= coalesce((
       SELECT c.session_starts_at FROM bookings c
       WHERE c.agency_id = @agency_id AND c.session_starts_at <= @now AND c.status = 'confirmed'
       ORDER BY c.session_starts_at DESC LIMIT 1 OFFSET sqlc.arg(per_group)::integer + sqlc.arg(skip_rows)::integer - 1), '-infinity')
 ORDER BY b.session_starts_at DESC, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
UNION ALL
(SELECT 'late'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (0)::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.status = 'cancelled' AND b.late
   AND (@only_group::text = '' OR @only_group::text = 'late')
   AND b.session_starts_at >= coalesce((
       SELECT c.session_starts_at FROM bookings c
       WHERE c.agency_id = @agency_id AND c.status = 'cancelled' AND c.late
       ORDER BY c.session_starts_at DESC LIMIT 1 OFFSET sqlc.arg(per_group)::integer + sqlc.arg(skip_rows)::integer - 1), '-infinity')
 ORDER BY b.session_starts_at DESC, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
UNION ALL
(SELECT 'absent'::text AS grp, row_number() OVER () AS n, p.* FROM (
 SELECT b.id, b.session_id, b.status, b.late, b.attendance, b.offer_expires_at,
        u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
        (0)::int AS position
 FROM bookings b
 JOIN users u ON u.id = b.user_id
 WHERE b.agency_id = @agency_id AND b.attendance = 'absent'
   AND (@only_group::text = '' OR @only_group::text = 'absent')
   AND b.session_starts_at >= coalesce((
       SELECT c.session_starts_at FROM bookings c
       WHERE c.agency_id = @agency_id AND c.attendance = 'absent'
       ORDER BY c.session_starts_at DESC LIMIT 1 OFFSET sqlc.arg(per_group)::integer + sqlc.arg(skip_rows)::integer - 1), '-infinity')
 ORDER BY b.session_starts_at DESC, u.full_name, b.id
 LIMIT @per_group OFFSET @skip_rows) p)
) g
JOIN sessions s ON s.id = g.session_id
JOIN venues v ON v.id = s.venue_id
ORDER BY g.grp, g.n;

-- name: AgencyBookablePeople :many
-- The people a coordinator may book (their agency's verified accounts) whose
-- name or email matches @pattern ('' for all), by name, @max_rows at most:
-- a large agency's thousands are searched, never listed.
SELECT id, full_name, email::text AS email
FROM users u
WHERE u.agency_id = @agency_id::bigint AND u.erased_at IS NULL AND u.email_verified_at IS NOT NULL
  AND (@pattern::text = '' OR lower(u.full_name) LIKE @pattern OR lower(u.email::text) LIKE @pattern)
ORDER BY lower(u.full_name), u.id
LIMIT @max_rows;

-- name: AgencyBookablePerson :one
-- One person a coordinator may book, or no row: another agency's people,
-- unconfirmed and erased accounts are never returned.
SELECT id, full_name, email::text AS email
FROM users u
WHERE u.id = @id AND u.agency_id = @agency_id::bigint AND u.erased_at IS NULL AND u.email_verified_at IS NOT NULL;

-- name: AgencyBookableCourses :many
-- The courses with sessions still open for booking to an agency (see
-- AgencyBookableSessions), with how many and the soonest.
SELECT c.id, c.title, count(*)::integer AS sessions, min(s.starts_at)::timestamptz AS next_starts_at
FROM sessions s JOIN courses c ON c.id = s.course_id
WHERE s.status = 'published' AND session_open_for_booking(s.status, s.booking_cutoff_at, @now::timestamptz)
  AND s.starts_at > @now::timestamptz
  AND (s.closed_to_agency_id IS NULL OR s.closed_to_agency_id = @agency_id)
GROUP BY c.id, c.title
ORDER BY c.title, c.id;

-- name: AgencyBookableCourse :one
-- One course of AgencyBookableCourses, or no row: read from its own
-- sessions alone (by course and start), not from every course's.
SELECT c.id, c.title, count(*)::integer AS sessions, min(s.starts_at)::timestamptz AS next_starts_at
FROM sessions s JOIN courses c ON c.id = s.course_id
WHERE s.course_id = @course_id AND s.status = 'published'
  AND session_open_for_booking(s.status, s.booking_cutoff_at, @now::timestamptz)
  AND s.starts_at > @now::timestamptz
  AND (s.closed_to_agency_id IS NULL OR s.closed_to_agency_id = @agency_id)
GROUP BY c.id, c.title;

-- name: AgencyBookableSessions :many
-- A course's sessions still open for booking to an agency: published, before
-- the cut-off, open to everyone or closed to this agency; soonest first, a
-- page at a time.
SELECT s.id, s.course_id, s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at, s.capacity, s.seats_taken,
       s.closed_to_agency_id, v.name AS venue_name, v.online AS venue_online
FROM sessions s JOIN venues v ON v.id = s.venue_id
WHERE s.course_id = @course_id AND s.status = 'published'
  AND session_open_for_booking(s.status, s.booking_cutoff_at, @now::timestamptz) AND s.starts_at > @now::timestamptz
  AND (s.closed_to_agency_id IS NULL OR s.closed_to_agency_id = @agency_id)
ORDER BY s.starts_at, s.id
LIMIT @max_rows OFFSET @skip_rows;

-- name: AgencyBookableSession :one
-- One session open for booking to an agency (the rule of
-- AgencyBookableSessions), or no row.
SELECT s.id, s.course_id, s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at, s.capacity, s.seats_taken,
       s.closed_to_agency_id, v.name AS venue_name, v.online AS venue_online
FROM sessions s JOIN venues v ON v.id = s.venue_id
WHERE s.id = @id
  AND session_open_for_booking(s.status, s.booking_cutoff_at, @now::timestamptz) AND s.starts_at > @now::timestamptz
  AND (s.closed_to_agency_id IS NULL OR s.closed_to_agency_id = @agency_id);
