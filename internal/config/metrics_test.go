package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricsToken(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Empty(t, c.MetricsToken, "no token: no /metrics")

	token := strings.Repeat("ab12", 8)
	c, err = Load(env(map[string]string{"METRICS_TOKEN": token}))
	require.NoError(t, err)
	assert.Equal(t, token, c.MetricsToken)

	for name, v := range map[string]string{
		"too short": "guessable",
		"a space":   strings.Repeat("ab12", 8) + " x",
	} {
		_, err := Load(env(map[string]string{"METRICS_TOKEN": v}))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "METRICS_TOKEN")
		assert.NotContains(t, err.Error(), v, "%s: the token is never echoed", name)
	}
}
