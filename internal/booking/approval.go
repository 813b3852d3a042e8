package booking

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/validation"
)

// Line-manager approval. An agency may ask (agencies.line_manager_approval)
// that a place its staff book for themselves waits for their line manager.
// Such a booking is AwaitingApproval: it keeps its seat (so it counts
// against capacity, and every cap that counts seats) until the line manager
// answers through a link emailed to them, or the request expires
// (approval_hours after booking, never after the session starts).
//
//   - Approved: a free place is confirmed as any booking is (the email and the
//     calendar invitation); a paid place becomes Held for payment, for the
//     longer of the payment hold and the offer window (the person is told by
//     email and may not be looking), and lapses as any hold does.
//   - Declined (a reason is required), or no answer in time: the booking ends
//     (Declined, Unapproved) and the place is offered to the waiting list.
//
// Who needs approval: a practitioner booking for themselves. A training
// manager's booking is the partnership's own decision, and an agency
// coordinator booking a member of their staff is taken as the agency's
// approval, so neither waits. A place offered from the waiting list and
// accepted by the person waits in the same way.
//
// The link's token is 32 random bytes; only its SHA-256 is stored. It is
// never logged, and its pages send no referrer and are not cached.

// MaxReason is the longest reason a line manager may give.
const MaxReason = 2000

// Why an approval link does nothing.
var (
	// ErrApprovalUnknown: no request has this link (or it has been
	// forgotten once answered, as the retention schedule does).
	ErrApprovalUnknown = errs.New(errs.NotFound, "approval link not known")
	// ErrApprovalAnswered: the request was answered already.
	ErrApprovalAnswered = errs.Says(errs.Conflict, "This request has already been answered.")
	// ErrApprovalExpired: the request was not answered in time.
	ErrApprovalExpired = errs.Says(errs.Conflict, "This request has expired, so the place has been released.")
	// ErrApprovalWithdrawn: the booking ended (cancelled, or the session
	// was) before the line manager answered.
	ErrApprovalWithdrawn = errs.Says(errs.Conflict, "This booking has been cancelled, so there is nothing to approve.")
)

// Decision is a line manager's answer.
type Decision string

// The answers.
const (
	Approve Decision = Decision(bookingdb.ApprovalDecisionApproved)
	Decline Decision = Decision(bookingdb.ApprovalDecisionDeclined)
)

// ApprovalRequest is what a line manager's link shows: only this request.
type ApprovalRequest struct {
	BookingID    int64
	PersonName   string
	CourseTitle  string
	StartsAt     time.Time
	EndsAt       time.Time
	VenueName    string
	VenueAddress string
	Online       bool
	ExpiresAt    time.Time
	Decided      bool
	Decision     Decision
	// Open says the request can still be answered.
	Open bool
	// Withdrawn says the booking ended before it was answered.
	Withdrawn bool
}

// ApprovalPath is the address of a line manager's link.
func ApprovalPath(token string) string { return "/approvals/" + token }

func newApprovalToken() (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, approvalTokenHash(token)
}

func approvalTokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// bookForApproval books r a place that waits for the line manager, when
// the person's agency asks for approval (waits true); otherwise it does
// nothing, and book goes on as usual. With no free seat it fails with
// ErrFull, or, when r asks to join the waiting list, lets book put them on
// it (an offer they accept then waits for approval: acceptOfferForApproval).
func (s *Service) bookForApproval(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, who actor.Actor, p person,
	se bookingdb.LockSessionForBookingRow, r Request, price money.Pence, now time.Time) (Outcome, bool, error) {
	hours, err := approvalHours(ctx, q, who, p.ID, p.AgencyID)
	if err != nil || hours == 0 {
		return Outcome{}, false, err
	}
	id, err := s.awaitApproval(ctx, tx, q, who, p, se, r.Details, hours, now)
	switch {
	case err == nil:
		return Outcome{BookingID: id, Status: AwaitingApproval, Price: price}, true, nil
	case errors.Is(err, ErrFull) && r.JoinWaitingList:
		return Outcome{}, false, nil
	}
	return Outcome{}, true, err
}

// acceptOfferForApproval turns the person's accepted offer into a place
// that waits for their line manager, when their agency asks for approval
// (waits true); otherwise it does nothing. The caller holds the lock.
func (s *Service) acceptOfferForApproval(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, who actor.Actor,
	b bookingdb.BookingDetail, se bookingdb.LockSessionForBookingRow, now time.Time) (bool, error) {
	if b.BookedBy != b.UserID || b.LineManagerEmail == "" {
		return false, nil // their coordinator put them on the list: the agency's approval
	}
	hours, err := approvalHours(ctx, q, who, b.UserID, b.AgencyID)
	if err != nil || hours == 0 {
		return false, err
	}
	until := approvalDeadline(now, se.StartsAt, hours)
	if _, err := q.AwaitApprovalOfOffer(ctx, bookingdb.AwaitApprovalOfOfferParams{ID: b.ID, Now: now, Until: until}); errors.Is(err, pgx.ErrNoRows) {
		return true, ErrOfferGone
	} else if err != nil {
		return true, fmt.Errorf("accept offer %d for approval: %w", b.ID, err)
	}
	return true, s.askLineManager(ctx, tx, q, b.ID, b.LineManagerName, b.LineManagerEmail, now, until)
}

// approvalHours says whether person p's booking by who waits for their line
// manager, and if so for how many hours at most.
func approvalHours(ctx context.Context, q *bookingdb.Queries, who actor.Actor, personID int64, agencyID *int64) (int, error) {
	if who.Manager || who.ID != personID || agencyID == nil {
		return 0, nil
	}
	a, err := q.ApprovalSetting(ctx, *agencyID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("approval setting of agency %d: %w", *agencyID, err)
	}
	if !a.LineManagerApproval {
		return 0, nil
	}
	return int(a.ApprovalHours), nil
}

// approvalDeadline is when a request made at now expires: hours on, never
// after the session starts.
func approvalDeadline(now, startsAt time.Time, hours int) time.Time {
	until := now.Add(time.Duration(hours) * time.Hour)
	if until.After(startsAt) {
		until = startsAt
	}
	return until
}

// awaitApproval books p a place that waits for their line manager, in the
// caller's transaction under the session's lock. It returns ErrFull when
// the session has no free seat.
func (s *Service) awaitApproval(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, who actor.Actor, p person,
	se bookingdb.LockSessionForBookingRow, d Details, hours int, now time.Time) (int64, error) {
	until := approvalDeadline(now, se.StartsAt, hours)
	id, err := q.AwaitApproval(ctx, bookingdb.AwaitApprovalParams{
		UserID: p.ID, AgencyID: p.AgencyID, BookedBy: who.ID, AccessNeeds: d.AccessNeeds,
		DietaryNeeds: d.DietaryNeeds, LineManagerName: d.LineManagerName, LineManagerEmail: d.LineManagerEmail,
		Now: now, Until: until, SessionID: se.ID,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrFull
	} else if err != nil {
		return 0, fmt.Errorf("place awaiting approval: %w", err)
	}
	return id, s.askLineManager(ctx, tx, q, id, d.LineManagerName, d.LineManagerEmail, now, until)
}

// askLineManager records the request for booking id (now AwaitingApproval
// until until), emails its link to the line manager and tells the person,
// and schedules its expiry: all in the booking's transaction.
func (s *Service) askLineManager(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, id int64, name, address string, now, until time.Time) error {
	token, hash := newApprovalToken()
	if err := q.InsertApproval(ctx, bookingdb.InsertApprovalParams{
		BookingID: id, LineManagerName: name, LineManagerEmail: &address, TokenHash: hash, AskedAt: now, ExpiresAt: until,
	}); err != nil {
		return fmt.Errorf("ask approval of booking %d: %w", id, err)
	}
	if err := s.enqueue(ctx, tx, ApprovalExpiryArgs{BookingID: id, Due: at(until)}); err != nil {
		return fmt.Errorf("schedule end of approval of booking %d: %w", id, err)
	}
	if s.outbox == nil {
		return nil
	}
	b, err := q.GetBooking(ctx, id)
	if err != nil {
		return fmt.Errorf("booking %d for email: %w", id, err)
	}
	link := s.link(ApprovalPath(token))
	l := email.Letter{Greeting: "Dear " + name + ",", From: s.from(signerOf(b)), Blocks: []email.Block{
		email.Para(b.PersonName + " has booked a place on safeguarding training and gave you as their line manager. " +
			"Their agency asks line managers to approve training before the place is confirmed:"),
		email.Details(b.CourseTitle, london.When(b.StartsAt, b.EndsAt), place(b)),
		email.Para("Please approve or decline it by " + london.Clock(until) + " on " + london.LongDate(until) +
			". If there is no answer by then, the place is released."),
		email.LinkTo("Approve or decline the place", link),
		email.Para("You do not need an account. The link works only for this request; please do not pass it on."),
	}}
	if err := s.outbox.EnqueueAll(ctx, tx, []email.Message{{
		To: address, ToName: name, Subject: "Approval needed: " + b.PersonName + " – " + b.CourseTitle,
		Body: l.Text(), HTML: l.HTML(), Partnership: partnershipOf(b),
	}}); err != nil {
		return fmt.Errorf("email line manager of booking %d: %w", id, err)
	}
	// The person's email, saying until when: written here, where that is known.
	subject, letter := s.compose(b, msgAwaitingApproval)
	letter.Blocks = append(letter.Blocks,
		email.Para("Your agency asks line managers to approve training, so we are keeping a place for you on:"),
		email.Details(b.CourseTitle, london.When(b.StartsAt, b.EndsAt), place(b)),
		email.Para("We have emailed "+name+" to approve it. If they do not answer by "+london.Clock(until)+" on "+
			london.LongDate(until)+", the place is released. We will email you when they answer."),
		email.LinkTo("See or cancel your booking", s.link(fmt.Sprintf("/bookings/%d", id))))
	userID := b.UserID
	if err := s.outbox.EnqueueAll(ctx, tx, []email.Message{{
		To: b.PersonEmail, ToName: b.PersonName, Subject: subject, Body: letter.Text(), HTML: letter.HTML(), UserID: &userID,
		Partnership: partnershipOf(b),
	}}); err != nil {
		return fmt.Errorf("email person of booking %d: %w", id, err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// ApprovalByToken returns the request a line manager's link opens. A link
// no request has is ErrApprovalUnknown; one answered, expired or withdrawn
// is returned with Open false and says which.
func (s *Service) ApprovalByToken(ctx context.Context, token string) (ApprovalRequest, error) {
	if token == "" || len(token) > 100 {
		return ApprovalRequest{}, ErrApprovalUnknown
	}
	r, err := bookingdb.New(s.pool).ApprovalByToken(ctx, approvalTokenHash(token))
	if errors.Is(err, pgx.ErrNoRows) {
		return ApprovalRequest{}, ErrApprovalUnknown
	} else if err != nil {
		return ApprovalRequest{}, fmt.Errorf("approval request: %w", err)
	}
	if r.PersonErased {
		return ApprovalRequest{}, ErrApprovalUnknown
	}
	a := ApprovalRequest{
		BookingID: r.BookingID, PersonName: r.PersonName, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
		VenueName: r.VenueName, VenueAddress: r.VenueAddress, Online: r.VenueOnline, ExpiresAt: r.ExpiresAt,
		Decided: r.DecidedAt != nil,
	}
	if r.Decision != nil {
		a.Decision = Decision(*r.Decision)
	}
	live := Status(r.Status) == AwaitingApproval
	a.Open = !a.Decided && live && s.now().Before(r.ExpiresAt)
	a.Withdrawn = !a.Decided && !live && Status(r.Status) != Unapproved
	return a, nil
}

// AnswerApproval is the line manager's answer through their link: approve,
// or decline with a reason (required: a *validation.Errors otherwise). It
// can succeed once; of two answers at once, one wins and the other is
// ErrApprovalAnswered. A link expired, or whose booking has ended, changes
// nothing. The answer is audited with no actor, the person as its subject,
// and the IP it came from (actor.From(ctx).IP).
func (s *Service) AnswerApproval(ctx context.Context, token string, d Decision, reason string) error {
	reason, err := cleanReason(d, reason)
	if err != nil {
		return err
	}
	if token == "" || len(token) > 100 {
		return ErrApprovalUnknown
	}
	r, err := bookingdb.New(s.pool).ApprovalByToken(ctx, approvalTokenHash(token))
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrApprovalUnknown
	} else if err != nil {
		return fmt.Errorf("approval request: %w", err)
	}
	return s.decide(ctx, r.BookingID, d, reason, nil)
}

// ConfirmForLineManager is a training manager approving or declining a
// request on the line manager's behalf (they asked by phone, say), as
// AnswerApproval, audited as the manager's.
func (s *Service) ConfirmForLineManager(ctx context.Context, bookingID int64, d Decision, reason string) error {
	who := actor.From(ctx)
	if !who.Manager {
		return ErrForbidden
	}
	reason, err := cleanReason(d, reason)
	if err != nil {
		return err
	}
	return s.decide(ctx, bookingID, d, reason, &who.ID)
}

// invalidReason is the one problem of a reason, as the form shows it.
func invalidReason(msg string) error {
	var v validation.Errors
	v.Add(FieldReason, msg)
	return v.Err()
}

func cleanReason(d Decision, reason string) (string, error) {
	if d != Approve && d != Decline {
		return "", invalidReason("Select whether you approve the place")
	}
	reason = validation.CleanText(reason)
	if d == Approve {
		return "", nil
	}
	switch {
	case reason == "":
		return "", invalidReason("Enter why you are declining the place")
	case utf8.RuneCountInString(reason) > MaxReason:
		return "", invalidReason(fmt.Sprintf("The reason must be %d characters or fewer", MaxReason))
	case validation.HasHiddenFormatting(reason):
		return "", invalidReason(validation.HiddenFormattingMessage("The reason"))
	}
	return reason, nil
}

// decide records d on booking id's request, under its session's lock and
// the request's own, and does what it says.
func (s *Service) decide(ctx context.Context, id int64, d Decision, reason string, by *int64) error {
	who := actor.From(ctx)
	return s.inTx(ctx, func(tx pgx.Tx, q *bookingdb.Queries) error {
		b, se, err := lockBooking(ctx, q, id)
		if err != nil {
			return err
		}
		now := s.now() // after the wait for the lock
		a, err := q.LockApproval(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrApprovalUnknown
		} else if err != nil {
			return fmt.Errorf("lock approval of booking %d: %w", id, err)
		}
		switch {
		case a.DecidedAt != nil:
			return ErrApprovalAnswered
		case Status(b.Status) == Unapproved || Status(b.Status) == AwaitingApproval && !now.Before(a.ExpiresAt):
			return ErrApprovalExpired
		case Status(b.Status) != AwaitingApproval:
			return ErrApprovalWithdrawn
		}
		if _, err := q.DecideApproval(ctx, bookingdb.DecideApprovalParams{
			BookingID: id, Now: now, Decision: ptr(bookingdb.ApprovalDecision(d)),
			Reason: reason, DecidedBy: by,
		}); err != nil {
			return fmt.Errorf("decide approval of booking %d: %w", id, err)
		}
		if err := audit.RecordTx(ctx, tx, now, audit.Event{
			Action: audit.BookingApprovalDecided, ActorID: by, IP: who.IP, SubjectID: &b.UserID, AgencyID: b.AgencyID,
			Details: map[string]any{"booking": id, "session": b.SessionID, "decision": string(d)},
		}); err != nil {
			return err
		}
		if d == Decline {
			if err := end(ctx, q, id, Declined, 0, now, false, reason, nil, AwaitingApproval); err != nil {
				return err
			}
			if err := s.tell(ctx, tx, q, id, msgApprovalDeclined); err != nil {
				return err
			}
			if err := s.tellLineManager(ctx, tx, b, a.LineManagerName, a.LineManagerEmail, Declined); err != nil {
				return err
			}
			return s.offerFreePlaces(ctx, tx, q, b.SessionID, now)
		}
		price, err := s.price(ctx, tx, b.SessionID, b.AgencyID)
		if err != nil {
			return err
		}
		if err := s.tellLineManager(ctx, tx, b, a.LineManagerName, a.LineManagerEmail, Confirmed); err != nil {
			return err
		}
		if price > 0 {
			hold := max(s.paymentHold(), s.offerWindow())
			until := now.Add(hold)
			if until.After(se.StartsAt) {
				until = se.StartsAt
			}
			if _, err := q.ApproveToHeld(ctx, bookingdb.ApproveToHeldParams{ID: id, Now: now, HoldUntil: until}); err != nil {
				return fmt.Errorf("approve booking %d: %w", id, err)
			}
			if err := s.scheduleHoldExpiry(ctx, tx, id, until); err != nil {
				return err
			}
			return s.tell(ctx, tx, q, id, msgApprovedToPay)
		}
		if _, err := q.ApproveToConfirmed(ctx, bookingdb.ApproveToConfirmedParams{ID: id, Now: now}); err != nil {
			return fmt.Errorf("approve booking %d: %w", id, err)
		}
		return s.confirmed(ctx, tx, q, id, b.SessionID, msgConfirmed)
	})
}

// tellLineManager writes the line manager the outcome of their request:
// the place confirmed, declined or released for want of an answer.
func (s *Service) tellLineManager(ctx context.Context, tx pgx.Tx, b bookingdb.BookingDetail, name, address string, outcome Status) error {
	if s.outbox == nil || address == "" {
		return nil
	}
	what := email.Details(b.CourseTitle, london.When(b.StartsAt, b.EndsAt), place(b))
	var subject, said string
	switch outcome {
	case Confirmed:
		subject = "Approved: " + b.PersonName + " – " + b.CourseTitle
		said = "Thank you: you approved " + b.PersonName + "’s place, and we have told them."
	case Declined:
		subject = "Declined: " + b.PersonName + " – " + b.CourseTitle
		said = "You declined " + b.PersonName + "’s place, so it has been released, and we have told them with your reason."
	default:
		subject = "Request expired: " + b.PersonName + " – " + b.CourseTitle
		said = "We asked you to approve " + b.PersonName + "’s place, but no answer came in time, so the place has been " +
			"released and we have told them. They can book again while places are left."
	}
	l := email.Letter{Greeting: "Dear " + name + ",", From: s.from(signerOf(b)), Blocks: []email.Block{email.Para(said), what}}
	if err := s.outbox.EnqueueAll(ctx, tx, []email.Message{{
		To: address, ToName: name, Subject: subject, Body: l.Text(), HTML: l.HTML(), Partnership: partnershipOf(b),
	}}); err != nil {
		return fmt.Errorf("email line manager of booking %d: %w", b.ID, err)
	}
	return nil
}

// composeApproval writes the person's email of an approval's kind (see
// compose), adding its blocks, and returns its subject.
func (s *Service) composeApproval(b bookingdb.BookingDetail, kind messageKind, what email.Block, add func(...email.Block)) string {
	p := email.Para
	switch kind {
	case msgAwaitingApproval: // its blocks are askLineManager's, which knows until when
		return "Waiting for your line manager’s approval: " + b.CourseTitle
	case msgApprovedToPay:
		until := ""
		if b.HoldExpiresAt != nil {
			until = " by " + london.Clock(*b.HoldExpiresAt) + " on " + london.LongDate(*b.HoldExpiresAt)
		}
		add(p("Your line manager has approved your place on:"), what,
			p("The place has a fee. Pay for it"+until+" to confirm it; if it is not paid by then, it is released."),
			email.LinkTo("Pay for your place", s.link(fmt.Sprintf("/bookings/%d", b.ID))))
		return "Approved: pay to confirm your place: " + b.CourseTitle
	case msgApprovalDeclined:
		add(p("Your line manager has declined your place on:"), what)
		if b.EndNote != "" {
			add(p("Their reason: " + b.EndNote))
		}
		add(p("The place has been released. Talk to your line manager if you still need this training."),
			email.LinkTo("Look for another session of this course", s.link("/courses/"+b.CourseSlug)))
		return "Your line manager declined your place: " + b.CourseTitle
	default:
		add(p("Your line manager did not approve your place in time, so it has been released:"), what,
			p("If you still want to go, ask your line manager and book again while places are left."),
			email.LinkTo("Book this course", s.link("/courses/"+b.CourseSlug)))
		return "Your place was not approved in time: " + b.CourseTitle
	}
}
