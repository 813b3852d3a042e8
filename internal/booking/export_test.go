package booking

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/pscp/booktraining/internal/booking/internal/bookingdb"
	"github.com/pscp/booktraining/internal/email"
)

// The booking jobs' workers, for tests that run a job by hand at a time of
// their choosing.

func (s *Service) OfferExpiryWorker() river.Worker[OfferExpiryArgs] { return &offerExpiryWorker{s: s} }
func (s *Service) HoldExpiryWorker() river.Worker[HoldExpiryArgs]   { return &holdExpiryWorker{s: s} }
func (s *Service) ReminderWorker() river.Worker[ReminderArgs]       { return &reminderWorker{s: s} }
func (s *Service) CapsReleaseWorker() river.Worker[CapsReleaseArgs] { return &capsReleaseWorker{s: s} }
func (s *Service) ApprovalExpiryWorker() river.Worker[ApprovalExpiryArgs] {
	return &approvalExpiryWorker{s: s}
}

// MessageRead is the email about booking id that the slower path writes:
// composed from the booking read back (GetBooking) after the change, as
// kind "confirmed" or "waiting" says.
func (s *Service) MessageRead(ctx context.Context, id int64, kind string) (email.Message, error) {
	q := bookingdb.New(s.pool)
	b, err := q.GetBooking(ctx, id)
	if err != nil {
		return email.Message{}, err
	}
	k := msgConfirmed
	if kind == "waiting" {
		k = msgWaiting
	}
	messages, err := s.messagesFor(ctx, q, []bookingdb.BookingDetail{b}, k)
	if err != nil || len(messages) != 1 {
		return email.Message{}, fmt.Errorf("%d messages: %w", len(messages), err)
	}
	return messages[0], nil
}
