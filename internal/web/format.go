package web

import (
	"fmt"

	"github.com/pscp/booktraining/internal/london"
)

// Short names for the handlers and the templates: "Friday 4 December 2026",
// "9:30am", "Friday 4 December 2026, 9:30am to 4pm" (all in London).
var (
	longDate = london.LongDate
	clock    = london.Clock
	when     = london.When
)

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
