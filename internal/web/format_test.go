package web

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWhenUsesLondonTimeAcrossClockChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		start, end time.Time
		want       string
	}{
		{"winter (GMT)", time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC), time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC),
			"Tuesday 3 March 2026, 9:30am to 4pm"},
		{"summer (BST) is an hour ahead of UTC", time.Date(2026, 6, 2, 8, 30, 0, 0, time.UTC), time.Date(2026, 6, 2, 11, 30, 0, 0, time.UTC),
			"Tuesday 2 June 2026, 9:30am to 12:30pm"},
		{"the day the clocks go forward", time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 11, 0, 0, 0, time.UTC),
			"Sunday 29 March 2026, 9am to midday"},
		{"the day the clocks go back", time.Date(2026, 10, 25, 9, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 13, 45, 0, 0, time.UTC),
			"Sunday 25 October 2026, 9am to 1:45pm"},
		{"spans midnight", time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC), time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC),
			"Monday 5 January 2026, 10pm to Tuesday 6 January 2026, midnight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, when(tt.start, tt.end))
		})
	}
}

func TestPlacesLeft(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Fully booked", placesLeft(0))
	assert.Equal(t, "1 place left", placesLeft(1))
	assert.Equal(t, "24 places left", placesLeft(24))
}
