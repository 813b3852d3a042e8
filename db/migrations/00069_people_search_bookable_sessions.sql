-- +goose Up
-- People searches (issue 21) count and find their matches through the
-- trigram indexes of 00042 rather than by walking every name in order. A
-- GIN index keeps what is added since the last vacuum in a pending list that
-- every search reads from end to end, and PostgreSQL costs a search by it:
-- after a thousand sign-ups the list made a search of the whole table look
-- cheaper, or not, depending on when autovacuum last came by. People are
-- added one at a time, so each is put straight into the index.
ALTER INDEX users_name_trgm_idx SET (fastupdate = off);
ALTER INDEX users_email_trgm_idx SET (fastupdate = off);
ALTER INDEX users_unlisted_trgm_idx SET (fastupdate = off);
ALTER INDEX agencies_name_trgm_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('users_name_trgm_idx'), gin_clean_pending_list('users_email_trgm_idx'),
       gin_clean_pending_list('users_unlisted_trgm_idx'), gin_clean_pending_list('agencies_name_trgm_idx');

-- The agency's booking form opens on the courses with sessions open to it,
-- each with how many and the soonest: that read every session to come from
-- the table, three thousand buffers at 100x for two thousand sessions. This
-- index carries what the form tests of each published session (its course,
-- cut-off and the agency it is closed to), so the sessions to come are read
-- from the index alone (14 buffers when the table is vacuumed).
CREATE INDEX sessions_bookable_idx ON sessions (starts_at)
    INCLUDE (course_id, booking_cutoff_at, closed_to_agency_id) WHERE status = 'published';

-- +goose Down
DROP INDEX sessions_bookable_idx;
ALTER INDEX users_name_trgm_idx RESET (fastupdate);
ALTER INDEX users_email_trgm_idx RESET (fastupdate);
ALTER INDEX users_unlisted_trgm_idx RESET (fastupdate);
ALTER INDEX agencies_name_trgm_idx RESET (fastupdate);
