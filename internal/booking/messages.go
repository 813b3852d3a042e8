package booking

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/ical"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/money"
)

// The emails a booking sends, in plain English, each written in the same
// transaction as its cause. A place confirmed or changed carries a calendar
// invitation (REQUEST); a place that ends carries its cancellation (CANCEL).

type messageKind int

const (
	msgConfirmed messageKind = iota
	msgWaiting
	msgOffered
	msgOfferExpired
	msgCancelled
	msgSubstitutedOut
	msgSessionCancelled
	msgAbsent
	msgMoved
	msgTakenOffWaitingList
	msgSessionMoved
	msgMovedFrom            // the place a move took the person from: cancels its invitation
	msgReminder             // a few days before the session
	msgJoining              // an online session's joining instructions, 48 hours before
	msgHoldLapsed           // a paid place not paid for in time
	msgLatePaymentRefunded  // a payment that came after its place had gone
	msgStrayPaymentRefunded // a card payment for a place already put on the invoice
	msgAwaitingApproval     // a place waiting for the line manager's approval (approval.go)
	msgApprovedToPay        // a paid place approved: now held for payment
	msgApprovalDeclined     // the line manager declined the place
	msgApprovalLapsed       // the line manager did not answer in time
)

// tell writes the email of kind about booking id to the person booked (and,
// for a non-attendance, to their line manager too).
func (s *Service) tell(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, id int64, kind messageKind) error {
	if s.outbox == nil {
		return nil
	}
	b, err := q.GetBooking(ctx, id)
	if err != nil {
		return fmt.Errorf("booking %d for email: %w", id, err)
	}
	return s.send(ctx, tx, q, []bookingdb.BookingDetail{b}, kind)
}

// tellAll is tell for each booking in ids, reading them in one query and
// writing their emails in one insert: a change that tells everyone on a
// session costs the same few statements, under the session's lock, for one
// person as for thirty.
func (s *Service) tellAll(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, ids []int64, kind messageKind) error {
	if s.outbox == nil || len(ids) == 0 {
		return nil
	}
	rows, err := q.BookingsByIDs(ctx, ids)
	if err != nil {
		return fmt.Errorf("bookings %v for email: %w", ids, err)
	}
	found := make(map[int64]bool, len(rows))
	for _, b := range rows {
		found[b.ID] = true
	}
	for _, id := range ids {
		if !found[id] {
			return fmt.Errorf("booking %d for email: %w", id, pgx.ErrNoRows)
		}
	}
	return s.send(ctx, tx, q, rows, kind)
}

// send writes the email of kind about each booking of rows, read in the
// transaction tx after the change they tell of, and queues them all at once,
// with any other jobs of the change (also).
func (s *Service) send(ctx context.Context, tx pgx.Tx, q *bookingdb.Queries, rows []bookingdb.BookingDetail, kind messageKind, also ...river.InsertManyParams) error {
	if s.outbox == nil || len(rows) == 0 && len(also) == 0 {
		return nil
	}
	messages, err := s.messagesFor(ctx, q, rows, kind)
	if err != nil {
		return err
	}
	if err := s.outbox.EnqueueAll(ctx, tx, messages, also...); err != nil {
		return fmt.Errorf("emails about %d bookings: %w", len(rows), err)
	}
	return nil
}

// messagesFor is the emails of kind about each booking of rows (none to a
// person erased).
func (s *Service) messagesFor(ctx context.Context, q *bookingdb.Queries, rows []bookingdb.BookingDetail, kind messageKind) ([]email.Message, error) {
	// A move is a new booking, so a new event: the old one's invitation is
	// cancelled too, in an email of its own (an email carries one invitation),
	// sent first so that the newest email is the new place.
	movedFrom := map[int64]bookingdb.BookingDetail{}
	if kind == msgMoved {
		var old []int64
		for _, b := range rows {
			if b.MovedFromID != 0 && !b.PersonErased {
				old = append(old, b.MovedFromID)
			}
		}
		if len(old) > 0 {
			olds, err := q.BookingsByIDs(ctx, old)
			if err != nil {
				return nil, fmt.Errorf("bookings %v for email: %w", old, err)
			}
			for _, o := range olds {
				movedFrom[o.ID] = o
			}
		}
	}
	messages := make([]email.Message, 0, len(rows))
	for _, b := range rows {
		if b.PersonErased {
			continue // no one to tell: the address is gone
		}
		userID := b.UserID
		if kind == msgMoved && b.MovedFromID != 0 {
			old, ok := movedFrom[b.MovedFromID]
			if !ok {
				return nil, fmt.Errorf("booking %d for email: %w", b.MovedFromID, pgx.ErrNoRows)
			}
			subject, letter := s.compose(old, msgMovedFrom)
			messages = append(messages, email.Message{
				To: b.PersonEmail, ToName: b.PersonName, Subject: subject, Body: letter.Text(), HTML: letter.HTML(), UserID: &userID,
				Calendar: s.calendar(old, msgMovedFrom), Partnership: partnershipOf(old),
			})
		}
		subject, letter := s.compose(b, kind)
		messages = append(messages, email.Message{
			To: b.PersonEmail, ToName: b.PersonName, Subject: subject, Body: letter.Text(), HTML: letter.HTML(), UserID: &userID,
			Calendar: s.calendar(b, kind), Partnership: partnershipOf(b),
		})
		if kind == msgAbsent && b.LineManagerEmail != "" {
			lm := s.lineManagerAbsence(b)
			messages = append(messages, email.Message{
				To: b.LineManagerEmail, ToName: b.LineManagerName, Subject: "Non-attendance: " + b.PersonName + " – " + b.CourseTitle,
				Body: lm.Text(), HTML: lm.HTML(), Partnership: partnershipOf(b),
			})
		}
	}
	return messages, nil
}

// calendar is the invitation an email of kind carries, or nil for none.
func (s *Service) calendar(b bookingdb.BookingDetail, kind messageKind) *email.Calendar {
	switch kind {
	case msgConfirmed, msgMoved, msgSessionMoved, msgReminder, msgJoining: // msgMoved: the booking moved to
		return &email.Calendar{Method: email.MethodRequest, Data: ical.Request(s.event(b), s.now()), Filename: "invitation.ics"}
	case msgCancelled, msgSubstitutedOut, msgMovedFrom:
		return s.cancellation(b)
	case msgSessionCancelled:
		if Status(b.Status) == Cancelled { // a place, not a waiting-list entry: it was in their diary
			return s.cancellation(b)
		}
	}
	return nil
}

func (s *Service) cancellation(b bookingdb.BookingDetail) *email.Calendar {
	e := s.event(b)
	e.Sequence++ // above the last invitation's, or calendars ignore it
	return &email.Calendar{Method: email.MethodCancel, Data: ical.Cancel(e, s.now()), Filename: "cancellation.ics"}
}

// event is booking b as a calendar event. Its UID is the booking's, so it
// stays the same for the booking's life; its sequence is the session's,
// which rises each time the session's time or place changes.
func (s *Service) event(b bookingdb.BookingDetail) ical.Event {
	location := "Online"
	if !b.VenueOnline {
		location = b.VenueName
		if b.VenueAddress != "" {
			location += ", " + b.VenueAddress
		}
	}
	var d strings.Builder
	d.WriteString(b.CourseTitle)
	if summary := strings.TrimSpace(b.CourseSummary); summary != "" {
		d.WriteString("\n\n" + summary)
	}
	if b.VenueOnline && Status(b.Status) == Confirmed && b.MeetingUrl != "" {
		d.WriteString("\n\nJoin online: " + b.MeetingUrl)
	}
	link := s.link(fmt.Sprintf("/bookings/%d", b.ID))
	d.WriteString("\n\nYour booking: " + link)
	return ical.Event{
		UID:         fmt.Sprintf("booking-%d@%s", b.ID, s.host()),
		Sequence:    int(b.SessionSequence),
		Start:       b.StartsAt,
		End:         b.EndsAt,
		Summary:     b.CourseTitle,
		Description: d.String(),
		Location:    location,
		URL:         link,
		Organizer:   s.organizer(signerOf(b)),
		Attendee:    ical.Person{Name: b.PersonName, Email: b.PersonEmail},
		Alarm:       24 * time.Hour,
	}
}

// host names the service in invitation UIDs and the default organiser address.
func (s *Service) host() string {
	if s.baseURL != nil && s.baseURL.Hostname() != "" {
		return s.baseURL.Hostname()
	}
	return "localhost"
}

// signer is the partnership whose session a letter or invitation is about:
// it is signed in its name and comes from its training team. The zero signer
// is the configured partnership (PARTNERSHIP_NAME, TRAINING_EMAIL,
// TRAINING_PHONE), as is the first partnership until it is given details of
// its own, so a deployment with one partnership writes as it always did.
type signer struct{ name, email, phone string }

// partnershipOf is the partnership whose email one about b is: its
// session's (nil for a row read without it, which the service then keeps).
func partnershipOf(b bookingdb.BookingDetail) *int64 {
	if b.PartnershipID == 0 {
		return nil
	}
	id := b.PartnershipID
	return &id
}

// signerOf is the partnership of b's session.
func signerOf(b bookingdb.BookingDetail) signer {
	if b.PartnershipConfigured || b.PartnershipName == "" {
		return signer{}
	}
	return signer{name: b.PartnershipName, email: b.PartnershipEmail, phone: b.PartnershipPhone}
}

// organizer is who invitations are from: the session's partnership, else
// Organizer if set, else the partnership at a bookings mailbox, since an
// invitation needs an organiser.
func (s *Service) organizer(by signer) ical.Person {
	o := s.Organizer
	if by.name != "" {
		o.Name = by.name
	}
	if by.email != "" {
		o.Email = by.email
	}
	if o.Name == "" {
		o.Name = s.partnership
	}
	if o.Name == "" {
		o.Name = "Book safeguarding training"
	}
	if a, err := mail.ParseAddress(o.Email); err == nil {
		o.Email = a.Address // "Name <address>" from EMAIL_FROM
	} else {
		o.Email = "bookings@" + s.host()
	}
	return o
}

// CalendarFile is the calendar file of a confirmed booking, for its person (or
// whoever may see it, as Get). Other bookings answer ErrNotFound.
func (s *Service) CalendarFile(ctx context.Context, id int64) ([]byte, error) {
	who := actor.From(ctx)
	b, err := bookingdb.New(s.pool).GetBooking(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("booking %d: %w", id, err)
	}
	if !mayChange(who, b) || Status(b.Status) != Confirmed || b.PersonErased {
		return nil, ErrNotFound
	}
	return ical.Request(s.event(b), s.now()), nil
}

// NotifySessionMoved tells everyone with a place on session id, in tx, that
// its time or place has changed, with an updated invitation, and schedules its
// reminders for the new time. The caller has already saved the change and
// raised the session's sequence.
func (s *Service) NotifySessionMoved(ctx context.Context, tx pgx.Tx, id int64) error {
	q := bookingdb.New(tx)
	if _, err := lockSession(ctx, q, id); err != nil {
		return err
	}
	// Everyone's place in one query, their emails in one insert.
	places, err := q.ConfirmedBookingsOfSession(ctx, id)
	if err != nil {
		return fmt.Errorf("places of session %d: %w", id, err)
	}
	if err := s.send(ctx, tx, q, places, msgSessionMoved); err != nil {
		return err
	}
	// Reminders for the new time; those scheduled for the old one find the
	// session moved and do nothing.
	return s.scheduleReminders(ctx, tx, q, id, catchUpAll)
}

// from signs every letter: the partnership's name and how to reach its
// training team.
func (s *Service) from(by signer) email.Signature {
	name := by.name
	if name == "" {
		name = s.partnership
	}
	if name == "" {
		name = "The safeguarding partnership"
	}
	phone := by.phone
	if phone == "" {
		phone = s.Contact.Phone
	}
	return email.Signature{
		Team:        "Book safeguarding training",
		Partnership: name,
		Email:       s.organizer(by).Email,
		Phone:       phone,
		Website:     s.link("/"),
	}
}

func place(b bookingdb.BookingDetail) string {
	if b.VenueOnline {
		return "Online (" + b.VenueName + ")"
	}
	if b.VenueAddress != "" {
		return b.VenueName + ", " + b.VenueAddress
	}
	return b.VenueName
}

// compose writes the email of kind about booking b: its subject and the
// letter, sent as both text and HTML.
func (s *Service) compose(b bookingdb.BookingDetail, kind messageKind) (subject string, l email.Letter) {
	what := email.Details(b.CourseTitle, london.When(b.StartsAt, b.EndsAt), place(b))
	booking := email.LinkTo("See or change your booking", s.link(fmt.Sprintf("/bookings/%d", b.ID)))
	mine := email.LinkTo("Your training", s.link("/my-training"))
	p := email.Para
	l = email.Letter{Greeting: "Dear " + b.PersonName + ",", From: s.from(signerOf(b))}
	add := func(blocks ...email.Block) { l.Blocks = append(l.Blocks, blocks...) }
	switch kind {
	case msgConfirmed:
		subject = "Booking confirmed: " + b.CourseTitle
		add(p("Your place is booked on:"), what)
		if s.now().Before(b.BookingCutoffAt) {
			add(p(fmt.Sprintf("If you cannot go, cancel before %s so someone on the waiting list can have the place: "+
				"cancelling later is recorded as a late cancellation and your agency may be charged. "+
				"You can also pass your place to a colleague from your agency.",
				london.LongDate(b.BookingCutoffAt)+", "+london.Clock(b.BookingCutoffAt))))
		} else {
			add(p("If you cannot go, pass your place to a colleague from your agency: cancelling now is recorded " +
				"as a late cancellation and your agency may be charged."))
		}
		if b.PaidPence > 0 && b.BookedBy == b.UserID && b.MovedFromID == 0 {
			add(p("You have paid " + money.Pence(b.PaidPence).String() + " by card for this place."))
		}
		add(p("The calendar invitation with this email puts the session in your diary."), booking)
	case msgWaiting:
		subject = "You are on the waiting list: " + b.CourseTitle
		add(p("The session is full, so you are on its waiting list:"), what,
			p("If a place comes up, we will email you at once and hold it for you for a limited time. "+
				"You can leave the waiting list at any time."),
			email.LinkTo("See your place on the waiting list", s.link(fmt.Sprintf("/bookings/%d", b.ID))))
	case msgOffered:
		subject = "A place is available for you: " + b.CourseTitle
		deadline := ""
		if b.OfferExpiresAt != nil {
			deadline = london.Clock(*b.OfferExpiresAt) + " on " + london.LongDate(*b.OfferExpiresAt)
		}
		add(p("A place has come up on a session you are waiting for:"), what,
			p(fmt.Sprintf("We are holding it for you until %s. To take it, accept the offer:", deadline)),
			email.LinkTo("Accept or decline the place", s.link(fmt.Sprintf("/bookings/%d", b.ID))),
			p("If you do not accept it by then, it will be offered to the next person waiting."))
	case msgOfferExpired:
		subject = "Your offer of a place has expired: " + b.CourseTitle
		add(p("The place we held for you was not accepted in time, so it has been offered to the next person waiting:"), what,
			email.LinkTo("Look for another session of this course", s.link("/courses/"+b.CourseSlug)))
	case msgCancelled:
		subject = "Booking cancelled: " + b.CourseTitle
		add(p("Your place has been cancelled on:"), what)
		if b.Late {
			add(p("It is recorded as a late cancellation."))
		}
		if b.RefundPence > 0 {
			add(p("We are refunding the " + money.Pence(b.RefundPence).String() + " you paid to the card you paid with. " +
				"It usually reaches your account within 5 to 10 working days."))
		} else if b.PaidPence > 0 {
			add(p("It was cancelled after the cut-off, so the " + money.Pence(b.PaidPence).String() + " you paid is not refunded."))
		}
		add(p("The cancellation with this email takes the session out of your diary."), mine)
	case msgSubstitutedOut:
		subject = "Your place has passed to a colleague: " + b.CourseTitle
		add(p("Your place on this session has been passed to a colleague from your agency:"), what,
			p("You no longer have a place. The cancellation with this email takes the session out of your diary."), mine)
	case msgSessionCancelled:
		subject = "Session cancelled: " + b.CourseTitle
		add(p("We are sorry: the partnership has cancelled this session."), what)
		if b.EndNote != "" {
			add(p("Reason: " + b.EndNote))
		}
		if b.RefundPence > 0 {
			add(p("You will not be charged: we are refunding the " + money.Pence(b.RefundPence).String() + " you paid to your card."))
		} else {
			add(p("You will not be charged."))
		}
		add(p("The cancellation with this email takes the session out of your diary."),
			email.LinkTo("Book another session of this course", s.link("/courses/"+b.CourseSlug)))
	case msgMoved:
		subject = "Your place has been moved: " + b.CourseTitle
		add(p("The training team has moved your place to another session of this course. Your place is now on:"), what,
			p("Your place on the session you booked before has gone. The calendar invitation with this email puts the new session in your diary."),
			booking)
	case msgSessionMoved:
		subject = "Session changed: " + b.CourseTitle
		add(p("The time or place of a session you are booked on has changed. It is now:"), what,
			p("Your place is still booked. The calendar invitation with this email updates the one we sent before."),
			p("If you can no longer go, you can cancel or pass your place to a colleague."), booking)
	case msgMovedFrom:
		subject = "Removed from your calendar: " + b.CourseTitle
		add(p("The training team has moved your place from this session to another one:"), what,
			p("This email takes the old session out of your diary. We have sent your new session in another email."), mine)
	case msgReminder:
		subject = "Reminder: " + b.CourseTitle + ", " + london.LongDate(b.StartsAt)
		add(p("This is a reminder that you have a place on:"), what,
			p("If you cannot go now, pass your place to a colleague from your agency, or cancel it so someone "+
				"on the waiting list can have it. Cancelling after the cut-off is recorded as a late cancellation."),
			booking)
	case msgJoining:
		subject = "Joining instructions: " + b.CourseTitle
		add(p("Your online session is coming up:"), what,
			p("Join it at the start time with this link:"),
			email.LinkTo("Join the session", b.MeetingUrl),
			p("Please join a few minutes early to check your sound and camera."), booking)
	case msgTakenOffWaitingList:
		subject = "You are no longer waiting for a place: " + b.CourseTitle
		add(p("The training team has taken you off the waiting list, or withdrawn the place offered or held for you, for:"), what,
			p("If you think this is wrong, reply to this email or contact the training team."), mine)
	case msgHoldLapsed:
		subject = "Your place was not paid for in time: " + b.CourseTitle
		add(p("We held a place for you while you paid, but the payment was not completed in time, so the place has been released:"), what,
			p("You have not been charged. If you still want to go, you can book again while places are left."),
			email.LinkTo("Book this course", s.link("/courses/"+b.CourseSlug)))
	case msgLatePaymentRefunded:
		subject = "Your payment has been refunded: " + b.CourseTitle
		add(p("Your payment reached us after the place was no longer held for you, and the session has no place for you now:"), what,
			p("We are refunding the "+money.Pence(b.PaidPence).String()+" you paid, in full, to the card you paid with. "+
				"It usually reaches your account within 5 to 10 working days. We are sorry for the trouble."),
			email.LinkTo("Look for another session of this course", s.link("/courses/"+b.CourseSlug)))
	case msgStrayPaymentRefunded:
		subject = "Your card payment has been refunded: " + b.CourseTitle
		add(p("Your place was confirmed on your agency’s invoice, and a card payment for the same place also reached us:"), what,
			p("We are refunding that card payment in full, to the card it was made with. "+
				"It usually reaches your account within 5 to 10 working days. Your place is still booked."),
			booking)
	case msgAwaitingApproval, msgApprovedToPay, msgApprovalDeclined, msgApprovalLapsed:
		subject = s.composeApproval(b, kind, what, add)
	case msgAbsent:
		subject = "You were recorded as not attending: " + b.CourseTitle
		add(p("The register for this session records that you did not attend:"), what,
			p("Your line manager has been told, and your agency may be charged for the place. "+
				"If this is wrong, reply to this email or contact the training team."),
			email.LinkTo("Your training record", s.link("/my-training")))
	}
	return subject, l
}

// lineManagerAbsence is the letter to the line manager a person named when
// booking, after the register records them absent.
func (s *Service) lineManagerAbsence(b bookingdb.BookingDetail) email.Letter {
	return email.Letter{
		Greeting: "Dear " + b.LineManagerName + ",",
		From:     s.from(signerOf(b)),
		Blocks: []email.Block{
			email.Para(b.PersonName + ", who gave you as their line manager when booking, was recorded as not attending:"),
			email.Details(b.CourseTitle, london.When(b.StartsAt, b.EndsAt), place(b)),
			email.Para("Places on multi-agency safeguarding training are limited, and an empty place is one another " +
				"practitioner could have had. Please talk to them about it."),
		},
	}
}

// FeedEvents are person's confirmed places on sessions ending since since,
// described as their invitations describe them (the same UID, so a calendar
// holding both sees one event), for their personal calendar feed. A feed
// is published, not sent to anyone, so its events name no attendee.
func (s *Service) FeedEvents(ctx context.Context, personID int64, since time.Time) ([]ical.Event, error) {
	// One query however many places: calendar apps poll this.
	rows, err := bookingdb.New(s.pool).FeedBookings(ctx, bookingdb.FeedBookingsParams{UserID: personID, Since: since})
	if err != nil {
		return nil, fmt.Errorf("bookings of %d for their feed: %w", personID, err)
	}
	events := make([]ical.Event, 0, len(rows))
	for _, b := range rows {
		e := s.event(b)
		e.Attendee = ical.Person{}
		events = append(events, e)
	}
	return events, nil
}
