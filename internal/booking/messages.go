package booking

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/email"
)

// The emails a booking sends, in plain English, each written in the same
// transaction as its cause. (Calendar invites come with the email issue.)

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
	subject, body := s.compose(b, kind)
	userID := b.UserID
	if _, err := s.outbox.Enqueue(ctx, tx, email.Message{
		To: b.PersonEmail, ToName: b.PersonName, Subject: subject, Body: body, UserID: &userID,
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
