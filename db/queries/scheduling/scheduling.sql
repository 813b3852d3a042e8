-- Scheduling sessions: the training manager's programme.

-- name: GetCourseForScheduling :one
-- A course the scheduling partnership offers: the acting manager's, else the
-- first partnership.
SELECT c.id, c.title, c.default_capacity, c.delivery_modes, c.retired_at, c.default_agency_cap, c.default_sector_cap,
       c.default_cap_release_days
FROM courses c
JOIN course_offers o ON o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
WHERE c.id = @id;

-- name: GetVenueForScheduling :one
SELECT id, name, online, capacity, retired_at, agency_id FROM venues WHERE id = @id;

-- name: TrainersForScheduling :many
-- The people named as trainers, whether they hold the role, whether they are
-- approved for the course, and their agency.
SELECT u.id, u.full_name, u.agency_id,
       EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'trainer') AS is_trainer,
       EXISTS (SELECT 1 FROM trainer_courses tc
               WHERE tc.trainer_id = u.id AND tc.course_id = @course_id
                 AND tc.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())) AS approved
FROM users u
WHERE u.id = ANY (@ids::bigint[]) AND u.erased_at IS NULL;

-- name: InsertScheduledSession :one
INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status,
                      meeting_url, closed_to_agency_id, invite_token, agency_cap, sector_cap, caps_release_at, own_area_only)
SELECT c.id, c.title, @venue_id, @starts_at, @ends_at, @booking_cutoff_at, @capacity, 'draft',
       @meeting_url, sqlc.narg(closed_to_agency_id), sqlc.narg(invite_token),
       sqlc.narg(agency_cap), sqlc.narg(sector_cap), sqlc.narg(caps_release_at), @own_area_only
FROM courses c WHERE c.id = @course_id
RETURNING id;

-- name: AddSessionTrainer :exec
INSERT INTO session_trainers (session_id, trainer_id) VALUES (@session_id, @trainer_id);

-- name: RemoveSessionTrainers :exec
DELETE FROM session_trainers WHERE session_id = @session_id;

-- name: FindClashes :many
-- What already occupies the room or any of the trainers during a time range:
-- sessions (not cancelled) and time off. Used to name the clash for a person;
-- the exclusion constraints are what actually forbid it.
SELECT 'room'::text AS kind, s.id AS session_id, s.course_title, s.starts_at, s.ends_at, v.name AS what
FROM sessions s JOIN venues v ON v.id = s.venue_id
WHERE s.venue_id = @venue_id AND s.in_room AND s.status <> 'cancelled'
  AND s.during && tstzrange(@starts_at, @ends_at, '[)') AND s.id <> @except_session_id
UNION ALL
SELECT CASE WHEN tc.session_id IS NULL THEN 'time_off' ELSE 'trainer' END, coalesce(s.id, 0),
       -- A session a manager cannot see is another partnership's (issue 22):
       -- the trainer is as busy, and the session stays theirs to name.
       coalesce(s.course_title, CASE WHEN tc.session_id IS NOT NULL THEN 'a session of another partnership' END, tc.reason),
       coalesce(s.starts_at, lower(tc.during)), coalesce(s.ends_at, upper(tc.during)), u.full_name
FROM trainer_commitments tc
JOIN users u ON u.id = tc.trainer_id
LEFT JOIN sessions s ON s.id = tc.session_id
WHERE tc.trainer_id = ANY (@trainer_ids::bigint[]) AND tc.during && tstzrange(@starts_at, @ends_at, '[)')
  AND (tc.session_id IS NULL OR tc.session_id <> @except_session_id)
ORDER BY 4;

-- name: GetScheduledSession :one
-- A session, with its trainers by name (their ids, names and agencies, in
-- step): one statement for every page about a session.
SELECT s.id, s.course_id, s.course_title, s.venue_id, v.name AS venue_name, v.online AS venue_online,
       s.starts_at, s.ends_at, s.booking_cutoff_at, s.capacity, s.seats_taken, s.status, s.sequence,
       s.meeting_url, s.closed_to_agency_id, coalesce(a.name, '')::text AS closed_to_agency_name,
       s.invite_token, s.cancelled_reason, s.agency_cap, s.sector_cap, s.caps_release_at,
       coalesce(t.ids, '{}')::bigint[] AS trainer_ids, coalesce(t.names, '{}')::text[] AS trainer_names,
       coalesce(t.agencies, '{}')::text[] AS trainer_agencies
FROM sessions s
JOIN venues v ON v.id = s.venue_id
LEFT JOIN agencies a ON a.id = s.closed_to_agency_id
CROSS JOIN LATERAL (
    SELECT array_agg(u.id ORDER BY u.full_name, u.id) AS ids, array_agg(u.full_name ORDER BY u.full_name, u.id) AS names,
           array_agg(coalesce(ta.name, '') ORDER BY u.full_name, u.id) AS agencies
    FROM session_trainers st JOIN users u ON u.id = st.trainer_id LEFT JOIN agencies ta ON ta.id = u.agency_id
    WHERE st.session_id = s.id
) t
WHERE s.id = @id;

-- name: SetSessionStatus :one
-- Moves a session along its life cycle: only from the given states.
UPDATE sessions SET status = @status, cancelled_reason = @cancelled_reason, updated_at = now()
WHERE id = @id AND status::text = ANY (@from_states::text[])
RETURNING id;

-- name: MoveSession :one
-- A new time or place. A published session's sequence goes up, so calendar
-- updates replace the old invitation.
UPDATE sessions
SET starts_at = @starts_at, ends_at = @ends_at, booking_cutoff_at = @booking_cutoff_at, venue_id = @venue_id,
    capacity = @capacity, meeting_url = @meeting_url,
    agency_cap = sqlc.narg(agency_cap), sector_cap = sqlc.narg(sector_cap), caps_release_at = sqlc.narg(caps_release_at),
    sequence = sequence + CASE WHEN status = 'published'
                                    AND (starts_at, ends_at, venue_id) IS DISTINCT FROM (@starts_at, @ends_at, @venue_id::bigint)
                               THEN 1 ELSE 0 END,
    updated_at = now()
WHERE id = @id AND status IN ('draft', 'published')
RETURNING sequence;

-- name: ListProgramme :many
-- The programme, filtered: sessions not yet ended (not_ended_by now), ended
-- (ended_by now) or all, within a month (starts_from, starts_before), by
-- course, venue, trainer and status; soonest first, in the order of an
-- index (00042), from a page's offset or after a session (after_starts,
-- after_id: the export reads the programme a batch at a time).
--
-- Sessions not yet ended at not_ended_by began no earlier than not_ended_by
-- less the longest session's length (00061's index gives it at once), so
-- the walk of the starts' index begins there instead of at the first
-- session ever held; without not_ended_by the bound is -infinity. The bound
-- is one parameter compared with starts_at, not "IS NULL OR", so that it
-- bounds the index scan in a generic plan, and under row-level security
-- (an index condition there must be leakproof: timestamptz's >= is).
-- The sessions, with their waiting places and trainers, come from 00070's
-- view, which reads them as its owner within the reader's partnership: no
-- policy stands between these conditions and the index. The batch's start
-- is a bound of the index (-infinity for the first), so a batch walks the
-- index from the last line sent and stops when full.
SELECT s.id, s.course_title, s.starts_at, s.ends_at, s.status, s.capacity, s.seats_taken,
       s.waiting, v.name AS venue_name, v.online AS venue_online, (s.closed_to_agency_id IS NOT NULL)::boolean AS closed,
       s.trainers
FROM programme_sessions s JOIN venues v ON v.id = s.venue_id
WHERE (sqlc.narg(ended_by)::timestamptz IS NULL OR s.ends_at <= sqlc.narg(ended_by))
  AND (sqlc.narg(not_ended_by)::timestamptz IS NULL OR s.ends_at > sqlc.narg(not_ended_by))
  AND s.starts_at >= (SELECT coalesce(sqlc.narg(not_ended_by)::timestamptz - max(w.ends_at - w.starts_at), '-infinity'::timestamptz)
                      FROM sessions w)
  AND (sqlc.narg(starts_from)::timestamptz IS NULL OR s.starts_at >= sqlc.narg(starts_from))
  AND (sqlc.narg(starts_before)::timestamptz IS NULL OR s.starts_at < sqlc.narg(starts_before))
  AND (sqlc.narg(course_id)::bigint IS NULL OR s.course_id = sqlc.narg(course_id))
  AND (sqlc.narg(venue_id)::bigint IS NULL OR s.venue_id = sqlc.narg(venue_id))
  AND (sqlc.narg(trainer_id)::bigint IS NULL OR EXISTS (
        SELECT 1 FROM session_trainers st WHERE st.session_id = s.id AND st.trainer_id = sqlc.narg(trainer_id)))
  AND (@status::text = '' OR s.status::text = @status)
  AND (s.starts_at, s.id) > (coalesce(sqlc.narg(after_starts)::timestamptz, '-infinity'), coalesce(sqlc.narg(after_id)::bigint, 0))
ORDER BY s.starts_at, s.id
LIMIT @max_rows OFFSET @skip_rows;

-- name: ListProgrammeNewestFirst :many
-- ListProgramme, the most recent first (the past), before a session
-- (before_starts, before_id) when given; sessions ended by ended_by began
-- before it, so the walk of the starts' index back begins there rather
-- than at the last session planned.
SELECT s.id, s.course_title, s.starts_at, s.ends_at, s.status, s.capacity, s.seats_taken,
       s.waiting, v.name AS venue_name, v.online AS venue_online, (s.closed_to_agency_id IS NOT NULL)::boolean AS closed,
       s.trainers
FROM programme_sessions s JOIN venues v ON v.id = s.venue_id
WHERE (sqlc.narg(ended_by)::timestamptz IS NULL OR s.ends_at <= sqlc.narg(ended_by))
  AND (sqlc.narg(not_ended_by)::timestamptz IS NULL OR s.ends_at > sqlc.narg(not_ended_by))
  AND (sqlc.narg(starts_from)::timestamptz IS NULL OR s.starts_at >= sqlc.narg(starts_from))
  AND (sqlc.narg(starts_before)::timestamptz IS NULL OR s.starts_at < sqlc.narg(starts_before))
  AND (sqlc.narg(course_id)::bigint IS NULL OR s.course_id = sqlc.narg(course_id))
  AND (sqlc.narg(venue_id)::bigint IS NULL OR s.venue_id = sqlc.narg(venue_id))
  AND (sqlc.narg(trainer_id)::bigint IS NULL OR EXISTS (
        SELECT 1 FROM session_trainers st WHERE st.session_id = s.id AND st.trainer_id = sqlc.narg(trainer_id)))
  AND (@status::text = '' OR s.status::text = @status)
  AND (s.starts_at, s.id) < (coalesce(sqlc.narg(before_starts)::timestamptz, 'infinity'), coalesce(sqlc.narg(before_id)::bigint, 0))
  -- A session ended by ended_by began before it: the walk back begins there.
  AND s.starts_at < coalesce(sqlc.narg(ended_by)::timestamptz, 'infinity')
ORDER BY s.starts_at DESC, s.id DESC
LIMIT @max_rows OFFSET @skip_rows;

-- name: ProgrammeSpan :one
-- When the first and last sessions start, and the longest session's
-- length: the export reads the programme a window of starts at a time
-- between them (the epoch, and no length, when there are none). Each is
-- one end of an index (00042's, 00061's).
SELECT coalesce((SELECT min(s.starts_at) FROM sessions s), 'epoch')::timestamptz AS first_starts,
       coalesce((SELECT max(s.starts_at) FROM sessions s), 'epoch')::timestamptz AS last_starts,
       coalesce(ceil(extract(epoch FROM (SELECT max(s.ends_at - s.starts_at) FROM sessions s))), 0)::bigint AS longest_seconds;

-- name: CountAwaitingDelivery :one
-- Published sessions ended by now: not yet marked as delivered. Through the
-- partial index of 00061 (the status a literal of its type, which the
-- index's condition matches).
SELECT count(*) FROM sessions WHERE status = 'published' AND ends_at <= @now;

-- name: CountProgramme :one
-- Counted only up to @count_limit: the programme says "more than" beyond
-- it, so a page costs the same however many sessions the partnership has
-- held or planned (the upcoming sessions' index, or the starts', bounds
-- the walk). With it, as CountAwaitingDelivery counts them, the published
-- sessions ended by @now, which the programme's page reminds of: one
-- statement, not two.
SELECT (SELECT count(*) FROM sessions a WHERE a.status = 'published' AND a.ends_at <= @now) AS awaiting,
       count(*) AS counted
FROM (
SELECT 1
FROM sessions s
WHERE (sqlc.narg(ended_by)::timestamptz IS NULL OR s.ends_at <= sqlc.narg(ended_by))
  AND (sqlc.narg(not_ended_by)::timestamptz IS NULL OR s.ends_at > sqlc.narg(not_ended_by))
  AND (sqlc.narg(starts_from)::timestamptz IS NULL OR s.starts_at >= sqlc.narg(starts_from))
  AND (sqlc.narg(starts_before)::timestamptz IS NULL OR s.starts_at < sqlc.narg(starts_before))
  AND (sqlc.narg(course_id)::bigint IS NULL OR s.course_id = sqlc.narg(course_id))
  AND (sqlc.narg(venue_id)::bigint IS NULL OR s.venue_id = sqlc.narg(venue_id))
  AND (sqlc.narg(trainer_id)::bigint IS NULL OR EXISTS (
        SELECT 1 FROM session_trainers st WHERE st.session_id = s.id AND st.trainer_id = sqlc.narg(trainer_id)))
  AND (@status::text = '' OR s.status::text = @status)
LIMIT @count_limit) counted;

-- name: SchedulingChoices :many
-- Courses, venues and trainers for the scheduling forms and filters. Not the
-- agencies, which grow with the partnership: a session for one agency names
-- it typed (agency.FindByName).
SELECT 'course'::text AS kind, c.id, c.title AS name, c.default_capacity AS capacity
FROM courses c
JOIN course_offers o ON o.course_id = c.id AND o.partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
WHERE c.retired_at IS NULL AND NOT c.bespoke
UNION ALL
SELECT 'venue', id, name || CASE WHEN online THEN ' (online)' ELSE ' (' || capacity || ' places)' END, coalesce(capacity, 0)
FROM venues WHERE retired_at IS NULL AND agency_id IS NULL
UNION ALL
SELECT 'trainer', u.id, u.full_name || coalesce(' (' || a.name || ')', ''), 0
FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'trainer' LEFT JOIN agencies a ON a.id = u.agency_id
WHERE u.erased_at IS NULL
ORDER BY 1, 3;

-- name: LockSessionForChange :one
SELECT status, seats_taken FROM sessions WHERE id = @id FOR UPDATE;

-- name: LeaveSessionsToCome :many
-- Takes a person off every session still to come they were down to deliver
-- (the database's clock decides, as its rule that they stay approved does).
DELETE FROM session_trainers st
USING sessions s
WHERE s.id = st.session_id AND st.trainer_id = @trainer_id
  AND s.status IN ('draft', 'published') AND s.ends_at > now()
RETURNING st.session_id;
