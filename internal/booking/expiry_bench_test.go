package booking_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/queue"
)

// BenchmarkOfferExpiryLag has 1,000 offers (40 full sessions of 25) expire
// at the same moment, a few seconds ahead, and a River client built as
// cmd/server builds it (the booking jobs and email delivery kept in the
// database, on a pool of 10 connections shared with the bookings) work their
// 40 expiry jobs; with a rush, 500 people book 20 other sessions of 25 at
// that moment too. It reports each offer's lag from its deadline to its end
// (p50, p99, max) and how long the whole batch took. River's leader moves
// scheduled jobs to available every few seconds, which is most of the lag.
//
//	go run ./cmd/withpg -- go test -run '^$' -bench OfferExpiryLag -benchtime 3x ./internal/booking/
func BenchmarkOfferExpiryLag(b *testing.B) {
	b.Run("quiet", func(b *testing.B) { benchmarkOfferExpiryLag(b, false) })
	b.Run("during a booking rush", func(b *testing.B) { benchmarkOfferExpiryLag(b, true) })
}

func benchmarkOfferExpiryLag(b *testing.B, rush bool) {
	const sessions, places = 40, 25
	const rushPeople, rushSessions = 500, 20
	var lags []time.Duration
	var batch time.Duration
	for range b.N {
		b.StopTimer()
		raw, dbURL := pgtest.NewWithURL(b)
		_, err := demo.Seed(context.Background(), raw, start)
		require.NoError(b, err)
		cfg, err := pgxpool.ParseConfig(dbURL)
		require.NoError(b, err)
		cfg.MaxConns = 10 // DATABASE_MAX_CONNS's default
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		require.NoError(b, err)
		b.Cleanup(pool.Close)
		f := fixture{ctx: context.Background(), pool: pool}
		require.NoError(b, pool.QueryRow(f.ctx, "SELECT id FROM agencies ORDER BY id LIMIT 1").Scan(&f.agency))
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		inserter, err := queue.NewInsertOnly(f.pool)
		require.NoError(b, err)
		base, _ := url.Parse("http://localhost:3000")
		svc := booking.New(f.pool, email.NewOutbox(inserter), base, "Test Partnership", time.Now, quiet)

		begins := time.Now().Add(30 * 24 * time.Hour)
		var ids []int64
		rows, err := f.pool.Query(f.ctx, `
			INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
			SELECT c.id, c.title, (SELECT id FROM venues WHERE online LIMIT 1), $1::timestamptz + n * interval '1 day',
			       $1::timestamptz + n * interval '1 day' + interval '3 hours', $1::timestamptz - interval '3 days', $2, 'published'
			FROM courses c, generate_series(1, $3::int) AS n WHERE c.id = (SELECT min(id) FROM courses)
			RETURNING id`, begins, places, sessions)
		require.NoError(b, err)
		for rows.Next() {
			var id int64
			require.NoError(b, rows.Scan(&id))
			ids = append(ids, id)
		}
		require.NoError(b, rows.Err())
		_, err = f.pool.Exec(f.ctx, `
			INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
			SELECT 'offered' || n || '@example.org', 'Offered ' || n, $1, '!', now() FROM generate_series(1, $2::int) AS n`,
			f.agency, places)
		require.NoError(b, err)
		due := time.Now().Add(5 * time.Second).Truncate(time.Microsecond)
		_, err = f.pool.Exec(f.ctx, `
			INSERT INTO bookings (session_id, user_id, status, booked_by, policy_agreed_at, waiting_since, offered_at, offer_expires_at)
			SELECT s, u.id, 'offered', u.id, now(), now(), now(), $2
			FROM unnest($1::bigint[]) AS s, users u WHERE u.email LIKE 'offered%@example.org'`, ids, due)
		require.NoError(b, err)
		// The jobs, as the offers' transactions would have inserted them.
		require.NoError(b, svc.ScheduleMissing(f.ctx))

		// The rush: people and sessions of their own, booking at the deadline.
		var rushIDs []int64
		var wg sync.WaitGroup
		if rush {
			rows, err := f.pool.Query(f.ctx, `
				INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
				SELECT c.id, c.title, (SELECT id FROM venues WHERE online LIMIT 1), $1::timestamptz + n * interval '1 day',
				       $1::timestamptz + n * interval '1 day' + interval '3 hours', $1::timestamptz - interval '3 days', 25, 'published'
				FROM courses c, generate_series(1, $2::int) AS n WHERE c.id = (SELECT min(id) FROM courses)
				RETURNING id`, begins.Add(60*24*time.Hour), rushSessions)
			require.NoError(b, err)
			for rows.Next() {
				var id int64
				require.NoError(b, rows.Scan(&id))
				rushIDs = append(rushIDs, id)
			}
			require.NoError(b, rows.Err())
			rows, err = f.pool.Query(f.ctx, `
				INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
				SELECT 'rush' || n || '@example.org', 'Rush ' || n, $1, '!', now() FROM generate_series(1, $2::int) AS n
				RETURNING id`, f.agency, rushPeople)
			require.NoError(b, err)
			var people []int64
			for rows.Next() {
				var id int64
				require.NoError(b, rows.Scan(&id))
				people = append(people, id)
			}
			require.NoError(b, rows.Err())
			for i, id := range people {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Until(due) - 200*time.Millisecond)
					who := actor.Actor{ID: id, AgencyID: &f.agency}
					_, err := svc.Book(actor.With(f.ctx, who), booking.Request{SessionID: rushIDs[i%len(rushIDs)], PersonID: id, Details: details(), JoinWaitingList: true})
					if err != nil {
						b.Errorf("rush booking: %v", err)
					}
				}()
			}
		}

		client, err := queue.New(f.pool, quiet, email.DevelopmentDeliveries(f.pool, quiet), svc.Work())
		require.NoError(b, err)
		require.NoError(b, client.Start(context.Background()))
		b.StartTimer()
		require.Eventually(b, func() bool {
			var left int
			err := f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE status = 'offered' AND session_id = ANY($1)", ids).Scan(&left)
			return err == nil && left == 0
		}, 3*time.Minute, 20*time.Millisecond, "every offer expires")
		b.StopTimer()
		wg.Wait()
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = client.Stop(stop)
		cancel()

		var last time.Time
		rows, err = f.pool.Query(f.ctx, "SELECT ended_at FROM bookings WHERE status = 'expired'")
		require.NoError(b, err)
		n := 0
		for rows.Next() {
			var ended time.Time
			require.NoError(b, rows.Scan(&ended))
			lags = append(lags, ended.Sub(due))
			if ended.After(last) {
				last = ended
			}
			n++
		}
		require.NoError(b, rows.Err())
		require.Equal(b, sessions*places, n)
		batch += last.Sub(due)
		// Each op's connections go now, not when the benchmark ends: at
		// -benchtime 20x they would pass the server's max_connections.
		pool.Close()
		raw.Close()
	}
	slices.Sort(lags)
	pct := func(p float64) float64 { return float64(lags[int(p*float64(len(lags)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(pct(0.5), "p50-lag-ms")
	b.ReportMetric(pct(0.99), "p99-lag-ms")
	b.ReportMetric(pct(1), "max-lag-ms")
	b.ReportMetric(float64(batch)/float64(b.N)/float64(time.Millisecond), "batch-ms")
}
