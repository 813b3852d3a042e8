-- A course offered or withdrawn, and a partnership renamed, move the
-- catalogue's version (00041) as every other change to what the catalogue
-- pages show does.
--
-- A partnership's catalogue lists the shared courses it offers (00054), and
-- a course's page names the partnerships that offer it. An offer made or
-- withdrawn changed neither table the pages' triggers watched, so only the
-- app process that served the manager's request knew (it moves its own
-- stamp after every change under /admin): every other process kept serving
-- its cached pages without the course, or with it, until something else in
-- the catalogue changed. The same for a partnership's name.

-- +goose Up
CREATE TRIGGER course_offers_catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON course_offers
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER partnerships_catalogue_changed AFTER UPDATE OF name, short_name ON partnerships
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();

-- +goose Down
DROP TRIGGER partnerships_catalogue_changed ON partnerships;
DROP TRIGGER course_offers_catalogue_changed ON course_offers;
