-- +goose Up
-- The people list's indexes in name order carry what a search filters on
-- (issue 21): counting a search walked the names in order and read each
-- person's row to test their name, email and organisation; a search for a
-- common surname (one person in ten) read ten thousand rows at 100x to
-- count up to the thousand the page may say. With the columns in the index
-- the walk reads only the index (an index-only scan: 163 buffers, not
-- 3,000), and so does counting everyone (17, not 1,000). A page's people
-- are found the same way, then read by their keys. The lower-case email
-- (and organisation typed) are keys too, so that a search tests the values
-- kept in the index rather than lower-casing each person's again (a
-- column must also be included for PostgreSQL to scan an index of an
-- expression of it alone). The indexes keep their names.
CREATE INDEX users_by_name_covering_idx ON users (lower(full_name), id, lower(email::text), lower(unlisted_agency_name))
    INCLUDE (full_name, email, unlisted_agency_name, agency_id) WHERE erased_at IS NULL;
CREATE INDEX users_agency_by_name_covering_idx ON users (agency_id, lower(full_name), id, lower(email::text))
    INCLUDE (full_name, email, unlisted_agency_name) WHERE erased_at IS NULL;
DROP INDEX users_by_name_idx;
DROP INDEX users_agency_by_name_idx;
ALTER INDEX users_by_name_covering_idx RENAME TO users_by_name_idx;
ALTER INDEX users_agency_by_name_covering_idx RENAME TO users_agency_by_name_idx;

-- +goose Down
DROP INDEX users_by_name_idx;
DROP INDEX users_agency_by_name_idx;
CREATE INDEX users_by_name_idx ON users (lower(full_name), id) WHERE erased_at IS NULL;
CREATE INDEX users_agency_by_name_idx ON users (agency_id, lower(full_name), id) WHERE erased_at IS NULL;
