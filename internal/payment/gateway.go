package payment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Gateway is the edge of the world: the Stripe calls the app makes. Every call
// that changes something at Stripe carries an idempotency key derived from our
// own records (see the *Key functions), so a retry, by stripe-go, by a job, or
// by a person pressing a button twice, cannot charge or refund twice.
type Gateway interface {
	// CreateCheckoutSession opens a Stripe Checkout page for one place.
	CreateCheckoutSession(ctx context.Context, r CheckoutRequest) (CheckoutSession, error)
	// ExpireCheckoutSession closes a checkout page so it can no longer be
	// paid (the hold on the place ended first).
	ExpireCheckoutSession(ctx context.Context, sessionID, idempotencyKey string) error
	// Refund gives back amount of a payment, returning the refund's id.
	Refund(ctx context.Context, paymentIntentID string, amount Pence, idempotencyKey string) (string, error)
	// EnsureCustomer makes the Stripe customer of an agency, returning its id.
	// The key makes a second call for the same agency return the same one.
	EnsureCustomer(ctx context.Context, c Customer, idempotencyKey string) (string, error)
	// UpdateCustomer sends an agency's new name and billing contact email to
	// its Stripe customer, which invoices go to.
	UpdateCustomer(ctx context.Context, customerID string, c Customer, idempotencyKey string) error
	// InvoiceCharges bills a customer for lines: one invoice, sent by email
	// by Stripe, to be paid within 30 days. It returns the invoice's id. Each
	// step's key is derived from idempotencyKey (and a line's from its Ref),
	// so a second call with the same key and lines, after any failure, ends
	// with the same invoice.
	InvoiceCharges(ctx context.Context, customerID string, lines []InvoiceLine, idempotencyKey string) (string, error)
}

// CheckoutRequest is one place to pay for.
type CheckoutRequest struct {
	BookingID      int64
	PaymentID      int64 // our payments row; in the session's metadata
	AmountPence    Pence
	Description    string // the line the person sees: course and date
	CustomerEmail  string
	SuccessURL     string // may hold {CHECKOUT_SESSION_ID}
	CancelURL      string
	ExpiresAt      time.Time // 30 minutes to 24 hours ahead, as Stripe requires
	IdempotencyKey string
}

// CheckoutSession is what Stripe answers: its id, and where to send the person.
type CheckoutSession struct {
	ID  string
	URL string
}

// Customer is an agency as Stripe sees it.
type Customer struct {
	AgencyID     int64
	Name         string
	BillingEmail string
}

// InvoiceLine is one charge on an agency's invoice.
type InvoiceLine struct {
	Description string
	AmountPence Pence
	// Ref names the record billed ("charge-12"), for the line's idempotency
	// key; empty: the line's position names it.
	Ref string
}

// Idempotency keys, from our own record ids. Stripe keeps a key for 24 hours
// and answers a repeat with the first answer.
func CheckoutKey(paymentID int64) string {
	return "checkout-payment-" + strconv.FormatInt(paymentID, 10)
}
func ExpireKey(paymentID int64) string  { return "expire-payment-" + strconv.FormatInt(paymentID, 10) }
func RefundKey(paymentID int64) string  { return "refund-payment-" + strconv.FormatInt(paymentID, 10) }
func CustomerKey(agencyID int64) string { return "customer-agency-" + strconv.FormatInt(agencyID, 10) }

// CustomerUpdateKey is the key of sending an agency's name and billing email
// to its customer, as the agency read when it was last changed (changedAt):
// the same for a retry, another for the next change, even one back to an
// address used before (a repeated key would be answered without effect).
func CustomerUpdateKey(agencyID int64, name, email string, changedAt time.Time) string {
	sum := sha256.Sum256([]byte(name + "\x00" + email + "\x00" + strconv.FormatInt(changedAt.UnixNano(), 10)))
	return CustomerKey(agencyID) + "-update-" + hex.EncodeToString(sum[:6])
}
func InvoiceKey(kind string, id int64) string {
	return "invoice-" + kind + "-" + strconv.FormatInt(id, 10)
}

// StripeGateway is the Gateway over stripe-go's client.
type StripeGateway struct {
	api *client.API
}

// NewStripeGateway talks to Stripe with key. apiURL, when not empty, replaces
// Stripe's address (stripe-mock in tests). httpClient may be nil.
func NewStripeGateway(key, apiURL string, httpClient *http.Client) *StripeGateway {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 80 * time.Second}
	}
	cfg := &stripe.BackendConfig{
		HTTPClient:        httpClient,
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull}, // errors are returned, and logged by the caller
		MaxNetworkRetries: stripe.Int64(2),                                // with the same idempotency key
	}
	if apiURL != "" {
		cfg.URL = stripe.String(apiURL)
	}
	backends := &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, cfg),
		// Files are never uploaded; this keeps Stripe's own address.
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, &stripe.BackendConfig{HTTPClient: httpClient, LeveledLogger: cfg.LeveledLogger}),
	}
	return &StripeGateway{api: client.New(key, backends)}
}

// unreachable marks err from a Stripe call with ErrStripeUnavailable unless
// Stripe refused the request for good (see refusedForGood): no connection,
// a timeout, a 5xx, 408, 409 or 429 may go through when asked again.
func unreachable(err error) error {
	if _, forGood := refusedForGood(err); forGood {
		return err
	}
	return fmt.Errorf("%w (%w)", err, ErrStripeUnavailable)
}

func params(ctx context.Context, key string) stripe.Params {
	p := stripe.Params{Context: ctx}
	if key != "" {
		p.SetIdempotencyKey(key)
	}
	return p
}

func (g *StripeGateway) CreateCheckoutSession(ctx context.Context, r CheckoutRequest) (CheckoutSession, error) {
	if r.IdempotencyKey == "" {
		return CheckoutSession{}, errNoKey
	}
	booking := strconv.FormatInt(r.BookingID, 10)
	payment := strconv.FormatInt(r.PaymentID, 10)
	p := &stripe.CheckoutSessionParams{
		Params:            params(ctx, r.IdempotencyKey),
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String("booking-" + booking),
		SuccessURL:        stripe.String(r.SuccessURL),
		CancelURL:         stripe.String(r.CancelURL),
		ExpiresAt:         stripe.Int64(r.ExpiresAt.Unix()),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String(string(stripe.CurrencyGBP)),
				UnitAmount:  stripe.Int64(int64(r.AmountPence)),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String(r.Description)},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{
			Metadata: map[string]string{"booking_id": booking, "payment_id": payment},
		},
	}
	if r.CustomerEmail != "" {
		p.CustomerEmail = stripe.String(r.CustomerEmail)
	}
	p.AddMetadata("booking_id", booking)
	p.AddMetadata("payment_id", payment)
	s, err := g.api.CheckoutSessions.New(p)
	if err != nil {
		return CheckoutSession{}, fmt.Errorf("stripe: create checkout session for booking %d: %w", r.BookingID, unreachable(err))
	}
	return CheckoutSession{ID: s.ID, URL: s.URL}, nil
}

func (g *StripeGateway) ExpireCheckoutSession(ctx context.Context, sessionID, idempotencyKey string) error {
	if idempotencyKey == "" {
		return errNoKey
	}
	_, err := g.api.CheckoutSessions.Expire(sessionID, &stripe.CheckoutSessionExpireParams{Params: params(ctx, idempotencyKey)})
	if err != nil {
		return fmt.Errorf("stripe: expire checkout session %s: %w", sessionID, unreachable(err))
	}
	return nil
}

func (g *StripeGateway) Refund(ctx context.Context, paymentIntentID string, amount Pence, idempotencyKey string) (string, error) {
	if idempotencyKey == "" {
		return "", errNoKey
	}
	r, err := g.api.Refunds.New(&stripe.RefundParams{
		Params:        params(ctx, idempotencyKey),
		PaymentIntent: stripe.String(paymentIntentID),
		Amount:        stripe.Int64(int64(amount)),
	})
	if err != nil {
		return "", fmt.Errorf("stripe: refund %s: %w", paymentIntentID, unreachable(err))
	}
	return r.ID, nil
}

func (g *StripeGateway) EnsureCustomer(ctx context.Context, c Customer, idempotencyKey string) (string, error) {
	if idempotencyKey == "" {
		return "", errNoKey
	}
	p := &stripe.CustomerParams{
		Params: params(ctx, idempotencyKey),
		Name:   stripe.String(c.Name),
	}
	if c.BillingEmail != "" {
		p.Email = stripe.String(c.BillingEmail)
	}
	p.AddMetadata("agency_id", strconv.FormatInt(c.AgencyID, 10))
	cu, err := g.api.Customers.New(p)
	if err != nil {
		return "", fmt.Errorf("stripe: create customer for agency %d: %w", c.AgencyID, unreachable(err))
	}
	return cu.ID, nil
}

func (g *StripeGateway) UpdateCustomer(ctx context.Context, customerID string, c Customer, idempotencyKey string) error {
	if idempotencyKey == "" {
		return errNoKey
	}
	_, err := g.api.Customers.Update(customerID, &stripe.CustomerParams{
		Params: params(ctx, idempotencyKey),
		Name:   stripe.String(c.Name),
		Email:  stripe.String(c.BillingEmail),
	})
	if err != nil {
		return fmt.Errorf("stripe: update customer %s of agency %d: %w", customerID, c.AgencyID, unreachable(err))
	}
	return nil
}

func (g *StripeGateway) InvoiceCharges(ctx context.Context, customerID string, lines []InvoiceLine, idempotencyKey string) (string, error) {
	if idempotencyKey == "" {
		return "", errNoKey
	}
	if len(lines) == 0 {
		return "", fmt.Errorf("stripe: invoice for %s: no lines", customerID)
	}
	// The invoice first, taking no stray pending items, then its lines, so
	// the invoice holds exactly these charges.
	inv, err := g.api.Invoices.New(&stripe.InvoiceParams{
		Params:                      params(ctx, idempotencyKey+"-invoice"),
		Customer:                    stripe.String(customerID),
		Currency:                    stripe.String(string(stripe.CurrencyGBP)),
		CollectionMethod:            stripe.String(string(stripe.InvoiceCollectionMethodSendInvoice)),
		DaysUntilDue:                stripe.Int64(30),
		PendingInvoiceItemsBehavior: stripe.String("exclude"),
		AutoAdvance:                 stripe.Bool(false),
	})
	if err != nil {
		return "", fmt.Errorf("stripe: create invoice for %s: %w", customerID, unreachable(err))
	}
	for i, l := range lines {
		ref := l.Ref
		if ref == "" {
			ref = "line-" + strconv.Itoa(i)
		}
		_, err := g.api.InvoiceItems.New(&stripe.InvoiceItemParams{
			Params:      params(ctx, idempotencyKey+"-"+ref),
			Customer:    stripe.String(customerID),
			Invoice:     stripe.String(inv.ID),
			Currency:    stripe.String(string(stripe.CurrencyGBP)),
			Amount:      stripe.Int64(int64(l.AmountPence)),
			Description: stripe.String(l.Description),
		})
		if err != nil {
			return "", fmt.Errorf("stripe: add line %d to invoice %s: %w", i, inv.ID, unreachable(err))
		}
	}
	if _, err := g.api.Invoices.FinalizeInvoice(inv.ID, &stripe.InvoiceFinalizeInvoiceParams{
		Params: params(ctx, idempotencyKey+"-finalize"),
	}); err != nil {
		return "", fmt.Errorf("stripe: finalize invoice %s: %w", inv.ID, unreachable(err))
	}
	if _, err := g.api.Invoices.SendInvoice(inv.ID, &stripe.InvoiceSendInvoiceParams{
		Params: params(ctx, idempotencyKey+"-send"),
	}); err != nil {
		return "", fmt.Errorf("stripe: send invoice %s: %w", inv.ID, unreachable(err))
	}
	return inv.ID, nil
}
