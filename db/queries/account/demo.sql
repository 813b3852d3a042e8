-- Demo people, made only in the transaction that seeds an empty database
-- (internal/demo calls account.AddDemoPersonTx).

-- name: InsertDemoUser :one
INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
SELECT @email, @full_name, @job_title, a.id, @password_hash, now()
FROM agencies a WHERE a.name = @agency_name
RETURNING id;

-- name: GrantDemoRole :exec
INSERT INTO user_roles (user_id, role) VALUES (@user_id, @role) ON CONFLICT DO NOTHING;
