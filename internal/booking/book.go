package booking

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

// Details is what the booking form asks for.
type Details struct {
	AccessNeeds      string
	DietaryNeeds     string
	LineManagerName  string
	LineManagerEmail string
	AgreePolicy      bool
}

// Field names, as the form names its inputs.
const (
	FieldAccessNeeds      = "access-needs"
	FieldDietaryNeeds     = "dietary-needs"
	FieldLineManagerName  = "line-manager-name"
	FieldLineManagerEmail = "line-manager-email"
	FieldAgreePolicy      = "agree-policy"
	FieldColleagueEmail   = "colleague-email"
)

// clean tidies typed text and checks each field, in the form's order.
func (d Details) clean() (Details, error) {
	var v validation.Errors
	d.AccessNeeds = validation.CleanText(d.AccessNeeds)
	d.DietaryNeeds = validation.CleanText(d.DietaryNeeds)
	d.LineManagerName = validation.CleanLine(d.LineManagerName)
	typed := validation.CleanLine(d.LineManagerEmail)
	d.LineManagerEmail = validation.Email(typed)
	switch {
	case d.LineManagerName == "":
		v.Add(FieldLineManagerName, "Enter your line manager’s name")
	case len([]rune(d.LineManagerName)) > 200:
		v.Add(FieldLineManagerName, "Your line manager’s name must be 200 characters or fewer")
	case validation.HasHiddenFormatting(d.LineManagerName):
		v.Add(FieldLineManagerName, validation.HiddenFormattingMessage("Your line manager’s name"))
	}
	switch {
	case typed == "":
		v.Add(FieldLineManagerEmail, "Enter your line manager’s email address")
	case d.LineManagerEmail == "":
		v.Add(FieldLineManagerEmail, "Enter your line manager’s email address in the correct format, like name@example.org")
	}
	if len([]rune(d.AccessNeeds)) > 1000 {
		v.Add(FieldAccessNeeds, "Access needs must be 1000 characters or fewer")
	}
	if len([]rune(d.DietaryNeeds)) > 1000 {
		v.Add(FieldDietaryNeeds, "Dietary needs must be 1000 characters or fewer")
	}
	if !d.AgreePolicy {
		v.Add(FieldAgreePolicy, "Confirm that you agree to the cancellation policy")
	}
	return d, v.Err()
}

// CheckDetails checks a booking form's details as Book will, so a form
// that asks more than Book does can show every problem at once.
func CheckDetails(d Details) error {
	_, err := d.clean()
	return err
}

// Request asks for a place on a session for one person.
type Request struct {
	SessionID int64
	PersonID  int64 // who the place is for: the actor, or someone they book for
	Details
	// InviteToken is the closed session's secret link, when booking through it.
	InviteToken string
	// JoinWaitingList joins the waiting list when the session is full, or
	// the person's agency holds every place its cap allows, rather than
	// failing with ErrFull or a *CapError.
	JoinWaitingList bool
	// CapReason is a manager's reason for booking someone past their
	// agency's or sector's cap; without it a reached cap is refused.
	CapReason string
	// PrerequisiteOverride is a manager's reason for booking someone who
	// lacks a prerequisite of the course.
	PrerequisiteOverride string
	// remember keeps the line manager given on the person's own profile,
	// for their next booking: a booking they make themselves (Book).
	remember bool
	// underLock checks everything again under the session's lock, the
	// place taken after (bookLocked): for a booking the fast way could not
	// make, or one made in a transaction that does more than book.
	underLock bool
}

// Outcome is what a booking request produced.
type Outcome struct {
	BookingID int64
	Status    Status      // Confirmed, Held (for payment), AwaitingApproval or Waiting
	Price     money.Pence // what a Held place costs
}

// person is the one a place is for.
type person struct {
	ID       int64
	Email    string
	Name     string
	AgencyID *int64
}

// Book asks for a place. It returns validation.Errors for bad details, or
// one of the package's errors when the place cannot be had; nothing is
// changed unless it succeeds. A person booking for themselves has the line
// manager they gave kept on their profile, for their next booking.
func (s *Service) Book(ctx context.Context, r Request) (Outcome, error) {
	who := actor.From(ctx)
	d, detailsErr := r.Details.clean()
	r.Details = d
	// Booked for them by their coordinator, their own profile changes only
	// by their own hand.
	r.remember = who.ID == r.PersonID
	var out Outcome
	bookTx := func(tx pgx.Tx, q *bookingdb.Queries) error {
		var err error
		out, err = s.book(ctx, tx, q, who, r, detailsErr, s.now())
		return err
	}
	err := s.inPipelinedTx(ctx, bookTx) // the place may carry the COMMIT (takeAsSeen)
	if errors.Is(err, errNoLongerAsSeen) {
		// Rolled back, its email with it: book again, under the lock.
		r.underLock = true
		err = s.inTx(ctx, bookTx)
	}
	if pgerr.Violates(err, "bookings_one_live") {
		return Outcome{}, ErrAlreadyBooked
	} else if CapViolated(err) {
		return Outcome{}, ErrCapReached
	} else if err != nil {
		return Outcome{}, err
	}
	return out, nil
}

// book makes the booking r, whose details are clean, in the caller's
// transaction: a confirmed place while one is free, else a place on the
// waiting list if asked for. detailsErr is what cleaning the details found:
// it is returned only once the person is known to be allowed to book, so
// someone who may not book is told that, not asked to fix the form.
//
// Everything that can be checked without the session's lock is, first, in
// one read (BookingCheck); the email and jobs of the place that read
// foresees are written; then one statement takes the lock and the place
// (TakePlaceAsSeen), so the lock is held only for that statement and the
// commit: every booking of a popular session waits in that queue. Caps and
// line-manager approval count other people's places, so a session with caps
// in force, or a person whose agency asks for approval, is booked as
// before, checking everything under the lock (bookLocked); so is r when it
// asks to be (underLock). A session that changed in between, or gives
// another place than foreseen, fails with errNoLongerAsSeen, for the
// caller to roll back and book again under the lock.
func (s *Service) book(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, who actor.Actor, r Request, detailsErr error, now time.Time) (Outcome, error) {
	c, err := q.BookingCheck(ctx, bookingdb.BookingCheckParams{PersonID: r.PersonID, SessionID: r.SessionID})
	if errors.Is(err, pgx.ErrNoRows) {
		return Outcome{}, ErrNotFound // no such person, or no such session
	} else if err != nil {
		return Outcome{}, fmt.Errorf("check booking of session %d for %d: %w", r.SessionID, r.PersonID, err)
	}
	p, err := checkedPerson(who, c)
	if err != nil {
		return Outcome{}, err
	}
	se := checkedSession(c)
	if err := mayBook(who, p, se, r.InviteToken, now); err != nil {
		return Outcome{}, err
	}
	if c.Delivers {
		return Outcome{}, ErrDelivers
	}
	if c.HasPrerequisites {
		if err := s.prerequisites(ctx, tx, p.ID, se.ID, r.PrerequisiteOverride); err != nil {
			return Outcome{}, err
		}
	}
	switch {
	case c.LiveBookingID != 0 && Status(c.LiveStatus) == Waiting:
		return Outcome{}, ErrAlreadyWaiting
	case c.LiveBookingID != 0:
		return Outcome{}, ErrAlreadyBooked
	}
	if detailsErr != nil {
		return Outcome{}, detailsErr
	}
	capReason, err := capReasonFor(who, r.CapReason)
	if err != nil {
		return Outcome{}, err
	}
	locked := r.underLock || capsOf(se.AgencyCap, se.SectorCap, se.CapsReleaseAt).Active(now) || asksApproval(who, p, c)
	if !locked && c.SeatsTaken >= c.Capacity && !r.JoinWaitingList {
		// Full when read, to a person who would rather not wait (as
		// takeAsSeen would say): no lock, and nothing to remember, since a
		// refused booking's transaction is rolled back. Half of a popular
		// session's rush is answered so.
		return Outcome{}, fullAsRead(c, s.Money != nil)
	}
	if r.remember && (c.RememberedLineManagerName != r.LineManagerName || c.RememberedLineManagerEmail != r.LineManagerEmail) {
		// Before the session's lock, which it does not need.
		if err := account.RememberLineManagerTx(ctx, tx, p.ID, r.LineManagerName, r.LineManagerEmail); err != nil {
			return Outcome{}, err
		}
	}
	if locked {
		return s.bookLocked(ctx, tx, q, who, p, se.ID, r, capReason, now)
	}
	return s.takeAsSeen(ctx, tx, q, who, p, c, r, now)
}

// bookLocked books r under session sessionID's lock, checking again that
// it is open to p as it now stands, then its caps and whether the person's
// line manager must approve: what book cannot check before the lock.
func (s *Service) bookLocked(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, who actor.Actor, p person, sessionID int64,
	r Request, capReason string, now time.Time) (Outcome, error) {
	d := r.Details
	se, err := lockSession(ctx, q, sessionID)
	if err != nil {
		return Outcome{}, err
	}
	if err := mayBook(who, p, se, r.InviteToken, now); err != nil {
		return Outcome{}, err
	}
	capped := false
	switch err := capReached(ctx, q, se.ID, p.AgencyID, capsOf(se.AgencyCap, se.SectorCap, se.CapsReleaseAt), now); {
	case err == nil:
		capReason = "" // within the caps: nothing to explain
	case !isCapError(err):
		return Outcome{}, err
	case capReason != "":
		// A manager's decision, recorded on the place.
	case r.JoinWaitingList:
		capped = true
	default:
		return Outcome{}, err
	}
	price, err := s.price(ctx, tx, se.ID, p.AgencyID)
	if err != nil {
		return Outcome{}, err
	}
	if capped {
		return s.joinWaitingList(ctx, tx, q, who, p, se.ID, d, now, true)
	}
	if out, waits, err := s.bookForApproval(ctx, tx, q, who, p, se, r, price, now); waits || err != nil {
		return out, err // waiting for the line manager (approval.go)
	}
	if price > 0 && !who.Manager {
		// A paid place is held while its person pays; a manager adding
		// someone confirms it at once (the partnership's own decision).
		until := now.Add(s.paymentHold())
		id, err := q.HoldPlace(ctx, bookingdb.HoldPlaceParams{
			UserID: p.ID, AgencyID: p.AgencyID, BookedBy: who.ID, AccessNeeds: d.AccessNeeds,
			DietaryNeeds: d.DietaryNeeds, LineManagerName: d.LineManagerName, LineManagerEmail: d.LineManagerEmail,
			Now: now, HoldUntil: until, SessionID: se.ID, CapExceededReason: capReason,
		})
		switch {
		case err == nil:
			return Outcome{BookingID: id, Status: Held, Price: price}, s.scheduleHoldExpiry(ctx, tx, id, until)
		case !errors.Is(err, pgx.ErrNoRows):
			return Outcome{}, fmt.Errorf("hold place: %w", err)
		case !r.JoinWaitingList:
			return Outcome{}, ErrFull
		}
	}
	id, err := q.TakePlace(ctx, bookingdb.TakePlaceParams{
		UserID: p.ID, AgencyID: p.AgencyID, BookedBy: who.ID, AccessNeeds: d.AccessNeeds,
		DietaryNeeds: d.DietaryNeeds, LineManagerName: d.LineManagerName, LineManagerEmail: d.LineManagerEmail,
		Now: now, SessionID: se.ID, CapExceededReason: capReason,
	})
	switch {
	case err == nil:
		return Outcome{BookingID: id, Status: Confirmed}, s.confirmed(ctx, tx, q, id, se.ID, msgConfirmed)
	case !errors.Is(err, pgx.ErrNoRows):
		return Outcome{}, fmt.Errorf("take place: %w", err)
	case !r.JoinWaitingList:
		return Outcome{}, ErrFull
	}
	return s.joinWaitingList(ctx, tx, q, who, p, se.ID, d, now, false)
}

// joinWaitingList puts p on session sessionID's waiting list: when it is
// full, or when capped, because their agency or sector holds every place
// its cap allows.
func (s *Service) joinWaitingList(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, who actor.Actor, p person, sessionID int64, d Details, now time.Time, capped bool) (Outcome, error) {
	id, err := q.JoinWaitingList(ctx, bookingdb.JoinWaitingListParams{
		UserID: p.ID, AgencyID: p.AgencyID, BookedBy: who.ID, AccessNeeds: d.AccessNeeds,
		DietaryNeeds: d.DietaryNeeds, LineManagerName: d.LineManagerName, LineManagerEmail: d.LineManagerEmail,
		Now: now, SessionID: sessionID, Capped: capped,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Outcome{}, ErrNotFull // cannot happen under the lock, but never wait for nothing
	} else if err != nil {
		return Outcome{}, fmt.Errorf("join waiting list: %w", err)
	}
	return Outcome{BookingID: id, Status: Waiting}, s.tell(ctx, tx, q, id, msgWaiting)
}

// notTrainerOf refuses a place on a session to someone who delivers it:
// they are there already, and a place would go to waste.
func notTrainerOf(ctx context.Context, q *bookingdb.Queries, sessionID, personID int64) error {
	delivers, err := q.PersonDeliversSession(ctx, bookingdb.PersonDeliversSessionParams{SessionID: sessionID, UserID: personID})
	if err != nil {
		return fmt.Errorf("trainers of session %d: %w", sessionID, err)
	}
	if delivers {
		return ErrDelivers
	}
	return nil
}

// mayBook checks the session is open to this person now. Managers may add
// people after the cut-off (until the session starts) and to any closed
// session; others need a published session before its cut-off, and for a
// closed session, to be of its agency and to come through its invite link
// (a coordinator of that agency needs no link).
func mayBook(who actor.Actor, p person, se bookingdb.LockSessionForBookingRow, token string, now time.Time) error {
	switch catalogue.SessionStatus(se.Status) {
	case catalogue.SessionPublished:
	case catalogue.SessionDraft:
		return ErrNotFound
	default:
		return ErrNotBookable
	}
	if !now.Before(se.StartsAt) {
		return ErrNotBookable
	}
	if who.Manager {
		return nil
	}
	if catalogue.CutoffPassed(se.BookingCutoffAt, now) {
		return ErrCutoffPassed
	}
	if se.ClosedToAgencyID != nil {
		if p.AgencyID == nil || *p.AgencyID != *se.ClosedToAgencyID {
			return ErrNeedsInvite
		}
		if who.Coordinates(se.ClosedToAgencyID) {
			return nil
		}
		if se.InviteToken == nil || subtle.ConstantTimeCompare([]byte(token), []byte(*se.InviteToken)) != 1 {
			return ErrNeedsInvite
		}
	}
	return nil
}

// offerFreePlaces offers any free places of a session (whose row the caller
// has locked) to the people waiting, in order, and tells each of them.
func (s *Service) offerFreePlaces(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, sessionID int64, now time.Time) error {
	se, err := q.LockSessionForBooking(ctx, sessionID) // locked already: this reads its caps
	if err != nil {
		return fmt.Errorf("session %d: %w", sessionID, err)
	}
	only, err := offerableUnderCaps(ctx, q, se, now)
	if err != nil {
		return err
	}
	offers, err := q.OfferFreePlaces(ctx, bookingdb.OfferFreePlacesParams{
		SessionID: sessionID, Now: now, Deadline: now.Add(s.offerWindow()), OnlyIds: only,
	})
	if err != nil {
		return fmt.Errorf("offer free places of session %d: %w", sessionID, err)
	}
	deadlines := make([]time.Time, 0, len(offers))
	ids := make([]int64, 0, len(offers))
	for _, o := range offers {
		ids = append(ids, o.ID)
		if o.OfferExpiresAt != nil {
			deadlines = append(deadlines, *o.OfferExpiresAt)
		}
	}
	if err := s.tellAll(ctx, tx, q, ids, msgOffered); err != nil {
		return err
	}
	return s.scheduleOfferExpiry(ctx, tx, sessionID, deadlines)
}

// FillPlaces offers a session's free places to its waiting list, in the
// caller's transaction: for a change made elsewhere that frees places, such
// as a manager raising the capacity.
func (s *Service) FillPlaces(ctx context.Context, tx pgx.Tx, sessionID int64) error {
	q := bookingdb.New(tx)
	if _, err := lockSession(ctx, q, sessionID); err != nil {
		return err
	}
	deadlines, err := q.CapOfferDeadlines(ctx, sessionID)
	if err != nil {
		return fmt.Errorf("cap offers of session %d: %w", sessionID, err)
	}
	// Offers cut short by an earlier cut-off expire at it: a job for that time.
	if err := s.scheduleOfferExpiry(ctx, tx, sessionID, deadlines); err != nil {
		return err
	}
	return s.offerFreePlaces(ctx, tx, q, sessionID, s.now())
}

// AcceptOffer turns the person's offer into a confirmed place, if it is
// still open, or for a paid place, a place Held while they pay. It can
// succeed once.
func (s *Service) AcceptOffer(ctx context.Context, bookingID int64) error {
	who := actor.From(ctx)
	return s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, se, err := lockBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		now := s.now() // after the wait for the lock
		if b.UserID != who.ID {
			return ErrNotFound
		}
		if !catalogue.OpenForBooking(catalogue.SessionStatus(se.Status), se.BookingCutoffAt, now) {
			return ErrOfferGone // the session was cancelled or moved inside its cut-off
		}
		if waits, err := s.acceptOfferForApproval(ctx, tx, q, who, b, se, now); waits || err != nil {
			return err // waiting for the line manager (approval.go)
		}
		price, err := s.price(ctx, tx, b.SessionID, b.AgencyID)
		if err != nil {
			return err
		}
		if price > 0 { // a paid place: held while they pay
			until := now.Add(s.paymentHold())
			if _, err := q.HoldOffer(ctx, bookingdb.HoldOfferParams{ID: b.ID, Now: now, HoldUntil: until}); errors.Is(err, pgx.ErrNoRows) {
				return ErrOfferGone
			} else if err != nil {
				return fmt.Errorf("accept offer %d: %w", b.ID, err)
			}
			return s.scheduleHoldExpiry(ctx, tx, b.ID, until)
		}
		if _, err := q.ConfirmOffer(ctx, bookingdb.ConfirmOfferParams{ID: b.ID, Now: now}); errors.Is(err, pgx.ErrNoRows) {
			return ErrOfferGone
		} else if err != nil {
			return fmt.Errorf("accept offer %d: %w", b.ID, err)
		}
		return s.confirmed(ctx, tx, q, b.ID, b.SessionID, msgConfirmed)
	})
}

// Leave takes a person off a session's waiting list, or declines the place
// they were offered (which passes to the next person waiting).
func (s *Service) Leave(ctx context.Context, bookingID int64) error {
	who := actor.From(ctx)
	return s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, se, err := lockBooking(ctx, q, bookingID)
		if err != nil {
			return err
		}
		now := s.now()
		if !mayChange(who, b) {
			return ErrNotFound
		}
		if Status(b.Status) != Waiting && Status(b.Status) != Offered {
			return ErrWrongState
		}
		if !now.Before(se.StartsAt) {
			return ErrStarted
		}
		if err := end(ctx, q, b.ID, Left, who.ID, now, false, "", nil, Waiting, Offered); err != nil {
			return err
		}
		return s.offerFreePlaces(ctx, tx, q, b.SessionID, now)
	})
}

// ExpireOffers ends the offers whose time is up and passes each place to
// the next person waiting (or back to the pool after the cut-off). It
// returns how many offers expired. Each offer's own job (OfferExpiryArgs)
// does this at its deadline; this is the sweep's, for any it missed. An
// expired offer cannot be accepted even before either runs.
func (s *Service) ExpireOffers(ctx context.Context) (int, error) {
	return s.expireOffers(ctx, s.now())
}

// expireOffers expires the offers of each session with an offer due by
// dueBy (the sweep looks only at offers overdue by its grace).
func (s *Service) expireOffers(ctx context.Context, dueBy time.Time) (int, error) {
	sessions, err := bookingdb.New(s.pool).ExpiredOfferSessions(ctx, dueBy)
	if err != nil {
		return 0, fmt.Errorf("sessions with expired offers: %w", err)
	}
	return eachSession(sessions, func(id int64) (int, error) { return s.expireSessionOffers(ctx, id) })
}

// expireSessionOffers ends session id's offers due now, tells each person,
// and offers the places on, in one transaction under the session's lock. An
// offer accepted, declined or ended meanwhile is no longer offered, so it
// is not touched. It returns how many offers expired.
func (s *Service) expireSessionOffers(ctx context.Context, id int64) (int, error) {
	count := 0
	err := s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		count = 0 // a retried transaction starts again
		if _, err := lockSession(ctx, q, id); err != nil {
			return err
		}
		now := s.now() // after the wait for the lock
		expired, err := q.ExpireOffers(ctx, bookingdb.ExpireOffersParams{SessionID: id, Now: now})
		if err != nil {
			return fmt.Errorf("expire offers of session %d: %w", id, err)
		}
		if err := s.tellAll(ctx, tx, q, expired, msgOfferExpired); err != nil {
			return err
		}
		count = len(expired)
		return s.offerFreePlaces(ctx, tx, q, id, now)
	})
	return count, err
}

// end moves a live booking to an ended status, from one of the given states.
func end(ctx context.Context, q *bookingdb.Queries, id int64, status Status, by int64, now time.Time, late bool, note string, replacedBy *int64, from ...Status) error {
	var endedBy *int64
	if by != 0 {
		endedBy = &by
	}
	_, err := q.EndBooking(ctx, bookingdb.EndBookingParams{
		ID: id, Status: bookingdb.BookingStatus(status), Now: now, EndedBy: endedBy, Late: late, EndNote: note, ReplacedBy: replacedBy, FromStates: statusNames(from),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrWrongState
	} else if err != nil {
		return fmt.Errorf("booking %d to %s: %w", id, status, err)
	}
	return nil
}
