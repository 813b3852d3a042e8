package report_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/report"
)

// The Hospital Trust's own figures, from the board's fixture and the
// evaluations added to it (see evaluationFixture), worked out by hand.
func TestAgencyFiguresOfTheirOwnAgency(t *testing.T) {
	t.Parallel()
	f := evaluationFixture(t)
	health := f.health
	coordinator := actor.With(f.ctx, actor.Actor{ID: 9, Coordinator: true, AgencyID: &health, Verified: true})

	got, err := f.svc.AgencyFigures(coordinator, f.year, f.health)
	require.NoError(t, err)
	assert.Equal(t, "Hospital Trust", got.Agency)
	assert.Equal(t, "health", got.Sector)

	// Places: S1 b2, b8 and e2 attended (b7 substituted and b13's expired
	// offer are not places); S2 b22 absent, b23 not marked; S8's retained
	// Health counts are expired offers only; S3 b24 attended. S5 and S6
	// are out of the year.
	assert.Equal(t, []report.AgencyPlaces{
		{CourseID: f.abuse, Course: "Domestic abuse", Places: report.Places{AgencyID: f.health, Agency: "Hospital Trust",
			Sector: "health", Booked: 1, Attended: 1}},
		{CourseID: f.neglect, Course: "Neglect", Places: report.Places{AgencyID: f.health, Agency: "Hospital Trust",
			Sector: "health", Booked: 5, Attended: 3, Absent: 1, Unmarked: 1}},
	}, got.ByCourse)
	assert.Equal(t, report.Places{AgencyID: f.health, Agency: "Hospital Trust", Sector: "health",
		Booked: 6, Attended: 4, Absent: 1, Unmarked: 1}, got.Places.Places)
	assert.Equal(t, 1, got.Places.PlacesLost())

	// Charges: b22's £50 waived; b31's is on S5, the year before.
	assert.Equal(t, report.Charges{Waived: report.Tally{N: 1, Pence: money.Pence(5000)}}, got.Charges)
	// Paid places: b2 £80 by card, b24 £120 refunded; b32 (S6) is out.
	assert.Equal(t, report.PlaceIncome{Paid: report.Tally{N: 2, Pence: 20000}, Refunded: report.Tally{N: 1, Pence: 12000}}, got.PaidPlaces)

	// Contribution: Bea delivered S1 (3 hours) and S3 (6); the draft S7
	// does not count. Received: three places on S1 (3 hours each) and one
	// on S3 (6 hours).
	assert.Equal(t, report.Contribution{AgencyID: f.health, Agency: "Hospital Trust", Sector: "health",
		Deliveries: 2, MinutesGiven: 540, PlacesAttended: 4, MinutesReceived: 900}, got.Contribution)

	// Evaluation: e2 only (e6 is the year before): Spot it 3→5, overall 5;
	// the follow-up asked of the attendee unanswered, the line manager's
	// answered (3).
	e := got.Evaluation.Total
	assert.Equal(t, 1, e.Asked)
	assert.Equal(t, 1, e.Answered)
	assert.Equal(t, 1, e.ConfidenceAnswers)
	assert.InDelta(t, 3, e.Before, 1e-9)
	assert.InDelta(t, 5, e.After, 1e-9)
	assert.Equal(t, 1, e.AttendeesAsked)
	assert.Equal(t, 0, e.AttendeesAnswered)
	assert.Equal(t, 1, e.LineManagersAnswered)
	assert.InDelta(t, 3, e.LineManagersLater, 1e-9)
	require.Len(t, e.Ratings, 1)
	assert.InDelta(t, 5, e.Ratings[0].Average, 1e-9)
	require.Len(t, got.Evaluation.Outcomes, 1)
	assert.Equal(t, "Spot it", got.Evaluation.Outcomes[0].Outcome)

	// The police's figures are not the Trust's: e1 and e5 were asked.
	police, err := f.svc.AgencyFigures(asManager(f.ctx), f.year, f.police)
	require.NoError(t, err)
	assert.Equal(t, 2, police.Evaluation.Total.Asked)
	assert.Equal(t, "County Police", police.Agency)
}

// A coordinator asking for another agency's figures is refused, and so is
// anyone who is neither a coordinator nor a training manager.
func TestAgencyFiguresAreTheirOwnOnly(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	health := f.health
	coordinator := actor.With(f.ctx, actor.Actor{ID: 9, Coordinator: true, AgencyID: &health, Verified: true})
	_, err := f.svc.AgencyFigures(coordinator, f.year, f.police)
	assert.ErrorIs(t, err, report.ErrNotOwnAgency)
	assert.True(t, errs.Is(err, errs.Forbidden))

	noAgency := actor.With(f.ctx, actor.Actor{ID: 9, Coordinator: true, Verified: true})
	_, err = f.svc.AgencyFigures(noAgency, f.year, f.health)
	assert.ErrorIs(t, err, report.ErrNotOwnAgency)

	practitioner := actor.With(f.ctx, actor.Actor{ID: 10, AgencyID: &health, Verified: true})
	_, err = f.svc.AgencyFigures(practitioner, f.year, f.health)
	assert.ErrorIs(t, err, report.ErrForbidden)

	_, err = f.svc.AgencyFigures(asManager(f.ctx), f.year, 999999)
	assert.True(t, errs.Is(err, errs.NotFound))
}

// The Hospital Trust's staff training records: its people now (Bea and the
// ten people the fixture booked from it), each place attended with its
// course, date, hours and certificate, and everyone else once with no
// course; someone erased, or who has moved to another agency, is not there.
func TestStaffTrainingRecords(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	health := f.health
	coordinator := actor.With(f.ctx, actor.Actor{ID: 9, Coordinator: true, AgencyID: &health, Verified: true})

	// b2's person has a certificate; one of the people is erased; one has
	// moved to the police.
	b2 := f.id(`SELECT b.id FROM bookings b JOIN payments p ON p.booking_id = b.id WHERE p.payment_intent_id = 'pi_1'`)
	f.exec(`INSERT INTO certificates (booking_id, code, issued_at) VALUES ($1, 'ABCDEFGH2345', $2)`, b2, boardNow)
	gone := f.id(`SELECT b.user_id FROM bookings b WHERE b.session_id = $1 AND b.agency_id = $2 AND b.status = 'expired'`, f.s1, f.health)
	f.exec(`UPDATE users SET erased_at = $2, agency_id = NULL WHERE id = $1`, gone, boardNow)
	moved := f.id(`SELECT b.user_id FROM bookings b WHERE b.session_id = $1 AND b.agency_id = $2 AND b.attendance IS NULL AND b.status = 'confirmed'`, f.s2, f.health)
	f.exec(`UPDATE users SET agency_id = $2 WHERE id = $1`, moved, f.police)

	rows, err := f.svc.StaffTraining(coordinator, f.health)
	require.NoError(t, err)
	// Bea, and the people of b2 b7 b8 b22 b24 b30 b31 b32: one row each
	// (none attended twice).
	require.Len(t, rows, 9)
	assert.Equal(t, "Bea Trainer", rows[0].Name)
	assert.Empty(t, rows[0].Course, "Bea attended nothing")
	courses := map[string]int{}
	var withCertificate []report.StaffTraining
	for _, r := range rows {
		assert.NotEqual(t, gone, r.UserID)
		assert.NotEqual(t, moved, r.UserID)
		courses[r.Course]++
		if r.CertificateCode != "" {
			withCertificate = append(withCertificate, r)
		}
	}
	// Attended: b2 and b8 (S1), b30 (S5, the year before), b32 (S6), all
	// Neglect; b24 (S3) Domestic abuse. Absent, substituted: no course.
	assert.Equal(t, map[string]int{"": 4, "Neglect": 4, "Domestic abuse": 1}, courses)
	require.Len(t, withCertificate, 1)
	assert.Equal(t, "ABCDEFGH2345", withCertificate[0].CertificateCode)
	assert.Equal(t, "Neglect", withCertificate[0].Course)
	assert.Equal(t, int64(180), withCertificate[0].Minutes)
	assert.Equal(t, 1, withCertificate[0].Level)
	assert.True(t, withCertificate[0].StartsAt.Equal(utc(2026, 5, 12, 8, 30)))

	// Another agency's records are refused.
	_, err = f.svc.StaffTraining(coordinator, f.police)
	assert.ErrorIs(t, err, report.ErrNotOwnAgency)
	practitioner := actor.With(f.ctx, actor.Actor{ID: 10, AgencyID: &health, Verified: true})
	_, err = f.svc.StaffTraining(practitioner, f.health)
	assert.ErrorIs(t, err, report.ErrForbidden)
}

// An agency of more people than one batch of the export reads at once is
// listed whole, each person once with their places after them, in name
// order across the batches.
func TestStaffTrainingRecordsOfALargeAgency(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	health := f.health
	coordinator := actor.With(f.ctx, actor.Actor{ID: 9, Coordinator: true, AgencyID: &health, Verified: true})
	f.exec(`
		INSERT INTO users (email, full_name, job_title, agency_id, password_hash, email_verified_at)
		SELECT 'many-' || n || '@example.org', 'Many ' || lpad(n::text, 4, '0'), 'Nurse', $1, '!', now()
		FROM generate_series(1, 1100) n`, f.health)
	var want []int64
	rows, err := f.pool.Query(f.ctx, `SELECT id FROM users WHERE agency_id = $1 AND erased_at IS NULL ORDER BY full_name, id`, f.health)
	require.NoError(t, err)
	want, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	require.Greater(t, len(want), 1000)

	records, err := f.svc.StaffTraining(coordinator, f.health)
	require.NoError(t, err)
	var got []int64
	for _, r := range records {
		if len(got) == 0 || got[len(got)-1] != r.UserID {
			got = append(got, r.UserID)
		}
	}
	assert.Equal(t, want, got, "everyone once, by name")
	assert.Len(t, records, len(want), "no one of the fixture attended twice: a row each")
}
