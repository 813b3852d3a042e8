package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/report"
	"github.com/pscp/booktraining/internal/workday"
)

// The one fixture every figure is worked out from by hand. The period is the
// partnership's year 1 April 2026 to 31 March 2027 (London), read on
// 20 April 2027, when every session of the year has ended.
//
// Agencies: County Police (police), Hospital Trust (health), Northside
// School (education), Youth Club (voluntary_community); and an organisation
// not yet listed (no agency, no sector).
// Courses: Neglect (3 hours), Domestic abuse (6 hours).
// Trainers: Alex (County Police), Bea (Hospital Trust), Cal (County Police).
//
// Sessions (London times):
//
//	S1 Neglect, Tue 12 May 2026 09:30, 3h, 10 places, completed, Alex + Bea
//	S8 Neglect, Mon 1 Jun 2026 00:30 BST (23:30 UTC on 31 May: a June
//	   session in London), 3h, 6 places, completed, no trainer; its bookings
//	   were deleted by retention and only their anonymous counts remain
//	S7 Neglect, 1 Sep 2026, draft, Bea: counted nowhere
//	S3 Domestic abuse, Sun 25 Oct 2026 (the clocks went back at 2am)
//	   09:00-15:00 GMT, 8 places, completed, Bea + Cal
//	S4 Domestic abuse, 10 Nov 2026, 8 places, cancelled, Cal
//	S9 Domestic abuse, 14 Jan 2027 09:00-15:00, 8 places, completed, Alex,
//	   nobody booked
//	S2 Neglect, Wed 31 Mar 2027 23:30 BST (22:30 UTC) to 02:30, 5 places,
//	   published (the register taken), Alex: in the year it started in
//	S5 Neglect, 31 Mar 2026 23:30 BST, Alex: the year before (out)
//	S6 Neglect, 1 Apr 2027 00:30 BST (23:30 UTC on 31 March), Cal: the
//	   year after (out, though it is 31 March in UTC)
//
// Places (agency on the booking):
//
//	S1: b1 Police attended; b2 Health attended (paid £80 by card); b3
//	    Education late; b4 Youth absent (charge £50 proposed); b5 Education
//	    cancelled late (charge £25 paid); b6 Education cancelled on time; b7
//	    Health substituted by b8 Health attended; b9 Police moved to S3
//	    (b10); b11 Youth attended, the person since erased (no agency now);
//	    b12 Police waiting; b13 Health offer expired; b14 Education offer
//	    expired, then b15 the same person booked again and attended; b16 an
//	    unlisted organisation attended; b17 Police left the waiting list.
//	    Booked 8 (b1 b2 b3 b4 b8 b11 b15 b16), attended 7, absent 1.
//	S2: b20 Police attended (£80 on invoice, owed); b21 Police attended;
//	    b22 Health absent (charge £50 waived); b23 Health not marked; b29
//	    Education offered, the offer still open. Booked 4, attended 2.
//	S3: b10 Police attended; b24 Health attended (paid £120, refunded);
//	    b25 Youth absent (charge £75 invoiced); b26 Police waiting.
//	    Booked 3, attended 2.
//	S4: b27 Education cancelled (by the session's cancellation); b28 Youth left.
//	S8 (retained counts): Youth 3 attended, Youth 1 absent, Education 1
//	    cancelled late, Health 2 offers expired. Booked 4, attended 3.
//	S5: b30 Health attended; b31 Health absent (charge £50 proposed: out).
//	S6: b32 Health attended (paid £80: out).
type board struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	svc  *report.Service
	year report.Period

	police, health, school, youth int64
	neglect, abuse                int64
	venue                         int64
	alex, bea, cal                int64
	s1, s2, s3, s4, s5, s6, s7    int64
	s8, s9                        int64
	people                        int
}

// boardNow is when the figures are read: after the year has ended.
var boardNow = utc(2027, 4, 20, 9, 0)

func (f *board) id(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	require.NoError(f.t, f.pool.QueryRow(f.ctx, sql, args...).Scan(&id), sql)
	return id
}

func (f *board) exec(sql string, args ...any) {
	f.t.Helper()
	_, err := f.pool.Exec(f.ctx, sql, args...)
	require.NoError(f.t, err, sql)
}

func (f *board) person(name string, agency int64) int64 {
	f.people++
	return f.id(`INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
	             VALUES ($1, $2, $3, '!', $4) RETURNING id`,
		fmt.Sprintf("board%d@example.org", f.people), name, agency, utc(2026, 1, 1, 0, 0))
}

func (f *board) trainer(name string, agency int64) int64 {
	u := f.person(name, agency)
	f.exec("INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')", u)
	f.exec("INSERT INTO trainer_courses (trainer_id, course_id) VALUES ($1, $2), ($1, $3)", u, f.neglect, f.abuse)
	return u
}

func (f *board) session(course int64, start time.Time, hours int, capacity int, status string, trainers ...int64) int64 {
	reason := ""
	if status == "cancelled" {
		reason = "Trainer ill"
	}
	id := f.id(`INSERT INTO sessions (course_id, course_title, venue_id, starts_at, ends_at, booking_cutoff_at, capacity, status, cancelled_reason)
	            SELECT c.id, c.title, $2, $3, $3::timestamptz + make_interval(hours => $4), $3::timestamptz - interval '3 days', $5, $6, $7
	            FROM courses c WHERE c.id = $1 RETURNING id`, course, f.venue, start, hours, capacity, status, reason)
	for _, tr := range trainers {
		f.exec("INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", id, tr)
	}
	return id
}

// place books a new person of agency on session in a status: attended,
// late and absent are confirmed places so marked; confirmed is one not
// marked; the rest are the booking's status as it ended.
func (f *board) place(session int64, agency int64, how string) int64 {
	return f.placeFor(session, f.person("Someone", agency), agency, how)
}

func (f *board) placeFor(session, user, agency int64, how string) int64 {
	f.t.Helper()
	at := utc(2026, 4, 1, 12, 0)
	status, attendance, late := how, any(nil), false
	switch how {
	case "attended", "late", "absent":
		status, attendance = "confirmed", how
	case "cancelled late":
		status, late = "cancelled", true
	}
	var agencyArg any = agency
	if agency == 0 {
		agencyArg = nil
	}
	return f.id(`INSERT INTO bookings (session_id, user_id, agency_id, status, booked_by, policy_agreed_at,
	                                   waiting_since, offered_at, offer_expires_at, confirmed_at, ended_at, late, attendance)
	             VALUES ($1, $2, $3, $4::booking_status, $2, $5,
	                     CASE WHEN $4 IN ('waiting', 'offered', 'expired', 'left') THEN $5::timestamptz END,
	                     CASE WHEN $4 IN ('offered', 'expired') THEN $5::timestamptz END,
	                     CASE WHEN $4 IN ('offered', 'expired') THEN $5::timestamptz + interval '2 days' END,
	                     CASE WHEN $4 IN ('confirmed', 'cancelled', 'substituted', 'moved') THEN $5::timestamptz END,
	                     CASE WHEN $4 NOT IN ('waiting', 'offered', 'confirmed') THEN $5::timestamptz + interval '1 day' END,
	                     $6, $7)
	             RETURNING id`, session, user, agencyArg, status, at, late, attendance)
}

func newBoard(t *testing.T) *board {
	t.Helper()
	pool := pgtest.New(t)
	f := &board{t: t, ctx: context.Background(), pool: pool, svc: report.New(pool, func() time.Time { return boardNow }),
		year: report.PartnershipYear(utc(2026, 6, 1, 12, 0))}
	f.police = f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('County Police', 'police', 'partner') RETURNING id`)
	f.health = f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('Hospital Trust', 'health', 'partner') RETURNING id`)
	f.school = f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('Northside School', 'education', 'contributing') RETURNING id`)
	f.youth = f.id(`INSERT INTO agencies (name, sector, charging_band) VALUES ('Youth Club', 'voluntary_community', 'contributing') RETURNING id`)
	course := func(slug, title, duration string) int64 {
		return f.id(`INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
		                                  level, duration, delivery_modes, default_capacity)
		             VALUES ($1, $2, 'S.', 'D.', ARRAY['Spot it'], 'Everyone', ARRAY['everyone'], 1, $3, ARRAY['online'], 10)
		             RETURNING id`, slug, title, duration)
	}
	f.neglect = course("neglect", "Neglect", "half_day")
	f.abuse = course("domestic-abuse", "Domestic abuse", "full_day")
	f.venue = f.id("INSERT INTO venues (name, online) VALUES ('Teams', true) RETURNING id")
	f.alex = f.trainer("Alex Trainer", f.police)
	f.bea = f.trainer("Bea Trainer", f.health)
	f.cal = f.trainer("Cal Trainer", f.police)

	f.s1 = f.session(f.neglect, utc(2026, 5, 12, 8, 30), 3, 10, "completed", f.alex, f.bea)
	f.s8 = f.session(f.neglect, utc(2026, 5, 31, 23, 30), 3, 6, "completed")
	f.s7 = f.session(f.neglect, utc(2026, 9, 1, 8, 0), 3, 10, "draft", f.bea)
	f.s3 = f.session(f.abuse, utc(2026, 10, 25, 9, 0), 6, 8, "completed", f.bea, f.cal)
	f.s4 = f.session(f.abuse, utc(2026, 11, 10, 9, 0), 6, 8, "cancelled", f.cal)
	f.s9 = f.session(f.abuse, utc(2027, 1, 14, 9, 0), 6, 8, "completed", f.alex)
	f.s2 = f.session(f.neglect, utc(2027, 3, 31, 22, 30), 3, 5, "published", f.alex)
	f.s5 = f.session(f.neglect, utc(2026, 3, 31, 22, 30), 3, 10, "completed", f.alex)
	f.s6 = f.session(f.neglect, utc(2027, 3, 31, 23, 30), 3, 10, "published", f.cal)

	// S1
	f.place(f.s1, f.police, "attended")             // b1
	b2 := f.place(f.s1, f.health, "attended")       // b2
	f.place(f.s1, f.school, "late")                 // b3
	b4 := f.place(f.s1, f.youth, "absent")          // b4
	b5 := f.place(f.s1, f.school, "cancelled late") // b5
	f.place(f.s1, f.school, "cancelled")            // b6
	b7 := f.place(f.s1, f.health, "substituted")    // b7
	b8 := f.place(f.s1, f.health, "attended")       // b8
	f.exec("UPDATE bookings SET replaced_by = $1 WHERE id = $2", b8, b7)
	moving := f.person("Mover", f.police)
	b9 := f.placeFor(f.s1, moving, f.police, "moved")     // b9
	b10 := f.placeFor(f.s3, moving, f.police, "attended") // b10
	f.exec("UPDATE bookings SET replaced_by = $1 WHERE id = $2", b10, b9)
	erased := f.person("Erased", f.youth)
	f.placeFor(f.s1, erased, f.youth, "attended") // b11
	f.exec(`UPDATE users SET erased_at = $2, agency_id = NULL, full_name = 'Erased person' WHERE id = $1`, erased, boardNow)
	f.place(f.s1, f.police, "waiting") // b12
	f.place(f.s1, f.health, "expired") // b13
	again := f.person("Again", f.school)
	f.placeFor(f.s1, again, f.school, "expired")  // b14
	f.placeFor(f.s1, again, f.school, "attended") // b15
	unlisted := f.id(`INSERT INTO users (email, full_name, unlisted_agency_name, password_hash) VALUES
	                  ('unlisted@example.org', 'Unlisted', 'Corner Shop Nursery', '!') RETURNING id`)
	f.placeFor(f.s1, unlisted, 0, "attended") // b16
	f.place(f.s1, f.police, "left")           // b17

	// S2
	b20 := f.place(f.s2, f.police, "attended")
	f.place(f.s2, f.police, "attended")      // b21
	b22 := f.place(f.s2, f.health, "absent") // b22
	f.place(f.s2, f.health, "confirmed")     // b23, not marked
	f.place(f.s2, f.school, "offered")       // b29

	// S3
	b24 := f.place(f.s3, f.health, "attended")
	b25 := f.place(f.s3, f.youth, "absent")
	f.place(f.s3, f.police, "waiting") // b26

	// S4, cancelled
	f.place(f.s4, f.school, "cancelled") // b27
	f.place(f.s4, f.youth, "left")       // b28

	// S8: its bookings deleted, their counts kept.
	f.exec(`INSERT INTO retained_place_counts (session_id, agency_id, status, attendance, late, places) VALUES
	        ($1, $2, 'confirmed', 'attended', false, 3), ($1, $2, 'confirmed', 'absent', false, 1),
	        ($1, $3, 'cancelled', NULL, true, 1), ($1, $4, 'expired', NULL, false, 2)`, f.s8, f.youth, f.school, f.health)

	// Out of the year.
	f.place(f.s5, f.health, "attended")        // b30
	b31 := f.place(f.s5, f.health, "absent")   // b31
	b32 := f.place(f.s6, f.health, "attended") // b32

	// Charges, one of each status, and one out of the year.
	charge := func(booking, agency int64, kind string, pence int, status string) {
		f.exec(`INSERT INTO charges (booking_id, agency_id, kind, amount_pence, status, waiver_reason, decided_by, decided_at, invoice_reference)
		        VALUES ($1::bigint, $2, $3, $4, $5::text, CASE WHEN $5 = 'waived' THEN 'Ill' ELSE '' END,
		                CASE WHEN $5 <> 'proposed' THEN $6::bigint END, CASE WHEN $5 <> 'proposed' THEN $7::timestamptz END,
		                CASE WHEN $5 IN ('invoiced', 'paid') THEN 'INV-' || $1::bigint::text END)`,
			booking, agency, kind, pence, status, f.alex, boardNow)
	}
	charge(b4, f.youth, "non_attendance", 5000, "proposed")
	charge(b22, f.health, "non_attendance", 5000, "waived")
	charge(b25, f.youth, "non_attendance", 7500, "invoiced")
	charge(b5, f.school, "late_cancellation", 2500, "paid")
	charge(b31, f.health, "non_attendance", 5000, "proposed")

	// Paid places: paid, refunded, owed on invoice; one out of the year.
	paid := utc(2026, 4, 2, 12, 0)
	f.exec(`INSERT INTO payments (booking_id, method, amount_pence, status, payment_intent_id, paid_at)
	        VALUES ($1, 'card', 8000, 'paid', 'pi_1', $2)`, b2, paid)
	f.exec(`INSERT INTO payments (booking_id, method, amount_pence, status, payment_intent_id, paid_at, refund_id, refund_requested_at, refunded_at)
	        VALUES ($1, 'card', 12000, 'refunded', 'pi_2', $2, 're_1', $2, $2)`, b24, paid)
	f.exec(`INSERT INTO payments (booking_id, method, amount_pence, status, purchase_order, invoice_reference)
	        VALUES ($1, 'invoice', 8000, 'invoiced', 'PO-7', 'INV-P7')`, b20)
	f.exec(`INSERT INTO payments (booking_id, method, amount_pence, status, payment_intent_id, paid_at)
	        VALUES ($1, 'card', 8000, 'paid', 'pi_3', $2)`, b32, paid)

	// Training requests (working days worked out in TestRequestFigures).
	request := func(submitted time.Time, status string, events ...any) {
		reason := ""
		if status == "declined" {
			reason = "No trainers"
		}
		id := f.id(`INSERT INTO enquiries (agency_id, requested_by, kind, course_id, audience, participants, location,
		                                   contact_name, contact_email, status, decline_reason, submitted_at, updated_at)
		            VALUES ($1, $2, 'course', $3, 'Leaders', 12, 'online', 'Kim', 'kim@example.org', $4, $5, $6, $6) RETURNING id`,
			f.school, f.alex, f.neglect, status, reason, submitted)
		f.exec(`INSERT INTO enquiry_events (enquiry_id, actor_id, action, status, at) VALUES ($1, $2, 'submitted', 'submitted', $3)`,
			id, f.alex, submitted)
		for i := 0; i < len(events); i += 2 {
			action, at := events[i].(string), events[i+1].(time.Time)
			f.exec(`INSERT INTO enquiry_events (enquiry_id, actor_id, action, status, at) VALUES ($1, $2, $3, $3, $4)`,
				id, f.alex, action, at)
		}
	}
	request(utc(2026, 6, 1, 9, 0), "accepted", "accepted", utc(2026, 6, 5, 15, 0))        // R1: 4 days
	request(utc(2026, 12, 14, 10, 0), "declined", "declined", utc(2027, 1, 5, 10, 0))     // R2: 13 days
	request(utc(2026, 3, 20, 10, 0), "accepted", "accepted", utc(2026, 4, 2, 10, 0))      // R3: made the year before, 9 days
	request(utc(2027, 3, 25, 10, 0), "submitted")                                         // R4: waiting
	request(utc(2027, 3, 29, 10, 0), "accepted", "accepted", utc(2027, 4, 2, 10, 0))      // R5: decided the year after
	request(utc(2026, 9, 1, 10, 0), "declined", "info_requested", utc(2026, 9, 3, 10, 0), // R6: 21 days
		"declined", utc(2026, 9, 30, 10, 0))
	return f
}

func asManager(ctx context.Context) context.Context {
	return actor.With(ctx, actor.Actor{ID: 1, Manager: true, Verified: true})
}

func TestDeliveryFigures(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	d, err := f.svc.Delivery(asManager(f.ctx), f.year)
	require.NoError(t, err)

	// By course, by title: Domestic abuse has S3 and S9 delivered (8 + 8
	// places; 3 booked on S3, none on S9; 2 attended) and S4 cancelled.
	// Neglect has S1, S8, S2 (10 + 6 + 5 places; booked 8 + 4 + 4; attended
	// 7 + 3 + 2). The draft S7 and the out-of-year S5 and S6 are nowhere.
	assert.Equal(t, []report.DeliveryRow{
		{CourseID: f.abuse, Course: "Domestic abuse", Delivered: 2, Cancelled: 1, Offered: 16, Booked: 3, Attended: 2},
		{CourseID: f.neglect, Course: "Neglect", Delivered: 3, Offered: 21, Booked: 16, Attended: 12},
	}, d.ByCourse)
	// By London month: S8 at 00:30 BST on 1 June is June (31 May in UTC).
	month := func(y int, m time.Month) time.Time { return london.Midnight(y, m, 1) }
	want := []report.DeliveryRow{
		{Month: month(2026, time.May), Delivered: 1, Offered: 10, Booked: 8, Attended: 7},
		{Month: month(2026, time.June), Delivered: 1, Offered: 6, Booked: 4, Attended: 3},
		{Month: month(2026, time.October), Delivered: 1, Offered: 8, Booked: 3, Attended: 2},
		{Month: month(2026, time.November), Cancelled: 1},
		{Month: month(2027, time.January), Delivered: 1, Offered: 8},
		{Month: month(2027, time.March), Delivered: 1, Offered: 5, Booked: 4, Attended: 2},
	}
	require.Len(t, d.ByMonth, len(want))
	for i := range want {
		assert.True(t, want[i].Month.Equal(d.ByMonth[i].Month), "month %d: %v, want %v", i, d.ByMonth[i].Month, want[i].Month)
		d.ByMonth[i].Month = want[i].Month
	}
	assert.Equal(t, want, d.ByMonth)
	assert.Equal(t, report.DeliveryRow{Delivered: 5, Cancelled: 1, Offered: 37, Booked: 19, Attended: 14}, d.Total)
	assert.InDelta(t, 19.0/37, d.Total.FillRate(), 1e-9)
	assert.InDelta(t, 14.0/19, d.Total.AttendanceRate(), 1e-9)

	// Read at noon on 31 March 2027, S2 (23:30 that night) is still to come:
	// its places are not counted yet.
	early := report.New(f.pool, func() time.Time { return utc(2027, 3, 31, 12, 0) })
	d, err = early.Delivery(asManager(f.ctx), f.year)
	require.NoError(t, err)
	assert.Equal(t, report.DeliveryRow{Delivered: 4, Cancelled: 1, ToCome: 1, Offered: 32, Booked: 15, Attended: 12}, d.Total)

	// A period of the one day 31 March 2027 holds S2 and not S6 (00:30 BST
	// on 1 April, though 31 March in UTC).
	day, err := report.Dates(utc(2027, 3, 31, 12, 0), utc(2027, 3, 31, 12, 0))
	require.NoError(t, err)
	d, err = f.svc.Delivery(asManager(f.ctx), day)
	require.NoError(t, err)
	assert.Equal(t, report.DeliveryRow{Delivered: 1, Offered: 5, Booked: 4, Attended: 2}, d.Total)
}

func TestAttendanceFigures(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	a, err := f.svc.Attendance(asManager(f.ctx), f.year)
	require.NoError(t, err)

	// By agency (the unlisted organisation, with no name, first):
	//   unlisted: S1 b16 attended.
	//   Police: S1 b1, S2 b20 b21, S3 b10 attended (b9 moved, b12 and b26
	//     waiting and b17 left are not places).
	//   Health: S1 b2 b8 attended (b7 substituted is not), S2 b22 absent and
	//     b23 not marked, S3 b24 attended (S8's expired offers are not places).
	//   Education: S1 b3 late and b15 attended; b5 and S8's one cancelled late
	//     (b6 on time is not counted; b29's open offer is not a place).
	//   Youth: S1 b4 absent and b11 attended (erased since: still Youth's),
	//     S3 b25 absent, S8 3 attended and 1 absent.
	assert.Equal(t, []report.Places{
		{AgencyID: 0, Agency: "", Sector: "", Booked: 1, Attended: 1},
		{AgencyID: f.police, Agency: "County Police", Sector: "police", Booked: 4, Attended: 4},
		{AgencyID: f.health, Agency: "Hospital Trust", Sector: "health", Booked: 5, Attended: 3, Absent: 1, Unmarked: 1},
		{AgencyID: f.school, Agency: "Northside School", Sector: "education", Booked: 2, Attended: 2, ArrivedLate: 1, CancelledLate: 2},
		{AgencyID: f.youth, Agency: "Youth Club", Sector: "voluntary_community", Booked: 7, Attended: 4, Absent: 3},
	}, a.ByAgency)
	// One agency per sector here, so the sectors repeat the agencies, by key.
	assert.Equal(t, []report.Places{
		{Sector: "", Booked: 1, Attended: 1},
		{Sector: "education", Booked: 2, Attended: 2, ArrivedLate: 1, CancelledLate: 2},
		{Sector: "health", Booked: 5, Attended: 3, Absent: 1, Unmarked: 1},
		{Sector: "police", Booked: 4, Attended: 4},
		{Sector: "voluntary_community", Booked: 7, Attended: 4, Absent: 3},
	}, a.BySector)
	assert.Equal(t, report.Places{Booked: 19, Attended: 14, ArrivedLate: 1, Absent: 4, Unmarked: 1, CancelledLate: 2}, a.Total)

	// Sectors in the room: S1 police, health, education, voluntary (the
	// unlisted organisation brings none) = 4; S8 voluntary = 1; S3 police
	// and health = 2; S9 nobody = 0; S2 police = 1.
	assert.Equal(t, []report.SessionMix{
		{SessionID: f.s1, Course: "Neglect", Sectors: 4, Agencies: 4, Attended: 7},
		{SessionID: f.s8, Course: "Neglect", Sectors: 1, Agencies: 1, Attended: 3},
		{SessionID: f.s3, Course: "Domestic abuse", Sectors: 2, Agencies: 2, Attended: 2},
		{SessionID: f.s9, Course: "Domestic abuse"},
		{SessionID: f.s2, Course: "Neglect", Sectors: 1, Agencies: 1, Attended: 2},
	}, withoutStarts(a.Sessions))
	assert.Equal(t, [5]int{1, 2, 1, 0, 1}, a.Mix)
}

func withoutStarts(in []report.SessionMix) []report.SessionMix {
	out := make([]report.SessionMix, len(in))
	for i, s := range in {
		s.StartsAt = time.Time{}
		out[i] = s
	}
	return out
}

func TestNonAttendanceFigures(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	n, err := f.svc.NonAttendance(asManager(f.ctx), f.year)
	require.NoError(t, err)
	lost := map[string]int{}
	for _, r := range n.ByAgency {
		lost[r.Agency] = r.PlacesLost()
	}
	// Health: b22 absent. Education: b5 and S8's one cancelled late.
	// Youth: b4, b25 and S8's one absent.
	assert.Equal(t, map[string]int{"": 0, "County Police": 0, "Hospital Trust": 1, "Northside School": 2, "Youth Club": 3}, lost)
	bySector := map[string][2]int{}
	for _, r := range n.BySector {
		bySector[r.Sector] = [2]int{r.Absent, r.CancelledLate}
	}
	assert.Equal(t, map[string][2]int{"": {0, 0}, "police": {0, 0}, "health": {1, 0}, "education": {0, 2}, "voluntary_community": {3, 0}}, bySector)
	assert.Equal(t, 4, n.Total.Absent)
	assert.Equal(t, 2, n.Total.CancelledLate)
	assert.Equal(t, 6, n.Total.PlacesLost())
}

func TestUnmetDemandFigures(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	u, err := f.svc.UnmetDemand(asManager(f.ctx), f.year)
	require.NoError(t, err)
	// Domestic abuse: S3 and S9 delivered; S3's b26 still waiting.
	// Neglect: S1, S8, S2 delivered; S1's b12 waiting and b13 expired (b14's
	// person got a place by b15, b17 left); S8's two expired offers; S2's
	// b29 offer still open when it ran.
	assert.Equal(t, []report.Unmet{
		{CourseID: f.abuse, Course: "Domestic abuse", Sessions: 2, SessionsTurned: 1, PeopleNotPlaced: 1},
		{CourseID: f.neglect, Course: "Neglect", Sessions: 3, SessionsTurned: 3, PeopleNotPlaced: 5},
	}, u.ByCourse)
	assert.Equal(t, report.Unmet{Sessions: 5, SessionsTurned: 4, PeopleNotPlaced: 6}, u.Total)
}

func TestRequestFigures(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	// The working days by hand, checked against workday:
	//   R1 Mon 1 June to Fri 5 June 2026: 2, 3, 4, 5 June = 4.
	//   R3 Fri 20 March to Thu 2 April 2026: 23-27 March, 30, 31 March,
	//      1, 2 April = 9.
	//   R2 Mon 14 December 2026 to Tue 5 January 2027: 15-18, 21-24 December,
	//      29-31 December, 4, 5 January = 13 (Christmas Day, Boxing Day's
	//      substitute on Monday 28 December and New Year's Day are not).
	//   R6 Tue 1 to Wed 30 September 2026: 21 (the information asked for on
	//      3 September does not stop the clock: the decision does).
	for _, c := range []struct {
		from, to time.Time
		days     int
	}{
		{utc(2026, 6, 1, 9, 0), utc(2026, 6, 5, 15, 0), 4},
		{utc(2026, 3, 20, 10, 0), utc(2026, 4, 2, 10, 0), 9},
		{utc(2026, 12, 14, 10, 0), utc(2027, 1, 5, 10, 0), 13},
		{utc(2026, 9, 1, 10, 0), utc(2026, 9, 30, 10, 0), 21},
	} {
		require.Equal(t, c.days, workday.Between(c.from, c.to), "%v to %v", c.from, c.to)
	}

	r, err := f.svc.Requests(asManager(f.ctx), f.year)
	require.NoError(t, err)
	// Received: R1, R2, R4, R5, R6 (R3 was made the year before). Accepted
	// in the year: R1, R3 (R5 the year after). Declined: R2, R6. Days 4, 9,
	// 13, 21 against 10: two within, two past; the lower median 9.
	assert.Equal(t, report.Requests{Period: f.year, Received: 5, Accepted: 2, Declined: 2, TargetDays: 10,
		WithinTarget: 2, PastTarget: 2, MedianDays: 9, LongestDays: 21}, r)

	f.svc.ResponseDays = 12 // R2's 13 days still past it; R1 and R3 within
	r, err = f.svc.Requests(asManager(f.ctx), f.year)
	require.NoError(t, err)
	assert.Equal(t, [2]int{2, 2}, [2]int{r.WithinTarget, r.PastTarget})
	f.svc.ResponseDays = 13
	r, err = f.svc.Requests(asManager(f.ctx), f.year)
	require.NoError(t, err)
	assert.Equal(t, [2]int{3, 1}, [2]int{r.WithinTarget, r.PastTarget}, "13 days is within a target of 13")
}

func TestMoneyFigures(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	m, err := f.svc.Money(asManager(f.ctx), f.year)
	require.NoError(t, err)
	tally := func(n int, pence money.Pence) report.Tally { return report.Tally{N: n, Pence: pence} }
	// b5's late cancellation paid £25; b4's absence proposed £50, b22's
	// waived £50, b25's invoiced £75; b31's (S5, the year before) not counted.
	assert.Equal(t, []report.Charges{
		{Kind: "late_cancellation", Paid: tally(1, 2500)},
		{Kind: "non_attendance", Proposed: tally(1, 5000), Waived: tally(1, 5000), Invoiced: tally(1, 7500)},
	}, m.ByKind)
	assert.Equal(t, report.Charges{Proposed: tally(1, 5000), Waived: tally(1, 5000), Invoiced: tally(1, 7500), Paid: tally(1, 2500)}, m.Charges)
	// b2 paid £80, b24 paid £120 and refunded, b20 £80 owed on invoice; b32
	// (S6, the year after) not counted. Income £200 - £120 = £80.
	assert.Equal(t, report.PlaceIncome{Paid: tally(2, 20000), Refunded: tally(1, 12000), Owed: tally(1, 8000)}, m.Places)
	assert.Equal(t, money.Pence(8000), m.Places.Income())
}

func TestContributionLedger(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	l, err := f.svc.Ledger(asManager(f.ctx), f.year)
	require.NoError(t, err)
	// Given (minutes): Police: Alex S1 180 + S9 360 + S2 180, Cal S3 360 =
	// 1080 in 4 deliveries (Cal's cancelled S4 and out-of-year S6, and
	// Alex's S5 the year before, are not). Health: Bea S1 180 + S3 360 = 540 in 2 (her draft S7 is not).
	// Received: Police S1 b1 180, S2 b20 b21 360, S3 b10 360 = 900 (4
	// places). Health S1 b2 b8 360, S3 b24 360 = 720 (3). Education S1 b3
	// b15 = 360 (2). Youth S1 b11 180 + S8's 3 × 180 = 720 (4). Unlisted
	// S1 b16 180 (1).
	assert.Equal(t, []report.Contribution{
		{AgencyID: 0, PlacesAttended: 1, MinutesReceived: 180},
		{AgencyID: f.police, Agency: "County Police", Sector: "police", Deliveries: 4, MinutesGiven: 1080, PlacesAttended: 4, MinutesReceived: 900},
		{AgencyID: f.health, Agency: "Hospital Trust", Sector: "health", Deliveries: 2, MinutesGiven: 540, PlacesAttended: 3, MinutesReceived: 720},
		{AgencyID: f.school, Agency: "Northside School", Sector: "education", PlacesAttended: 2, MinutesReceived: 360},
		{AgencyID: f.youth, Agency: "Youth Club", Sector: "voluntary_community", PlacesAttended: 4, MinutesReceived: 720},
	}, l.Agencies)
	assert.Equal(t, report.Contribution{Deliveries: 6, MinutesGiven: 1620, PlacesAttended: 14, MinutesReceived: 2880}, l.Total)
	assert.Equal(t, int64(180), l.Agencies[1].BalanceMinutes(), "police gave 3 hours more than it took")
	assert.Equal(t, int64(-180), l.Agencies[2].BalanceMinutes())
	assert.InDelta(t, 18.0, l.Agencies[1].HoursGiven(), 1e-9)

	trainers, err := f.svc.Trainers(asManager(f.ctx), f.year)
	require.NoError(t, err)
	type row struct {
		session   int64
		course    string
		minutes   int64
		coTrainer string
	}
	got := map[string][]row{}
	totals := map[string]int64{}
	for _, tr := range trainers {
		for _, s := range tr.Sessions {
			got[tr.Name+" ("+tr.Agency+")"] = append(got[tr.Name+" ("+tr.Agency+")"], row{s.SessionID, s.Course, s.Minutes, s.CoTrainers})
		}
		totals[tr.Name] = tr.Minutes
	}
	assert.Equal(t, map[string][]row{
		"Alex Trainer (County Police)": {{f.s1, "Neglect", 180, "Bea Trainer"}, {f.s9, "Domestic abuse", 360, ""}, {f.s2, "Neglect", 180, ""}},
		"Bea Trainer (Hospital Trust)": {{f.s1, "Neglect", 180, "Alex Trainer"}, {f.s3, "Domestic abuse", 360, "Cal Trainer"}},
		"Cal Trainer (County Police)":  {{f.s3, "Domestic abuse", 360, "Bea Trainer"}},
	}, got)
	assert.Equal(t, map[string]int64{"Alex Trainer": 720, "Bea Trainer": 540, "Cal Trainer": 360}, totals)
	require.Len(t, trainers, 3)
	assert.Equal(t, "Alex Trainer", trainers[0].Name)
	assert.True(t, trainers[0].Sessions[0].StartsAt.Equal(utc(2026, 5, 12, 8, 30)))
}

func TestFiguresAreForManagersOnly(t *testing.T) {
	t.Parallel()
	svc := report.New(pgtest.New(t), func() time.Time { return boardNow })
	year := report.PartnershipYear(boardNow)
	for _, ctx := range []context.Context{
		context.Background(),
		actor.With(context.Background(), actor.Actor{ID: 2, Trainer: true, Coordinator: true, Verified: true}),
	} {
		_, err := svc.Delivery(ctx, year)
		assert.True(t, errs.Is(err, errs.Forbidden))
		_, err = svc.Attendance(ctx, year)
		assert.ErrorIs(t, err, report.ErrForbidden)
		_, err = svc.NonAttendance(ctx, year)
		assert.ErrorIs(t, err, report.ErrForbidden)
		_, err = svc.UnmetDemand(ctx, year)
		assert.ErrorIs(t, err, report.ErrForbidden)
		_, err = svc.Requests(ctx, year)
		assert.ErrorIs(t, err, report.ErrForbidden)
		_, err = svc.Money(ctx, year)
		assert.ErrorIs(t, err, report.ErrForbidden)
		_, err = svc.Ledger(ctx, year)
		assert.ErrorIs(t, err, report.ErrForbidden)
		_, err = svc.Trainers(ctx, year)
		assert.ErrorIs(t, err, report.ErrForbidden)
	}
}

// A period with nothing in it gives every figure as zero, never an error.
func TestFiguresOfAnEmptyPeriod(t *testing.T) {
	t.Parallel()
	f := newBoard(t)
	ctx := asManager(f.ctx)
	empty := report.PartnershipYear(utc(2030, 6, 1, 12, 0))
	d, err := f.svc.Delivery(ctx, empty)
	require.NoError(t, err)
	assert.Equal(t, report.Delivery{Period: empty}, d)
	a, err := f.svc.Attendance(ctx, empty)
	require.NoError(t, err)
	assert.Equal(t, report.Attendance{Period: empty}, a)
	n, err := f.svc.NonAttendance(ctx, empty)
	require.NoError(t, err)
	assert.Equal(t, report.NonAttendance{Period: empty}, n)
	u, err := f.svc.UnmetDemand(ctx, empty)
	require.NoError(t, err)
	assert.Equal(t, report.UnmetDemand{Period: empty}, u)
	r, err := f.svc.Requests(ctx, empty)
	require.NoError(t, err)
	assert.Equal(t, report.Requests{Period: empty, TargetDays: 10}, r)
	m, err := f.svc.Money(ctx, empty)
	require.NoError(t, err)
	assert.Equal(t, report.Money{Period: empty}, m)
	l, err := f.svc.Ledger(ctx, empty)
	require.NoError(t, err)
	assert.Equal(t, report.Ledger{Period: empty}, l)
	tr, err := f.svc.Trainers(ctx, empty)
	require.NoError(t, err)
	assert.Empty(t, tr)
}

// PostgreSQL counts a request's working days as workday does: checked on
// requests made and decided around weekends, the clock changes and the
// Easter, May, August and Christmas bank holidays, each decided on a day of
// its own so a one-day period holds it alone.
func TestRequestWorkingDaysAreWorkdays(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	ctx := context.Background()
	var agency, person, course int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO agencies (name, sector, charging_band) VALUES ('A', 'police', 'partner') RETURNING id`).Scan(&agency))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email, full_name, agency_id, password_hash) VALUES ('a@example.org', 'A', $1, '!') RETURNING id`, agency).Scan(&person))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO courses (slug, title, summary, description, learning_outcomes, audience_description, audiences,
	                                                         level, duration, delivery_modes, default_capacity)
	                                        VALUES ('c', 'C', 'S.', 'D.', ARRAY['x'], 'E', ARRAY['everyone'], 1, 'half_day', ARRAY['online'], 10)
	                                        RETURNING id`).Scan(&course))
	svc := report.New(pool, func() time.Time { return boardNow })
	decisions := []struct{ made, decided time.Time }{
		{utc(2026, 3, 27, 16, 0), utc(2026, 4, 8, 9, 0)},      // over Good Friday and Easter Monday 2026
		{utc(2026, 4, 3, 10, 0), utc(2026, 4, 7, 10, 0)},      // made on Good Friday
		{utc(2026, 4, 25, 10, 0), utc(2026, 5, 5, 10, 0)},     // made on a Saturday, over the May bank holiday
		{utc(2026, 5, 22, 23, 30), utc(2026, 6, 1, 10, 0)},    // 00:30 BST on Saturday 23 May; Spring bank holiday
		{utc(2026, 6, 8, 23, 30), utc(2026, 6, 12, 10, 0)},    // 00:30 BST on Tuesday 9 June: Tuesday is its day, not Monday
		{utc(2026, 6, 26, 10, 0), utc(2026, 6, 30, 23, 30)},   // decided 00:30 BST on Wednesday 1 July
		{utc(2026, 8, 28, 10, 0), utc(2026, 9, 1, 10, 0)},     // over the August bank holiday
		{utc(2026, 10, 23, 22, 30), utc(2026, 10, 27, 0, 30)}, // over the clocks going back
		{utc(2026, 11, 2, 10, 0), utc(2026, 11, 2, 15, 0)},    // decided the day it was made
		{utc(2026, 12, 18, 10, 0), utc(2027, 1, 6, 10, 0)},    // over Christmas and New Year
		{utc(2027, 3, 26, 10, 0), utc(2027, 3, 29, 22, 30)},   // over the clocks going forward; 23:30 BST on the Monday
	}
	for _, d := range decisions {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO enquiries (agency_id, requested_by, kind, course_id, audience, participants, location,
		                                                         contact_name, contact_email, status, submitted_at, updated_at)
		                                        VALUES ($1, $2, 'course', $3, 'All', 5, 'online', 'Kim', 'kim@example.org', 'accepted', $4, $5)
		                                        RETURNING id`, agency, person, course, d.made, d.decided).Scan(&id))
		_, err := pool.Exec(ctx, `INSERT INTO enquiry_events (enquiry_id, actor_id, action, status, at) VALUES ($1, $2, 'accepted', 'accepted', $3)`,
			id, person, d.decided)
		require.NoError(t, err)
	}
	for _, d := range decisions {
		day, err := report.Dates(d.decided, d.decided)
		require.NoError(t, err)
		r, err := svc.Requests(asManager(ctx), day)
		require.NoError(t, err)
		require.Equal(t, 1, r.Accepted, "one decision on %s", day)
		assert.Equal(t, workday.Between(d.made, d.decided), r.LongestDays, "made %v, decided %v", d.made, d.decided)
	}
}
