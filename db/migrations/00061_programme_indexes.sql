-- The programme at HIPS size (issues 21 and 22): each of its statements reads
-- its own rows through an index, for a training manager under row-level
-- security too, where only leakproof operators (timestamptz's and
-- interval's comparisons, not an enum's = nor a range's @>) can be an index
-- condition; a partial index's condition still chooses its rows.
--
-- Sessions not yet ended: one not ended at a moment began no earlier than
-- the moment less the longest session's length, which this index gives at
-- once (its greatest entry), so the list reads the sessions' starts' index
-- from there, in its order, and no longer walks past every session that
-- has ended.
-- Each session's waiting list, counted on each line of the programme: its
-- waiting places alone, not every booking of the session.
-- Sessions ended and not yet marked as delivered (the programme's
-- reminder): those still published, few, not every session that has ended.

-- +goose Up
CREATE INDEX sessions_length_idx ON sessions ((ends_at - starts_at));
CREATE INDEX bookings_waiting_idx ON bookings (session_id) WHERE status = 'waiting';
CREATE INDEX sessions_published_ends_idx ON sessions (ends_at) WHERE status = 'published';

-- +goose Down
DROP INDEX sessions_published_ends_idx;
DROP INDEX bookings_waiting_idx;
DROP INDEX sessions_length_idx;
