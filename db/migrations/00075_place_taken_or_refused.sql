-- A booking's place statement that refuses, rather than reports, a place
-- other than the one foreseen (issue 21).
--
-- TakePlaceAsSeen takes the session's lock and the place in one statement,
-- and the booking's COMMIT now goes to PostgreSQL in the same pipeline
-- (internal/booking, takeAsSeen): the lock is released as soon as the place
-- is written and flushed, without waiting for the app to read the answer
-- and send COMMIT, which under a rush waited its turn for the app's CPU
-- while every other booking of the session waited for the lock. A pipelined
-- COMMIT commits whatever came before it unless the transaction failed, so
-- when the place is not the one foreseen (whose email and jobs the
-- transaction already wrote), the statement must fail: it calls this
-- function, which raises SQLSTATE BK001 with the place the session now gives
-- in its detail ('' when full to a person who would rather not wait,
-- 'changed' when the session's terms changed). refuse false reports it
-- instead, for a transaction that goes on after the statement (the booking
-- rush's pgbench script, which cannot survive an error).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION booking_place_taken(placed boolean, status text, refuse boolean) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF placed OR NOT refuse THEN
        RETURN placed;
    END IF;
    RAISE EXCEPTION '%', CASE WHEN status IS NULL THEN 'the session changed since it was read'
                              WHEN status = '' THEN 'the session is full'
                              ELSE 'the session now gives another place: ' || status END
        USING ERRCODE = 'BK001', DETAIL = coalesce(status, 'changed');
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION booking_place_taken(boolean, text, boolean);
