package report_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/report"
)

// The home's "charges to decide" counts the bookings flagged
// charge_to_decide (migration 00047): whatever changes a candidate (its
// attendance, a decision, a payment and its refund, the policy's amount, the
// agency's band, the course's length, the session's course and its
// cancellation), the count is what the sessions' charges pages show
// undecided, added up.
func TestHomeChargesToDecideAgreeWithTheChargesPages(t *testing.T) {
	t.Parallel()
	f := setup(t)
	day := 24 * time.Hour
	clock := func() time.Time { return now }
	home := report.New(f.pool, clock)
	pay := payment.New(f.pool, nil, "", clock)

	first := f.session(now.Add(-2*day), "published", 20, false)
	second := f.session(now.Add(-3*day), "completed", 20, false)
	sessions := []int64{first, second}
	agree := func(want int, what string) {
		t.Helper()
		got, err := home.Home(manager(f.ctx))
		require.NoError(t, err)
		pages := 0
		for _, s := range sessions {
			sc, err := pay.SessionCharges(f.ctx, s)
			require.NoError(t, err)
			pages += sc.Undecided()
		}
		require.Equal(t, pages, got.ChargesToDecide, "%s: the home and the charges pages disagree", what)
		require.Equal(t, want, got.ChargesToDecide, what)
		keptCountsAgree(t, f, what)
	}
	agree(0, "nobody absent")

	charged := f.confirmed(first, 3, f.charged)
	partner := f.confirmed(first, 1, f.partner)
	f.exec("UPDATE bookings SET attendance = 'attended' WHERE id = $1", charged[0])
	agree(0, "one attended, the rest not marked")
	f.exec("UPDATE bookings SET attendance = 'absent' WHERE id = ANY($1)", append(charged[1:], partner...))
	agree(2, "two absent of a charged agency, one of a partner the policy charges nothing")

	// A late cancellation on the second session, inserted as it is.
	u := f.person(f.charged)
	late := f.id(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, ended_at, late)
	              VALUES ($1, $2, $3, 'cancelled', $2, $4, $4, $4, true) RETURNING id`, second, u, f.charged, now.Add(-5*day))
	agree(3, "a late cancellation")

	f.exec("UPDATE bookings SET attendance = 'attended' WHERE id = $1", charged[1])
	agree(2, "an absence corrected to attended")
	f.exec("UPDATE bookings SET attendance = 'absent' WHERE id = $1", charged[1])
	agree(3, "and back to absent")

	// Decisions: one charged, one waived, through the charges page.
	_, err := pay.ConfirmCharges(manager(f.ctx), first, map[int64]payment.Decision{
		charged[1]: {Charge: true, Chosen: true}, charged[2]: {Reason: "Ill", Chosen: true},
	})
	require.NoError(t, err)
	agree(1, "two decided")

	// A place paid for is not charged; refunded, it is again.
	f.exec(`INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order) VALUES ($1, 'invoice', 8000, 'pending', 'PO-1')`, late)
	agree(0, "the late cancellation's place on invoice")
	f.exec(`UPDATE payments SET status = 'cancelled' WHERE booking_id = $1`, late)
	agree(1, "its invoice cancelled")

	// The policy, the band and the course's length decide the amount.
	f.exec(`UPDATE charge_policy SET amount_pence = 2500 WHERE kind = 'non_attendance' AND charging_band = 'partner'`)
	agree(2, "the policy charges partners for an absence")
	f.exec(`UPDATE charge_policy SET amount_pence = 0 WHERE kind = 'non_attendance' AND charging_band = 'partner'`)
	agree(1, "and nothing again")
	f.exec(`UPDATE agency_partnerships SET charging_band = 'contributing' WHERE agency_id = $1`, f.partner)
	agree(2, "the partner moved to a band the policy charges")
	f.exec(`UPDATE charge_policy SET amount_pence = 0 WHERE kind = 'non_attendance' AND duration = 'full_day'`)
	f.exec(`UPDATE courses SET duration = 'full_day' WHERE id = $1`, f.course)
	agree(1, "the course now a full day, whose absences the policy charges nothing")
	f.exec(`UPDATE courses SET duration = 'half_day' WHERE id = $1`, f.course)
	agree(2, "a half day again")
	long := f.id(`INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
	                                   level, duration, delivery_modes, default_capacity)
	              VALUES ('long', 'Long', 'Long.', 'Long.', ARRAY['Stay'], 'Everyone', ARRAY['everyone'],
	                      1, 'full_day', ARRAY['online'], 10) RETURNING id`)
	f.exec(`UPDATE sessions SET course_id = $2 WHERE id = $1`, first, long)
	agree(1, "the first session moved to a full-day course")
	f.exec(`UPDATE sessions SET course_id = $2 WHERE id = $1`, first, f.course)
	agree(2, "and back")

	// A session cancelled is charged to nobody.
	f.exec(`UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Never ran' WHERE id = $1`, first)
	agree(1, "the first session cancelled")

	// A late cancellation deleted takes its charge away.
	another := f.id(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at, confirmed_at, ended_at, late)
	                 VALUES ($1, $2, $3, 'cancelled', $2, $4, $4, $4, true) RETURNING id`, second, f.person(f.charged), f.charged, now.Add(-5*day))
	agree(2, "another late cancellation")
	f.exec(`DELETE FROM bookings WHERE id = $1`, another)
	agree(1, "deleted")

	var flagged int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM bookings WHERE charge_to_decide").Scan(&flagged))
	require.Equal(t, 1, flagged, "only the undecided candidate is flagged")
}
