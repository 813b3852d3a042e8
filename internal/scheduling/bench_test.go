package scheduling_test

import (
	"strconv"
	"testing"

	"github.com/pscp/booktraining/internal/scheduling"
)

// BenchmarkCreateSeries schedules "the first Tuesday of each month for six
// months" with two trainers in one room: the checks, the clash search and
// one transaction of six sessions. Each iteration starts six months after the
// last, so none clashes.
func BenchmarkCreateSeries(b *testing.B) {
	f := setup(b)
	pattern := scheduling.Pattern{Week: 1, Weekday: 2, Count: 6}
	month := 0
	b.ReportAllocs()
	for b.Loop() {
		form := f.form("1", f.trainers[0], f.trainers[1])
		form.Month = strconv.Itoa(month%12 + 1)
		form.Year = strconv.Itoa(2030 + month/12)
		month += 6
		ids, err := f.svc.CreateSeries(f.ctx, form, pattern)
		if err != nil {
			b.Fatal(err)
		}
		if len(ids) != 6 {
			b.Fatalf("%d sessions", len(ids))
		}
	}
}
