package web

import (
	"strconv"
	"strings"
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

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 20000: "20,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// A list counted only so far links the pages around the current one and
// the next, never a last page it does not know.
func TestPaginateCounted(t *testing.T) {
	p := paginateCounted("/admin/emails", nil, 3, 21, true)
	if p == nil || p.Next != "/admin/emails?page=4" || p.Prev != "/admin/emails?page=2" {
		t.Fatalf("prev and next: %+v", p)
	}
	var got []string
	for _, it := range p.Items {
		if it.Ellipsis {
			got = append(got, "…")
		} else {
			got = append(got, strconv.Itoa(it.Number))
		}
	}
	if want := "1 2 3 4 …"; strings.Join(got, " ") != want {
		t.Errorf("items %v, want %s", got, want)
	}
	if paginateCounted("/admin/emails", nil, 1, 1, true) == nil {
		t.Error("one page counted, but more: a next page is linked")
	}
	if paginateCounted("/admin/emails", nil, 1, 1, false) != nil {
		t.Error("one page and no more: no pagination")
	}
	if p := paginateCounted("/admin/emails", nil, 21, 21, false); p.Next != "" || p.Items[len(p.Items)-1].Number != 21 {
		t.Errorf("the last page, all counted: %+v", p)
	}
}
