-- Trainers: the courses they may deliver, their time off, the sessions they
-- deliver and their personal calendar feed.

-- name: ListTrainers :many
-- A page of everyone holding the trainer role, by name, with how many
-- courses they are approved to deliver and how many sessions they have
-- coming up: their commitments to sessions (one per session not cancelled,
-- at its time) not yet ended, found through the index that keeps a
-- trainer's commitments apart, so that past sessions are never read. The
-- page is chosen first, so only its trainers are counted. The courses not
-- retired are listed once for the page (an array), not joined for each
-- trainer, and each trainer's agency is looked up by its key, not by
-- reading every agency.
WITH page AS (
    SELECT u.id, u.full_name, u.agency_id, u.unlisted_agency_name
    FROM users u
    JOIN user_roles r ON r.user_id = u.id AND r.role = 'trainer'
    WHERE u.erased_at IS NULL
    ORDER BY lower(u.full_name), u.id
    LIMIT @max_rows OFFSET @skip_rows
)
SELECT p.id, p.full_name,
       COALESCE((SELECT a.name FROM agencies a WHERE a.id = p.agency_id), p.unlisted_agency_name)::text AS agency_name,
       (SELECT count(*) FROM trainer_courses tc
        WHERE tc.trainer_id = p.id
          AND tc.course_id = ANY (ARRAY(SELECT c.id FROM courses c WHERE c.retired_at IS NULL))) AS approved_courses,
       (SELECT count(*) FROM trainer_commitments cm
        WHERE cm.trainer_id = p.id AND cm.session_id IS NOT NULL
          AND cm.during && tstzrange(@now::timestamptz, NULL)) AS upcoming_sessions
FROM page p
ORDER BY lower(p.full_name), p.id;

-- name: CountTrainers :one
-- Everyone holding the trainer role: a few hundred at most, read from the
-- roles' index.
SELECT count(*)
FROM users u
JOIN user_roles r ON r.user_id = u.id AND r.role = 'trainer'
WHERE u.erased_at IS NULL;

-- name: GetTrainer :one
SELECT u.id, u.full_name, COALESCE(a.name, u.unlisted_agency_name)::text AS agency_name
FROM users u
JOIN user_roles r ON r.user_id = u.id AND r.role = 'trainer'
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE u.id = @id AND u.erased_at IS NULL;

-- name: LockTrainer :one
-- Holds the trainer's row, so that two changes to their approvals or time
-- off are made one after the other. NO KEY UPDATE, not UPDATE: putting the
-- trainer on a session takes FOR KEY SHARE on their approval (00032's
-- trigger) and then on this row (the foreign key), and a lock that refused
-- the second while this change waits for the first would deadlock.
SELECT u.id
FROM users u
JOIN user_roles r ON r.user_id = u.id AND r.role = 'trainer'
WHERE u.id = @id AND u.erased_at IS NULL
FOR NO KEY UPDATE OF u;

-- name: ListCourseApprovals :many
-- Every course the partnership offers that is not retired, and whether it
-- has approved the trainer to deliver it. The partnership is the acting
-- manager's; outside a manager's request, each course's owner.
SELECT c.id, c.title,
       EXISTS (SELECT 1 FROM trainer_courses tc
               WHERE tc.trainer_id = @trainer_id AND tc.course_id = c.id
                 AND tc.partnership_id = coalesce(acting_partnership_id(), c.partnership_id)) AS approved
FROM courses c
WHERE c.retired_at IS NULL AND NOT c.bespoke
  AND EXISTS (SELECT 1 FROM course_offers o
              WHERE o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), c.partnership_id))
ORDER BY lower(c.title), c.id;

-- name: RemoveCourseApprovals :many
-- Withdraws approval for every current course not in @course_ids (a retired
-- course keeps its approvals: the form does not show it).
DELETE FROM trainer_courses tc
USING courses c
WHERE c.id = tc.course_id AND c.retired_at IS NULL AND NOT c.bespoke
  AND tc.partnership_id = coalesce(acting_partnership_id(), c.partnership_id)
  AND tc.trainer_id = @trainer_id AND NOT (tc.course_id = ANY (@course_ids::bigint[]))
RETURNING tc.course_id;

-- name: AddCourseApprovals :many
INSERT INTO trainer_courses (trainer_id, course_id, approved_at)
SELECT @trainer_id, c.id, @now
FROM courses c
WHERE c.id = ANY (@course_ids::bigint[]) AND c.retired_at IS NULL
  AND EXISTS (SELECT 1 FROM course_offers o
              WHERE o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), c.partnership_id))
ON CONFLICT (trainer_id, course_id, partnership_id) DO NOTHING
RETURNING course_id;

-- name: ApproveTrainersForCourse :many
-- Approves the people in @trainer_ids who hold the trainer role to deliver
-- a course that is not retired, returning those newly approved.
INSERT INTO trainer_courses (trainer_id, course_id, approved_at)
SELECT u.id, c.id, @now
FROM users u, courses c
WHERE u.id = ANY (@trainer_ids::bigint[]) AND c.id = @course_id AND c.retired_at IS NULL AND u.erased_at IS NULL
  AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'trainer')
  AND EXISTS (SELECT 1 FROM course_offers o
              WHERE o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), c.partnership_id))
ORDER BY u.id
ON CONFLICT (trainer_id, course_id, partnership_id) DO NOTHING
RETURNING trainer_id;

-- name: ListTimeOff :many
SELECT id, lower(during)::timestamptz AS starts_at, upper(during)::timestamptz AS ends_at, reason
FROM trainer_commitments
WHERE trainer_id = @trainer_id AND session_id IS NULL
ORDER BY lower(during), id;

-- name: InsertTimeOff :one
-- trainer_commitments_no_overlap refuses time off that overlaps a session
-- the trainer delivers, or other time off.
INSERT INTO trainer_commitments (trainer_id, during, reason, created_at)
VALUES (@trainer_id, tstzrange(@starts_at::timestamptz, @ends_at::timestamptz, '[)'), @reason, @now)
RETURNING id;

-- name: DeleteTimeOff :one
DELETE FROM trainer_commitments
WHERE id = @id AND trainer_id = @trainer_id AND session_id IS NULL
RETURNING lower(during)::timestamptz AS starts_at, upper(during)::timestamptz AS ends_at;

-- name: FirstClash :one
-- What already takes the trainer's time between @starts_at and @ends_at:
-- a session (session_id set) or time off.
SELECT tc.session_id, COALESCE(s.course_title, '')::text AS course_title,
       lower(tc.during)::timestamptz AS starts_at, upper(tc.during)::timestamptz AS ends_at
FROM trainer_commitments tc
LEFT JOIN sessions s ON s.id = tc.session_id
WHERE tc.trainer_id = @trainer_id
  AND tc.during && tstzrange(@starts_at::timestamptz, @ends_at::timestamptz, '[)')
ORDER BY tc.session_id IS NULL, lower(tc.during)
LIMIT 1;

-- name: ListUpcomingTrainerSessions :many
SELECT s.id, s.course_title, s.starts_at, s.ends_at, s.status, s.capacity, s.seats_taken, s.meeting_url,
       v.name AS venue_name, v.online AS venue_online, v.address_line1, v.address_line2, v.town, v.postcode,
       v.directions, v.accessibility_notes
FROM session_trainers st
JOIN sessions s ON s.id = st.session_id
JOIN venues v ON v.id = s.venue_id
WHERE st.trainer_id = @trainer_id AND s.ends_at > @now
ORDER BY s.starts_at, s.id
LIMIT @lim OFFSET @off;

-- name: CountUpcomingTrainerSessions :one
SELECT count(*)
FROM session_trainers st
JOIN sessions s ON s.id = st.session_id
WHERE st.trainer_id = @trainer_id AND s.ends_at > @now;

-- name: ListPastTrainerSessions :many
SELECT s.id, s.course_title, s.starts_at, s.ends_at, s.status, s.capacity, s.seats_taken, s.meeting_url,
       v.name AS venue_name, v.online AS venue_online, v.address_line1, v.address_line2, v.town, v.postcode,
       v.directions, v.accessibility_notes
FROM session_trainers st
JOIN sessions s ON s.id = st.session_id
JOIN venues v ON v.id = s.venue_id
WHERE st.trainer_id = @trainer_id AND s.ends_at <= @now
ORDER BY s.starts_at DESC, s.id DESC
LIMIT @lim OFFSET @off;

-- name: CountPastTrainerSessions :one
SELECT count(*)
FROM session_trainers st
JOIN sessions s ON s.id = st.session_id
WHERE st.trainer_id = @trainer_id AND s.ends_at <= @now;

-- name: GetTrainerSession :one
-- One session, only if the trainer delivers it.
SELECT s.id, s.course_title, s.starts_at, s.ends_at, s.status, s.capacity, s.seats_taken, s.meeting_url,
       v.name AS venue_name, v.online AS venue_online, v.address_line1, v.address_line2, v.town, v.postcode,
       v.directions, v.accessibility_notes
FROM session_trainers st
JOIN sessions s ON s.id = st.session_id
JOIN venues v ON v.id = s.venue_id
WHERE st.trainer_id = @trainer_id AND s.id = @session_id;

-- name: ListCoTrainers :many
-- The other trainers of each of @session_ids.
SELECT st.session_id, u.full_name, COALESCE(a.name, u.unlisted_agency_name)::text AS agency_name
FROM session_trainers st
JOIN users u ON u.id = st.trainer_id
LEFT JOIN agencies a ON a.id = u.agency_id
WHERE st.session_id = ANY (@session_ids::bigint[]) AND st.trainer_id <> @trainer_id
ORDER BY st.session_id, lower(u.full_name), u.id;
