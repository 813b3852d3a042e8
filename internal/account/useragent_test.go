package account_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A browser's User-Agent is kept with its login: one holding a NUL byte,
// bytes that are not UTF-8, or a long one cut in the middle of a character
// still starts a login, and what is stored is valid text.
func TestOddUserAgentsStillStartALogin(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, ua := range []string{
		"Mozilla/5.0\x00 (X11)",
		"Mozilla/5.0 \xff\xfe(X11)",
		strings.Repeat("a", 499) + "é and more",
		strings.Repeat("é", 400),
	} {
		_, sess, err := f.svc.StartLogin(f.ctx, nil, "192.0.2.1", ua)
		require.NoError(t, err, "%q", ua)
		var stored string
		require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT user_agent FROM web_sessions WHERE token_hash = $1", sess.TokenHash).Scan(&stored))
		assert.True(t, utf8.ValidString(stored), "%q", stored)
		assert.NotContains(t, stored, "\x00")
		assert.LessOrEqual(t, len(stored), 500)
	}
}
