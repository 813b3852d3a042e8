-- A booking's critical section as short as it can be (issue 21). Book reads
-- everything it checks before it takes the session's lock, then takes the
-- lock with the statement that takes the place, and only if the session is
-- still as it read it: these two functions say, once for every query, what
-- "as it read it" means and what a place costs.

-- +goose Up
-- +goose StatementBegin
-- The terms a booking of session s is made on: whether and until when it is
-- open, who it is for, when and where it is, what it costs in caps. Booking
-- reads them without a lock and takes its place only while they are
-- unchanged; seats_taken and capacity are left out, since the statement that
-- takes the place compares them itself, under the lock.
CREATE FUNCTION session_booking_terms(s sessions) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN md5(row(s.status, s.course_id, s.course_title, s.starts_at, s.ends_at, s.booking_cutoff_at, s.venue_id,
                   s.meeting_url, s.closed_to_agency_id, s.invite_token, s.agency_cap, s.sector_cap, s.caps_release_at,
                   s.sequence)::text);
-- +goose StatementEnd
-- +goose StatementBegin
-- What a place on course costs agency (NULL: an organisation not yet listed,
-- which pays as a non-contributing one): the price set for its charging
-- band, or nothing.
CREATE FUNCTION place_price(course bigint, agency bigint) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT cp.amount_pence FROM course_prices cp
                     WHERE cp.course_id = course
                       AND cp.charging_band = coalesce((SELECT a.charging_band FROM agencies a WHERE a.id = agency),
                                                       'non_contributing')), 0);
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION place_price(bigint, bigint);
DROP FUNCTION session_booking_terms(sessions);
