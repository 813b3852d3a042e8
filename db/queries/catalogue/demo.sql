-- Demo data for an empty database (catalogue.AddDemoCourseTx).

-- name: InsertDemoCourse :one
INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description,
                     audiences, level, duration, delivery_modes, default_capacity)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id;
