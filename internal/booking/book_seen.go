package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment/money"
)

// The booking's fast way in (book): what BookingCheck read, turned into the
// person and session the checks take, and the place taken in one statement
// with the session's lock (TakePlaceAsSeen).

// checkedPerson is the person c read, if who may book for them and they can
// be booked: a confirmed email address, not erased.
func checkedPerson(who actor.Actor, c bookingdb.BookingCheckRow) (person, error) {
	if c.Erased {
		return person{}, ErrNotFound
	}
	if who.ID != c.PersonID && !who.Manager && !who.Coordinates(c.PersonAgencyID) {
		return person{}, ErrForbidden
	}
	if !c.Verified {
		return person{}, ErrUnverified
	}
	return person{ID: c.PersonID, Email: c.PersonEmail, Name: c.PersonName, AgencyID: c.PersonAgencyID}, nil
}

// checkedSession is the session as c read it, without its lock.
func checkedSession(c bookingdb.BookingCheckRow) bookingdb.LockSessionForBookingRow {
	return bookingdb.LockSessionForBookingRow{
		ID: c.ID, CourseID: c.CourseID, CourseTitle: c.CourseTitle, Status: c.Status, Capacity: c.Capacity,
		SeatsTaken: c.SeatsTaken, StartsAt: c.StartsAt, EndsAt: c.EndsAt, BookingCutoffAt: c.BookingCutoffAt,
		ClosedToAgencyID: c.ClosedToAgencyID, InviteToken: c.InviteToken, MeetingUrl: c.MeetingUrl,
		VenueName: c.VenueName, VenueOnline: c.VenueOnline, AgencyCap: c.AgencyCap, SectorCap: c.SectorCap,
		CapsReleaseAt: c.CapsReleaseAt,
	}
}

// fullAsRead is the answer to a booking refused as full when c was read:
// a *FullError with the session as SessionToBook reads it, from c. Its
// caps are not in force (such a booking is checked under the lock) and,
// published, it has no reason for cancelling. A session closed to an
// agency is plain ErrFull, for the caller to read the agency's name.
func fullAsRead(c bookingdb.BookingCheckRow, priced bool) error {
	if c.ClosedToAgencyID != nil {
		return ErrFull
	}
	se := SessionToBook{
		ID: c.ID, CourseTitle: c.CourseTitle, CourseSlug: c.CourseSlug, Status: catalogue.SessionStatus(c.Status),
		StartsAt: c.StartsAt, EndsAt: c.EndsAt, Cutoff: c.BookingCutoffAt, PlacesLeft: int(c.Capacity - c.SeatsTaken),
		VenueName: c.VenueName, VenueTown: c.VenueTown, Online: c.VenueOnline,
		Caps:          capsOf(c.AgencyCap, c.SectorCap, c.CapsReleaseAt),
		LiveBookingID: c.LiveBookingID, LiveStatus: Status(c.LiveStatus), Delivering: c.Delivers,
	}
	if priced {
		se.Price = money.Pence(c.PricePence) // as SessionToBook: the same SQL function
	}
	return &FullError{Session: se}
}

// asksApproval says whether p's booking by who waits for their line
// manager, as approvalHours does, from what BookingCheck read.
func asksApproval(who actor.Actor, p person, c bookingdb.BookingCheckRow) bool {
	return !who.Manager && who.ID == p.ID && p.AgencyID != nil && c.AgencyApproval
}

// errNoLongerAsSeen says the session is not as book read it: its terms
// changed, or the place it gives is not the one foreseen. The transaction,
// whose email and jobs tell of the place foreseen, is rolled back and the
// booking made again, checked under the lock (Book).
var errNoLongerAsSeen = errors.New("the session changed since it was read")

// takeAsSeen takes the place the session gave when c was read: confirmed
// (or held for payment) while a seat was free, else on the waiting list if
// r asks. Its email and jobs are written first, from what c read, so the
// statement that takes the session's lock and the place (TakePlaceAsSeen)
// is followed only by the commit, which goes to PostgreSQL with it, in one
// pipeline (commitAfter): the lock is released once the place is written
// and flushed, not once the app has read the answer and sent COMMIT. That
// statement takes the place only if it is still the one foreseen; if not,
// or if the session changed meanwhile, it fails, so the COMMIT after it
// commits nothing, and takeAsSeen returns errNoLongerAsSeen (ErrFull when
// the session filled and the person would rather not wait), for the caller
// to roll back. A session full when read, to a person who would rather not
// wait, is full: no lock is needed to say so. The caller's transaction must
// end with the place (Book, inPipelinedTx).
func (s *Service) takeAsSeen(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, who actor.Actor, p person,
	c bookingdb.BookingCheckRow, r Request, now time.Time) (Outcome, error) {
	d := r.Details
	price := money.Pence(0) // with no payments wired, every place is free (paid.go)
	if s.Money != nil {
		price = money.Pence(c.PricePence) // as payment's PlacePrice: the same SQL function
	}
	free := Confirmed
	var until *time.Time
	if price > 0 && !who.Manager {
		// A paid place is held while its person pays; a manager adding
		// someone confirms it at once (the partnership's own decision).
		u := now.Add(s.paymentHold())
		free, until = Held, &u
	}
	var foreseen Status
	switch {
	case c.SeatsTaken < c.Capacity:
		foreseen = free
	case r.JoinWaitingList:
		foreseen = Waiting
	default:
		return Outcome{}, ErrFull
	}
	b := placeDetail(c, c.NextBookingID, foreseen, who, d, now, until)
	out := Outcome{BookingID: b.ID, Status: foreseen}
	var err error
	switch foreseen {
	case Held:
		out.Price = price
		err = s.scheduleHoldExpiry(ctx, tx, b.ID, *until)
	case Waiting:
		err = s.send(ctx, tx, q, []bookingdb.BookingDetail{b}, msgWaiting)
	default:
		reminders := s.reminderJobs(bookingdb.ReminderSessionRow{
			ID: c.ID, Status: c.Status, StartsAt: c.StartsAt, MeetingUrl: c.MeetingUrl, VenueOnline: c.VenueOnline,
		}, catchUpJoining)
		if c.RemindersScheduled {
			// Inserted again, each would wait for the row of its twin, locked
			// by every booking of the session in flight: a second queue.
			reminders = catchUpsOnly(reminders)
		}
		err = s.send(ctx, tx, q, []bookingdb.BookingDetail{b}, msgConfirmed, reminders...)
	}
	if err != nil {
		return Outcome{}, err
	}
	took, err := bookingdb.New(commitAfter{tx}).TakePlaceAsSeen(ctx, bookingdb.TakePlaceAsSeenParams{
		SessionID: c.ID, Terms: c.Terms, BookingID: b.ID, ExpectStatus: string(foreseen), UserID: p.ID,
		AgencyID: p.AgencyID, FreeStatus: string(free), BookedBy: who.ID, AccessNeeds: d.AccessNeeds,
		DietaryNeeds: d.DietaryNeeds, LineManagerName: d.LineManagerName, LineManagerEmail: d.LineManagerEmail,
		Now: now, HoldUntil: until, JoinWaitingList: r.JoinWaitingList, RefuseOtherwise: true,
	})
	var refused *pgconn.PgError
	switch {
	case errors.As(err, &refused) && refused.Code == placeNotTaken && refused.Detail == "":
		return Outcome{}, ErrFull // filled meanwhile, and they would rather not wait
	case errors.As(err, &refused) && refused.Code == placeNotTaken:
		return Outcome{}, errNoLongerAsSeen // a seat went or came free, or the session moved, was cancelled, capped...
	case err != nil:
		return Outcome{}, fmt.Errorf("take place on session %d: %w", c.ID, err)
	case !took.Placed:
		return Outcome{}, fmt.Errorf("take place on session %d: not taken (%q) yet not refused", c.ID, took.Status)
	}
	return out, nil
}

// placeNotTaken is the SQLSTATE with which TakePlaceAsSeen refuses a place
// other than the one foreseen (booking_place_taken, migration 00075).
const placeNotTaken = "BK001"

// commitAfter sends each statement read with QueryRow with a COMMIT after
// it, in one pipeline: the transaction ends with the statement, or, if the
// statement fails, the server skips the COMMIT and the transaction stays
// open, failed, for the caller to roll back.
type commitAfter struct{ pgx.Tx }

func (c commitAfter) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	b.Queue("commit") // as pgx writes it
	return committedRow{c.SendBatch(ctx, b)}
}

// committedRow is a row read from a statement with its COMMIT after it.
type committedRow struct{ results pgx.BatchResults }

// Scan reads the statement's row, then the COMMIT's answer: an error from
// either is the row's.
func (r committedRow) Scan(dest ...any) error {
	err := r.results.QueryRow().Scan(dest...)
	if cerr := r.results.Close(); err == nil {
		err = cerr
	}
	return err
}

// placeDetail is the new booking id as GetBooking would read it after
// TakePlaceAsSeen: the person and session as BookingCheck read them (the
// session's terms unchanged since), and the place as it was taken. A new
// place has no payment, no end and was moved from nowhere.
func placeDetail(c bookingdb.BookingCheckRow, id int64, status Status, who actor.Actor, d Details, now time.Time, until *time.Time) bookingdb.BookingDetail {
	now = now.Truncate(time.Microsecond) // as PostgreSQL keeps it
	b := bookingdb.BookingDetail{
		ID: id, SessionID: c.ID, UserID: c.PersonID, AgencyID: c.PersonAgencyID, Status: bookingdb.BookingStatus(status),
		BookedBy: who.ID, AccessNeeds: d.AccessNeeds, DietaryNeeds: d.DietaryNeeds, LineManagerName: d.LineManagerName,
		LineManagerEmail: d.LineManagerEmail, PolicyAgreedAt: now, CreatedAt: now,
		PersonEmail: c.PersonEmail, PersonName: c.PersonName, CourseID: c.CourseID, CourseTitle: c.CourseTitle,
		StartsAt: c.StartsAt, EndsAt: c.EndsAt, BookingCutoffAt: c.BookingCutoffAt, SessionStatus: c.Status,
		MeetingUrl: c.MeetingUrl, ClosedToAgencyID: c.ClosedToAgencyID, VenueName: c.VenueName,
		VenueOnline: c.VenueOnline, VenueAddress: c.VenueAddress, AgencyName: c.AgencyName, CourseSlug: c.CourseSlug,
		CourseDuration: c.CourseDuration, CourseSummary: c.CourseSummary, SessionSequence: c.SessionSequence,
		PartnershipID: c.PartnershipID, PartnershipName: c.PartnershipName, PartnershipEmail: c.PartnershipEmail,
		PartnershipPhone: c.PartnershipPhone, PartnershipConfigured: c.PartnershipConfigured,
	}
	switch status {
	case Confirmed:
		b.ConfirmedAt = &now
	case Held:
		h := until.Truncate(time.Microsecond)
		b.HoldExpiresAt = &h
	case Waiting:
		b.WaitingSince = &now
	}
	return b
}
