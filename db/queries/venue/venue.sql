-- Venues: training rooms and online platforms, as the training manager keeps them.

-- name: ListVenues :many
-- Every venue of the partnership, retired ones too, rooms before online
-- platforms (not the agencies' own premises).
SELECT id, name, online, address_line1, address_line2, town, postcode, capacity,
       accessibility_notes, directions, retired_at
FROM venues
WHERE agency_id IS NULL
ORDER BY online, lower(name), id;

-- name: GetVenue :one
SELECT id, name, online, address_line1, address_line2, town, postcode, capacity,
       accessibility_notes, directions, retired_at
FROM venues
WHERE id = @id AND agency_id IS NULL;

-- name: LockVenue :one
SELECT id, name, online, address_line1, address_line2, town, postcode, capacity,
       accessibility_notes, directions, retired_at
FROM venues
WHERE id = @id AND agency_id IS NULL
FOR UPDATE;

-- name: VenueNameTaken :one
-- Whether another of the partnership's venues has @name, ignoring case
-- (venues_name_key has the last word when two requests race).
SELECT EXISTS (SELECT 1 FROM venues WHERE lower(name) = lower(@name::text) AND id <> @except_id AND agency_id IS NULL);

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

-- name: FindAgencyPremises :one
-- The venue of an agency's own premises at this address, if it has one.
SELECT id FROM venues
WHERE agency_id = @agency_id AND lower(address_line1) = lower(@address_line1) AND lower(address_line2) = lower(@address_line2)
  AND lower(town) = lower(@town) AND postcode = @postcode;

-- name: InsertAgencyPremises :many
-- Records an agency's own premises as a venue named after the building and
-- the agency. Nothing comes back when the same address was recorded at the
-- same moment by another transaction (venues_agency_premises_key).
INSERT INTO venues (name, online, address_line1, address_line2, town, postcode, agency_id, created_at, updated_at)
SELECT left(@address_line1::text || ' (' || a.name || ')', 200), false, @address_line1, @address_line2, @town, @postcode,
       a.id, @now, @now
FROM agencies a WHERE a.id = @agency_id
ON CONFLICT (agency_id, lower(address_line1), lower(address_line2), lower(town), postcode) WHERE agency_id IS NOT NULL
DO NOTHING
RETURNING id, name;
