-- The partnership's standard evaluation questions (internal/evaluation).
-- A question is never changed in place: a change retires the row and adds
-- the next version of its lineage, at the same position.

-- name: StandardQuestions :many
SELECT id, lineage, version, kind, wording, hint, position, created_at, retired_at, partnership_id
FROM evaluation_questions
WHERE retired_at IS NULL AND partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
ORDER BY position, id;

-- name: CurrentQuestionsForUpdate :many
-- Every question asked now, locked, so a move sees the order it changes.
SELECT id, lineage, version, kind, wording, hint, position, created_at, retired_at, partnership_id
FROM evaluation_questions
WHERE retired_at IS NULL AND partnership_id = coalesce(acting_partnership_id(), first_partnership_id())
ORDER BY position, id
FOR UPDATE;

-- name: Question :one
SELECT id, lineage, version, kind, wording, hint, position, created_at, retired_at, partnership_id
FROM evaluation_questions
WHERE id = @id;

-- name: AddQuestion :one
-- A new question, last in the order.
INSERT INTO evaluation_questions (kind, wording, hint, position, created_at)
SELECT @kind, @wording, @hint,
       coalesce((SELECT max(position) FROM evaluation_questions
                 WHERE retired_at IS NULL AND partnership_id = coalesce(acting_partnership_id(), first_partnership_id())), 0) + 1,
       @now
RETURNING id, lineage, version, kind, wording, hint, position, created_at, retired_at, partnership_id;

-- name: AddQuestionVersion :one
-- The next version of a question, where the one it replaces was, for the
-- same partnership.
INSERT INTO evaluation_questions (lineage, version, kind, wording, hint, position, created_at, partnership_id)
SELECT @lineage, @version, @kind, @wording, @hint, @position, @now,
       (SELECT q.partnership_id FROM evaluation_questions q WHERE q.lineage = @lineage ORDER BY q.version DESC LIMIT 1)
RETURNING id, lineage, version, kind, wording, hint, position, created_at, retired_at, partnership_id;

-- name: RetireQuestion :execrows
-- Only the version asked now can be retired; 0 rows: someone else retired
-- or changed it first.
UPDATE evaluation_questions
SET retired_at = @now
WHERE id = @id AND retired_at IS NULL;

-- name: SetQuestionPosition :exec
UPDATE evaluation_questions
SET position = @position
WHERE id = @id AND retired_at IS NULL;
