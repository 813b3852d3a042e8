package report

import (
	"testing"
	"time"

	"github.com/pscp/booktraining/internal/workday"
)

// overdueBefore is trainingrequest's rule as a time: a request made before
// it, and only such a request, is past the target. Checked hour by hour over
// weekends, the clock changes and the Christmas and Easter bank holidays.
func TestOverdueBeforeIsTheWorkingDaysRule(t *testing.T) {
	t.Parallel()
	nows := []time.Time{
		time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 29, 0, 15, 0, 0, time.UTC), // after Christmas and Boxing Day (substitute)
		time.Date(2027, 1, 4, 23, 59, 0, 0, time.UTC),
		time.Date(2026, 4, 7, 8, 0, 0, 0, time.UTC),    // after Easter Monday, in BST
		time.Date(2026, 10, 26, 0, 30, 0, 0, time.UTC), // the day after the clocks go back
		time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC),  // a Saturday
	}
	for _, now := range nows {
		for _, days := range []int{0, 1, 2, 10} {
			cut := overdueBefore(now, days)
			for at := now.AddDate(0, 0, -30); !at.After(now); at = at.Add(30 * time.Minute) {
				want := workday.Between(at, now) > days
				if got := at.Before(cut); got != want {
					t.Fatalf("now %v, target %d, made %v: overdue %v, want %v (cut %v)", now, days, at, got, want, cut)
				}
			}
		}
	}
}
