-- Training that expires: each person's validity on each course with a
-- validity period (the view training_validity holds the rule's dates), the
-- renewal notices emailed two months before it lapses, and what agency
-- coordinators see of their staff (internal/renewal).

-- name: PersonTraining :many
-- The courses a person has done that expire, with the course that renews
-- each (itself when none is named).
SELECT v.course_id, c.title AS course_title, c.level, v.completed_on, v.valid_until, v.due_from,
       r.id AS renewing_course_id, r.title AS renewing_course_title, r.slug AS renewing_course_slug,
       (r.retired_at IS NULL)::boolean AS renewing_course_offered
FROM training_validity v
JOIN courses c ON c.id = v.course_id
JOIN courses r ON r.id = coalesce(c.renewed_by_course_id, c.id)
WHERE v.user_id = @user_id
ORDER BY v.valid_until, c.title;

-- name: DueNotices :many
-- People whose training reached its notice day (two months before it
-- lapses, at midnight in London) and has not yet lapsed, who were not told
-- about this completion, are not erased, and have no place booked on a later
-- session of the renewing course.
SELECT v.user_id, v.course_id, v.valid_until
FROM training_validity v
JOIN users u ON u.id = v.user_id
WHERE u.erased_at IS NULL
  AND (v.notice_on::timestamp AT TIME ZONE 'Europe/London') <= @now::timestamptz
  AND ((v.valid_until + 1)::timestamp AT TIME ZONE 'Europe/London') > @now::timestamptz
  AND NOT EXISTS (SELECT 1 FROM renewal_notices n
                  WHERE n.user_id = v.user_id AND n.course_id = v.course_id AND n.valid_until = v.valid_until)
  AND NOT EXISTS (SELECT 1 FROM bookings b
                  JOIN sessions s ON s.id = b.session_id
                  JOIN courses c ON c.id = v.course_id
                  WHERE b.user_id = v.user_id AND booking_status_live(b.status)
                    AND s.course_id = coalesce(c.renewed_by_course_id, c.id) AND s.starts_at > v.completed_at)
ORDER BY v.notice_on, v.user_id, v.course_id
LIMIT 500;

-- name: TakeNotice :one
-- The notice for one person and course, taken if it is still due: the key
-- (user, course, valid until) makes a second taker, even one running at the
-- same moment, find it taken.
INSERT INTO renewal_notices (user_id, course_id, valid_until, sent_at)
SELECT v.user_id, v.course_id, v.valid_until, @now
FROM training_validity v
JOIN users u ON u.id = v.user_id
JOIN courses c ON c.id = v.course_id
WHERE v.user_id = @user_id AND v.course_id = @course_id AND u.erased_at IS NULL
  AND (v.notice_on::timestamp AT TIME ZONE 'Europe/London') <= @now::timestamptz
  AND ((v.valid_until + 1)::timestamp AT TIME ZONE 'Europe/London') > @now::timestamptz
  AND NOT EXISTS (SELECT 1 FROM bookings b
                  JOIN sessions s ON s.id = b.session_id
                  WHERE b.user_id = v.user_id AND booking_status_live(b.status)
                    AND s.course_id = coalesce(c.renewed_by_course_id, c.id) AND s.starts_at > v.completed_at)
ON CONFLICT ON CONSTRAINT renewal_notices_once DO NOTHING
RETURNING user_id, course_id, valid_until;

-- name: NoticeSent :exec
UPDATE renewal_notices SET email_id = @email_id
WHERE user_id = @user_id AND course_id = @course_id AND valid_until = @valid_until;

-- name: NoticeLetter :one
-- What the notice says: whose training, on which course, and the course
-- that renews it, whose partnership signs the notice.
SELECT u.full_name, u.email, c.title AS course_title, r.id AS renewing_course_id, r.title AS renewing_course_title,
       r.slug AS renewing_course_slug, r.partnership_id, p.name AS partnership_name, p.email AS partnership_email,
       p.phone AS partnership_phone, p.configured AS partnership_configured
FROM users u
CROSS JOIN courses c
JOIN courses r ON r.id = coalesce(c.renewed_by_course_id, c.id)
JOIN partnerships p ON p.id = r.partnership_id
WHERE u.id = @user_id AND c.id = @course_id;

-- name: NextSessions :many
-- The next sessions of a course open to everyone for booking.
SELECT s.id, s.starts_at, s.ends_at, s.capacity, s.seats_taken, v.online, v.name AS venue_name, v.town
FROM sessions s
JOIN venues v ON v.id = s.venue_id
WHERE s.course_id = @course_id AND session_open_for_booking(s.status, s.booking_cutoff_at, @now)
  AND s.closed_to_agency_id IS NULL AND s.starts_at > @now
ORDER BY s.starts_at, s.id
LIMIT 3;

-- name: ExpiringCourses :many
-- The courses with a validity period, by level: the coordinator's table
-- has a row for each.
SELECT c.id, c.title, c.slug, c.level, c.valid_for_months
FROM courses c
WHERE c.valid_for_months IS NOT NULL AND NOT c.bespoke
ORDER BY c.level, c.title, c.id;

-- name: AgencyTraining :many
-- Every active person of an agency against every course with a validity
-- period: their latest completion when they have one.
SELECT u.id AS user_id, u.full_name, u.email::text AS email, u.job_title, c.id AS course_id,
       v.completed_on, v.valid_until, v.due_from
FROM users u
CROSS JOIN courses c
LEFT JOIN training_validity v ON v.user_id = u.id AND v.course_id = c.id
WHERE u.agency_id = @agency_id AND u.erased_at IS NULL
  AND c.valid_for_months IS NOT NULL AND NOT c.bespoke
ORDER BY u.full_name, u.id, c.level, c.title, c.id;

-- name: ExportNotices :many
SELECT c.title AS course_title, n.valid_until, n.sent_at
FROM renewal_notices n
JOIN courses c ON c.id = n.course_id
WHERE n.user_id = @user_id
ORDER BY n.sent_at;

-- name: EraseNotices :exec
DELETE FROM renewal_notices WHERE user_id = @user_id;

-- name: ForgetOldNotices :execrows
-- A notice is kept until a year after the training it was about lapsed.
DELETE FROM renewal_notices
WHERE (user_id, course_id, valid_until) IN (
    SELECT x.user_id, x.course_id, x.valid_until FROM renewal_notices x
    WHERE x.valid_until < @before::date
    LIMIT @max_rows);
