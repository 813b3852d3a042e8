package demo

import (
	"testing"
	"time"

	"github.com/pscp/booktraining/internal/london"
)

// A month end stays in its month when counting months back, so the demo's
// due training is told on the day it is seeded, whatever that day is.
func TestMonthsBefore(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		now  time.Time
		n    int
		want time.Time
	}{
		{london.Midnight(2026, time.December, 31).Add(15 * time.Hour), 34, london.Midnight(2024, time.February, 29)},
		{london.Midnight(2026, time.May, 31), 3, london.Midnight(2026, time.February, 28)},
		{london.Midnight(2026, time.March, 15).Add(23*time.Hour + 30*time.Minute), 40, london.Midnight(2022, time.November, 15)},
	} {
		if got := monthsBefore(c.now, c.n); !got.Equal(c.want) {
			t.Errorf("monthsBefore(%s, %d) = %s, want %s", c.now, c.n, got, c.want)
		}
	}
}
