package catalogue_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgtest"
)

var now = time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	ctx  context.Context
	pool *pgxpool.Pool
	svc  *catalogue.Service
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	return fixture{ctx: ctx, pool: pool, svc: catalogue.New(pool, func() time.Time { return now })}
}

// expected counts the demo courses that pass keep, so the filter tests follow
// the seed rather than hard-coding its numbers.
func expected(keep func(demo.Course) bool) []string {
	var titles []string
	for _, c := range demo.Courses {
		if keep(c) {
			titles = append(titles, c.Title)
		}
	}
	slices.Sort(titles)
	return titles
}

func titles(cs []catalogue.CourseSummary) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Title)
	}
	return out
}

func TestListCoursesFilters(t *testing.T) {
	t.Parallel()
	f := setup(t)

	tests := []struct {
		name   string
		filter catalogue.Filter
		keep   func(demo.Course) bool
	}{
		{"no filter lists every course", catalogue.Filter{}, func(demo.Course) bool { return true }},
		{"one level", catalogue.Filter{Levels: []catalogue.Level{catalogue.Level1}},
			func(c demo.Course) bool { return c.Level == catalogue.Level1 }},
		{"two levels are alternatives", catalogue.Filter{Levels: []catalogue.Level{catalogue.Level1, catalogue.Level3}},
			func(c demo.Course) bool { return c.Level != catalogue.Level2 }},
		{"audience", catalogue.Filter{Audiences: []catalogue.Audience{catalogue.AudienceLeads}},
			func(c demo.Course) bool { return slices.Contains(c.Audiences, catalogue.AudienceLeads) }},
		{"delivery mode", catalogue.Filter{Modes: []catalogue.DeliveryMode{catalogue.Online}},
			func(c demo.Course) bool { return slices.Contains(c.DeliveryModes, catalogue.Online) }},
		{"fields combine", catalogue.Filter{
			Levels: []catalogue.Level{catalogue.Level2},
			Modes:  []catalogue.DeliveryMode{catalogue.InPerson},
		}, func(c demo.Course) bool {
			return c.Level == catalogue.Level2 && slices.Contains(c.DeliveryModes, catalogue.InPerson)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.svc.ListCourses(f.ctx, tt.filter)
			require.NoError(t, err)
			want := expected(tt.keep)
			require.NotEmpty(t, want, "the demo data should exercise this filter")
			assert.Equal(t, want, titles(got))
		})
	}
}

func TestListCoursesKeywordSearch(t *testing.T) {
	t.Parallel()
	f := setup(t)

	tests := []struct {
		query     string
		mustFind  string // a title that must be in the results
		atMost    int
		wantEmpty bool
	}{
		{query: "neglect", mustFind: "Neglect and the Graded Care Profile 2", atMost: 6},
		{query: "Exploitation", mustFind: "Child exploitation, including county lines", atMost: 6},
		{query: "exploited", mustFind: "Child exploitation, including county lines", atMost: 6}, // stemming
		{query: "county lines", mustFind: "Child exploitation, including county lines", atMost: 3},
		{query: "restorat", mustFind: "Restorative practice in safeguarding", atMost: 3}, // part of a title word
		{query: "ICON", mustFind: "Safeguarding babies and ICON", atMost: 2},
		{query: "zebra crossing", wantEmpty: true},
		{query: "'; DROP TABLE courses; --", wantEmpty: true},
		{query: `"unbalanced quote`, wantEmpty: true},
		{query: "!!!", wantEmpty: true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := f.svc.ListCourses(f.ctx, catalogue.Filter{Query: tt.query})
			require.NoError(t, err)
			if tt.wantEmpty {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, titles(got), tt.mustFind)
			assert.LessOrEqual(t, len(got), tt.atMost, "search should narrow the list: %v", titles(got))
		})
	}

	// Search and filters combine.
	got, err := f.svc.ListCourses(f.ctx, catalogue.Filter{Query: "neglect", Levels: []catalogue.Level{catalogue.Level3}})
	require.NoError(t, err)
	assert.NotContains(t, titles(got), "Neglect and the Graded Care Profile 2")

	// The table is intact after the injection attempt.
	all, err := f.svc.ListCourses(f.ctx, catalogue.Filter{})
	require.NoError(t, err)
	assert.Len(t, all, 16)
}

func TestCleanQuery(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "county lines", catalogue.CleanQuery("  county\t\nlines \x00"))
	assert.Equal(t, "abc", catalogue.CleanQuery("a\xffb\xfec"))
	long := catalogue.CleanQuery(strings.Repeat("é", 500))
	assert.Equal(t, catalogue.MaxQueryLength, len([]rune(long)))
}

// The next session shown for a course is the soonest published session open
// to everyone that has not started: not a draft, a cancelled or closed
// session, nor one in the past.
func TestNextSessionIgnoresSessionsPeopleCannotBook(t *testing.T) {
	t.Parallel()
	f := setup(t)
	courseID, venueID := courseAndVenue(t, f, "harmful-sexual-behaviour")
	_, err := f.pool.Exec(f.ctx, "DELETE FROM sessions WHERE course_id = $1", courseID)
	require.NoError(t, err)

	add := func(start time.Time, status string, closed bool, capacity, taken int) {
		t.Helper()
		_, err := f.pool.Exec(f.ctx, `
			INSERT INTO sessions (course_id, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, seats_taken,
			                      status, cancelled_reason, closed_to_agency_id, invite_token)
			VALUES ($1, $2, $3::timestamptz, $3::timestamptz + interval '3 hours', $3::timestamptz - interval '3 days', $4, $5, $6::session_status,
			        CASE WHEN $6::session_status = 'cancelled' THEN 'Trainer unwell' ELSE '' END,
			        CASE WHEN $7 THEN (SELECT min(id) FROM agencies) END,
			        CASE WHEN $7 THEN md5(random()::text) END)`,
			courseID, venueID, start, capacity, taken, status, closed)
		require.NoError(t, err)
	}
	day := 24 * time.Hour
	add(now.Add(-day), "published", false, 20, 0)   // already happened
	add(now.Add(2*day), "draft", false, 20, 0)      // not published
	add(now.Add(3*day), "cancelled", false, 20, 0)  // cancelled
	add(now.Add(4*day), "published", true, 20, 0)   // closed to one agency
	add(now.Add(10*day), "published", false, 20, 5) // the one
	add(now.Add(20*day), "published", false, 20, 0) // later

	got, err := f.svc.ListCourses(f.ctx, catalogue.Filter{Query: "harmful sexual"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.NotNil(t, got[0].Next)
	assert.True(t, got[0].Next.StartsAt.Equal(now.Add(10*day)), "next session at %s", got[0].Next.StartsAt)
	assert.Equal(t, 15, got[0].Next.PlacesLeft)

	_, sessions, err := f.svc.CourseWithSessions(f.ctx, "harmful-sexual-behaviour")
	require.NoError(t, err)
	require.Len(t, sessions, 2)
	assert.True(t, sessions[0].StartsAt.Equal(now.Add(10*day)))
	assert.True(t, sessions[1].StartsAt.Equal(now.Add(20*day)))
	assert.Equal(t, 15, sessions[0].PlacesLeft)
}

func TestCourseWithNoSessionsHasNoNext(t *testing.T) {
	t.Parallel()
	f := setup(t)
	courseID, _ := courseAndVenue(t, f, "early-help-supporting-families-sooner")
	_, err := f.pool.Exec(f.ctx, "DELETE FROM sessions WHERE course_id = $1", courseID)
	require.NoError(t, err)

	got, err := f.svc.ListCourses(f.ctx, catalogue.Filter{Query: "Early help"})
	require.NoError(t, err)
	require.NotEmpty(t, got)
	i := slices.IndexFunc(got, func(c catalogue.CourseSummary) bool { return c.Slug == "early-help-supporting-families-sooner" })
	require.GreaterOrEqual(t, i, 0)
	assert.Nil(t, got[i].Next)
}

func TestCourseWithSessions(t *testing.T) {
	t.Parallel()
	f := setup(t)

	c, sessions, err := f.svc.CourseWithSessions(f.ctx, "working-together-to-safeguard-children")
	require.NoError(t, err)
	assert.Equal(t, "Working Together to Safeguard Children", c.Title)
	assert.GreaterOrEqual(t, len(c.LearningOutcomes), 3)
	assert.GreaterOrEqual(t, len(c.Paragraphs()), 2)
	require.NotEmpty(t, sessions)
	for i, s := range sessions {
		assert.True(t, s.StartsAt.After(now))
		if i > 0 {
			assert.False(t, s.StartsAt.Before(sessions[i-1].StartsAt), "sessions are soonest first")
		}
	}

	// A session whose cut-off has passed is shown as closed for booking.
	soon := catalogue.New(f.pool, func() time.Time { return sessions[0].StartsAt.Add(-time.Hour) })
	_, later, err := soon.CourseWithSessions(f.ctx, c.Slug)
	require.NoError(t, err)
	require.NotEmpty(t, later)
	assert.True(t, later[0].BookingClosed)
}

func TestRetiredAndUnknownCoursesAreNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, _, err := f.svc.CourseWithSessions(f.ctx, "no-such-course")
	assert.True(t, errors.Is(err, catalogue.ErrCourseNotFound))

	_, err = f.pool.Exec(f.ctx, "UPDATE courses SET retired_at = $1 WHERE slug = 'online-safety'", now)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, "UPDATE courses SET retired_at = $1 WHERE slug = 'keeping-children-safe-online'", now)
	require.NoError(t, err)
	_, _, err = f.svc.CourseWithSessions(f.ctx, "keeping-children-safe-online")
	assert.True(t, errors.Is(err, catalogue.ErrCourseNotFound))
	all, err := f.svc.ListCourses(f.ctx, catalogue.Filter{})
	require.NoError(t, err)
	assert.Len(t, all, 15)
	assert.NotContains(t, titles(all), "Keeping children safe online")
}

func courseAndVenue(t *testing.T, f fixture, slug string) (courseID, venueID int64) {
	t.Helper()
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT id FROM courses WHERE slug = $1", slug).Scan(&courseID))
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT min(id) FROM venues WHERE NOT online").Scan(&venueID))
	return courseID, venueID
}
