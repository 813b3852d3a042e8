package payment_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/payment"
	"github.com/pscp/booktraining/internal/scope"
)

// twoPartnerships is the demo's partnership (a) and a second (b), each with
// a full-day session of the same course, and an agency both have in their
// area in different bands: contributing to a, a partner of b.
type twoPartnerships struct {
	fixture
	w                  *world
	a, b               int64
	course             int64
	sessionA, sessionB int64
	shared             int64 // in both areas
	onlyA              int64 // in a's area only
}

func setupTwoPartnerships(t *testing.T) twoPartnerships {
	t.Helper()
	f := setup(t)
	w := &world{t: t, pool: f.pool}
	p := twoPartnerships{fixture: f, w: w}
	p.a = firstPartnership(t, f.pool)
	p.b = w.scalar(`INSERT INTO partnerships (slug, name, short_name)
		VALUES ('southampton', 'Southampton Safeguarding Children Partnership', 'Southampton') RETURNING id`)
	p.sessionA = w.session("full_day", "completed")
	p.sessionB = w.session("full_day", "completed")
	// The course is a HIPS course both offer (migration 00054).
	w.exec(`UPDATE courses SET shared = true WHERE id = (SELECT course_id FROM sessions WHERE id = $1)`, p.sessionB)
	w.exec(`INSERT INTO course_offers (course_id, partnership_id) SELECT course_id, $1 FROM sessions WHERE id = $2`, p.b, p.sessionB)
	w.exec(`UPDATE sessions SET partnership_id = $1 WHERE id = $2`, p.b, p.sessionB)
	p.course = w.scalar(`SELECT course_id FROM sessions WHERE id = $1`, p.sessionA)
	p.shared = w.agency(agency.BandContributing, "accounts@example.org")
	p.onlyA = w.agency(agency.BandNonContributing, "")
	w.exec(`INSERT INTO agency_partnerships (partnership_id, agency_id, charging_band) VALUES ($1, $2, 'partner')`, p.b, p.shared)
	return p
}

// Two partnerships charge the same agency differently for the same absence
// and late cancellation: each session is charged by its own partnership's
// policy, at the band that partnership gives the agency.
func TestEachPartnershipChargesByItsOwnPolicyAndBand(t *testing.T) {
	t.Parallel()
	p := setupTwoPartnerships(t)
	ctx := context.Background()
	// b charges its partners something; a (the default) charges them nothing
	// and its contributing agencies £100 a full day.
	p.w.exec(`UPDATE charge_policy SET amount_pence = CASE kind WHEN 'non_attendance' THEN 3300 ELSE 7700 END
		WHERE partnership_id = $1 AND charging_band = 'partner'`, p.b)

	absentA := p.w.booking(p.sessionA, p.w.person("Ann Absent", p.shared), "absent")
	lateA := p.w.booking(p.sessionA, p.w.person("Len Late", p.shared), "cancelled-late")
	absentB := p.w.booking(p.sessionB, p.w.person("Bea Absent", p.shared), "absent")
	lateB := p.w.booking(p.sessionB, p.w.person("Ben Late", p.shared), "cancelled-late")
	outsider := p.w.booking(p.sessionB, p.w.person("Olu Outside", p.onlyA), "absent")

	scA, err := p.svc.SessionCharges(ctx, p.sessionA)
	require.NoError(t, err)
	scB, err := p.svc.SessionCharges(ctx, p.sessionB)
	require.NoError(t, err)
	for _, c := range []struct {
		name   string
		got    payment.ChargeCandidate
		band   agency.ChargingBand
		amount payment.Pence
	}{
		{"absent, a", candidate(t, scA, absentA), agency.BandContributing, 10000},
		{"late, a", candidate(t, scA, lateA), agency.BandContributing, 10000},
		{"absent, b", candidate(t, scB, absentB), agency.BandPartner, 3300},
		{"late, b", candidate(t, scB, lateB), agency.BandPartner, 7700},
		// Not in b's area: b charges it as a non-contributing organisation.
		{"absent, b, agency outside b's area", candidate(t, scB, outsider), agency.BandNonContributing, 10000},
	} {
		assert.Equal(t, c.band, c.got.Band, c.name)
		assert.Equal(t, c.amount, c.got.Amount, c.name)
		assert.True(t, c.got.Undecided(), c.name)
	}

	// Confirming b's charges records b's amounts.
	decisions := map[int64]payment.Decision{}
	for _, c := range scB.Candidates {
		decisions[c.BookingID] = payment.Decision{Charge: true, Chosen: true}
	}
	_, err = p.svc.ConfirmCharges(byManager(ctx, managerID(t, p.pool), ""), p.sessionB, decisions)
	require.NoError(t, err)
	assert.Equal(t, int64(3300), p.w.scalar(`SELECT amount_pence FROM charges WHERE booking_id = $1`, absentB))
	assert.Equal(t, int64(7700), p.w.scalar(`SELECT amount_pence FROM charges WHERE booking_id = $1`, lateB))
}

// A place costs what the session's partnership asks of the band it gives the
// agency, whoever owns the course.
func TestAPlaceCostsTheSessionsPartnershipsPrice(t *testing.T) {
	t.Parallel()
	p := setupTwoPartnerships(t)
	ctx := context.Background()
	p.w.exec(`INSERT INTO course_prices (course_id, partnership_id, charging_band, amount_pence)
		VALUES ($1, $2, 'contributing', 2500), ($1, $2, 'non_contributing', 8000),
		       ($1, $3, 'partner', 1200), ($1, $3, 'non_contributing', 9900)`, p.course, p.a, p.b)

	for _, c := range []struct {
		name    string
		session int64
		agency  *int64
		want    payment.Pence
	}{
		{"a's contributing agency on a's session", p.sessionA, &p.shared, 2500},
		{"the same agency, b's partner, on b's session", p.sessionB, &p.shared, 1200},
		{"a's non-contributing agency on a's session", p.sessionA, &p.onlyA, 8000},
		{"an agency outside b's area on b's session", p.sessionB, &p.onlyA, 9900},
		{"an organisation not listed on b's session", p.sessionB, nil, 9900},
	} {
		got, err := p.svc.PlacePrice(ctx, p.pool, c.session, c.agency)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, got, c.name)
	}
	_, err := p.svc.PlacePrice(ctx, p.pool, 1<<40, &p.shared)
	assert.ErrorIs(t, err, payment.ErrNotFound)

	// A manager's prices page shows their partnership's prices: a's manager
	// sees a's, b's manager b's for the same HIPS course, which both offer.
	asA, asB := scope.Managing(ctx, p.a), scope.Managing(ctx, p.b)
	manager := managerID(t, p.pool)
	pa, err := p.svc.CoursePrices(asA, p.course)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(2500), pa.For(agency.BandContributing))
	assert.Equal(t, payment.Pence(0), pa.For(agency.BandPartner))
	pbShared, err := p.svc.CoursePrices(asB, p.course)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(1200), pbShared.For(agency.BandPartner))
	assert.Equal(t, payment.Pence(0), pbShared.For(agency.BandContributing))
	// A course of a's that b does not offer, b's manager cannot open.
	notOffered := p.w.scalar(`SELECT min(id) FROM courses WHERE id <> $1`, p.course)
	_, err = p.svc.CoursePrices(asB, notOffered)
	assert.ErrorIs(t, err, payment.ErrNotFound)
	assert.ErrorIs(t, p.svc.SetCoursePrices(byManager(asB, manager, ""), notOffered, payment.PriceForm{}), payment.ErrNotFound)

	// b's manager prices b's own course: b's rows, a's untouched.
	own := p.w.scalar(`UPDATE courses SET partnership_id = $1 WHERE id = (SELECT min(id) FROM courses WHERE id <> $2) RETURNING id`, p.b, p.course)
	require.NoError(t, p.svc.SetCoursePrices(byManager(asB, manager, ""), own, payment.PriceForm{agency.BandContributing: "45"}))
	pb, err := p.svc.CoursePrices(asB, own)
	require.NoError(t, err)
	assert.Equal(t, payment.Pence(4500), pb.For(agency.BandContributing))
	assert.Equal(t, "b:contributing:4500", p.w.prices(own, p.a))
	assert.Equal(t, "a:contributing:2500,a:non_contributing:8000,b:partner:1200,b:non_contributing:9900", p.w.prices(p.course, p.a))
}

func (w *world) prices(course, a int64) string {
	w.t.Helper()
	var s string
	require.NoError(w.t, w.pool.QueryRow(context.Background(), `
		SELECT string_agg(CASE WHEN partnership_id = $2 THEN 'a' ELSE 'b' END || ':' || charging_band || ':' || amount_pence, ','
		                  ORDER BY partnership_id <> $2, array_position(ARRAY['partner', 'contributing', 'non_contributing'], charging_band))
		FROM course_prices WHERE course_id = $1`, course, a).Scan(&s))
	return s
}

// The "charges to decide" flag follows a change of band in the session's
// partnership only, and a manager of b can change neither a's bands, nor
// its policy, nor its prices.
func TestABandChangeIsItsPartnershipsOnly(t *testing.T) {
	t.Parallel()
	p := setupTwoPartnerships(t)
	ctx := context.Background()
	// b charges its contributing agencies; it makes the shared agency one.
	p.w.exec(`UPDATE agency_partnerships SET charging_band = 'contributing' WHERE partnership_id = $1 AND agency_id = $2`, p.b, p.shared)
	absentA := p.w.booking(p.sessionA, p.w.person("Ann Absent", p.shared), "absent")
	absentB := p.w.booking(p.sessionB, p.w.person("Bea Absent", p.shared), "absent")
	flag := func(booking int64) bool {
		t.Helper()
		var b bool
		require.NoError(t, p.pool.QueryRow(ctx, `SELECT charge_to_decide FROM bookings WHERE id = $1`, booking).Scan(&b))
		return b
	}
	require.True(t, flag(absentA) && flag(absentB), "both partnerships charge a contributing agency's absence")

	// b's manager makes the agency b's partner: b's absence no longer waits
	// for a decision; a's still does.
	asB := scope.Managing(ctx, p.b)
	tag, err := p.pool.Exec(asB, `UPDATE agency_partnerships SET charging_band = 'partner' WHERE agency_id = $1`, p.shared)
	require.NoError(t, err)
	assert.Equal(t, int64(1), tag.RowsAffected(), "b's manager changes b's band only")
	assert.False(t, flag(absentB), "b's partner pays nothing in b")
	assert.True(t, flag(absentA), "a's band and flag are untouched")
	var bandA string
	require.NoError(t, p.pool.QueryRow(ctx, `SELECT charging_band FROM agency_partnerships WHERE partnership_id = $1 AND agency_id = $2`,
		p.a, p.shared).Scan(&bandA))
	assert.Equal(t, "contributing", bandA)

	// a's manager removes the agency from a's area: a charges it as
	// non-contributing, still something, so a's flag stays; b's stays off.
	tag, err = p.pool.Exec(scope.Managing(ctx, p.a), `DELETE FROM agency_partnerships WHERE agency_id = $1`, p.shared)
	require.NoError(t, err)
	assert.Equal(t, int64(1), tag.RowsAffected())
	assert.True(t, flag(absentA))
	assert.False(t, flag(absentB))
	// b's policy charging its partners sets b's flag again, not a's.
	p.w.exec(`UPDATE charge_policy SET amount_pence = 500 WHERE partnership_id = $1 AND kind = 'non_attendance' AND charging_band = 'partner'`, p.b)
	assert.True(t, flag(absentB))

	// b's manager can touch nothing of a's money.
	for _, q := range []string{
		`UPDATE agency_partnerships SET charging_band = 'partner' WHERE partnership_id = $1`,
		`DELETE FROM agency_partnerships WHERE partnership_id = $1`,
		`UPDATE charge_policy SET amount_pence = 1 WHERE partnership_id = $1`,
		`UPDATE course_prices SET amount_pence = 1 WHERE partnership_id = $1`,
	} {
		tag, err := p.pool.Exec(asB, q, p.a)
		require.NoError(t, err, q)
		assert.Zero(t, tag.RowsAffected(), q)
	}
	for _, c := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO agency_partnerships (partnership_id, agency_id, charging_band) VALUES ($1, $2, 'partner')`, []any{p.a, p.onlyA}},
		{`INSERT INTO course_prices (course_id, partnership_id, charging_band, amount_pence) VALUES ($2, $1, 'partner', 1)`, []any{p.a, p.course}},
		{`UPDATE agency_partnerships SET partnership_id = $1 WHERE agency_id = $2`, []any{p.a, p.shared}},
	} {
		_, err := p.pool.Exec(asB, c.q, c.args...)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: got %v, want a row-level security refusal", c.q, err)
		}
	}
	var seen int
	require.NoError(t, p.pool.QueryRow(asB, `SELECT count(*) FROM charge_policy WHERE partnership_id <> $1`, p.b).Scan(&seen))
	assert.Zero(t, seen, "b's manager sees only b's policy")
}
