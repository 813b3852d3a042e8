package stripetest

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/payment"
)

// Reporter is where NoConnHeld reports a call made while a connection was
// held: a *testing.T, or a recorder in the test that shows it can fail.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// NoConnHeld wraps gw so that every Stripe call first checks that pool has
// no acquired connection: none held by an open transaction (with its row
// locks), none by a query still being read. A call made while one is held
// is reported to t, naming the call and how many were held. For the count
// to mean something the pool must be the test's own, with nothing else
// running on it (no River client, no other test), as pgtest.New gives.
func NoConnHeld(t Reporter, pool *pgxpool.Pool, gw payment.Gateway) *Guard {
	return &Guard{t: t, pool: pool, gw: gw}
}

// Guard is the wrapped gateway; Calls says how many Stripe calls it saw,
// so a test can show its path really called Stripe.
type Guard struct {
	t     Reporter
	pool  *pgxpool.Pool
	gw    payment.Gateway
	calls atomic.Int64
}

// Calls is how many Stripe calls went through the guard.
func (g *Guard) Calls() int { return int(g.calls.Load()) }

func (g *Guard) check(call string) {
	g.t.Helper()
	g.calls.Add(1)
	if n := g.pool.Stat().AcquiredConns(); n > 0 {
		g.t.Errorf("%s", fmt.Sprintf("Stripe %s called while %d database connection(s) were held (a transaction or a query open across a network call)", call, n))
	}
}

func (g *Guard) CreateCheckoutSession(ctx context.Context, r payment.CheckoutRequest) (payment.CheckoutSession, error) {
	g.check("CreateCheckoutSession")
	return g.gw.CreateCheckoutSession(ctx, r)
}

func (g *Guard) ExpireCheckoutSession(ctx context.Context, sessionID, key string) error {
	g.check("ExpireCheckoutSession")
	return g.gw.ExpireCheckoutSession(ctx, sessionID, key)
}

func (g *Guard) Refund(ctx context.Context, paymentIntentID string, amount payment.Pence, key string) (string, error) {
	g.check("Refund")
	return g.gw.Refund(ctx, paymentIntentID, amount, key)
}

func (g *Guard) EnsureCustomer(ctx context.Context, c payment.Customer, key string) (string, error) {
	g.check("EnsureCustomer")
	return g.gw.EnsureCustomer(ctx, c, key)
}

func (g *Guard) UpdateCustomer(ctx context.Context, customerID string, c payment.Customer, key string) error {
	g.check("UpdateCustomer")
	return g.gw.UpdateCustomer(ctx, customerID, c, key)
}

func (g *Guard) InvoiceCharges(ctx context.Context, customerID string, lines []payment.InvoiceLine, key string) (string, error) {
	g.check("InvoiceCharges")
	return g.gw.InvoiceCharges(ctx, customerID, lines, key)
}
