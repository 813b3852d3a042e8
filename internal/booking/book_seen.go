package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
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

// asksApproval says whether p's booking by who waits for their line
// manager, as approvalHours does, from what BookingCheck read.
func asksApproval(who actor.Actor, p person, c bookingdb.BookingCheckRow) bool {
	return !who.Manager && who.ID == p.ID && p.AgencyID != nil && c.AgencyApproval
}

// takeAsSeen takes the place in one statement that locks the session, if
// its terms are still those c read: confirmed (or held for payment) while a
// seat is free, else on the waiting list if r asks. The email and the jobs
// are written from what c read, with no second read under the lock. A
// session changed since c was read is booked by bookLocked instead.
func (s *Service) takeAsSeen(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, who actor.Actor, p person,
	c bookingdb.BookingCheckRow, r Request, capReason string, now time.Time) (Outcome, error) {
	d := r.Details
	price := money.Pence(0) // with no payments wired, every place is free (paid.go)
	if s.Money != nil {
		price = money.Pence(c.PricePence) // as payment's PlacePrice: the same SQL function
	}
	free := bookingdb.BookingStatus(Confirmed)
	var until *time.Time
	if price > 0 && !who.Manager {
		// A paid place is held while its person pays; a manager adding
		// someone confirms it at once (the partnership's own decision).
		u := now.Add(s.paymentHold())
		free, until = bookingdb.BookingStatus(Held), &u
	}
	took, err := q.TakePlaceAsSeen(ctx, bookingdb.TakePlaceAsSeenParams{
		SessionID: c.ID, Terms: c.Terms, UserID: p.ID, AgencyID: p.AgencyID, FreeStatus: free, BookedBy: who.ID,
		AccessNeeds: d.AccessNeeds, DietaryNeeds: d.DietaryNeeds, LineManagerName: d.LineManagerName,
		LineManagerEmail: d.LineManagerEmail, Now: now, HoldUntil: until, JoinWaitingList: r.JoinWaitingList,
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// Changed meanwhile (moved, cancelled, capped...): check again, under the lock.
		return s.bookLocked(ctx, tx, q, who, p, c.ID, r, capReason, now)
	case err != nil:
		return Outcome{}, fmt.Errorf("take place on session %d: %w", c.ID, err)
	case took.BookingID == 0:
		return Outcome{}, ErrFull
	}
	b := placeDetail(c, took.BookingID, Status(took.Status), who, d, now, until)
	switch b.Status {
	case bookingdb.BookingStatus(Held):
		return Outcome{BookingID: b.ID, Status: Held, Price: price}, s.scheduleHoldExpiry(ctx, tx, b.ID, *until)
	case bookingdb.BookingStatus(Waiting):
		return Outcome{BookingID: b.ID, Status: Waiting}, s.send(ctx, tx, q, []bookingdb.BookingDetail{b}, msgWaiting)
	}
	reminders := s.reminderJobs(bookingdb.ReminderSessionRow{
		ID: c.ID, Status: c.Status, StartsAt: c.StartsAt, MeetingUrl: c.MeetingUrl, VenueOnline: c.VenueOnline,
	}, catchUpJoining)
	return Outcome{BookingID: b.ID, Status: Confirmed}, s.send(ctx, tx, q, []bookingdb.BookingDetail{b}, msgConfirmed, reminders...)
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
