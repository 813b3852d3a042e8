-- A partnership's own settings (issue 22): its managers keep its name and
-- contact details in the service, and say whether it shares its figures
-- with the other HIPS partnerships. The HIPS-wide figures count the
-- partnerships that share, for the managers of those that share.

-- +goose Up
ALTER TABLE partnerships ADD COLUMN shares_figures boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN partnerships.shares_figures IS
    'Its figures are in the HIPS-wide view, which its managers then see with the others that share';

-- +goose Down
ALTER TABLE partnerships DROP COLUMN shares_figures;
