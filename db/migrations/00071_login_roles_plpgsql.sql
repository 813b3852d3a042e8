-- Migration 00068's two functions of a login's roles, in PL/pgSQL (issue 21).
--
-- A SQL function that is SECURITY DEFINER is never inlined, and PostgreSQL
-- plans its body again each time a statement calls it: every request of a
-- signed-in person calls both in its login's lookup (GetWebSessionAndUser),
-- which went from 0.14 to 0.32 ms (pgbench, one client, prepared), and the
-- booking rush from 0.22-0.26 to 0.18-0.19 of the ceiling, PostgreSQL's CPU
-- per booking from 3.0 to 4.3 ms. PL/pgSQL keeps each body's plan for the
-- connection's life: 0.15 ms. Same names, arguments, answers and grants.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION login_roles(token_hash bytea) RETURNS text[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(r.role ORDER BY r.role), '{}')
            FROM web_sessions w JOIN user_roles r ON r.user_id = w.user_id
            WHERE w.token_hash = login_roles.token_hash);
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION login_manages_partnership(token_hash bytea) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    RETURN coalesce((SELECT r.partnership_id
                     FROM web_sessions w JOIN user_roles r ON r.user_id = w.user_id AND r.role = 'manager'
                     WHERE w.token_hash = login_manages_partnership.token_hash), 0);
END $$;
-- +goose StatementEnd

-- +goose Down
CREATE OR REPLACE FUNCTION login_roles(token_hash bytea) RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    RETURN (SELECT coalesce(array_agg(r.role ORDER BY r.role), '{}')
            FROM web_sessions w JOIN user_roles r ON r.user_id = w.user_id
            WHERE w.token_hash = login_roles.token_hash);
CREATE OR REPLACE FUNCTION login_manages_partnership(token_hash bytea) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    RETURN coalesce((SELECT r.partnership_id
                     FROM web_sessions w JOIN user_roles r ON r.user_id = w.user_id AND r.role = 'manager'
                     WHERE w.token_hash = login_manages_partnership.token_hash), 0);
