-- The programme, its export and the staff training export at 100x (issue 21).
--
-- The programme read sessions under their policy and joined 00065's view
-- for each session's waiting places and trainers: a second look-up of every
-- session by its key, each row tested against the policy twice. Its export
-- read 200 sessions a statement, each planned again (a millisecond under the
-- policies), 26 statements at 100x; a bigger batch is no better while the
-- policy stands between the query's conditions and the index, since
-- PostgreSQL may then sort everything after the batch's start to find its
-- first rows.
--
-- This view is the programme's line whole: each session's columns the
-- programme shows, with its waiting places and trainers, read as the view's
-- owner within the reader's partnership, as 00065's did (a manager sees
-- only their partnership's sessions; the service every one). Nothing stands
-- between the programme's conditions and the sessions' indexes, so a batch
-- of the export walks the index of starts from the last line sent and
-- stops when the batch is full. It holds no more than the programme shows,
-- and is read only by the programme's queries.
--
-- The staff training export reads each person's attended places: their
-- bookings by person were read from the table, five to find the two they
-- attended. The partial index holds only attended places, with their
-- sessions, so each person's are found in the index alone.

-- +goose Up
CREATE VIEW programme_sessions AS
SELECT s.id, s.course_id, s.venue_id, s.course_title, s.starts_at, s.ends_at, s.status, s.capacity, s.seats_taken,
       s.closed_to_agency_id,
       (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'waiting')::int AS waiting,
       coalesce((SELECT string_agg(u.full_name, ', ' ORDER BY u.full_name)
                 FROM session_trainers st JOIN users u ON u.id = st.trainer_id
                 WHERE st.session_id = s.id), '')::text AS trainers
FROM sessions s
WHERE NOT in_manager_scope() OR s.partnership_id = acting_partnership_id();
COMMENT ON VIEW programme_sessions IS
    'The programme''s sessions with their waiting places and trainers, read as the view''s owner within the reader''s partnership';
DROP VIEW programme_session_extras;

CREATE INDEX bookings_attended_by_user_idx ON bookings (user_id, session_id, id)
    WHERE status = 'confirmed' AND attendance IN ('attended', 'late');

-- +goose Down
DROP INDEX bookings_attended_by_user_idx;
CREATE VIEW programme_session_extras AS
SELECT s.id AS session_id,
       (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'waiting')::int AS waiting,
       coalesce((SELECT string_agg(u.full_name, ', ' ORDER BY u.full_name)
                 FROM session_trainers st JOIN users u ON u.id = st.trainer_id
                 WHERE st.session_id = s.id), '')::text AS trainers
FROM sessions s
WHERE NOT in_manager_scope() OR s.partnership_id = acting_partnership_id();
COMMENT ON VIEW programme_session_extras IS
    'Each session''s waiting places and trainers for the programme, read as the view''s owner within the reader''s partnership';
DROP VIEW programme_sessions;
