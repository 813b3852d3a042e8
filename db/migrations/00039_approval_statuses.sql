-- Line-manager approval (issue 20): the booking statuses it adds. A value
-- added to an enum cannot be used in the transaction that adds it, so they
-- are added here and used from 00040 on.
--
-- awaiting_approval: a place kept for the person (it is live and takes a
--                    seat) while their line manager is asked to approve it
-- declined:          the line manager declined it (an ended status)
-- unapproved:        no answer came before the request expired (ended)

-- +goose Up
ALTER TYPE booking_status ADD VALUE IF NOT EXISTS 'awaiting_approval';
ALTER TYPE booking_status ADD VALUE IF NOT EXISTS 'declined';
ALTER TYPE booking_status ADD VALUE IF NOT EXISTS 'unapproved';

-- +goose Down
-- PostgreSQL cannot drop a value from an enum; 00040's Down leaves none in use.
SELECT 1;
