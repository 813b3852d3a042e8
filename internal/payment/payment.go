// Package payment owns money: what a place costs each charging band, what
// non-attendance and late cancellation cost, the paid places (held while
// their person pays by card or on an invoice, refunded when they end), the
// charges and invoices of agencies, the app's calls to Stripe (the Gateway),
// the verification of Stripe's webhooks and the ledger that makes each Stripe
// event take effect exactly once. Its tables (payments, charges,
// charge_policy, course_prices, stripe_events) are written only by its own
// queries (internal/payment/internal/paymentdb).
//
// Booking keeps the places themselves: this package changes a place through
// booking's ...Tx functions in its own transaction, and booking asks it for
// prices and settlements through booking.Money (services joins the two).
package payment

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stripe/stripe-go/v76"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/payment/internal/paymentdb"
	"github.com/pscp/booktraining/internal/payment/money"
	"github.com/pscp/booktraining/internal/queue"
)

var (
	// ErrOffline means no Stripe secret key is configured: paid places can
	// only be invoiced.
	ErrOffline = errs.New(errs.Unavailable, "online payment is not configured")
	// ErrNotFound means the course or agency asked about does not exist.
	ErrNotFound = errs.New(errs.NotFound, "not found")
	// ErrNoBillingEmail means an agency has no billing contact to invoice.
	ErrNoBillingEmail = errs.New(errs.Conflict, "agency has no billing contact email")
	// ErrStripeUnavailable is in the chain of a Stripe call that could not
	// be made now (no connection, a timeout, Stripe's own fault, too many
	// requests): asking again later may work. A refusal Stripe gives for good
	// (another 4xx) is a fault of ours and has no kind.
	ErrStripeUnavailable = errs.Says(errs.Unavailable, "The card payment service cannot be reached just now. Try again in a few minutes.")

	// errNoKey is a fault of the code calling Stripe: no kind.
	errNoKey = errors.New("stripe: a call that changes something needs an idempotency key")
)

// Service is payments for the app: prices, the charge policy, Stripe.
type Service struct {
	pool          *pgxpool.Pool
	gateway       Gateway // nil when offline
	webhookSecret string
	now           func() time.Time

	// Hold is how long a paid place is held while the person pays
	// (PAYMENT_HOLD); Stripe allows 30 minutes to 24 hours.
	Hold time.Duration
	// Jobs inserts the Stripe jobs (refunds, closing checkouts, invoices) in
	// the transactions that cause them; main sets it (email.Outbox).
	Jobs queue.Enqueuer
	// Bookings holds, confirms and lapses the places paid for (paid.go);
	// services sets it, and sets Bookings.Money to this Service.
	Bookings *booking.Service
	log      *slog.Logger // what cannot be returned (SetLogger)

	mu       sync.RWMutex
	handlers map[stripe.EventType]Handler
}

// New makes the service. gateway is nil, and webhookSecret empty, when Stripe
// is not configured (development and demo): Online then reports false.
func New(pool *pgxpool.Pool, gateway Gateway, webhookSecret string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{
		pool: pool, gateway: gateway, webhookSecret: webhookSecret, now: now,
		Hold: 30 * time.Minute, handlers: map[stripe.EventType]Handler{}, log: slog.Default(),
	}
}

// SetLogger sets where the service tells what it cannot return.
func (s *Service) SetLogger(log *slog.Logger) {
	if log != nil {
		s.log = log
	}
}

// Online reports whether people can pay by card: Stripe is configured, both
// to take payments and to hear that they were made.
func (s *Service) Online() bool { return s.gateway != nil && s.webhookSecret != "" }

// Gateway is the Stripe client, or ErrOffline.
func (s *Service) Gateway() (Gateway, error) {
	if s.gateway == nil {
		return nil, ErrOffline
	}
	return s.gateway, nil
}

// Pence is an amount of money in pence (GBP): money.Pence, which booking
// shows in its pages and emails without importing payment.
type Pence = money.Pence

// MaxAmount is the most any price or charge may be: £10,000.
const MaxAmount Pence = 1_000_000

var (
	errAmountFormat   = errs.New(errs.Invalid, "not an amount of money")
	errAmountNegative = errs.New(errs.Invalid, "negative amount")
	errAmountTooLarge = errs.New(errs.Invalid, "amount too large")
)

// ParsePounds reads an amount typed in pounds: "80", "80.5", "80.50",
// "£1,250". Blank is 0.
func ParsePounds(s string) (Pence, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "£")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, nil
	}
	if strings.HasPrefix(s, "-") {
		return 0, errAmountNegative
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if !digits(whole) || len(whole) > 7 || (dot && (len(frac) < 1 || len(frac) > 2 || !digits(frac))) {
		return 0, errAmountFormat
	}
	if len(frac) == 1 {
		frac += "0"
	}
	pounds, _ := strconv.ParseInt(whole, 10, 64)
	pence := int64(0)
	if frac != "" {
		pence, _ = strconv.ParseInt(frac, 10, 64)
	}
	p := Pence(pounds*100 + pence)
	if p > MaxAmount {
		return 0, errAmountTooLarge
	}
	return p, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// inTx runs f in one transaction of the service's pool.
func (s *Service) inTx(ctx context.Context, f func(tx pgx.Tx, q *paymentdb.Queries) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return f(tx, paymentdb.New(tx)) })
}
