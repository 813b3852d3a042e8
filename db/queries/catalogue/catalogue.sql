-- The public catalogue: what anyone can see without signing in.

-- name: ListCourses :many
-- Every course still offered, with its next open session and the
-- partnerships that offer it, filtered. An empty filter array or query
-- matches everything; a partnership filter matches the courses those
-- partnerships offer, and their sessions. Each course's next session is one
-- step down the index sessions_public_course_starts_idx, however many
-- sessions there are (a few steps more with a partnership filter).
WITH next_session AS (
    SELECT nc.id AS course_id, s.id, s.starts_at, s.ends_at, s.places_left
    FROM courses nc
    CROSS JOIN LATERAL (
        SELECT s.id, s.starts_at, s.ends_at, (s.capacity - s.seats_taken)::integer AS places_left
        FROM sessions s
        WHERE s.course_id = nc.id
          AND s.status = 'published'
          AND s.closed_to_agency_id IS NULL
          AND s.starts_at > sqlc.arg(now)::timestamptz
          AND (cardinality(sqlc.arg(partnerships)::bigint[]) = 0 OR s.partnership_id = ANY (sqlc.arg(partnerships)::bigint[]))
        ORDER BY s.starts_at
        LIMIT 1
    ) s
    WHERE nc.retired_at IS NULL AND NOT nc.bespoke
)
SELECT
    c.slug,
    c.title,
    c.summary,
    c.level,
    c.duration,
    c.audiences,
    c.delivery_modes,
    n.id          AS next_session_id,
    n.starts_at   AS next_starts_at,
    n.ends_at     AS next_ends_at,
    n.places_left AS next_places_left,
    c.partnership_id,
    c.shared,
    (SELECT string_agg(p.short_name, ', ' ORDER BY p.short_name)
     FROM course_offers o JOIN partnerships p ON p.id = o.partnership_id
     WHERE o.course_id = c.id)::text AS partnership_name
FROM courses c
LEFT JOIN next_session n ON n.course_id = c.id
WHERE c.retired_at IS NULL AND NOT c.bespoke
  AND (cardinality(sqlc.arg(partnerships)::bigint[]) = 0 OR EXISTS (
        SELECT FROM course_offers o
        WHERE o.course_id = c.id AND o.partnership_id = ANY (sqlc.arg(partnerships)::bigint[])))
  AND (cardinality(sqlc.arg(levels)::smallint[]) = 0 OR c.level = ANY (sqlc.arg(levels)::smallint[]))
  AND (cardinality(sqlc.arg(audiences)::text[]) = 0 OR c.audiences && sqlc.arg(audiences)::text[])
  AND (cardinality(sqlc.arg(modes)::text[]) = 0 OR c.delivery_modes && sqlc.arg(modes)::text[])
  AND (
      sqlc.arg(query)::text = ''
      OR c.search @@ websearch_to_tsquery('english', sqlc.arg(query)::text)
      OR strpos(lower(c.title), lower(sqlc.arg(query)::text)) > 0
  )
ORDER BY c.title;

-- name: GetCourseBySlug :one
SELECT c.id, c.slug, c.title, c.summary, c.description, c.learning_outcomes, c.audience_description, c.audiences,
       c.level, c.duration, c.delivery_modes, c.default_capacity, c.partnership_id, p.name AS partnership_name, c.shared,
       (SELECT array_agg(op.name ORDER BY op.name) FROM course_offers o JOIN partnerships op ON op.id = o.partnership_id
        WHERE o.course_id = c.id)::text[] AS offered_by
FROM courses c
JOIN partnerships p ON p.id = c.partnership_id
WHERE c.slug = $1 AND c.retired_at IS NULL AND NOT c.bespoke;

-- name: ListUpcomingSessionsForCourse :many
-- Published sessions open to everyone that have not started yet, soonest
-- first: the first @max_rows of the course's (sessions_public_course_starts_idx),
-- then their venues.
SELECT
    s.id,
    s.starts_at,
    s.ends_at,
    s.booking_cutoff_at,
    (s.capacity - s.seats_taken)::integer AS places_left,
    v.name   AS venue_name,
    v.online AS venue_online,
    v.town   AS venue_town,
    v.postcode AS venue_postcode,
    s.caps_release_at,
    -- places per agency, while they hold
    coalesce(CASE WHEN s.caps_release_at > sqlc.arg(now)::timestamptz THEN s.agency_cap END, 0)::integer AS agency_cap,
    coalesce(CASE WHEN s.caps_release_at > sqlc.arg(now)::timestamptz THEN s.sector_cap END, 0)::integer AS sector_cap,
    p.short_name AS partnership_name, s.own_area_only
FROM (
    SELECT id, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, seats_taken, caps_release_at, agency_cap, sector_cap,
           partnership_id, own_area_only
    FROM sessions
    WHERE course_id = sqlc.arg(course_id)
      AND status = 'published'
      AND closed_to_agency_id IS NULL
      AND starts_at > sqlc.arg(now)::timestamptz
    ORDER BY starts_at
    LIMIT sqlc.arg(max_rows)
) s
JOIN venues v ON v.id = s.venue_id
JOIN partnerships p ON p.id = s.partnership_id
ORDER BY s.starts_at;

-- name: PlacesLeft :many
-- Places left on the sessions the catalogue pages show: every booking
-- changes them, so the pages read them apart from what they cache.
SELECT id, (capacity - seats_taken)::integer AS places_left
FROM sessions
WHERE id = ANY (@ids::bigint[]);
