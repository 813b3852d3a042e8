-- The roles of the person signed in with a login, read as the service
-- (issue 21). Every request of a signed-in person first reads its login and
-- person (GetWebSessionAndUser); a manager's roles row belongs to their
-- partnership, which a policy (00049) hides from a manager of another, so the
-- lookup ran outside any manager's scope, and a manager's request switched its
-- connection out of the scope and back: two round trips and a churn of
-- connections on every page. Read through these, the lookup answers the same
-- on a connection in any scope (web_sessions, users and agencies have no
-- policies), and runs on whichever the pool gives (scope.AnyScope).
--
-- Each answers for one login only, named by the hash of its token, which
-- only that browser's cookie gives: never for a person named by ID. Only the
-- manager's role may call them besides their owner, the service.

-- +goose Up
-- The roles of the person signed in with the login, in order; empty when
-- nobody is (or there is no such login).
CREATE FUNCTION login_roles(token_hash bytea) RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    RETURN (SELECT coalesce(array_agg(r.role ORDER BY r.role), '{}')
            FROM web_sessions w JOIN user_roles r ON r.user_id = w.user_id
            WHERE w.token_hash = login_roles.token_hash);
-- The partnership the person signed in with the login manages, or 0.
CREATE FUNCTION login_manages_partnership(token_hash bytea) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    RETURN coalesce((SELECT r.partnership_id
                     FROM web_sessions w JOIN user_roles r ON r.user_id = w.user_id AND r.role = 'manager'
                     WHERE w.token_hash = login_manages_partnership.token_hash), 0);
REVOKE ALL ON FUNCTION login_roles(bytea), login_manages_partnership(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION login_roles(bytea), login_manages_partnership(bytea) TO booktraining_manager;

-- +goose Down
DROP FUNCTION login_manages_partnership(bytea);
DROP FUNCTION login_roles(bytea);
