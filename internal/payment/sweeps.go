package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
	"github.com/pscp/booktraining/internal/queue"
)

// SweepEvery is how often the payment sweeps look for work whose job was
// missed.
const SweepEvery = 10 * time.Minute

// SweepLookback is how far back the refund and checkout sweeps look for work
// whose job is missing: far more than the minutes a missed job takes to be
// found, and less than the week a failed job a manager has dealt with is
// kept (privacy.DealtWithJobPeriod), so that once it is deleted the sweep
// does not ask Stripe again for what the manager put right by hand.
const SweepLookback = 2 * 24 * time.Hour

// Sweeps are the safety net under the payment jobs: each finds work due
// with no job for it (a refund asked for, a checkout to close, an agency to
// bill) and inserts the job. A refund or checkout whose job failed for good
// is not inserted again: it waits on the Needs attention page.
func (s *Service) Sweeps() []queue.Sweep {
	return []queue.Sweep{
		{Name: "refunds", What: "asked Stripe for refunds whose job was missing", Every: SweepEvery, Run: s.sweepRefunds},
		{Name: "checkouts", What: "closed at Stripe checkouts of closed payments whose job was missing", Every: SweepEvery, Run: s.sweepCheckouts},
		{Name: "invoices", What: "billed agencies for sessions whose invoice job was missing", Every: SweepEvery, Run: s.sweepInvoices},
	}
}

// paymentsWithJobs is which of ids have a job of kind in one of states, from
// River's own table.
func (s *Service) paymentsWithJobs(ctx context.Context, kind string, ids []int64, states []rivertype.JobState) (map[int64]bool, error) {
	names := make([]string, len(states))
	for i, st := range states {
		names[i] = string(st)
	}
	have, err := paymentdb.New(s.pool).PaymentsWithJobs(ctx, paymentdb.PaymentsWithJobsParams{Kind: kind, States: names, PaymentIds: ids})
	if err != nil {
		return nil, fmt.Errorf("%s jobs: %w", kind, err)
	}
	out := make(map[int64]bool, len(have))
	for _, id := range have {
		out[id] = true
	}
	return out, nil
}

// insertMissing inserts a job for each of args, in one transaction.
func (s *Service) insertMissing(ctx context.Context, args []river.JobArgs) (int, error) {
	if len(args) == 0 {
		return 0, nil
	}
	if s.Jobs == nil {
		return 0, errors.New("payments have no job queue")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, a := range args {
			if err := s.Jobs.EnqueueJob(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(args), nil
}

func (s *Service) sweepRefunds(ctx context.Context) (int, error) {
	if s.gateway == nil {
		return 0, nil // without Stripe no card payment was taken
	}
	ids, err := paymentdb.New(s.pool).RefundsDue(ctx, s.now().Add(-SweepLookback))
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	have, err := s.paymentsWithJobs(ctx, KindRefund, ids, everyState)
	if err != nil {
		return 0, err
	}
	var missing []river.JobArgs
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, RefundArgs{PaymentID: id})
		}
	}
	return s.insertMissing(ctx, missing)
}

func (s *Service) sweepCheckouts(ctx context.Context) (int, error) {
	if s.gateway == nil {
		return 0, nil
	}
	ids, err := paymentdb.New(s.pool).CheckoutsToClose(ctx, s.now().Add(-SweepLookback))
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	have, err := s.paymentsWithJobs(ctx, KindCloseCheckout, ids, everyState)
	if err != nil {
		return 0, err
	}
	var missing []river.JobArgs
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, CloseCheckoutArgs{PaymentID: id})
		}
	}
	return s.insertMissing(ctx, missing)
}

// sweepInvoices inserts an invoice job for every agency and session with
// rows to bill (or a batch a failed job left) and no job waiting or
// running for it.
func (s *Service) sweepInvoices(ctx context.Context) (int, error) {
	if !s.Online() {
		return 0, nil
	}
	q := paymentdb.New(s.pool)
	due, err := q.AgencySessionsToBill(ctx, paymentdb.AgencySessionsToBillParams{})
	if err != nil {
		return 0, fmt.Errorf("agencies to bill: %w", err)
	}
	left, err := q.BatchesToInvoice(ctx, paymentdb.BatchesToInvoiceParams{})
	if err != nil {
		return 0, fmt.Errorf("batches to invoice: %w", err)
	}
	want := map[InvoiceArgs]bool{}
	var order []InvoiceArgs
	add := func(a InvoiceArgs) {
		if !want[a] {
			want[a] = true
			order = append(order, a)
		}
	}
	for _, p := range due {
		if p.HasBillingContact {
			add(InvoiceArgs{SessionID: p.SessionID, AgencyID: p.AgencyID})
		}
	}
	for _, b := range left {
		if b.HasBillingContact { // cleared since: the charges page asks for one
			add(InvoiceArgs{SessionID: b.SessionID, AgencyID: b.AgencyID})
		}
	}
	if len(order) == 0 {
		return 0, nil
	}
	names := make([]string, len(waitingStates))
	for i, st := range waitingStates {
		names[i] = string(st)
	}
	live, err := paymentdb.New(s.pool).InvoiceJobsInStates(ctx, paymentdb.InvoiceJobsInStatesParams{Kind: KindInvoice, States: names})
	if err != nil {
		return 0, fmt.Errorf("invoice jobs: %w", err)
	}
	for _, a := range live {
		want[InvoiceArgs{SessionID: a.SessionID, AgencyID: a.AgencyID}] = false
	}
	var missing []river.JobArgs
	for _, a := range order {
		if want[a] {
			missing = append(missing, a)
		}
	}
	return s.insertMissing(ctx, missing)
}
