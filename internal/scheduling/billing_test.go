package scheduling_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/queue"
)

// Marking a session delivered leaves nothing to decide on it: the invoice
// job of each agency with something to bill goes in the same transaction.
func TestMarkingASessionDeliveredInsertsItsInvoiceJobs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	b := withBookings(t, f)
	jobs, err := queue.NewInsertOnly(f.pool)
	require.NoError(t, err)
	// Online (a key and a webhook secret); Stripe itself is not asked here.
	pay := payment.New(f.pool, payment.NewStripeGateway("sk_test_x", "http://127.0.0.1:1", nil), "whsec_x", func() time.Time { return now })
	pay.Jobs = email.NewOutbox(jobs)
	b.Money, pay.Bookings = pay, b

	var session, agency int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status)
		SELECT c.id, c.title, (SELECT id FROM venues WHERE online ORDER BY id LIMIT 1), $1, $1::timestamptz + interval '3 hours',
		       $1::timestamptz - interval '3 days', 10, 'published'
		FROM courses c ORDER BY c.id LIMIT 1 RETURNING id`, now.Add(-48*time.Hour)).Scan(&session))
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO agencies (name, sector, charging_band, billing_contact_email)
		VALUES ('Scouts', (SELECT sector FROM agencies ORDER BY id LIMIT 1), 'non_contributing', 'treasurer@example.org')
		RETURNING id`).Scan(&agency))
	_, err = f.pool.Exec(f.ctx, `
		WITH u AS (INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		           VALUES ('scout@example.org', 'Sam Akela', $2, '!', now()) RETURNING id),
		     b AS (INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at)
		           SELECT $1, u.id, $2, 'confirmed', u.id, now(), now() FROM u RETURNING id)
		INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order)
		SELECT b.id, 'invoice', 8000, 'pending', 'PO-1' FROM b`, session, agency)
	require.NoError(t, err)

	require.NoError(t, f.svc.Complete(f.ctx, session))
	rows, err := f.pool.Query(f.ctx, "SELECT args->>'session_id', args->>'agency_id' FROM river_job WHERE kind = $1", payment.KindInvoice)
	require.NoError(t, err)
	var got [][2]string
	for rows.Next() {
		var s, a string
		require.NoError(t, rows.Scan(&s, &a))
		got = append(got, [2]string{s, a})
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, [][2]string{{itoa(session), itoa(agency)}}, got)
}
