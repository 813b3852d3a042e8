package web

import (
	"fmt"
	"time"

	"github.com/pscp/booktraining/internal/london"
)

func longDate(t time.Time) string      { return london.LongDate(t) }
func clock(t time.Time) string         { return london.Clock(t) }
func when(start, end time.Time) string { return london.When(start, end) }

// placesLeft says how many places a session has: "1 place left", "Fully booked".
func placesLeft(n int) string {
	switch {
	case n <= 0:
		return "Fully booked"
	case n == 1:
		return "1 place left"
	}
	return fmt.Sprintf("%d places left", n)
}

// plural picks the singular or plural word for n: plural(2, "course", "courses").
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
