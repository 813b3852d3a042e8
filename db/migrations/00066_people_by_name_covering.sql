-- +goose Up
-- The people list's indexes in name order carry what a search filters on
-- (issue 21): counting a search walked the names in order and read each
-- person's row to test their name, email and organisation; a search for a
-- common surname (one person in ten) read ten thousand rows at 100x to
-- count up to the thousand the page may say. With the columns in the index
-- the walk reads only the index (an index-only scan: 163 buffers, not
-- 3,000), and so does counting everyone (17, not 1,000). A page's people
-- are found the same way, then read by their keys. The indexes keep their
-- names.
CREATE INDEX users_by_name_covering_idx ON users (lower(full_name), id)
    INCLUDE (full_name, email, unlisted_agency_name, agency_id) WHERE erased_at IS NULL;
CREATE INDEX users_agency_by_name_covering_idx ON users (agency_id, lower(full_name), id)
    INCLUDE (full_name, email) WHERE erased_at IS NULL;
DROP INDEX users_by_name_idx;
DROP INDEX users_agency_by_name_idx;
ALTER INDEX users_by_name_covering_idx RENAME TO users_by_name_idx;
ALTER INDEX users_agency_by_name_covering_idx RENAME TO users_agency_by_name_idx;

-- +goose Down
DROP INDEX users_by_name_idx;
DROP INDEX users_agency_by_name_idx;
CREATE INDEX users_by_name_idx ON users (lower(full_name), id) WHERE erased_at IS NULL;
CREATE INDEX users_agency_by_name_idx ON users (agency_id, lower(full_name), id) WHERE erased_at IS NULL;
