-- The board's figures for a period (internal/report/figures.go says what
-- each means). Every query takes the same three times: @period_start and
-- @period_end (exclusive) bound when the sessions started, in London, and
-- @now is the service's clock. A session is delivered when it was published
-- or completed and has ended by @now; cancelled when its status says so.
-- Places are the bookings, together with the anonymous counts the retention
-- schedule keeps of bookings it deleted (retained_place_counts), so an old
-- year still adds up. Places are read session by session (a lateral
-- subquery on bookings_session_idx), so a period costs its own sessions'
-- places however many years of bookings there are.

-- name: DeliveryFigures :many
-- Sessions and places by course, by London month and in total (one row per
-- grouping set, grouped_by saying which).
WITH period_sessions AS (
    SELECT s.id, s.course_id, s.capacity,
           to_char(s.starts_at AT TIME ZONE 'Europe/London', 'YYYY-MM') AS month,
           s.status = 'cancelled' AS cancelled,
           s.status IN ('published', 'completed') AND s.ends_at <= @now::timestamptz AS delivered,
           s.status = 'published' AND s.ends_at > @now::timestamptz AS to_come
    FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status <> 'draft'
),
per_session AS (
    SELECT ps.id, ps.course_id, ps.capacity, ps.month, ps.cancelled, ps.delivered, ps.to_come,
           coalesce(p.booked, 0) AS booked, coalesce(p.attended, 0) AS attended
    FROM period_sessions ps
    LEFT JOIN LATERAL (
        SELECT sum(x.n) FILTER (WHERE x.status = 'confirmed') AS booked,
               sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance IN ('attended', 'late')) AS attended
        FROM (SELECT b.status::text AS status, b.attendance, 1 AS n FROM bookings b WHERE b.session_id = ps.id
              UNION ALL
              SELECT r.status, r.attendance, r.places FROM retained_place_counts r WHERE r.session_id = ps.id) x
    ) p ON ps.delivered
)
SELECT (CASE WHEN GROUPING(x.course_id) = 0 THEN 'course'
             WHEN GROUPING(x.month) = 0 THEN 'month'
             ELSE 'total' END)::text AS grouped_by,
       coalesce(x.course_id, 0)::bigint AS course_id,
       (CASE WHEN GROUPING(x.course_id) = 0 THEN max(c.title) ELSE '' END)::text AS course_title,
       coalesce(x.month, '')::text AS month,
       count(*) FILTER (WHERE x.delivered)::integer AS delivered,
       count(*) FILTER (WHERE x.cancelled)::integer AS cancelled,
       count(*) FILTER (WHERE x.to_come)::integer AS to_come,
       coalesce(sum(x.capacity) FILTER (WHERE x.delivered), 0)::integer AS offered,
       coalesce(sum(x.booked), 0)::integer AS booked,
       coalesce(sum(x.attended), 0)::integer AS attended
FROM per_session x
JOIN courses c ON c.id = x.course_id
GROUP BY GROUPING SETS ((x.course_id), (x.month), ())
ORDER BY 1, 3, 2, 4;

-- name: PlacesByAgency :many
-- The places on delivered sessions by the booking's agency (bookings.agency_id,
-- the person's agency when they booked), by sector and in total: booked,
-- attended, late, absent, not marked, and cancelled inside the cut-off.
WITH delivered AS (
    SELECT s.id FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed') AND s.ends_at <= @now::timestamptz
),
counted AS MATERIALIZED (
    SELECT p.agency_id, p.status, p.attendance, p.late, sum(p.n) AS n
    FROM delivered d
    CROSS JOIN LATERAL (
        SELECT b.agency_id, b.status::text AS status, b.attendance, b.late, 1 AS n FROM bookings b WHERE b.session_id = d.id
        UNION ALL
        SELECT r.agency_id, r.status, r.attendance, r.late, r.places FROM retained_place_counts r WHERE r.session_id = d.id
    ) p
    GROUP BY p.agency_id, p.status, p.attendance, p.late
),
agency_places AS (
    SELECT p.agency_id, coalesce(a.sector, '') AS sector, p.status, p.attendance, p.late, p.n
    FROM counted p
    LEFT JOIN agencies a ON a.id = p.agency_id
)
SELECT (CASE WHEN GROUPING(x.agency_id) = 0 THEN 'agency'
             WHEN GROUPING(x.sector) = 0 THEN 'sector'
             ELSE 'total' END)::text AS grouped_by,
       coalesce(x.agency_id, 0)::bigint AS agency_id,
       (CASE WHEN GROUPING(x.agency_id) = 0 THEN coalesce(max(a.name), '') ELSE '' END)::text AS agency_name,
       (CASE WHEN GROUPING(x.sector) = 0 OR GROUPING(x.agency_id) = 0 THEN max(x.sector) ELSE '' END)::text AS sector,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed'), 0)::integer AS booked,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance IN ('attended', 'late')), 0)::integer AS attended,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance = 'late'), 0)::integer AS arrived_late,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance = 'absent'), 0)::integer AS absent,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' AND x.attendance IS NULL), 0)::integer AS unmarked,
       coalesce(sum(x.n) FILTER (WHERE x.status = 'cancelled' AND x.late), 0)::integer AS cancelled_late
FROM agency_places x
LEFT JOIN agencies a ON a.id = x.agency_id
GROUP BY GROUPING SETS ((x.agency_id), (x.sector), ())
HAVING coalesce(sum(x.n) FILTER (WHERE x.status = 'confirmed' OR (x.status = 'cancelled' AND x.late)), 0) > 0
    OR GROUPING(x.agency_id) = 1 AND GROUPING(x.sector) = 1
ORDER BY 1, 3, 4, 2;

-- name: SessionSectors :many
-- For each delivered session, how many sectors and agencies were in the
-- room: distinct among the places marked attended or late (a person of an
-- organisation not yet listed brings no sector); and how many of the
-- period's delivered sessions had as many sectors (4 or more counted as 4).
WITH session_agencies AS MATERIALIZED (
    SELECT s.id, s.course_id, s.starts_at, p.agency_id, sum(p.n) AS n
    FROM sessions s
    LEFT JOIN LATERAL (
        SELECT b.agency_id, 1 AS n FROM bookings b
        WHERE b.session_id = s.id AND b.status = 'confirmed' AND b.attendance IN ('attended', 'late')
        UNION ALL
        SELECT r.agency_id, r.places FROM retained_place_counts r
        WHERE r.session_id = s.id AND r.status = 'confirmed' AND r.attendance IN ('attended', 'late')
    ) p ON true
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed') AND s.ends_at <= @now::timestamptz
    GROUP BY s.id, s.course_id, s.starts_at, p.agency_id
),
per_session AS (
    SELECT x.id, x.course_id, x.starts_at,
           count(DISTINCT a.sector) AS sectors, count(DISTINCT x.agency_id) AS agencies,
           coalesce(sum(x.n), 0) AS attended
    FROM session_agencies x
    LEFT JOIN agencies a ON a.id = x.agency_id
    GROUP BY x.id, x.course_id, x.starts_at
)
SELECT x.id AS session_id, c.title AS course_title, x.starts_at, x.sectors::integer AS sectors,
       x.agencies::integer AS agencies, x.attended::integer AS attended,
       least(x.sectors, 4)::integer AS mix_bucket,
       (count(*) OVER (PARTITION BY least(x.sectors, 4)))::integer AS sessions_in_bucket
FROM per_session x
JOIN courses c ON c.id = x.course_id
ORDER BY x.starts_at, x.id;

-- name: UnmetDemand :many
-- Waiting lists that never got a place, by course and in total: on each
-- delivered session, the people whose claim ended still waiting, with an
-- offer outstanding, or with an offer that expired, and who hold no other
-- claim on that session that was ever confirmed. Retained counts add the
-- places in those statuses (the people behind them are no longer known).
WITH per_session AS (
    SELECT s.id, s.course_id,
           (SELECT count(DISTINCT b.user_id) FROM bookings b
            WHERE b.session_id = s.id AND b.status IN ('waiting', 'offered', 'expired')
              AND NOT EXISTS (SELECT 1 FROM bookings o
                              WHERE o.session_id = s.id AND o.user_id = b.user_id AND o.confirmed_at IS NOT NULL))
         + (SELECT coalesce(sum(r.places), 0) FROM retained_place_counts r
            WHERE r.session_id = s.id AND r.status IN ('waiting', 'offered', 'expired')) AS unplaced
    FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed') AND s.ends_at <= @now::timestamptz
)
SELECT (CASE WHEN GROUPING(x.course_id) = 0 THEN 'course' ELSE 'total' END)::text AS grouped_by,
       coalesce(x.course_id, 0)::bigint AS course_id,
       (CASE WHEN GROUPING(x.course_id) = 0 THEN max(c.title) ELSE '' END)::text AS course_title,
       count(*)::integer AS sessions,
       count(*) FILTER (WHERE x.unplaced > 0)::integer AS sessions_turning_away,
       coalesce(sum(x.unplaced), 0)::integer AS people_not_placed
FROM per_session x
JOIN courses c ON c.id = x.course_id
GROUP BY GROUPING SETS ((x.course_id), ())
ORDER BY 1, 3, 2;

-- name: RequestFigures :one
-- Training requests: received in the period (made then), accepted and
-- declined in it (the decision then), and for those decided in it the
-- working days from the request to the decision (trainingrequest's rule:
-- the days after the day it was made up to and including the day of the
-- decision, Monday to Friday less @holidays, the bank holidays Go knows)
-- against @target.
WITH first_decision AS (
    SELECT DISTINCT ON (ev.enquiry_id) ev.enquiry_id, ev.action, ev.at
    FROM enquiry_events ev
    WHERE ev.action IN ('accepted', 'declined') AND ev.at < @period_end::timestamptz
    ORDER BY ev.enquiry_id, ev.at, ev.id
),
waited AS MATERIALIZED (
    SELECT d.action,
           (SELECT count(*) FROM generate_series((e.submitted_at AT TIME ZONE 'Europe/London')::date + 1,
                                                 (d.at AT TIME ZONE 'Europe/London')::date, interval '1 day') g (day)
            WHERE extract(isodow FROM g.day) < 6 AND g.day::date <> ALL (@holidays::date[])) AS days
    FROM first_decision d
    JOIN enquiries e ON e.id = d.enquiry_id
    WHERE d.at >= @period_start::timestamptz
)
SELECT (SELECT count(*) FROM enquiries e
        WHERE e.submitted_at >= @period_start::timestamptz AND e.submitted_at < @period_end::timestamptz)::integer AS received,
       count(*) FILTER (WHERE w.action = 'accepted')::integer AS accepted,
       count(*) FILTER (WHERE w.action = 'declined')::integer AS declined,
       count(*) FILTER (WHERE w.days <= @target::integer)::integer AS within_target,
       count(*) FILTER (WHERE w.days > @target::integer)::integer AS past_target,
       coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY w.days), 0)::integer AS median_days,
       coalesce(max(w.days), 0)::integer AS longest_days
FROM waited w;

-- name: ChargeFigures :many
-- Non-attendance and late-cancellation charges on sessions of the period,
-- by kind and in total, counted and summed per status.
SELECT (CASE WHEN GROUPING(ch.kind) = 0 THEN ch.kind ELSE 'total' END)::text AS kind,
       count(*) FILTER (WHERE ch.status = 'proposed')::integer AS proposed,
       coalesce(sum(ch.amount_pence) FILTER (WHERE ch.status = 'proposed'), 0)::bigint AS proposed_pence,
       count(*) FILTER (WHERE ch.status = 'waived')::integer AS waived,
       coalesce(sum(ch.amount_pence) FILTER (WHERE ch.status = 'waived'), 0)::bigint AS waived_pence,
       count(*) FILTER (WHERE ch.status = 'invoiced')::integer AS invoiced,
       coalesce(sum(ch.amount_pence) FILTER (WHERE ch.status = 'invoiced'), 0)::bigint AS invoiced_pence,
       count(*) FILTER (WHERE ch.status = 'paid')::integer AS paid,
       coalesce(sum(ch.amount_pence) FILTER (WHERE ch.status = 'paid'), 0)::bigint AS paid_pence
FROM sessions s
CROSS JOIN LATERAL (SELECT b.id FROM bookings b WHERE b.session_id = s.id OFFSET 0) b
JOIN charges ch ON ch.booking_id = b.id
WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
GROUP BY GROUPING SETS ((ch.kind), ())
ORDER BY GROUPING(ch.kind), 1;

-- name: PlaceIncome :one
-- Paid places on sessions of the period: paid (by card or on invoice,
-- including those refunded since), refunded, and still owed on invoice.
SELECT count(*) FILTER (WHERE p.status IN ('paid', 'refunded'))::integer AS paid,
       coalesce(sum(p.amount_pence) FILTER (WHERE p.status IN ('paid', 'refunded')), 0)::bigint AS paid_pence,
       count(*) FILTER (WHERE p.status = 'refunded')::integer AS refunded,
       coalesce(sum(p.amount_pence) FILTER (WHERE p.status = 'refunded'), 0)::bigint AS refunded_pence,
       count(*) FILTER (WHERE p.status IN ('pending', 'invoiced') AND p.method = 'invoice')::integer AS owed,
       coalesce(sum(p.amount_pence) FILTER (WHERE p.status IN ('pending', 'invoiced') AND p.method = 'invoice'), 0)::bigint AS owed_pence
FROM sessions s
CROSS JOIN LATERAL (SELECT b.id FROM bookings b WHERE b.session_id = s.id OFFSET 0) b
JOIN payments p ON p.booking_id = b.id
WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz;

-- name: ContributionLedger :many
-- For each agency, the minutes of training its staff delivered (each
-- delivered session's length for each of its trainers whose account is of
-- that agency now) and received (each place marked attended or late, of the
-- booking's agency, times the session's length); the balance in Go. One row
-- per agency with either, agency 0 for trainers or places with no agency on
-- record, and the total last.
WITH delivered AS (
    SELECT s.id, (extract(epoch FROM s.ends_at - s.starts_at) / 60)::bigint AS minutes
    FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed') AND s.ends_at <= @now::timestamptz
),
moves AS (
    SELECT u.agency_id, d.minutes AS given, 0::bigint AS received, 1 AS deliveries, 0::bigint AS places
    FROM delivered d
    JOIN session_trainers st ON st.session_id = d.id
    JOIN users u ON u.id = st.trainer_id
    UNION ALL
    SELECT p.agency_id, 0::bigint, p.n * d.minutes, 0, p.n
    FROM delivered d
    CROSS JOIN LATERAL (
        SELECT b.agency_id, 1 AS n FROM bookings b
        WHERE b.session_id = d.id AND b.status = 'confirmed' AND b.attendance IN ('attended', 'late')
        UNION ALL
        SELECT r.agency_id, r.places FROM retained_place_counts r
        WHERE r.session_id = d.id AND r.status = 'confirmed' AND r.attendance IN ('attended', 'late')
    ) p
)
SELECT (GROUPING(m.agency_id) = 1)::boolean AS total,
       coalesce(m.agency_id, 0)::bigint AS agency_id,
       (CASE WHEN GROUPING(m.agency_id) = 0 THEN coalesce(max(a.name), '') ELSE '' END)::text AS agency_name,
       (CASE WHEN GROUPING(m.agency_id) = 0 THEN coalesce(max(a.sector), '') ELSE '' END)::text AS sector,
       coalesce(sum(m.deliveries), 0)::integer AS sessions_delivered,
       coalesce(sum(m.given), 0)::bigint AS minutes_given,
       coalesce(sum(m.places), 0)::integer AS places_attended,
       coalesce(sum(m.received), 0)::bigint AS minutes_received
FROM moves m
LEFT JOIN agencies a ON a.id = m.agency_id
GROUP BY GROUPING SETS ((m.agency_id), ())
ORDER BY GROUPING(m.agency_id), 3, 2;

-- name: TrainerSessions :many
-- Each trainer's delivered sessions, for their appraisal: the course, when,
-- how long, who delivered it with them, and the trainer's totals for the
-- period (window sums over the trainer's rows).
WITH delivered AS (
    SELECT s.id, s.course_id, s.starts_at, s.ends_at, (extract(epoch FROM s.ends_at - s.starts_at) / 60)::bigint AS minutes
    FROM sessions s
    WHERE s.starts_at >= @period_start::timestamptz AND s.starts_at < @period_end::timestamptz
      AND s.status IN ('published', 'completed') AND s.ends_at <= @now::timestamptz
)
SELECT st.trainer_id, u.full_name AS trainer_name, coalesce(a.name, '')::text AS agency_name,
       d.id AS session_id, c.title AS course_title, d.starts_at, d.ends_at, d.minutes,
       coalesce((SELECT string_agg(u2.full_name, ', ' ORDER BY u2.full_name, u2.id)
                 FROM session_trainers st2 JOIN users u2 ON u2.id = st2.trainer_id
                 WHERE st2.session_id = d.id AND st2.trainer_id <> st.trainer_id), '')::text AS co_trainers,
       (count(*) OVER (PARTITION BY st.trainer_id))::integer AS trainer_sessions,
       (sum(d.minutes) OVER (PARTITION BY st.trainer_id))::bigint AS trainer_minutes
FROM delivered d
JOIN session_trainers st ON st.session_id = d.id
JOIN users u ON u.id = st.trainer_id
LEFT JOIN agencies a ON a.id = u.agency_id
JOIN courses c ON c.id = d.course_id
ORDER BY u.full_name, st.trainer_id, d.starts_at, d.id;

