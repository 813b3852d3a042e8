-- Demo data for an empty database (venue.AddDemoTx).

-- name: InsertDemoVenue :one
INSERT INTO venues (name, online, address_line1, address_line2, town, postcode, capacity,
                    accessibility_notes, directions)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;
