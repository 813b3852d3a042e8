package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/london"
)

// The period's parameters: each form gives the days it names (London),
// and the short form the pages link on with.
func TestReportPeriod(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		query, from, to, short, choice string
	}{
		{"", "2026-04-01", "2027-03-31", "year=2026", "year"},
		{"period=year", "2026-04-01", "2027-03-31", "year=2026", "year"},
		{"period=previous", "2025-04-01", "2026-03-31", "year=2025", "previous"},
		{"year=2021", "2021-04-01", "2022-03-31", "year=2021", "dates"},
		{"quarter=2026-Q1", "2026-04-01", "2026-06-30", "quarter=2026-Q1", "quarter"},
		{"quarter=2026-Q4", "2027-01-01", "2027-03-31", "quarter=2026-Q4", "quarter"},
		{"quarter=2021-Q2", "2021-07-01", "2021-09-30", "quarter=2021-Q2", "dates"}, // not among the form's quarters
		{"from=2026-10-01&to=2026-12-31", "2026-10-01", "2026-12-31", "quarter=2026-Q3", "quarter"},
		{"from=2026-10-05&to=2026-10-05", "2026-10-05", "2026-10-05", "from=2026-10-05&to=2026-10-05", "dates"},
		{"period=dates&from-day=1&from-month=apr&from-year=2026&to-day=31&to-month=3&to-year=2027", "2026-04-01", "2027-03-31", "year=2026", "year"},
	} {
		q, err := url.ParseQuery(tc.query)
		require.NoError(t, err)
		p, short, f, v := reportPeriod(q, now)
		require.Nil(t, v, tc.query)
		assert.Equal(t, tc.from, london.ISODate(p.From), tc.query)
		assert.Equal(t, tc.to, london.ISODate(p.To), tc.query)
		assert.Equal(t, tc.short, short, tc.query)
		assert.Equal(t, tc.choice, f.Choice, tc.query)
	}
}

// A bar chart: the highest value runs the longest bar that leaves room for
// the longest value's text; nothing draws no bar; long names are cut.
func TestBarChartLayout(t *testing.T) {
	t.Parallel()
	c := countChart("c", "Title", "Desc", []string{"A", "B", "A name far too long to be written in full above its bar"}, []int{10, 0, 5})
	require.Len(t, c.Bars, 3)
	longest := chartWidth - 8 - 2*chartCharWidth // "10"
	assert.Equal(t, longest, c.Bars[0].Width)
	assert.Equal(t, 0, c.Bars[1].Width)
	assert.Equal(t, (longest+1)/2, c.Bars[2].Width)
	assert.Equal(t, "0", c.Bars[1].ValueText)
	assert.LessOrEqual(t, len([]rune(c.Bars[2].Label)), chartWidth/chartCharWidth)
	assert.Contains(t, c.Bars[2].Label, "…")
	assert.Equal(t, 3*(chartLabelH+chartBarH+chartGap), c.Height())
	for _, b := range c.Bars {
		assert.LessOrEqual(t, b.ValueX+len(b.ValueText)*chartCharWidth, chartWidth, "the value fits right of its bar")
	}
}
