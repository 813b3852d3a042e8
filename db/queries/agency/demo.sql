-- Demo data for an empty database (agency.AddDemoTx).

-- name: InsertDemoAgency :one
INSERT INTO agencies (name, sector, charging_band)
VALUES ($1, $2, $3)
RETURNING id;

-- name: SetDemoApproval :exec
UPDATE agencies SET line_manager_approval = true, approval_hours = @approval_hours WHERE name = @name;
