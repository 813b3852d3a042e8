-- A person's roles read from the key alone, in a manager's scope too
-- (issue 21).
--
-- Every list of people shows each person's roles, read by a subquery per
-- person on the page. In a manager's scope the row-level security policy of
-- user_roles (00049) tests each role's partnership_id, which the key did not
-- hold: an index scan would have had to visit the table for it, so for a
-- table of two pages PostgreSQL chose to read all of it, testing the policy
-- on every role, once per person on the page (0.35 of the 0.7 ms of a page
-- of everyone at 100x). With partnership_id carried in the key's index the
-- look-up is an index-only scan: the page of everyone took 0.17 ms.

-- +goose Up
ALTER TABLE user_roles
    DROP CONSTRAINT user_roles_pkey,
    ADD CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, role) INCLUDE (partnership_id);

-- +goose Down
ALTER TABLE user_roles
    DROP CONSTRAINT user_roles_pkey,
    ADD CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, role);
