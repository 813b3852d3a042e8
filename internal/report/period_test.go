package report_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/report"
)

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// The partnership's year runs from midnight on 1 April in London, which is
// 23:00 UTC on 31 March (British Summer Time has begun by then).
func TestPartnershipYearBoundaries(t *testing.T) {
	t.Parallel()
	y2026 := report.Period{From: london.Midnight(2026, time.April, 1), To: london.Midnight(2027, time.March, 31)}
	y2025 := report.Period{From: london.Midnight(2025, time.April, 1), To: london.Midnight(2026, time.March, 31)}
	y2027 := report.Period{From: london.Midnight(2027, time.April, 1), To: london.Midnight(2028, time.March, 31)}
	for _, c := range []struct {
		name string
		at   time.Time
		want report.Period
	}{
		{"23:30 on 31 March 2027 in London (22:30 UTC)", utc(2027, 3, 31, 22, 30), y2026},
		{"00:30 on 1 April 2027 in London (23:30 UTC on 31 March)", utc(2027, 3, 31, 23, 30), y2027},
		{"the last minute of the year", utc(2027, 3, 31, 22, 59), y2026},
		{"its first minute", utc(2027, 3, 31, 23, 0), y2027},
		{"midnight on 1 April 2026", utc(2026, 3, 31, 23, 0), y2026},
		{"a minute before it", utc(2026, 3, 31, 22, 59), y2025},
		{"January", utc(2027, 1, 15, 12, 0), y2026},
		{"December", utc(2026, 12, 31, 23, 59), y2026},
	} {
		got := report.PartnershipYear(c.at)
		assert.True(t, got.From.Equal(c.want.From) && got.To.Equal(c.want.To), "%s: got %s, want %s", c.name, got, c.want)
		assert.True(t, got.Contains(c.at), "%s: its year contains it", c.name)
	}

	y := report.PartnershipYear(utc(2026, 9, 1, 12, 0))
	assert.Equal(t, "1 April 2026 to 31 March 2027", y.String())
	assert.Equal(t, utc(2026, 3, 31, 23, 0), y.Start().UTC())
	assert.Equal(t, utc(2027, 3, 31, 23, 0), y.End().UTC(), "ends at midnight after 31 March, London (BST)")
	assert.True(t, y.Contains(utc(2027, 3, 31, 22, 30)), "a session at 23:30 on 31 March belongs to the year it started in")
	assert.False(t, y.Contains(utc(2027, 3, 31, 23, 0)))
	assert.False(t, y.Contains(utc(2026, 3, 31, 22, 30)), "23:30 on 31 March 2026 is the year before")
}

func TestQuarters(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		at       time.Time
		from, to string
		start    time.Time // UTC
		end      time.Time // UTC
	}{
		// January to March: starts in GMT, ends in BST (the clocks go
		// forward on 28 March 2027), so it is 89 days less an hour long.
		{utc(2027, 2, 10, 12, 0), "1 January 2027", "31 March 2027", utc(2027, 1, 1, 0, 0), utc(2027, 3, 31, 23, 0)},
		{utc(2027, 3, 31, 22, 30), "1 January 2027", "31 March 2027", utc(2027, 1, 1, 0, 0), utc(2027, 3, 31, 23, 0)},
		{utc(2026, 4, 1, 9, 0), "1 April 2026", "30 June 2026", utc(2026, 3, 31, 23, 0), utc(2026, 6, 30, 23, 0)},
		{utc(2026, 9, 30, 22, 59), "1 July 2026", "30 September 2026", utc(2026, 6, 30, 23, 0), utc(2026, 9, 30, 23, 0)},
		// October to December: starts in BST, ends in GMT (back on 25 October).
		{utc(2026, 9, 30, 23, 0), "1 October 2026", "31 December 2026", utc(2026, 9, 30, 23, 0), utc(2027, 1, 1, 0, 0)},
		{utc(2026, 12, 31, 23, 59), "1 October 2026", "31 December 2026", utc(2026, 9, 30, 23, 0), utc(2027, 1, 1, 0, 0)},
	} {
		q := report.Quarter(c.at)
		assert.Equal(t, c.from+" to "+c.to, q.String(), "quarter of %v", c.at)
		assert.Equal(t, c.start, q.Start().UTC(), "start of the quarter of %v", c.at)
		assert.Equal(t, c.end, q.End().UTC(), "end of the quarter of %v", c.at)
		assert.True(t, q.Contains(c.at))
	}
}

// Custom dates take whole London days; a day when the clocks change is 23
// or 25 hours long and still one day.
func TestDatesAcrossClockChanges(t *testing.T) {
	t.Parallel()
	spring, err := report.Dates(utc(2027, 3, 28, 12, 0), utc(2027, 3, 28, 0, 0))
	require.NoError(t, err)
	assert.Equal(t, utc(2027, 3, 28, 0, 0), spring.Start().UTC())
	assert.Equal(t, utc(2027, 3, 28, 23, 0), spring.End().UTC(), "the day the clocks go forward has 23 hours")
	assert.True(t, spring.Contains(utc(2027, 3, 28, 22, 59)))
	assert.False(t, spring.Contains(utc(2027, 3, 28, 23, 30)), "00:30 BST on the 29th is the next day")

	autumn, err := report.Dates(utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 12, 0))
	require.NoError(t, err)
	assert.Equal(t, utc(2026, 10, 24, 23, 0), autumn.Start().UTC(), "midnight BST")
	assert.Equal(t, utc(2026, 10, 26, 0, 0), autumn.End().UTC(), "midnight GMT: the day the clocks go back has 25 hours")
	assert.True(t, autumn.Contains(utc(2026, 10, 25, 23, 30)), "23:30 GMT on the 25th")
	assert.False(t, autumn.Contains(utc(2026, 10, 24, 22, 59)))

	// Only the London date of either end counts: 23:30 UTC on 31 May is
	// 00:30 BST on 1 June.
	june, err := report.Dates(utc(2026, 5, 31, 23, 30), utc(2026, 6, 1, 22, 30))
	require.NoError(t, err)
	assert.Equal(t, "1 June 2026 to 1 June 2026", june.String(), "00:30 BST on 1 June is 23:30 UTC on 31 May")

	_, err = report.Dates(utc(2026, 6, 2, 9, 0), utc(2026, 6, 1, 9, 0))
	assert.ErrorIs(t, err, report.ErrBadPeriod)
	assert.True(t, errs.Is(err, errs.Invalid))
}

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	now := utc(2027, 2, 10, 12, 0)
	for _, c := range []struct {
		query string
		want  string
	}{
		{"", "1 April 2026 to 31 March 2027"},
		{"year=2025", "1 April 2025 to 31 March 2026"},
		{"year=+2024+", "1 April 2024 to 31 March 2025"},
		{"from=2026-10-01&to=2026-12-31", "1 October 2026 to 31 December 2026"},
		{"from=2026-10-01&to=2026-10-01", "1 October 2026 to 1 October 2026"},
		{"from=2026-10-01&to=2026-12-31&year=2020", "1 October 2026 to 31 December 2026"},
	} {
		v, err := url.ParseQuery(c.query)
		require.NoError(t, err)
		p, err := report.ParsePeriod(v, now)
		require.NoError(t, err, c.query)
		assert.Equal(t, c.want, p.String(), c.query)
		back, err := report.ParsePeriod(p.Query(), now)
		require.NoError(t, err)
		assert.True(t, back.From.Equal(p.From) && back.To.Equal(p.To), "%s reads back from %s", c.query, p.Query().Encode())
	}
	p, err := report.ParsePeriod(url.Values{"year": {"2026"}}, now)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"year": {"2026"}}, p.Query())
	assert.Equal(t, utc(2026, 3, 31, 23, 0), p.Start().UTC())

	for _, bad := range []string{"year=twenty", "year=26", "from=2026-10-01", "to=2026-10-01",
		"from=2026-12-31&to=2026-10-01", "from=1/10/2026&to=2026-12-31", "from=2026-02-30&to=2026-03-01"} {
		v, err := url.ParseQuery(bad)
		require.NoError(t, err)
		_, err = report.ParsePeriod(v, now)
		assert.True(t, errs.Is(err, errs.Invalid), "%s: %v", bad, err)
	}
}
