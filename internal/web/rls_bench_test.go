package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pscp/booktraining/internal/scope"
)

// BenchmarkRowLevelSecurity is what keeping each partnership's managers to
// their own rows costs (issue 22): each manager list's statements, as the
// list sends them on the grown database (100×), run in the manager's scope
// (row-level security) and again as the service (no policies), one after
// the other on the same connection pool. scoped-ms and unscoped-ms are the
// statements' time per request; the statements and their results are the
// same, as every row is the one partnership's.
func BenchmarkRowLevelSecurity(b *testing.B) {
	w := newListWorld(b, grownDatabase(b))
	ctx := context.Background()
	for _, c := range listCases {
		if c.coordinator {
			continue
		}
		w.get(b, c)
		statements := w.log.during(func() { w.get(b, c) })
		var own []loggedStatement
		for _, st := range statements {
			// The login and the audit of who was seen are not the list's.
			if explainable.MatchString(st.sql) && !strings.Contains(st.sql, "web_sessions") &&
				!strings.Contains(st.sql, "INSERT INTO audit_events") {
				own = append(own, st)
			}
		}
		b.Run(c.name, func(b *testing.B) {
			var scoped, unscoped time.Duration
			run := func(in context.Context) time.Duration {
				began := time.Now()
				for _, st := range own {
					rows, err := w.pool.Query(in, st.sql, st.args...)
					if err != nil {
						b.Fatalf("%s: %v", c.name, err)
					}
					for rows.Next() {
					}
					if err := rows.Err(); err != nil {
						b.Fatalf("%s: %v", c.name, err)
					}
				}
				return time.Since(began)
			}
			asManager := scope.Managing(ctx, w.partnership)
			run(asManager)
			run(ctx)
			n := 0
			for b.Loop() {
				scoped += run(asManager)
				unscoped += run(ctx)
				n++
			}
			b.ReportMetric(float64(scoped)/float64(n)/float64(time.Millisecond), "scoped-ms")
			b.ReportMetric(float64(unscoped)/float64(n)/float64(time.Millisecond), "unscoped-ms")
			b.ReportMetric(float64(len(own)), "statements")
		})
	}
}
