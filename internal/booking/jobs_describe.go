package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/queue"
)

// Describers say, for the Needs attention page, what a failed booking job
// was doing, for whom, and where a training manager can put it right.
func (s *Service) Describers() map[string]queue.Describe {
	return map[string]queue.Describe{
		KindOfferExpiry: s.describeOfferExpiry,
		KindHoldExpiry:  s.describeHoldExpiry,
		KindReminder:    s.describeReminder,
		KindCapsRelease: s.describeCapsRelease,
		// a request for a line manager's approval that ends unanswered
		KindApprovalExpiry: s.describeApprovalExpiry,
	}
}

func sessionLink(id int64) string { return fmt.Sprintf("/admin/sessions/%d/bookings", id) }

// people names people for a manager: "Ann Smith (ann@example.org)", at
// most five, then how many more.
func people(names, emails []string, erased []bool) string {
	var out []string
	for i := range names {
		if len(out) == 5 {
			out = append(out, fmt.Sprintf("%d more", len(names)-5))
			break
		}
		if erased[i] {
			out = append(out, "Deleted account")
			continue
		}
		out = append(out, names[i]+" ("+emails[i]+")")
	}
	switch len(out) {
	case 0:
		return "No one"
	case 1:
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

func (s *Service) jobSession(ctx context.Context, id int64) (string, error) {
	se, err := bookingdb.New(s.pool).JobSession(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Sprintf("session %d (deleted)", id), nil
	} else if err != nil {
		return "", fmt.Errorf("session %d: %w", id, err)
	}
	return se.CourseTitle + ", " + london.When(se.StartsAt, se.EndsAt), nil
}

func (s *Service) describeOfferExpiry(ctx context.Context, raw []byte) (queue.Subject, error) {
	var a OfferExpiryArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return queue.Subject{}, fmt.Errorf("offer expiry job: %w", err)
	}
	what, err := s.jobSession(ctx, a.SessionID)
	if err != nil {
		return queue.Subject{}, err
	}
	rows, err := bookingdb.New(s.pool).OfferedUntil(ctx, bookingdb.OfferedUntilParams{SessionID: a.SessionID, Deadline: a.Due})
	if err != nil {
		return queue.Subject{}, fmt.Errorf("offers of session %d: %w", a.SessionID, err)
	}
	var names, emails []string
	var erased []bool
	for _, r := range rows {
		names, emails, erased = append(names, r.FullName), append(emails, r.Email), append(erased, r.Erased)
	}
	return queue.Subject{
		What: fmt.Sprintf("Passing on waiting-list offers not accepted by %s, %s: %s", london.Clock(a.Due), london.LongDate(a.Due), what),
		Who:  people(names, emails, erased),
		Link: sessionLink(a.SessionID),
	}, nil
}

func (s *Service) describeHoldExpiry(ctx context.Context, raw []byte) (queue.Subject, error) {
	var a HoldExpiryArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return queue.Subject{}, fmt.Errorf("hold expiry job: %w", err)
	}
	b, err := bookingdb.New(s.pool).GetBooking(ctx, a.BookingID)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Subject{What: fmt.Sprintf("Releasing a place not paid for in time (booking %d, since deleted)", a.BookingID)}, nil
	} else if err != nil {
		return queue.Subject{}, fmt.Errorf("booking %d: %w", a.BookingID, err)
	}
	return queue.Subject{
		What: fmt.Sprintf("Releasing a place not paid for by %s, %s: %s, %s", london.Clock(a.Due), london.LongDate(a.Due),
			b.CourseTitle, london.When(b.StartsAt, b.EndsAt)),
		Who:  people([]string{b.PersonName}, []string{b.PersonEmail}, []bool{b.PersonErased}),
		Link: sessionLink(b.SessionID),
	}, nil
}

func (s *Service) describeReminder(ctx context.Context, raw []byte) (queue.Subject, error) {
	var a ReminderArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return queue.Subject{}, fmt.Errorf("reminder job: %w", err)
	}
	what, err := s.jobSession(ctx, a.SessionID)
	if err != nil {
		return queue.Subject{}, err
	}
	rows, err := bookingdb.New(s.pool).ConfirmedPeopleOfSession(ctx, a.SessionID)
	if err != nil {
		return queue.Subject{}, fmt.Errorf("places of session %d: %w", a.SessionID, err)
	}
	var names, emails []string
	var erased []bool
	for _, r := range rows {
		names, emails, erased = append(names, r.FullName), append(emails, r.Email), append(erased, r.Erased)
	}
	kind := "Reminders"
	switch {
	case a.Reminder == joiningKind:
		kind = "Joining instructions"
	case strings.HasPrefix(a.Reminder, "days_"):
		kind = "Reminders " + strings.TrimPrefix(a.Reminder, "days_") + " days before"
	}
	return queue.Subject{
		What: kind + " (everyone with a place): " + what,
		Who:  people(names, emails, erased),
		Link: sessionLink(a.SessionID),
	}, nil
}

func (s *Service) describeApprovalExpiry(ctx context.Context, raw []byte) (queue.Subject, error) {
	var a ApprovalExpiryArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return queue.Subject{}, fmt.Errorf("approval expiry job: %w", err)
	}
	b, err := bookingdb.New(s.pool).GetBooking(ctx, a.BookingID)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Subject{What: fmt.Sprintf("Releasing a place not approved in time (booking %d, since deleted)", a.BookingID)}, nil
	} else if err != nil {
		return queue.Subject{}, fmt.Errorf("booking %d: %w", a.BookingID, err)
	}
	return queue.Subject{
		What: fmt.Sprintf("Releasing a place its line manager did not approve by %s, %s: %s, %s", london.Clock(a.Due),
			london.LongDate(a.Due), b.CourseTitle, london.When(b.StartsAt, b.EndsAt)),
		Who:  people([]string{b.PersonName}, []string{b.PersonEmail}, []bool{b.PersonErased}),
		Link: sessionLink(b.SessionID),
	}, nil
}
