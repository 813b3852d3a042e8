package booking_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/payment/money"
)

// A place costs what the session's partnership asks (issue 22): a second
// partnership scheduling the same course prices it its own way, at the band
// it gives each agency, and an agency not in its area pays there as a
// non-contributing one.
func TestABookingPaysTheSessionsPartnershipsPrice(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.paid(t) // the first partnership: £80 for every band
	var b int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO partnerships (slug, name, short_name)
		VALUES ('southampton', 'Southampton Safeguarding Children Partnership', 'Southampton') RETURNING id`).Scan(&b))
	_, err := f.pool.Exec(f.ctx, `
		INSERT INTO course_prices (course_id, partnership_id, charging_band, amount_pence)
		SELECT (SELECT id FROM courses ORDER BY id LIMIT 1), $1, 'non_contributing', 2500`, b)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `INSERT INTO agency_partnerships (partnership_id, agency_id, charging_band) VALUES ($1, $2, 'partner')`, b, f.agency)
	require.NoError(t, err)
	sessionA, sessionB := f.session(t, 5, 30), f.session(t, 5, 30)
	// The course is a HIPS course both offer (migration 00054).
	_, err = f.pool.Exec(f.ctx, `UPDATE courses SET shared = true WHERE id = (SELECT course_id FROM sessions WHERE id = $1)`, sessionB)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `INSERT INTO course_offers (course_id, partnership_id) SELECT course_id, $1 FROM sessions WHERE id = $2`, b, sessionB)
	require.NoError(t, err)
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET partnership_id = $1 WHERE id = $2`, b, sessionB)
	require.NoError(t, err)

	for _, c := range []struct {
		name    string
		person  string
		agency  int64
		session int64
		status  booking.Status
		price   money.Pence
	}{
		{"first partnership's session", "ada", f.agency, sessionA, booking.Held, 8000},
		{"second's session, its partner", "ben", f.agency, sessionB, booking.Confirmed, 0},
		{"second's session, an agency outside its area", "cal", f.other, sessionB, booking.Held, 2500},
	} {
		out, err := f.book(f.person(t, c.person, c.agency), c.session, false)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.status, out.Status, c.name)
		assert.Equal(t, c.price, out.Price, c.name)
	}
}
