-- An agency's own figures for its coordinators (internal/report): the same
-- words as figures.sql, for the places booked from one agency
-- (bookings.agency_id, the person's agency when they booked).

-- name: AgencyPlacesByCourse :many
-- Their staff's places on the period's delivered sessions, by course and in
-- total: booked, attended, late, absent, not marked, cancelled late.
WITH places AS (
    SELECT b.session_id, b.agency_id, b.status::text AS status, b.attendance, b.late, 1 AS n FROM bookings b
    WHERE b.agency_id = @agency_id::bigint
    UNION ALL
    SELECT r.session_id, r.agency_id, r.status, r.attendance, r.late, r.places FROM retained_place_counts r
    WHERE r.agency_id = @agency_id::bigint
),
delivered AS (
    SELECT s.id, s.course_id FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed') AND s.ends_at <= @now::timestamptz
),
course_places AS (
    SELECT d.course_id, p.status, p.attendance, p.late, p.n
    FROM delivered d
    JOIN places p ON p.session_id = d.id
)
SELECT (GROUPING(x.course_id) = 1)::boolean AS total,
       coalesce(x.course_id, 0)::bigint AS course_id,
       (CASE WHEN GROUPING(x.course_id) = 0 THEN max(c.title) ELSE '' END)::text AS course_title,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed'), 0)::integer AS booked,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance IN ('attended', 'late')), 0)::integer AS attended,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance = 'late'), 0)::integer AS arrived_late,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance = 'absent'), 0)::integer AS absent,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance IS NULL), 0)::integer AS unmarked,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'cancelled' AND x.late), 0)::integer AS cancelled_late
FROM course_places x
LEFT JOIN courses c ON c.id = x.course_id
GROUP BY GROUPING SETS ((x.course_id), ())
HAVING coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' OR (x.status = 'cancelled' AND x.late)), 0) > 0
    OR GROUPING(x.course_id) = 1
ORDER BY 1, 3, 2;

-- name: AgencyChargeFigures :one
-- The non-attendance and late-cancellation charges to the agency on
-- sessions of the period, counted and summed per status.
SELECT count(*) FILTER (WHERE ch.status = 'proposed')::integer AS proposed,
       coalesce(sum(ch.amount_pence) FILTER (WHERE ch.status = 'proposed'), 0)::bigint AS proposed_pence,
       count(*) FILTER (WHERE ch.status = 'waived')::integer AS waived,
       coalesce(sum(ch.amount_pence) FILTER (WHERE ch.status = 'waived'), 0)::bigint AS waived_pence,
       count(*) FILTER (WHERE ch.status = 'invoiced')::integer AS invoiced,
       coalesce(sum(ch.amount_pence) FILTER (WHERE ch.status = 'invoiced'), 0)::bigint AS invoiced_pence,
       count(*) FILTER (WHERE ch.status = 'paid')::integer AS paid,
       coalesce(sum(ch.amount_pence) FILTER (WHERE ch.status = 'paid'), 0)::bigint AS paid_pence
FROM sessions s
CROSS JOIN LATERAL (
    SELECT ch.status, ch.amount_pence
    FROM bookings b
    JOIN charges ch ON ch.booking_id = b.id
    WHERE b.session_id = s.id AND ch.agency_id = @agency_id::bigint
    OFFSET 0
) ch
WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz;

-- name: AgencyPlaceIncome :one
-- Paid places booked from the agency on sessions of the period: paid
-- (including those refunded since), refunded, and still owed on invoice.
SELECT count(*) FILTER (WHERE p.status IN ('paid', 'refunded'))::integer AS paid,
       coalesce(sum(p.amount_pence) FILTER (WHERE p.status IN ('paid', 'refunded')), 0)::bigint AS paid_pence,
       count(*) FILTER (WHERE p.status = 'refunded')::integer AS refunded,
       coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'refunded'), 0)::bigint AS refunded_pence,
       count(*) FILTER (WHERE p.status IN ('pending', 'invoiced') AND p.method = 'invoice')::integer AS owed,
       coalesce(sum(p.amount_pence) FILTER (WHERE p.status IN ('pending', 'invoiced') AND p.method = 'invoice'), 0)::bigint AS owed_pence
FROM sessions s
CROSS JOIN LATERAL (
    SELECT p.status, p.amount_pence, p.method
    FROM bookings b
    JOIN payments p ON p.booking_id = b.id
    WHERE b.session_id = s.id AND b.agency_id = @agency_id::bigint
    OFFSET 0
) p
WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz;

-- name: AgencyName :one
SELECT a.name, a.sector FROM agencies a WHERE a.id = @agency_id;

-- name: AgencyStaffPeople :many
-- The people of an agency now (users.agency_id, not erased), by name, as
-- the staff training records list them: read from an index in its order.
SELECT u.id FROM users u
WHERE u.agency_id = @agency_id::bigint AND u.erased_at IS NULL
ORDER BY u.full_name, u.id;

-- name: AgencyStaffTraining :many
-- The training records of some of an agency's people (@people, found by
-- AgencyStaffPeople), for the section 11 audit: one row for each place they
-- attended (attended or late), wherever they booked it from, with its
-- certificate's code when one was made; one row with attended false for
-- someone who has attended nothing. Each person and their places are read
-- by key (their attended places from 00070's index of them), so a batch
-- costs what it returns.
SELECT u.id AS user_id, u.full_name, u.email::text AS email, u.job_title,
       (t.booking_id IS NOT NULL)::boolean AS attended,
       coalesce(t.course_title, '')::text AS course_title,
       coalesce(t.level, 0)::integer AS level,
       coalesce(t.starts_at, 'epoch'::timestamptz)::timestamptz AS starts_at,
       coalesce(t.minutes, 0)::bigint AS minutes,
       coalesce(t.code, '')::text AS certificate_code
FROM users u
LEFT JOIN LATERAL (
    SELECT b.id AS booking_id, s.course_title, c.level, s.starts_at,
           (extract(epoch FROM s.ends_at - s.starts_at) / 60)::bigint AS minutes,
           cert.code
    FROM bookings b
    JOIN sessions s ON s.id = b.session_id
    JOIN courses c ON c.id = s.course_id
    LEFT JOIN certificates cert ON cert.booking_id = b.id
    WHERE b.user_id = u.id AND b.status = 'confirmed' AND b.attendance IN ('attended', 'late')
) t ON true
WHERE u.id = ANY(@people::bigint[]) AND u.agency_id = @agency_id::bigint AND u.erased_at IS NULL
ORDER BY u.full_name, u.id, t.starts_at, t.booking_id;
