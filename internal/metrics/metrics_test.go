package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/metrics"
)

// A Counted collector reports what its count reads, each value with its
// labels; a failed read is an error to the scraper, never zeros.
func TestCountedReportsItsCountsOrTheFailure(t *testing.T) {
	t.Parallel()
	desc := prometheus.NewDesc("test_things", "Things by colour.", []string{"colour"}, nil)
	fail := false
	c := metrics.Counted(desc, nil, func(context.Context) ([]metrics.Count, error) {
		if fail {
			return nil, errors.New("database gone")
		}
		return []metrics.Count{{Labels: []string{"red"}, Value: 3}, {Labels: []string{"blue"}, Value: 0}}, nil
	})
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
# HELP test_things Things by colour.
# TYPE test_things gauge
test_things{colour="blue"} 0
test_things{colour="red"} 3
`)))

	fail = true
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(c))
	_, err := reg.Gather()
	assert.ErrorContains(t, err, "database gone")
}
