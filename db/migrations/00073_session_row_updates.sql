-- What a booking costs PostgreSQL beyond its own statements (issue 21).
--
-- A CPU profile of PostgreSQL in the booking rush showed three costs that
-- come from the schema, not from the app's statements:
--
-- 1. Each confirmed place updates its session's row (seats_taken and
--    unmarked_places, by the trigger bookings_count_seats), and none of
--    those updates was HOT (pg_stat_user_tables: 3,100 updates, 0 HOT):
--    unmarked_places is in the predicate of sessions_unmarked_idx (00062), so
--    changing it makes PostgreSQL write a new entry in each of the sixteen
--    indexes of sessions, the exclusion constraint's GiST among them, and
--    check that constraint again. That update took 0.4-0.5 ms, under the
--    session's lock. The index now reads a stored column that changes only
--    when a session gains its first unmarked place or loses its last, so a
--    seat taken touches no index once the row's page has room for its next
--    version (after its first update moves it to one that has). A fill
--    factor of 80 was tried and not kept: in the grown partnership the
--    sessions stayed in the order they were made, not the order of their
--    dates, and the programme's count of past sessions read the whole table
--    (505 buffers, 3.5 ms) instead of the index (127, 1.2 ms).
-- 2. sessions_set_in_room ran on every update of a session, reading the
--    venue under a share lock (a lock written to the venue's row, and to the
--    WAL) for each seat taken. It now runs when a session is made or its
--    venue (or in_room itself) is set: a session's venue cannot change
--    between a room and an online platform while it has sessions
--    (venues_keep_kind, 00005), so no other update can change in_room.
-- 3. place_price and agency_band are SQL functions whose bodies hold a
--    subquery, so PostgreSQL never inlines them: every statement that calls
--    one parses its stored body and plans it again (BookingCheck calls
--    place_price, which calls agency_band, for every booking request). In
--    PL/pgSQL each body's plan is kept for the connection's life. Same names,
--    arguments and answers.

-- +goose Up
ALTER TABLE sessions ADD COLUMN has_unmarked_places boolean GENERATED ALWAYS AS (unmarked_places > 0) STORED;
COMMENT ON COLUMN sessions.has_unmarked_places IS
    'unmarked_places > 0, for sessions_unmarked_idx: the index does not name unmarked_places, so a seat taken is a HOT update';
DROP INDEX sessions_unmarked_idx;
CREATE INDEX sessions_unmarked_idx ON sessions (ends_at)
    WHERE has_unmarked_places AND status IN ('published', 'completed');

DROP TRIGGER sessions_set_in_room ON sessions;
CREATE TRIGGER sessions_set_in_room BEFORE INSERT OR UPDATE OF venue_id, in_room ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_set_in_room();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agency_band(partnership bigint, agency bigint) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT ap.charging_band FROM agency_partnerships ap
                     WHERE ap.partnership_id = agency_band.partnership AND ap.agency_id = agency_band.agency),
                    'non_contributing');
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION place_price(course bigint, partnership bigint, agency bigint) RETURNS integer
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT cp.amount_pence FROM course_prices cp
                     WHERE cp.course_id = place_price.course AND cp.partnership_id = place_price.partnership
                       AND cp.charging_band = agency_band(place_price.partnership, place_price.agency)), 0);
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION place_price(course bigint, partnership bigint, agency bigint) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT cp.amount_pence FROM course_prices cp
                     WHERE cp.course_id = course AND cp.partnership_id = partnership
                       AND cp.charging_band = agency_band(partnership, agency)), 0);
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agency_band(partnership bigint, agency bigint) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT ap.charging_band FROM agency_partnerships ap
                     WHERE ap.partnership_id = partnership AND ap.agency_id = agency), 'non_contributing');
-- +goose StatementEnd

DROP TRIGGER sessions_set_in_room ON sessions;
CREATE TRIGGER sessions_set_in_room BEFORE INSERT OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_set_in_room();

DROP INDEX sessions_unmarked_idx;
CREATE INDEX sessions_unmarked_idx ON sessions (ends_at)
    WHERE unmarked_places > 0 AND status IN ('published', 'completed');
ALTER TABLE sessions DROP COLUMN has_unmarked_places;
