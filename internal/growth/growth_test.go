package growth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/growth"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/scope"
)

var grownAt = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

// tiny is a few of everything, spread over partnerships. Its 80 people are
// four sessions' places, so a person whose places all fell in one round
// of sessions would have them all in one partnership.
func tiny(partnerships int) growth.Size {
	return growth.Size{
		Partnerships: partnerships, Agencies: 3, People: 80, Trainers: 2, Sessions: 24, BookingsPerSession: 5,
		Emails: 10, AuditEvents: 10, Enquiries: 6, Jobs: 4, FailedJobs: 1, Claims: 4,
	}
}

// partnershipGrown is what one partnership holds after Grow.
type partnershipGrown struct {
	id                                    int64
	slug                                  string
	courses, sessions, bookings, requests int
	managers                              int
}

func grownPartnerships(t *testing.T, partnerships int) (context.Context, []partnershipGrown, func(ctx context.Context, p int64) partnershipGrown) {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, grownAt)
	require.NoError(t, err)
	require.NoError(t, growth.Grow(ctx, pool, tiny(partnerships), grownAt))

	// What ctx's statements see of partnership p (every row a manager's
	// scope lets through, filtered to p's).
	counted := func(ctx context.Context, p int64) partnershipGrown {
		t.Helper()
		g := partnershipGrown{id: p}
		require.NoError(t, pool.QueryRow(ctx, `
			SELECT (SELECT slug FROM partnerships WHERE id = $1),
			       (SELECT count(*) FROM courses WHERE partnership_id = $1),
			       (SELECT count(*) FROM sessions WHERE partnership_id = $1 AND meeting_url LIKE 'https://meet.example.org/grown-%'),
			       (SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id
			        WHERE s.partnership_id = $1 AND s.meeting_url LIKE 'https://meet.example.org/grown-%'),
			       (SELECT count(*) FROM enquiries WHERE partnership_id = $1),
			       (SELECT count(*) FROM user_roles WHERE role = 'manager' AND partnership_id = $1)`, p).
			Scan(&g.slug, &g.courses, &g.sessions, &g.bookings, &g.requests, &g.managers))
		return g
	}
	var ids []int64
	rows, err := pool.Query(ctx, `SELECT id FROM partnerships ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	var all []partnershipGrown
	for _, id := range ids {
		all = append(all, counted(ctx, id))
	}

	// One account, places in several partnerships.
	if partnerships > 1 {
		var across int
		require.NoError(t, pool.QueryRow(ctx, `
			SELECT count(*) FROM (SELECT b.user_id FROM bookings b JOIN sessions s ON s.id = b.session_id
			                      GROUP BY b.user_id HAVING count(DISTINCT s.partnership_id) > 1) x`).Scan(&across))
		assert.Positive(t, across, "people with places in more than one partnership")
	}

	// Each session's course and venue are its own partnership's.
	var strays int
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT count(*) FROM sessions s JOIN courses c ON c.id = s.course_id JOIN venues v ON v.id = s.venue_id
		WHERE c.partnership_id <> s.partnership_id OR v.partnership_id <> s.partnership_id`).Scan(&strays))
	assert.Zero(t, strays, "sessions of another partnership's course or venue")
	return ctx, all, counted
}

// Grown with two partnerships, each has its own copy of the courses, its own
// sessions, requests and manager, and its manager, in scope, sees their own
// partnership's and nothing of the other's.
func TestGrowSpreadsTheProgrammeAcrossPartnerships(t *testing.T) {
	t.Parallel()
	ctx, all, counted := grownPartnerships(t, 2)
	require.Len(t, all, 2)
	first, second := all[0], all[1]
	assert.Equal(t, "portsmouth", first.slug)
	assert.Equal(t, "hampshire", second.slug)
	assert.Equal(t, len(demo.Courses), second.courses, "the second partnership's copy of the courses")
	assert.Equal(t, first.courses, second.courses)
	assert.Equal(t, tiny(2).Sessions, first.sessions+second.sessions)
	assert.Equal(t, tiny(2).Sessions/2, second.sessions)
	assert.Equal(t, tiny(2).Enquiries/2, second.requests)
	for _, p := range all {
		assert.Positive(t, p.bookings, "%s's bookings", p.slug)
		assert.Equal(t, 1, p.managers, "%s's managers", p.slug)
	}

	for _, p := range all {
		other := all[0]
		if other.id == p.id {
			other = all[1]
		}
		in := scope.Managing(ctx, p.id)
		assert.Equal(t, p, counted(in, p.id), "%s's manager sees all of their own", p.slug)
		seen := counted(in, other.id)
		assert.Zero(t, seen.courses+seen.sessions+seen.bookings+seen.requests,
			"%s's manager sees %+v of %s's", p.slug, seen, other.slug)
	}
}

// Grown with one partnership (or none said), the programme is the first
// partnership's, as before partnerships, with no manager added.
func TestGrowWithOnePartnershipIsAsBefore(t *testing.T) {
	t.Parallel()
	_, all, _ := grownPartnerships(t, 0)
	require.Len(t, all, 1)
	assert.Equal(t, tiny(0).Sessions, all[0].sessions)
	assert.Equal(t, tiny(0).Enquiries, all[0].requests)
	assert.Zero(t, all[0].managers)
}

// Grow fills with the row triggers off, so it does their work itself: each
// session's partnership offers its course (migration 00054), each
// partnership has the charge policy and prices of its own (00052), and
// every grown agency is in the partnerships' areas with its band, and each
// session is kept as having no trainer and how many charges to decide it
// has (00063) as it is, each booking knows its session's start (00064), and
// each booking, payment and charge its session's partnership (00067), and
// invoicing's lines are kept (00072).
func TestGrowDoesTheRowTriggersWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, grownAt)
	require.NoError(t, err)
	require.NoError(t, growth.Grow(ctx, pool, tiny(2), grownAt))
	var unoffered, policies, partnerships, strayPrices, agencies, areas, onInvoice, startsUnknown, countsWrong, placesUnsorted, partnershipWrong, linesWrong int
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM sessions s
		        WHERE NOT EXISTS (SELECT FROM course_offers o WHERE o.course_id = s.course_id AND o.partnership_id = s.partnership_id)),
		       (SELECT count(*) FROM charge_policy), (SELECT count(*) FROM partnerships),
		       (SELECT count(*) FROM course_prices cp JOIN courses c ON c.id = cp.course_id WHERE cp.partnership_id <> c.partnership_id),
		       (SELECT count(*) FROM agencies WHERE name LIKE 'Grown agency %'),
		       (SELECT count(*) FROM agency_partnerships ap JOIN agencies a ON a.id = ap.agency_id WHERE a.name LIKE 'Grown agency %'),
		       (SELECT count(*) FROM payments WHERE method = 'invoice'),
		       (SELECT count(*) FROM payments p JOIN bookings b ON b.id = p.booking_id JOIN sessions s ON s.id = b.session_id
		        WHERE p.method = 'invoice' AND p.session_starts_at IS DISTINCT FROM s.starts_at),
		       (SELECT count(*) FROM sessions s
		        WHERE EXISTS (SELECT FROM session_trainers st WHERE st.session_id = s.id)
		              = EXISTS (SELECT FROM trainerless_sessions w WHERE w.session_id = s.id AND w.partnership_id = s.partnership_id
		                                                  AND w.starts_at = s.starts_at AND w.status = s.status)
		           OR s.charges_to_decide <> (SELECT count(*) FROM bookings b WHERE b.session_id = s.id AND b.charge_to_decide)),
		       (SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id WHERE b.session_starts_at <> s.starts_at),
		       (SELECT count(*) FROM bookings b JOIN sessions s ON s.id = b.session_id WHERE b.partnership_id <> s.partnership_id)
		       + (SELECT count(*) FROM payments p JOIN bookings b ON b.id = p.booking_id WHERE p.partnership_id <> b.partnership_id)
		       + (SELECT count(*) FROM charges ch JOIN bookings b ON b.id = ch.booking_id WHERE ch.partnership_id <> b.partnership_id),
		       (SELECT count(*) FROM ((TABLE invoice_lines EXCEPT SELECT * FROM invoice_lines_fresh)
		                              UNION ALL (SELECT * FROM invoice_lines_fresh EXCEPT TABLE invoice_lines)) d)`).
		Scan(&unoffered, &policies, &partnerships, &strayPrices, &agencies, &areas, &onInvoice, &startsUnknown, &countsWrong, &placesUnsorted,
			&partnershipWrong, &linesWrong))
	assert.Zero(t, unoffered, "sessions of a course their partnership does not offer")
	assert.Equal(t, 2, partnerships)
	assert.Equal(t, 12*partnerships, policies, "each partnership's charge policy, every row")
	assert.Zero(t, strayPrices, "prices of a copy set for another partnership")
	assert.Positive(t, agencies)
	assert.Equal(t, agencies*partnerships, areas, "every grown agency in every area")
	assert.Positive(t, onInvoice)
	assert.Zero(t, startsUnknown, "places on invoice that do not know when their session starts (migration 00060)")
	assert.Zero(t, countsWrong, "sessions whose trainers or charges to decide are not as kept (migration 00063)")
	assert.Zero(t, placesUnsorted, "bookings that do not know when their session starts (migration 00064)")
	assert.Zero(t, partnershipWrong, "bookings, payments and charges not of their session's partnership (migration 00067)")
	assert.Zero(t, linesWrong, "invoicing's lines not as kept (migration 00072)")
}

// A transaction that began before the rows were written (as autovacuum's
// analyse of a newly filled table does) keeps a vacuum from marking their
// pages all-visible; allVisible vacuums again until it ends, so that the
// grown tables' index-only scans read no table, as in production.
func TestAllVisibleWaitsOutATransactionOlderThanTheRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := pool.Exec(ctx, `CREATE TABLE filled (id bigint PRIMARY KEY, name text)`)
	require.NoError(t, err)

	older, err := pool.Begin(ctx)
	require.NoError(t, err)
	_, err = older.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`)
	require.NoError(t, err)
	var n int
	require.NoError(t, older.QueryRow(ctx, `SELECT count(*) FROM filled`).Scan(&n)) // its snapshot
	_, err = pool.Exec(ctx, `INSERT INTO filled SELECT i, 'person ' || i FROM generate_series(1, 5000) i`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `VACUUM filled`)
	require.NoError(t, err)
	var pages, visible int
	require.NoError(t, pool.QueryRow(ctx, `SELECT relpages, relallvisible FROM pg_class WHERE relname = 'filled'`).Scan(&pages, &visible))
	require.Positive(t, pages)
	require.Less(t, visible, pages, "a vacuum under an older transaction marked the pages")

	ended := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		ended <- older.Rollback(ctx)
	}()
	require.NoError(t, growth.AllVisible(ctx, pool))
	require.NoError(t, <-ended)
	require.NoError(t, pool.QueryRow(ctx, `SELECT relpages, relallvisible FROM pg_class WHERE relname = 'filled'`).Scan(&pages, &visible))
	assert.Equal(t, pages, visible, "pages all-visible")
}
