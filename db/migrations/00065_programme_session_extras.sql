-- The programme and its export at 100x (issue 21): each line's waiting list
-- and trainers, without a policy check per booking or per trainer.
--
-- In a manager's scope, the programme's count of a session's waiting places
-- and its list of trainers' names read bookings and session_trainers under
-- their policies (migration 00049): each row visible when its session is,
-- which PostgreSQL asks of every row with a subplan probing sessions again
-- (the two policies are OR'd, so the EXISTS cannot become a join). The
-- export of every session made about 7,000 such probes at 100x.
--
-- This view reads them as its owner, whom the policies do not hold, and
-- keeps the line itself, as the sessions policy does: a manager sees through
-- it only their partnership's sessions, and each session's waiting places
-- and trainers are the session's. So each line costs a look-up in
-- bookings' index of waiting places and in session_trainers' key, and no
-- more. It is read only joined to sessions as the reader sees them (the
-- programme's queries), and holds no more than the programme shows.

-- +goose Up
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

-- +goose Down
DROP VIEW programme_session_extras;
