package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/scope"
)

// The programme's export reads the grown partnership's sessions a part at
// a time, and each part reads the sessions it sends and no others: the
// statements it sends, run again with their arguments in the manager's
// scope, read no more sessions than they return (and a few they filter
// out), however they are planned. A part bounded only by where the last
// ended was read by sorting every session after it, so the export read
// the square of its length.
func TestProgrammeExportReadsTheSessionsItSends(t *testing.T) {
	t.Parallel()
	w := newListWorld(t, grownDatabase(t))
	ctx := scope.Managing(context.Background(), w.partnership)
	for _, path := range []string{"/admin/sessions/export.csv?when=all", "/admin/sessions/export.csv?when=past"} {
		c := listCase{name: path, path: path}
		var csv string
		statements := w.log.during(func() { csv = w.get(t, c) })
		lines := strings.Count(strings.TrimSpace(csv), "\n") // less the header
		require.Greater(t, lines, 1000, "%s: the grown partnership's sessions", path)
		var returned, read float64
		for _, st := range statements {
			if !strings.Contains(st.sql, "-- name: ListProgramme") {
				continue
			}
			r, s, err := sessionsRead(ctx, w.pool, st)
			require.NoError(t, err)
			returned, read = returned+r, read+s
		}
		assert.EqualValues(t, lines, returned, "%s: every line read once", path)
		assert.LessOrEqual(t, read, 1.1*returned+100, "%s: read %.0f sessions to send %.0f", path, read, returned)
	}
}

// sessionsRead runs st again, explained, and says how many rows it returned
// and how many rows of sessions its scans of them gave (the programme's
// sessions, not the longest session's look-up).
func sessionsRead(ctx context.Context, pool *pgxpool.Pool, st loggedStatement) (returned, read float64, err error) {
	var plan []struct{ Plan analysedNode }
	var raw []byte
	if err := pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+st.sql, st.args...).Scan(&raw); err != nil {
		return 0, 0, fmt.Errorf("explain %s: %w", st.sql, err)
	}
	if err := json.Unmarshal(raw, &plan); err != nil {
		return 0, 0, err
	}
	var walk func(n analysedNode)
	walk = func(n analysedNode) {
		if n.Relation == "sessions" && n.Alias == "s" && strings.HasSuffix(n.NodeType, "Scan") {
			read += n.Rows * n.Loops
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, p := range plan {
		returned += p.Plan.Rows
		walk(p.Plan)
	}
	return returned, read, nil
}

type analysedNode struct {
	NodeType string         `json:"Node Type"`
	Relation string         `json:"Relation Name"`
	Alias    string         `json:"Alias"`
	Rows     float64        `json:"Actual Rows"`
	Loops    float64        `json:"Actual Loops"`
	Plans    []analysedNode `json:"Plans"`
}
