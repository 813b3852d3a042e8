package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
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
var waitingStates = queue.WhileWaiting

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
	amount, err := paymentdb.New(tx).RequestRefund(ctx, paymentdb.RequestRefundParams{ID: id, Now: now})
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
	if err := paymentdb.New(tx).RefundStrayPayment(ctx, paymentdb.RefundStrayPaymentParams{ID: id, PaymentIntentID: &paymentIntent, Now: now}); err != nil {
		return fmt.Errorf("refund stray payment %d: %w", id, err)
	}
	return enqueue(ctx, tx, jobs, RefundArgs{PaymentID: id})
}

// CloseCardPaymentTx closes booking bookingID's pending card payment on our
// side, in tx, with a job that closes its Checkout page at Stripe (if one
// was opened).
func CloseCardPaymentTx(ctx context.Context, tx pgx.Tx, jobs queue.Enqueuer, bookingID int64, now time.Time) error {
	closed, err := paymentdb.New(tx).ExpireCardPayment(ctx, paymentdb.ExpireCardPaymentParams{BookingID: bookingID, Now: now})
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
		n, err := paymentdb.New(tx).SetClosedCheckoutSession(ctx, paymentdb.SetClosedCheckoutSessionParams{ID: id, CheckoutSessionID: &checkoutSessionID})
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
	pairs, err := paymentdb.New(tx).AgencySessionsToBill(ctx, paymentdb.AgencySessionsToBillParams{SessionID: &sessionID})
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
	pairs, err := paymentdb.New(tx).AgencySessionsToBill(ctx, paymentdb.AgencySessionsToBillParams{AgencyID: &agencyID})
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
	r, err := paymentdb.New(s.pool).RefundToMake(ctx, id)
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
	n, err := paymentdb.New(s.pool).MarkRefunded(ctx, paymentdb.MarkRefundedParams{ID: id, RefundID: &refund, Now: s.now()})
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
	c, err := paymentdb.New(s.pool).CheckoutToClose(ctx, id)
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
	n, err := paymentdb.New(s.pool).MarkCheckoutClosed(ctx, paymentdb.MarkCheckoutClosedParams{ID: id, Now: s.now()})
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
