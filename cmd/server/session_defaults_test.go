package main

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
)

// The app's database sessions run without JIT and carry the app's name,
// unless DATABASE_URL says otherwise.
func TestTheAppsDatabaseSessionsRunWithoutJIT(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	for _, c := range []struct{ options, name, jit string }{
		{"", "booktraining", "off"},
		{"&application_name=elsewhere&jit=on", "elsewhere", "on"},
	} {
		cfg, err := pgx.ParseConfig(url + c.options)
		require.NoError(t, err)
		assert.Equal(t, c.name, withSessionDefaults(cfg))
		conn, err := pgx.ConnectConfig(context.Background(), cfg)
		require.NoError(t, err)
		var name, jit string
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT current_setting('application_name'), current_setting('jit')").Scan(&name, &jit))
		require.NoError(t, conn.Close(context.Background()))
		assert.Equal(t, c.name, name)
		assert.Equal(t, c.jit, jit)
	}
}
