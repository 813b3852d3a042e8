-- The manager's home counts what needs doing. Three of its counts read more
-- rows than they count, and so grew with history (issue 21): emails given
-- up on in the last 30 days (every email ever failed, newest first, then
-- filtered by when it failed), registers not taken (every session that has
-- ended, then filtered by its unmarked places) and organisations to confirm
-- (every person of no listed agency, then those not erased). Each now has an
-- index of exactly its rows.

-- +goose Up
CREATE INDEX emails_failed_at_idx ON emails (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX sessions_unmarked_idx ON sessions (ends_at)
    WHERE unmarked_places > 0 AND status IN ('published', 'completed');
CREATE INDEX users_unlisted_to_confirm_idx ON users (lower(unlisted_agency_name))
    WHERE unlisted_agency_name <> '' AND agency_id IS NULL AND erased_at IS NULL;

-- +goose Down
DROP INDEX users_unlisted_to_confirm_idx;
DROP INDEX sessions_unmarked_idx;
DROP INDEX emails_failed_at_idx;
