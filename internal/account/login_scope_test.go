package account_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/scope"
)

// The sign-in's lookup runs on a connection in whatever scope it was last
// used (scope.AnyScope, 00068): a manager of A's, of B's or the service's.
// Whichever it is, a login's token loads its own person with all their roles
// and their own partnership, never another's, and a token of no login loads
// nobody; and the connection stays in its scope.
func TestALoginLoadsItsOwnPersonOnAConnectionInAnyScope(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var a, b int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT min(id) FROM partnerships`).Scan(&a))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name) VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire')
		RETURNING id`).Scan(&b))

	type person struct {
		id          int64
		roles       []account.Role
		partnership int64
		token       string
	}
	people := map[string]*person{
		"a-manager@example.org":    {roles: []account.Role{account.Manager, account.Trainer}, partnership: a},
		"b-manager@example.org":    {roles: []account.Role{account.Manager}, partnership: b},
		"practitioner@example.org": {},
	}
	// One connection, so each lookup runs on the connection the step before
	// left in its scope.
	cfg := f.pool.Config()
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(f.ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(one.Close)
	svc := service(t, one, f.clock)
	for addr, p := range people {
		p.id = f.signUp(t, addr)
		for _, r := range p.roles {
			partnership := &p.partnership
			if r != account.Manager {
				partnership = nil
			}
			_, err := f.pool.Exec(f.ctx, `INSERT INTO user_roles (user_id, role, partnership_id) VALUES ($1, $2, $3)`,
				p.id, string(r), partnership)
			require.NoError(t, err)
		}
		p.token, _, err = svc.StartLogin(f.ctx, &p.id, "192.0.2.1", "test")
		require.NoError(t, err)
	}

	for _, in := range []struct {
		name string
		ctx  context.Context
		role string // the connection's, after the lookup
	}{
		{"A's manager", scope.Managing(f.ctx, a), scope.ManagerRole},
		{"B's manager", scope.Managing(f.ctx, b), scope.ManagerRole},
		{"the service", f.ctx, ""},
	} {
		var role string
		require.NoError(t, one.QueryRow(in.ctx, `SELECT current_user`).Scan(&role))
		require.Equal(t, in.role == scope.ManagerRole, role == scope.ManagerRole, in.name)
		for addr, p := range people {
			l, err := svc.Login(f.ctx, p.token)
			require.NoError(t, err, "%s: %s", in.name, addr)
			require.NotNil(t, l.User, "%s: %s", in.name, addr)
			assert.Equal(t, p.id, l.User.ID, "%s: %s's login loads another person", in.name, addr)
			assert.Equal(t, addr, l.User.Email, in.name)
			assert.ElementsMatch(t, p.roles, l.User.Roles, "%s: %s's roles", in.name, addr)
			assert.Equal(t, p.partnership, l.User.ManagesPartnershipID, "%s: %s's partnership", in.name, addr)
		}
		_, err := svc.Login(f.ctx, "made-up-token")
		assert.ErrorIs(t, err, account.ErrNoLogin, in.name)
		// The lookups left the connection in its scope.
		var after, partnership string
		require.NoError(t, one.QueryRow(scope.AnyScope(f.ctx),
			`SELECT current_user, coalesce(current_setting('app.partnership_id', true), '')`).Scan(&after, &partnership))
		assert.Equal(t, role, after, in.name)
		if id, ok := scope.ManagingFrom(in.ctx); ok {
			assert.Equal(t, strconv.FormatInt(id, 10), partnership, in.name)
		}
	}

	// A login used a minute after it was last noted is noted again, from a
	// connection in a manager's scope too.
	f.clock.Advance(2 * time.Minute)
	var role string
	require.NoError(t, one.QueryRow(scope.Managing(f.ctx, b), `SELECT current_user`).Scan(&role))
	require.Equal(t, scope.ManagerRole, role)
	for addr, p := range people {
		_, err := svc.Login(f.ctx, p.token)
		require.NoError(t, err, addr)
		var seen time.Time
		require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT last_seen_at FROM web_sessions WHERE user_id = $1`, p.id).Scan(&seen))
		assert.True(t, seen.Equal(f.clock.Now()), "%s: last seen %s", addr, seen)
	}

	// The functions answer for the login named only: as a manager of A, the
	// roles of B's manager are read through B's manager's login alone.
	var roles []string
	var managed int64
	require.NoError(t, one.QueryRow(scope.Managing(f.ctx, a), `
		SELECT login_roles(token_hash), login_manages_partnership(token_hash)
		FROM web_sessions WHERE user_id = $1`, people["b-manager@example.org"].id).Scan(&roles, &managed))
	assert.Equal(t, []string{"manager"}, roles)
	assert.Equal(t, b, managed)
	require.NoError(t, one.QueryRow(scope.Managing(f.ctx, a), `
		SELECT login_roles('\x00'::bytea), login_manages_partnership('\x00'::bytea)`).Scan(&roles, &managed))
	assert.Empty(t, roles, "a hash of no login")
	assert.Zero(t, managed, "a hash of no login")
}
