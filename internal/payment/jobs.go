package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/dbsqlc"
	"github.com/pscp/booktraining/internal/queue"
)

// Stripe's work is done by jobs, each inserted in the transaction of the
// change that causes it, so nothing is asked of Stripe for a change that
// rolled back and nothing is forgotten when a process dies:
//
//	RefundArgs         a refund asked for (a paid place ended before its cut-off, money for a place that had gone)
//	CloseCheckoutArgs  a card payment closed on our side whose Checkout page is open at Stripe
//	InvoiceArgs        a session that became billable for an agency (charges confirmed, register taken, delivered)
//
// A job reads what to do with a short query, asks Stripe with no row
// locked and no connection held (with the same idempotency key on every
// attempt), then records the answer in a short transaction that records
// nothing twice. A refusal Stripe gives for good ends the job cancelled,
// with the reason; other failures are retried with River's backoff and
// discarded after their attempts. Either way the job is left for a training
// manager to see (the Needs attention page reads River's cancelled and
// discarded jobs, with what each was doing from Describers).

// Job kinds.
const (
	KindRefund        = "payment_refund"
	KindCloseCheckout = "payment_close_checkout"
	KindInvoice       = "agency_invoice"
)

// StripeJobAttempts is how often a Stripe job is tried before it is given
// up on (discarded, for a manager to see): with River's backoff (attempt⁴
// seconds) the last of ten comes about four and a quarter hours after the
// first, well inside the 24 hours Stripe keeps an idempotency key.
const StripeJobAttempts = 10

// StripeCallTimeout bounds a job that makes one Stripe call (stripe-go tries
// it up to three times), and InvoiceTimeout one that makes an invoice (the
// customer, the invoice, a call per line, finalizing and sending).
const (
	StripeCallTimeout = 90 * time.Second
	InvoiceTimeout    = 4 * time.Minute
)

// everyState makes a job unique for ever (while River keeps it): a payment
// is refunded, or its checkout closed, by one job, and a job that failed for
// good waits for a manager rather than being inserted again by the sweep.
var everyState = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// waitingStates makes an invoice job unique while it waits or runs: rows
// confirmed after one has run are billed by another.
var waitingStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// RefundArgs is the job that refunds a card payment in full.
type RefundArgs struct {
	PaymentID int64 `json:"payment_id"`
}

func (RefundArgs) Kind() string { return KindRefund }

func (RefundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: StripeJobAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: everyState}}
}

// CloseCheckoutArgs is the job that closes at Stripe the Checkout page of a
// card payment we have closed, so nobody pays on it.
type CloseCheckoutArgs struct {
	PaymentID int64 `json:"payment_id"`
}

func (CloseCheckoutArgs) Kind() string { return KindCloseCheckout }

func (CloseCheckoutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: StripeJobAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: everyState}}
}

// InvoiceArgs is the job that bills one agency for one session.
type InvoiceArgs struct {
	SessionID int64 `json:"session_id"`
	AgencyID  int64 `json:"agency_id"`
}

func (InvoiceArgs) Kind() string { return KindInvoice }

func (InvoiceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: StripeJobAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waitingStates}}
}

// RequestRefundTx asks for the refund of card payment id in tx, the
// transaction that ends its place, with the job that makes it: nothing is
// refunded if tx rolls back. It returns the amount, or 0 when the refund was
// asked for already (or the payment is not a paid card payment).
func RequestRefundTx(ctx context.Context, tx pgx.Tx, jobs queue.Enqueuer, id int64, now time.Time) (Pence, error) {
	amount, err := dbsqlc.New(tx).RequestRefund(ctx, dbsqlc.RequestRefundParams{ID: id, Now: now})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("refund payment %d: %w", id, err)
	}
	if err := enqueue(ctx, tx, jobs, RefundArgs{PaymentID: id}); err != nil {
		return 0, err
	}
	return Pence(amount), nil
}

// RefundStrayTx records money Stripe took on a Checkout page we had closed
// (the place was paid for otherwise), and asks for its refund, in tx.
func RefundStrayTx(ctx context.Context, tx pgx.Tx, jobs queue.Enqueuer, id int64, paymentIntent string, now time.Time) error {
	if err := dbsqlc.New(tx).RefundStrayPayment(ctx, dbsqlc.RefundStrayPaymentParams{ID: id, PaymentIntentID: &paymentIntent, Now: now}); err != nil {
		return fmt.Errorf("refund stray payment %d: %w", id, err)
	}
	return enqueue(ctx, tx, jobs, RefundArgs{PaymentID: id})
}

// CloseCardPaymentTx closes booking bookingID's pending card payment on our
// side, in tx, with a job that closes its Checkout page at Stripe (if one
// was opened).
func CloseCardPaymentTx(ctx context.Context, tx pgx.Tx, jobs queue.Enqueuer, bookingID int64, now time.Time) error {
	closed, err := dbsqlc.New(tx).ExpireCardPayment(ctx, dbsqlc.ExpireCardPaymentParams{BookingID: bookingID, Now: now})
	if err != nil {
		return fmt.Errorf("close card payment of booking %d: %w", bookingID, err)
	}
	for _, p := range closed {
		if !p.CheckoutOpen {
			continue
		}
		if err := enqueue(ctx, tx, jobs, CloseCheckoutArgs{PaymentID: p.ID}); err != nil {
			return err
		}
	}
	return nil
}

// KeepClosedCheckout records the Checkout page Stripe opened for payment id
// while we were closing it (the place went on the invoice, was given up or
// lapsed as Stripe answered), with the job that closes it: in one short
// transaction, after Stripe has answered.
func KeepClosedCheckout(ctx context.Context, db interface {
	Begin(context.Context) (pgx.Tx, error)
}, jobs queue.Enqueuer, id int64, checkoutSessionID string) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		n, err := dbsqlc.New(tx).SetClosedCheckoutSession(ctx, dbsqlc.SetClosedCheckoutSessionParams{ID: id, CheckoutSessionID: &checkoutSessionID})
		if err != nil {
			return fmt.Errorf("keep checkout of closed payment %d: %w", id, err)
		}
		if n == 0 {
			return nil
		}
		return enqueue(ctx, tx, jobs, CloseCheckoutArgs{PaymentID: id})
	})
}

// BillWhenDueTx inserts, in tx, an invoice job for each agency that session
// sessionID now bills (its charges confirmed, its register taken, it was
// delivered: see AgencySessionsToBill), so the change that makes it
// billable and the job that bills it commit together. Without online
// payment nothing is billed through Stripe.
func (s *Service) BillWhenDueTx(ctx context.Context, tx pgx.Tx, sessionID int64) error {
	if s == nil || !s.Online() {
		return nil
	}
	pairs, err := dbsqlc.New(tx).AgencySessionsToBill(ctx, dbsqlc.AgencySessionsToBillParams{SessionID: &sessionID})
	if err != nil {
		return fmt.Errorf("agencies to bill for session %d: %w", sessionID, err)
	}
	for _, p := range pairs {
		if !p.HasBillingContact {
			continue // the charges page asks for one; adding it bills (BillAgencyWhenDueTx)
		}
		if err := enqueue(ctx, tx, s.Jobs, InvoiceArgs{SessionID: p.SessionID, AgencyID: p.AgencyID}); err != nil {
			return err
		}
	}
	return nil
}

// BillAgencyWhenDueTx inserts, in the caller's transaction, the invoice job
// of each session with something to bill agency id: for an agency given a
// billing contact, whose rows waited for one.
func (s *Service) BillAgencyWhenDueTx(ctx context.Context, tx pgx.Tx, agencyID int64) error {
	if s == nil || !s.Online() {
		return nil
	}
	pairs, err := dbsqlc.New(tx).AgencySessionsToBill(ctx, dbsqlc.AgencySessionsToBillParams{AgencyID: &agencyID})
	if err != nil {
		return fmt.Errorf("sessions to bill agency %d: %w", agencyID, err)
	}
	for _, p := range pairs {
		if !p.HasBillingContact {
			continue
		}
		if err := enqueue(ctx, tx, s.Jobs, InvoiceArgs{SessionID: p.SessionID, AgencyID: p.AgencyID}); err != nil {
			return err
		}
	}
	return nil
}

// enqueue inserts a job in tx. Without an enqueuer (a service some tests
// build with none) the safety-net sweep inserts it later.
func enqueue(ctx context.Context, tx pgx.Tx, jobs queue.Enqueuer, args river.JobArgs) error {
	if jobs == nil {
		return nil
	}
	return jobs.EnqueueJob(ctx, tx, args)
}

// refusedForGood reports whether Stripe refused a request in a way that
// asking again cannot change: a 4xx answer other than 408 (timeout), 409 (a
// request with the same idempotency key still in progress) and 429 (too many
// requests, or a lock at Stripe). 5xx answers and lost connections are
// worth another try.
func refusedForGood(err error) (*stripe.Error, bool) {
	var serr *stripe.Error
	if !errors.As(err, &serr) {
		return nil, false
	}
	switch code := serr.HTTPStatusCode; {
	case code == http.StatusRequestTimeout, code == http.StatusConflict, code == http.StatusTooManyRequests:
		return serr, false
	case code >= 400 && code < 500:
		return serr, true
	}
	return serr, false
}

// stripeSays is Stripe's reason for a refusal, in its own words.
func stripeSays(serr *stripe.Error) string {
	msg := serr.Msg
	if serr.Code != "" {
		msg += " (" + string(serr.Code) + ")"
	}
	return fmt.Sprintf("Stripe answered %d: %s", serr.HTTPStatusCode, msg)
}

// Refund makes the refund of payment id asked for, if it is still to make:
// a short read, Stripe asked with the payment's refund key (so a second run,
// or two workers at once, get Stripe's first refund back, never a second
// one), then one statement records it, only if it is not recorded already.
// It reports whether this call recorded it. A refusal for good is
// river.JobCancel with Stripe's reason.
func (s *Service) Refund(ctx context.Context, id int64) (bool, error) {
	r, err := dbsqlc.New(s.pool).RefundToMake(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // made already, or never asked for
	} else if err != nil {
		return false, fmt.Errorf("refund of payment %d: %w", id, err)
	}
	if s.gateway == nil {
		return false, river.JobCancel(fmt.Errorf("refund of payment %d: %w (set STRIPE_SECRET_KEY, then try again)", id, ErrOffline))
	}
	refund, err := s.gateway.Refund(ctx, r.PaymentIntentID, Pence(r.AmountPence), RefundKey(r.ID))
	if serr, ok := refusedForGood(err); ok {
		return false, river.JobCancel(fmt.Errorf("refund of %s (payment %d) refused for good: %s", Pence(r.AmountPence), id, stripeSays(serr)))
	} else if err != nil {
		return false, fmt.Errorf("refund payment %d: %w", id, err)
	}
	n, err := dbsqlc.New(s.pool).MarkRefunded(ctx, dbsqlc.MarkRefundedParams{ID: id, RefundID: &refund, Now: s.now()})
	if err != nil {
		return false, fmt.Errorf("record refund %s of payment %d: %w", refund, id, err)
	}
	return n == 1, nil
}

// CloseCheckout closes at Stripe the Checkout page of card payment id,
// closed on our side, if it is still open there, with the payment's expire
// key, and reports whether this call recorded it closed. A page Stripe says
// is already complete or expired (400), or does not know (404), is done
// with: money it took comes by the webhook, which refunds it. Another
// refusal for good is river.JobCancel.
func (s *Service) CloseCheckout(ctx context.Context, id int64) (bool, error) {
	c, err := dbsqlc.New(s.pool).CheckoutToClose(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("checkout of payment %d: %w", id, err)
	}
	if s.gateway == nil {
		return false, river.JobCancel(fmt.Errorf("close the checkout of payment %d: %w (set STRIPE_SECRET_KEY, then try again)", id, ErrOffline))
	}
	err = s.gateway.ExpireCheckoutSession(ctx, c.CheckoutSessionID, ExpireKey(id))
	if serr, ok := refusedForGood(err); ok {
		if serr.HTTPStatusCode != http.StatusBadRequest && serr.HTTPStatusCode != http.StatusNotFound {
			return false, river.JobCancel(fmt.Errorf("closing the checkout of payment %d refused for good: %s", id, stripeSays(serr)))
		}
	} else if err != nil {
		return false, fmt.Errorf("close checkout of payment %d: %w", id, err)
	}
	n, err := dbsqlc.New(s.pool).MarkCheckoutClosed(ctx, dbsqlc.MarkCheckoutClosedParams{ID: id, Now: s.now()})
	if err != nil {
		return false, fmt.Errorf("record checkout of payment %d closed: %w", id, err)
	}
	return n == 1, nil
}

type refundWorker struct {
	river.WorkerDefaults[RefundArgs]
	s *Service
}

func (w *refundWorker) Timeout(*river.Job[RefundArgs]) time.Duration { return StripeCallTimeout }
func (w *refundWorker) Work(ctx context.Context, job *river.Job[RefundArgs]) error {
	_, err := w.s.Refund(ctx, job.Args.PaymentID)
	return err
}

type closeCheckoutWorker struct {
	river.WorkerDefaults[CloseCheckoutArgs]
	s *Service
}

func (w *closeCheckoutWorker) Timeout(*river.Job[CloseCheckoutArgs]) time.Duration {
	return StripeCallTimeout
}
func (w *closeCheckoutWorker) Work(ctx context.Context, job *river.Job[CloseCheckoutArgs]) error {
	_, err := w.s.CloseCheckout(ctx, job.Args.PaymentID)
	return err
}

type invoiceWorker struct {
	river.WorkerDefaults[InvoiceArgs]
	s *Service
}

func (w *invoiceWorker) Timeout(*river.Job[InvoiceArgs]) time.Duration { return InvoiceTimeout }
func (w *invoiceWorker) Work(ctx context.Context, job *river.Job[InvoiceArgs]) error {
	_, err := w.s.BillAgency(ctx, job.Args.SessionID, job.Args.AgencyID)
	return err
}

// Work adds the payment jobs' workers to the queue's client.
func (s *Service) Work() queue.Work {
	return func(cfg *river.Config) error {
		if cfg.Workers == nil {
			cfg.Workers = river.NewWorkers()
		}
		return errors.Join(
			river.AddWorkerSafely(cfg.Workers, &refundWorker{s: s}),
			river.AddWorkerSafely(cfg.Workers, &closeCheckoutWorker{s: s}),
			river.AddWorkerSafely(cfg.Workers, &invoiceWorker{s: s}),
		)
	}
}

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
	have, err := dbsqlc.New(s.pool).PaymentsWithJobs(ctx, dbsqlc.PaymentsWithJobsParams{Kind: kind, States: names, PaymentIds: ids})
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
	ids, err := dbsqlc.New(s.pool).RefundsDue(ctx, s.now().Add(-SweepLookback))
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
	ids, err := dbsqlc.New(s.pool).CheckoutsToClose(ctx, s.now().Add(-SweepLookback))
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
	q := dbsqlc.New(s.pool)
	due, err := q.AgencySessionsToBill(ctx, dbsqlc.AgencySessionsToBillParams{})
	if err != nil {
		return 0, fmt.Errorf("agencies to bill: %w", err)
	}
	left, err := q.BatchesToInvoice(ctx, dbsqlc.BatchesToInvoiceParams{})
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
	live, err := dbsqlc.New(s.pool).InvoiceJobsInStates(ctx, dbsqlc.InvoiceJobsInStatesParams{Kind: KindInvoice, States: names})
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

// Describers tell the Needs attention page what each payment job was doing,
// for whom, and where a manager puts it right.
func (s *Service) Describers() map[string]queue.Describe {
	return map[string]queue.Describe{
		KindRefund: func(ctx context.Context, raw []byte) (queue.Subject, error) {
			var a RefundArgs
			if err := json.Unmarshal(raw, &a); err != nil {
				return queue.Subject{}, fmt.Errorf("refund job: %w", err)
			}
			return s.describePayment(ctx, a.PaymentID, "Refund of %s for %s on %s")
		},
		KindCloseCheckout: func(ctx context.Context, raw []byte) (queue.Subject, error) {
			var a CloseCheckoutArgs
			if err := json.Unmarshal(raw, &a); err != nil {
				return queue.Subject{}, fmt.Errorf("checkout job: %w", err)
			}
			return s.describePayment(ctx, a.PaymentID, "Closing the card payment page (%s) for %s on %s")
		},
		KindInvoice: func(ctx context.Context, raw []byte) (queue.Subject, error) {
			var a InvoiceArgs
			if err := json.Unmarshal(raw, &a); err != nil {
				return queue.Subject{}, fmt.Errorf("invoice job: %w", err)
			}
			return s.describeInvoice(ctx, a)
		},
	}
}

func (s *Service) describePayment(ctx context.Context, id int64, what string) (queue.Subject, error) {
	p, err := dbsqlc.New(s.pool).PaymentSubject(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Subject{What: fmt.Sprintf(what, "payment "+strconv.FormatInt(id, 10), "a place no longer held", "an unknown date")}, nil
	} else if err != nil {
		return queue.Subject{}, fmt.Errorf("payment %d: %w", id, err)
	}
	return queue.Subject{
		What: fmt.Sprintf(what, Pence(p.AmountPence), p.CourseTitle, catalogue.LongDate(p.StartsAt)),
		Who:  fmt.Sprintf("%s (%s)", p.FullName, p.Email),
		Link: "/bookings/" + strconv.FormatInt(p.BookingID, 10),
	}, nil
}

func (s *Service) describeInvoice(ctx context.Context, a InvoiceArgs) (queue.Subject, error) {
	q := dbsqlc.New(s.pool)
	link := fmt.Sprintf("/admin/sessions/%d/charges", a.SessionID)
	out := queue.Subject{What: fmt.Sprintf("Invoice for session %d", a.SessionID), Link: link}
	if sess, err := q.ChargeSession(ctx, a.SessionID); err == nil {
		out.What = fmt.Sprintf("Invoice for %s on %s", sess.CourseTitle, catalogue.LongDate(sess.StartsAt))
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return queue.Subject{}, fmt.Errorf("session %d: %w", a.SessionID, err)
	}
	ag, err := q.AgencyBilling(ctx, a.AgencyID)
	if errors.Is(err, pgx.ErrNoRows) {
		out.Who = fmt.Sprintf("agency %d (no longer listed)", a.AgencyID)
		return out, nil
	} else if err != nil {
		return queue.Subject{}, fmt.Errorf("agency %d: %w", a.AgencyID, err)
	}
	out.What += " to " + ag.Name
	out.Who = ag.Name
	if ag.BillingContactEmail != "" {
		contact := ag.BillingContactEmail
		if ag.BillingContactName != "" {
			contact = ag.BillingContactName + ", " + contact
		}
		out.Who += " (" + contact + ")"
	}
	return out, nil
}
