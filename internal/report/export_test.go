package report

import "context"

// Counted is every figure the pages read for a period and an agency: from
// the service's methods (kept, as the pages read them) or counted plainly.
type Counted struct {
	Delivery      Delivery
	Attendance    Attendance
	NonAttendance NonAttendance
	Unmet         UnmetDemand
	Requests      Requests
	Money         Money
	Ledger        Ledger
	Trainers      []TrainerRecord
	Evaluation    Evaluation
	Agency        AgencyFigures
}

// Kept reads the figures as the pages do.
func (s *Service) Kept(ctx context.Context, p Period, agencyID int64) (c Counted, err error) {
	steps := []func() error{
		func() (err error) { c.Delivery, err = s.Delivery(ctx, p); return },
		func() (err error) { c.Attendance, err = s.Attendance(ctx, p); return },
		func() (err error) { c.NonAttendance, err = s.NonAttendance(ctx, p); return },
		func() (err error) { c.Unmet, err = s.UnmetDemand(ctx, p); return },
		func() (err error) { c.Requests, err = s.Requests(ctx, p); return },
		func() (err error) { c.Money, err = s.Money(ctx, p); return },
		func() (err error) { c.Ledger, err = s.Ledger(ctx, p); return },
		func() (err error) { c.Trainers, err = s.Trainers(ctx, p); return },
		func() (err error) { c.Evaluation, err = s.Evaluation(ctx, p); return },
		func() (err error) { c.Agency, err = s.AgencyFigures(ctx, p, agencyID); return },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Counted{}, err
		}
	}
	return c, nil
}

// Plain counts the figures now, each by its own queries, keeping nothing.
func (s *Service) Plain(ctx context.Context, p Period, agencyID int64) (c Counted, err error) {
	steps := []func() error{
		func() (err error) { c.Delivery, err = s.countDelivery(ctx, p); return },
		func() (err error) { c.Attendance, err = s.countAttendance(ctx, p); return },
		func() (err error) { c.NonAttendance, err = s.countNonAttendance(ctx, p); return },
		func() (err error) { c.Unmet, err = s.countUnmetDemand(ctx, p); return },
		func() (err error) { c.Requests, err = s.countRequests(ctx, p); return },
		func() (err error) { c.Money, err = s.countMoney(ctx, p); return },
		func() (err error) { c.Ledger, err = s.countLedger(ctx, p); return },
		func() (err error) { c.Trainers, err = s.countTrainers(ctx, p); return },
		func() (err error) { c.Evaluation, err = s.evaluation(ctx, p, nil); return },
		func() (err error) { c.Agency, err = s.countAgencyFigures(ctx, p, agencyID); return },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Counted{}, err
		}
	}
	return c, nil
}
