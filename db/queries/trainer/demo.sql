-- Demo data for an empty database (trainer.ApproveDemoTx).

-- name: ApproveDemoTrainer :exec
INSERT INTO trainer_courses (trainer_id, course_id)
SELECT @trainer_id, id FROM courses WHERE slug = ANY (@slugs::text[])
ON CONFLICT DO NOTHING;
