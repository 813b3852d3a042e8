-- A place held for payment and not paid for in time ends as 'lapsed', its
-- own status, rather than as an 'expired' offer told apart by its note.

-- +goose Up
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN (
    'held', 'waiting', 'offered', 'confirmed',
    'cancelled', 'substituted', 'moved', 'left', 'expired', 'lapsed'));
UPDATE bookings SET status = 'lapsed', end_note = '' WHERE status = 'expired' AND end_note = 'Not paid for in time';

-- +goose Down
UPDATE bookings SET status = 'expired', end_note = 'Not paid for in time' WHERE status = 'lapsed';
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN (
    'held', 'waiting', 'offered', 'confirmed',
    'cancelled', 'substituted', 'moved', 'left', 'expired'));
