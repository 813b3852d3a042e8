-- name: SessionForTrainerInvites :one
-- A session as its trainers' invitations describe it, locked so that two
-- changes to it tell its trainers in turn.
SELECT s.id, s.course_title, s.status, s.sequence, s.starts_at, s.ends_at, s.meeting_url, s.cancelled_reason,
       v.name AS venue_name, v.online AS venue_online,
       concat_ws(', ', nullif(v.address_line1, ''), nullif(v.address_line2, ''), nullif(v.town, ''), nullif(v.postcode, ''))::text AS venue_address,
       c.summary AS course_summary,
       pp.name AS partnership_name, pp.email AS partnership_email, pp.phone AS partnership_phone,
       pp.configured AS partnership_configured, s.partnership_id
FROM sessions s
JOIN venues v ON v.id = s.venue_id
JOIN courses c ON c.id = s.course_id
JOIN partnerships pp ON pp.id = s.partnership_id
WHERE s.id = @id
FOR UPDATE OF s;

-- name: TrainersToTell :many
-- Everyone who delivers session_id or was sent an invite to it, with the
-- last invite sent to them (sent_sequence -1: none).
SELECT u.id, u.full_name, u.email::text AS email, (u.erased_at IS NOT NULL)::boolean AS erased,
       (st.trainer_id IS NOT NULL)::boolean AS delivering,
       coalesce(ti.sequence, -1)::int AS sent_sequence,
       coalesce(ti.session_sequence, -1)::int AS sent_session_sequence,
       coalesce(ti.cancelled, false)::boolean AS sent_cancel
FROM users u
LEFT JOIN session_trainers st ON st.session_id = @session_id AND st.trainer_id = u.id
LEFT JOIN trainer_invites ti ON ti.session_id = @session_id AND ti.trainer_id = u.id
WHERE st.trainer_id IS NOT NULL OR ti.trainer_id IS NOT NULL
ORDER BY u.id;

-- name: RecordTrainerInvite :exec
INSERT INTO trainer_invites (session_id, trainer_id, sequence, session_sequence, cancelled, sent_at)
VALUES (@session_id, @trainer_id, @sequence, @session_sequence, @cancelled, @sent_at)
ON CONFLICT (session_id, trainer_id) DO UPDATE
SET sequence = EXCLUDED.sequence, session_sequence = EXCLUDED.session_sequence,
    cancelled = EXCLUDED.cancelled, sent_at = EXCLUDED.sent_at;

-- name: PersonDeliversSession :one
-- Whether user_id is a trainer of session_id: a trainer cannot also hold a
-- learner's place on it.
SELECT EXISTS (SELECT 1 FROM session_trainers WHERE session_id = @session_id AND trainer_id = @user_id)::boolean;
