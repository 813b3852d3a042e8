package scheduling_test

import (
	"testing"

	"github.com/pscp/booktraining/internal/scheduling"
)

// BenchmarkCreateSeries schedules "the first Tuesday of each month for six
// months" with two trainers in one room: the checks, the clash search and
// one transaction of six sessions. Sessions are scheduled at most two years
// ahead, so each iteration schedules the same six and, off the clock, deletes
// them again.
func BenchmarkCreateSeries(b *testing.B) {
	f := setup(b)
	pattern := scheduling.Pattern{Week: 1, Weekday: 2, Count: 6}
	b.ReportAllocs()
	for b.Loop() {
		form := f.form("1", f.trainers[0], f.trainers[1])
		ids, err := f.svc.CreateSeries(f.ctx, form, pattern)
		if err != nil {
			b.Fatal(err)
		}
		if len(ids) != 6 {
			b.Fatalf("%d sessions", len(ids))
		}
		b.StopTimer()
		for _, sql := range []string{"DELETE FROM session_trainers", "DELETE FROM sessions"} {
			if _, err := f.pool.Exec(f.ctx, sql); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
}
