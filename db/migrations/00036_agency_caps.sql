-- Fair places: a session can cap the places any one agency, or any one
-- sector, may hold until a release date, after which the places left are
-- open to all, so no agency fills a multi-agency session. A course carries
-- the defaults a new session starts from.
--
-- The cap is the database's rule, as capacity is: the seat-counting trigger,
-- which already updates (and so locks) the session's row whenever a booking
-- takes a seat, counts the agency's and the sector's seats after that update
-- and refuses one too many. Concurrent bookings of one session queue on that
-- row lock, and each count, a new statement in READ COMMITTED, sees every
-- booking committed before it, so 50 people of one agency booking at once
-- get exactly the cap. A manager may exceed a cap by recording why on the
-- booking (cap_exceeded_reason): such a place is counted but not refused.
--
-- The trigger compares the release date with the booking's own updated_at,
-- the time the application wrote, so the rule and the application agree on
-- "now" (and tests can set it).

-- +goose Up
ALTER TABLE courses
    ADD COLUMN default_agency_cap       integer CHECK (default_agency_cap BETWEEN 1 AND 1000),
    ADD COLUMN default_sector_cap       integer CHECK (default_sector_cap BETWEEN 1 AND 1000),
    -- days before the start that a session's caps lift
    ADD COLUMN default_cap_release_days integer NOT NULL DEFAULT 10 CHECK (default_cap_release_days BETWEEN 0 AND 90);

ALTER TABLE sessions
    ADD COLUMN agency_cap      integer CHECK (agency_cap > 0),
    ADD COLUMN sector_cap      integer CHECK (sector_cap > 0),
    ADD COLUMN caps_release_at timestamptz,
    ADD CONSTRAINT sessions_agency_cap_within_capacity CHECK (agency_cap <= capacity),
    ADD CONSTRAINT sessions_sector_cap_within_capacity CHECK (sector_cap <= capacity),
    ADD CONSTRAINT sessions_caps_release_before_start CHECK (caps_release_at <= starts_at),
    ADD CONSTRAINT sessions_caps_have_release CHECK ((agency_cap IS NULL AND sector_cap IS NULL) = (caps_release_at IS NULL)),
    ADD CONSTRAINT sessions_closed_has_no_caps CHECK (closed_to_agency_id IS NULL OR caps_release_at IS NULL);

ALTER TABLE bookings
    ADD COLUMN cap_exceeded_reason text NOT NULL DEFAULT '' CHECK (length(cap_exceeded_reason) <= 500);
COMMENT ON COLUMN bookings.cap_exceeded_reason IS
    'personal: a manager''s reason for giving this person a place past their agency''s or sector''s cap';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bookings_count_seats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_before boolean := TG_OP <> 'INSERT' AND booking_status_takes_seat(OLD.status);
    held_after  boolean := TG_OP <> 'DELETE' AND booking_status_takes_seat(NEW.status);
    se          record;
    my_sector   text;
    taken       integer;
BEGIN
    IF held_before AND NOT held_after THEN
        UPDATE sessions SET seats_taken = seats_taken - 1 WHERE id = OLD.session_id;
    ELSIF held_after AND NOT held_before THEN
        UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = NEW.session_id
        RETURNING agency_cap, sector_cap, caps_release_at INTO se;
        -- The row is now locked by this transaction: the counts below see
        -- every other booking of the session that took a seat before it.
        IF NEW.agency_id IS NOT NULL AND NEW.cap_exceeded_reason = ''
           AND se.caps_release_at IS NOT NULL AND NEW.updated_at < se.caps_release_at THEN
            IF se.agency_cap IS NOT NULL THEN
                SELECT count(*) INTO taken FROM bookings b
                WHERE b.session_id = NEW.session_id AND b.agency_id = NEW.agency_id
                  AND booking_status_takes_seat(b.status);
                IF taken > se.agency_cap THEN
                    RAISE EXCEPTION 'agency % already holds % places of session % (cap %)',
                        NEW.agency_id, taken - 1, NEW.session_id, se.agency_cap
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_within_agency_cap';
                END IF;
            END IF;
            IF se.sector_cap IS NOT NULL THEN
                SELECT sector INTO my_sector FROM agencies WHERE id = NEW.agency_id;
                SELECT count(*) INTO taken FROM bookings b JOIN agencies a ON a.id = b.agency_id
                WHERE b.session_id = NEW.session_id AND a.sector = my_sector
                  AND booking_status_takes_seat(b.status);
                IF taken > se.sector_cap THEN
                    RAISE EXCEPTION 'sector % already holds % places of session % (cap %)',
                        my_sector, taken - 1, NEW.session_id, se.sector_cap
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_within_sector_cap';
                END IF;
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bookings_count_seats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_before boolean := TG_OP <> 'INSERT' AND booking_status_takes_seat(OLD.status);
    held_after  boolean := TG_OP <> 'DELETE' AND booking_status_takes_seat(NEW.status);
BEGIN
    IF held_before AND NOT held_after THEN
        UPDATE sessions SET seats_taken = seats_taken - 1 WHERE id = OLD.session_id;
    ELSIF held_after AND NOT held_before THEN
        UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
ALTER TABLE bookings DROP COLUMN cap_exceeded_reason;
ALTER TABLE sessions
    DROP CONSTRAINT sessions_closed_has_no_caps,
    DROP CONSTRAINT sessions_caps_have_release,
    DROP CONSTRAINT sessions_caps_release_before_start,
    DROP CONSTRAINT sessions_sector_cap_within_capacity,
    DROP CONSTRAINT sessions_agency_cap_within_capacity,
    DROP COLUMN caps_release_at,
    DROP COLUMN sector_cap,
    DROP COLUMN agency_cap;
ALTER TABLE courses
    DROP COLUMN default_cap_release_days,
    DROP COLUMN default_sector_cap,
    DROP COLUMN default_agency_cap;
