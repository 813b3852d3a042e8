package booking

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/invite"
)

// The emails a booking sends, in plain English, each written in the same
// transaction as its cause. A place confirmed or changed carries a calendar
// invite (REQUEST); a place that ends carries its cancellation (CANCEL).

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
	msgMovedFrom // the place a move took the person from: cancels its invite
	msgReminder  // a few days before the session
	msgJoining   // an online session's joining instructions, 48 hours before
)

// tell writes the email of kind about booking id to the person booked (and,
// for a non-attendance, to their line manager too).
func (s *Service) tell(ctx context.Context, tx pgx.Tx, q *dbsqlc.Queries, id int64, kind messageKind) error {
	if s.outbox == nil {
		return nil
	}
	b, err := q.GetBooking(ctx, id)
	if err != nil {
		return fmt.Errorf("booking %d for email: %w", id, err)
	}
	if b.PersonErased {
		return nil // no one to tell: the address is gone
	}
	userID := b.UserID
	// A move is a new booking, so a new event: the old one's invite is
	// cancelled too, in an email of its own (an email carries one invite),
	// sent first so that the newest email is the new place.
	if kind == msgMoved && b.MovedFromID != 0 {
		old, err := q.GetBooking(ctx, b.MovedFromID)
		if err != nil {
			return fmt.Errorf("booking %d for email: %w", b.MovedFromID, err)
		}
		subject, body := s.compose(old, msgMovedFrom)
		if _, err := s.outbox.Enqueue(ctx, tx, email.Message{
			To: b.PersonEmail, ToName: b.PersonName, Subject: subject, Body: body, UserID: &userID,
			Calendar: s.calendar(old, msgMovedFrom),
		}); err != nil {
			return fmt.Errorf("email about booking %d: %w", old.ID, err)
		}
	}
	subject, body := s.compose(b, kind)
	if _, err := s.outbox.Enqueue(ctx, tx, email.Message{
		To: b.PersonEmail, ToName: b.PersonName, Subject: subject, Body: body, UserID: &userID,
		Calendar: s.calendar(b, kind),
	}); err != nil {
		return fmt.Errorf("email about booking %d: %w", id, err)
	}
	if kind == msgAbsent && b.LineManagerEmail != "" {
		if _, err := s.outbox.Enqueue(ctx, tx, email.Message{
			To: b.LineManagerEmail, ToName: b.LineManagerName, Subject: "Non-attendance: " + b.PersonName + " – " + b.CourseTitle,
			Body: s.lineManagerAbsence(b),
		}); err != nil {
			return fmt.Errorf("email line manager about booking %d: %w", id, err)
		}
	}
	return nil
}

// calendar is the invite an email of kind carries, or nil for none.
func (s *Service) calendar(b dbsqlc.GetBookingRow, kind messageKind) *email.Calendar {
	switch kind {
	case msgConfirmed, msgMoved, msgSessionMoved, msgReminder, msgJoining: // msgMoved: the booking moved to
		return &email.Calendar{Method: email.MethodRequest, Data: invite.Request(s.event(b), s.now()), Filename: "invite.ics"}
	case msgCancelled, msgSubstitutedOut, msgSessionCancelled, msgMovedFrom:
		return s.cancellation(b)
	}
	return nil
}

func (s *Service) cancellation(b dbsqlc.GetBookingRow) *email.Calendar {
	e := s.event(b)
	e.Sequence++ // above the last invite's, or calendars ignore it
	return &email.Calendar{Method: email.MethodCancel, Data: invite.Cancel(e, s.now()), Filename: "cancellation.ics"}
}

// event is booking b as a calendar event. Its UID is the booking's, so it
// stays the same for the booking's life; its sequence is the session's,
// which rises each time the session's time or place changes.
func (s *Service) event(b dbsqlc.GetBookingRow) invite.Event {
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
	if b.VenueOnline && b.Status == Confirmed && b.MeetingUrl != "" {
		d.WriteString("\n\nJoin online: " + b.MeetingUrl)
	}
	link := s.link(fmt.Sprintf("/bookings/%d", b.ID))
	d.WriteString("\n\nYour booking: " + link)
	return invite.Event{
		UID:         fmt.Sprintf("booking-%d@%s", b.ID, s.host()),
		Sequence:    int(b.SessionSequence),
		Start:       b.StartsAt,
		End:         b.EndsAt,
		Summary:     b.CourseTitle,
		Description: d.String(),
		Location:    location,
		URL:         link,
		Organizer:   s.organizer(),
		Attendee:    invite.Person{Name: b.PersonName, Email: b.PersonEmail},
		Alarm:       24 * time.Hour,
	}
}

// host names the service in invite UIDs and the default organiser address.
func (s *Service) host() string {
	if s.baseURL != nil && s.baseURL.Hostname() != "" {
		return s.baseURL.Hostname()
	}
	return "localhost"
}

// organizer is who invites are from: Organizer if set, else the
// partnership at a bookings mailbox, since an invite needs an organiser.
func (s *Service) organizer() invite.Person {
	o := s.Organizer
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

// Invite is the calendar file of a confirmed booking, for its person (or
// whoever may see it, as Get). Other bookings answer ErrNotFound.
func (s *Service) Invite(ctx context.Context, actor Actor, id int64) ([]byte, error) {
	b, err := dbsqlc.New(s.pool).GetBooking(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("booking %d: %w", id, err)
	}
	if !actor.mayChange(b) || b.Status != Confirmed || b.PersonErased {
		return nil, ErrNotFound
	}
	return invite.Request(s.event(b), s.now()), nil
}

// NotifySessionMoved tells everyone with a place on session id, in tx, that
// its time or place has changed, with an updated invite. The caller has
// already saved the change and raised the session's sequence.
func (s *Service) NotifySessionMoved(ctx context.Context, tx pgx.Tx, id int64) error {
	q := dbsqlc.New(tx)
	if _, err := lockSession(ctx, q, id); err != nil {
		return err
	}
	live, err := q.LiveBookingsOfSession(ctx, id)
	if err != nil {
		return fmt.Errorf("bookings of session %d: %w", id, err)
	}
	for _, b := range live {
		if b.Status != Confirmed {
			continue
		}
		if err := s.tell(ctx, tx, q, b.ID, msgSessionMoved); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) signature() string {
	name := s.partnership
	if name == "" {
		name = "The safeguarding partnership"
	}
	return "\n\nBook safeguarding training\n" + name + "\n"
}

func place(b dbsqlc.GetBookingRow) string {
	if b.VenueOnline {
		return "Online (" + b.VenueName + ")"
	}
	if b.VenueAddress != "" {
		return b.VenueName + ", " + b.VenueAddress
	}
	return b.VenueName
}

func (s *Service) compose(b dbsqlc.GetBookingRow, kind messageKind) (subject, body string) {
	when := catalogue.When(b.StartsAt, b.EndsAt)
	what := fmt.Sprintf("%s\n%s\n%s", b.CourseTitle, when, place(b))
	mine := s.link("/my-training")
	var sb strings.Builder
	fmt.Fprintf(&sb, "Dear %s,\n\n", b.PersonName)
	switch kind {
	case msgConfirmed:
		subject = "Booking confirmed: " + b.CourseTitle
		fmt.Fprintf(&sb, "Your place is booked on:\n\n%s\n\n", what)
		if s.now().Before(b.BookingCutoffAt) {
			fmt.Fprintf(&sb, "If you cannot go, cancel before %s so someone on the waiting list can have the place: "+
				"cancelling later is recorded as a late cancellation and your agency may be charged. "+
				"You can also pass your place to a colleague from your agency.\n\n", catalogue.LongDate(b.BookingCutoffAt)+", "+catalogue.Clock(b.BookingCutoffAt))
		} else {
			sb.WriteString("If you cannot go, pass your place to a colleague from your agency: cancelling now is recorded " +
				"as a late cancellation and your agency may be charged.\n\n")
		}
		fmt.Fprintf(&sb, "See or change your booking: %s", s.link(fmt.Sprintf("/bookings/%d", b.ID)))
	case msgWaiting:
		subject = "You are on the waiting list: " + b.CourseTitle
		fmt.Fprintf(&sb, "The session is full, so you are on its waiting list:\n\n%s\n\n", what)
		sb.WriteString("If a place comes up, we will email you at once and hold it for you for a limited time.\n\n")
		fmt.Fprintf(&sb, "You can leave the waiting list at any time: %s", mine)
	case msgOffered:
		subject = "A place is available for you: " + b.CourseTitle
		deadline := ""
		if b.OfferExpiresAt != nil {
			deadline = catalogue.Clock(*b.OfferExpiresAt) + " on " + catalogue.LongDate(*b.OfferExpiresAt)
		}
		fmt.Fprintf(&sb, "A place has come up on a session you are waiting for:\n\n%s\n\n", what)
		fmt.Fprintf(&sb, "We are holding it for you until %s. To take it, accept the offer here:\n\n%s\n\n",
			deadline, s.link(fmt.Sprintf("/bookings/%d", b.ID)))
		sb.WriteString("If you do not accept it by then, it will be offered to the next person waiting.")
	case msgOfferExpired:
		subject = "Your offer of a place has expired: " + b.CourseTitle
		fmt.Fprintf(&sb, "The place we held for you was not accepted in time, so it has been offered to the next person waiting:\n\n%s\n\n", what)
		fmt.Fprintf(&sb, "You can look for another session of this course: %s", s.link("/courses/"+b.CourseSlug))
	case msgCancelled:
		subject = "Booking cancelled: " + b.CourseTitle
		fmt.Fprintf(&sb, "Your place has been cancelled on:\n\n%s\n\n", what)
		if b.Late {
			sb.WriteString("It is recorded as a late cancellation.\n\n")
		}
		fmt.Fprintf(&sb, "Your training: %s", mine)
	case msgSubstitutedOut:
		subject = "Your place has passed to a colleague: " + b.CourseTitle
		fmt.Fprintf(&sb, "Your place on this session has been passed to a colleague from your agency:\n\n%s\n\n", what)
		fmt.Fprintf(&sb, "You no longer have a place. Your training: %s", mine)
	case msgSessionCancelled:
		subject = "Session cancelled: " + b.CourseTitle
		fmt.Fprintf(&sb, "We are sorry: the partnership has cancelled this session.\n\n%s\n\n", what)
		if b.EndNote != "" {
			fmt.Fprintf(&sb, "Reason: %s\n\n", b.EndNote)
		}
		fmt.Fprintf(&sb, "You will not be charged. Book another session of this course: %s", s.link("/courses/"+b.CourseSlug))
	case msgMoved:
		subject = "Your place has been moved: " + b.CourseTitle
		fmt.Fprintf(&sb, "The training team has moved your place to another session of this course. Your place is now on:\n\n%s\n\n", what)
		fmt.Fprintf(&sb, "Your place on the session you booked before has gone. See or change your booking: %s",
			s.link(fmt.Sprintf("/bookings/%d", b.ID)))
	case msgSessionMoved:
		subject = "Session changed: " + b.CourseTitle
		fmt.Fprintf(&sb, "The time or place of a session you are booked on has changed. It is now:\n\n%s\n\n", what)
		sb.WriteString("Your place is still booked. The calendar invite with this email updates the one we sent before.\n\n")
		fmt.Fprintf(&sb, "If you can no longer go, see or change your booking: %s", s.link(fmt.Sprintf("/bookings/%d", b.ID)))
	case msgMovedFrom:
		subject = "Removed from your calendar: " + b.CourseTitle
		fmt.Fprintf(&sb, "The training team has moved your place from this session to another one:\n\n%s\n\n", what)
		fmt.Fprintf(&sb, "This email takes the old session out of your calendar. We have sent your new session in another email. Your training: %s", mine)
	case msgReminder:
		subject = "Reminder: " + b.CourseTitle + ", " + catalogue.LongDate(b.StartsAt)
		fmt.Fprintf(&sb, "This is a reminder that you have a place on:\n\n%s\n\n", what)
		sb.WriteString("If you cannot go now, pass your place to a colleague from your agency, or cancel it so someone " +
			"on the waiting list can have it. Cancelling after the cut-off is recorded as a late cancellation.\n\n")
		fmt.Fprintf(&sb, "See or change your booking: %s", s.link(fmt.Sprintf("/bookings/%d", b.ID)))
	case msgJoining:
		subject = "Joining instructions: " + b.CourseTitle
		fmt.Fprintf(&sb, "Your online session is coming up:\n\n%s\n\n", what)
		fmt.Fprintf(&sb, "Join it here at the start time:\n\n%s\n\n", b.MeetingUrl)
		sb.WriteString("Please join a few minutes early to check your sound and camera.\n\n")
		fmt.Fprintf(&sb, "See your booking: %s", s.link(fmt.Sprintf("/bookings/%d", b.ID)))
	case msgTakenOffWaitingList:
		subject = "You are no longer waiting for a place: " + b.CourseTitle
		fmt.Fprintf(&sb, "The training team has taken you off the waiting list, or withdrawn the place offered to you, for:\n\n%s\n\n", what)
		fmt.Fprintf(&sb, "If you think this is wrong, reply to this email or contact the training team. Your training: %s", mine)
	case msgAbsent:
		subject = "You were recorded as not attending: " + b.CourseTitle
		fmt.Fprintf(&sb, "The register for this session records that you did not attend:\n\n%s\n\n", what)
		sb.WriteString("Your line manager has been told, and your agency may be charged for the place. " +
			"If this is wrong, reply to this email or contact the training team.")
	}
	sb.WriteString(s.signature())
	return subject, sb.String()
}

func (s *Service) lineManagerAbsence(b dbsqlc.GetBookingRow) string {
	return fmt.Sprintf("Dear %s,\n\n%s, who gave you as their line manager when booking, was recorded as not attending:\n\n%s\n%s\n%s\n\n"+
		"Places on multi-agency safeguarding training are limited, and an empty place is one another practitioner could have had. "+
		"Please talk to them about it.%s", b.LineManagerName, b.PersonName, b.CourseTitle,
		catalogue.When(b.StartsAt, b.EndsAt), place(b), s.signature())
}
