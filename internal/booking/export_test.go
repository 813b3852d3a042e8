package booking

import "github.com/riverqueue/river"

// The booking jobs' workers, for tests that run a job by hand at a time of
// their choosing.

func (s *Service) OfferExpiryWorker() river.Worker[OfferExpiryArgs] { return &offerExpiryWorker{s: s} }
func (s *Service) HoldExpiryWorker() river.Worker[HoldExpiryArgs]   { return &holdExpiryWorker{s: s} }
func (s *Service) ReminderWorker() river.Worker[ReminderArgs]       { return &reminderWorker{s: s} }
func (s *Service) CapsReleaseWorker() river.Worker[CapsReleaseArgs] { return &capsReleaseWorker{s: s} }
func (s *Service) ApprovalExpiryWorker() river.Worker[ApprovalExpiryArgs] {
	return &approvalExpiryWorker{s: s}
}
