-- Venues: training rooms and online platforms, as the training manager keeps them.

-- name: ListVenues :many
-- Every venue, retired ones too, rooms before online platforms.
SELECT id, name, online, address_line1, address_line2, town, postcode, capacity,
       accessibility_notes, directions, retired_at
FROM venues
ORDER BY online, lower(name), id;

-- name: GetVenue :one
SELECT id, name, online, address_line1, address_line2, town, postcode, capacity,
       accessibility_notes, directions, retired_at
FROM venues
WHERE id = @id;

-- name: LockVenue :one
SELECT id, name, online, address_line1, address_line2, town, postcode, capacity,
       accessibility_notes, directions, retired_at
FROM venues
WHERE id = @id
FOR UPDATE;

-- name: VenueNameTaken :one
-- Whether another venue has @name, ignoring case (venues_name_key has the
-- last word when two requests race).
SELECT EXISTS (SELECT 1 FROM venues WHERE lower(name) = lower(@name::text) AND id <> @except_id);

-- name: LargestUpcomingSessionAtVenue :one
-- The upcoming, not cancelled session at a venue with the most places, which
-- the room must still hold.
SELECT s.id, s.course_title, s.starts_at, s.capacity
FROM sessions s
WHERE s.venue_id = @venue_id AND s.starts_at > @now::timestamptz AND s.status <> 'cancelled'
ORDER BY s.capacity DESC, s.starts_at, s.id
LIMIT 1;

-- name: VenueHasSessions :one
-- Whether any session, past or cancelled too, was ever held at a venue: its
-- sessions copied whether it is a room (sessions.in_room), so it stays one.
SELECT EXISTS (SELECT 1 FROM sessions WHERE venue_id = @venue_id);

-- name: CreateVenue :one
INSERT INTO venues (name, online, address_line1, address_line2, town, postcode, capacity,
                    accessibility_notes, directions, created_at, updated_at)
VALUES (@name, @online, @address_line1, @address_line2, @town, @postcode, sqlc.narg(capacity),
        @accessibility_notes, @directions, @now, @now)
RETURNING id;

-- name: UpdateVenue :exec
UPDATE venues
SET name = @name, online = @online, address_line1 = @address_line1, address_line2 = @address_line2,
    town = @town, postcode = @postcode, capacity = sqlc.narg(capacity),
    accessibility_notes = @accessibility_notes, directions = @directions, updated_at = @now
WHERE id = @id;

-- name: SetVenueRetired :exec
UPDATE venues SET retired_at = sqlc.narg(retired_at), updated_at = @now WHERE id = @id;
