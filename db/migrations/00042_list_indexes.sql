-- Every manager's and coordinator's list flat as data grows (issue 21): an
-- index for each list's order and each of its filters, so that a page reads
-- its own rows (and a count reads at most the rows it may show) however many
-- people, sessions, bookings, emails and audit events there are.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The people directory, by name, of everyone or of one agency.
CREATE INDEX users_by_name_idx ON users (lower(full_name), id) WHERE erased_at IS NULL;
CREATE INDEX users_agency_by_name_idx ON users (agency_id, lower(full_name), id) WHERE erased_at IS NULL;
-- Its search: part of a name, an email address or an organisation typed.
CREATE INDEX users_name_trgm_idx ON users USING gin (lower(full_name) gin_trgm_ops) WHERE erased_at IS NULL;
CREATE INDEX users_email_trgm_idx ON users USING gin (lower(email::text) gin_trgm_ops) WHERE erased_at IS NULL;
CREATE INDEX users_unlisted_trgm_idx ON users USING gin (lower(unlisted_agency_name) gin_trgm_ops)
    WHERE erased_at IS NULL AND unlisted_agency_name <> '';

-- The agency filter of the people directory, typed: part of a name.
CREATE INDEX agencies_name_trgm_idx ON agencies USING gin (lower(name) gin_trgm_ops);

-- The programme, soonest first (or newest first), and what is still to come.
CREATE INDEX sessions_starts_all_idx ON sessions (starts_at, id);
CREATE INDEX sessions_ends_idx ON sessions (ends_at);

-- An agency's bookings, by group: places and waiting places by status;
-- late cancellations and absences, which are few, each on its own.
CREATE INDEX bookings_agency_status_idx ON bookings (agency_id, status, session_id) WHERE agency_id IS NOT NULL;
CREATE INDEX bookings_agency_late_idx ON bookings (agency_id) WHERE late;
CREATE INDEX bookings_agency_absent_idx ON bookings (agency_id) WHERE attendance = 'absent';

-- The training team's queue of requests, oldest first.
CREATE INDEX enquiries_submitted_idx ON enquiries (submitted_at, id);

-- +goose Down
DROP INDEX enquiries_submitted_idx;
DROP INDEX bookings_agency_absent_idx;
DROP INDEX bookings_agency_late_idx;
DROP INDEX bookings_agency_status_idx;
DROP INDEX sessions_ends_idx;
DROP INDEX sessions_starts_all_idx;
DROP INDEX agencies_name_trgm_idx;
DROP INDEX users_unlisted_trgm_idx;
DROP INDEX users_email_trgm_idx;
DROP INDEX users_name_trgm_idx;
DROP INDEX users_agency_by_name_idx;
DROP INDEX users_by_name_idx;
