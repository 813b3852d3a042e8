package services_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/config"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/services"
)

func load(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	return cfg
}

// New builds every part once and joins them: the hooks one part needs from
// another point at the same services it returns, and the settings reach
// the parts that use them.
func TestNewJoinsThePartsItBuilds(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	cfg := load(t, map[string]string{
		"BASE_URL": "http://localhost:3000", "TRAINING_EMAIL": "training@example.org",
		"TRAINING_PHONE": "023 9268 8000", "OFFER_WINDOW": "36h", "REQUEST_RESPONSE_DAYS": "7",
	})
	s, err := services.New(pool, cfg, services.Options{Now: time.Now})
	require.NoError(t, err)

	for name, built := range map[string]bool{
		"Catalogue": s.Catalogue != nil, "Accounts": s.Accounts != nil, "Bookings": s.Bookings != nil,
		"Payments": s.Payments != nil, "Scheduler": s.Scheduler != nil, "Calendars": s.Calendars != nil,
		"People": s.People != nil, "Agencies": s.Agencies != nil, "Venues": s.Venues != nil,
		"Trainers": s.Trainers != nil, "TrainingRequests": s.TrainingRequests != nil, "Audit": s.Audit != nil,
		"Emails": s.Emails != nil, "Retention": s.Retention != nil, "Failures": s.Failures != nil, "Jobs": s.Jobs != nil,
		"Certificates": s.Certificates != nil, "Evaluations": s.Evaluations != nil, "Reports": s.Reports != nil,
	} {
		assert.True(t, built, "%s is built", name)
	}
	assert.Same(t, s.Payments, s.Bookings.Money, "bookings take payment through the one payment service")
	assert.Same(t, s.Bookings, s.Payments.Bookings, "payments hold and confirm places through the one booking service")
	assert.Same(t, s.Bookings, s.Scheduler.Bookings, "the scheduler ends bookings through the one booking service")
	assert.NotNil(t, s.Accounts.OnErase, "erasing an account cancels its bookings")
	assert.NotNil(t, s.Accounts.Privacy, "erasure and download reach every part")
	assert.NotNil(t, s.Agencies.BillingContactAdded, "a billing contact added bills what waited for one")
	assert.NotNil(t, s.Payments.Jobs, "payments insert their jobs with their cause")
	assert.NotNil(t, s.Bookings.Attended, "the register asks each place marked attended to evaluate")
	assert.NotNil(t, s.Certificates.Ready, "a certificate asks the evaluation's gate")
	assert.Equal(t, 36*time.Hour, s.Bookings.OfferWindow)
	assert.Equal(t, 7, s.TrainingRequests.ResponseDays)
	assert.Equal(t, 7, s.Reports.ResponseDays, "the home page marks requests overdue as the queue does")
	assert.Equal(t, "training@example.org", s.Bookings.Organizer.Email)
	assert.Equal(t, "023 9268 8000", s.Bookings.Contact.Phone)
	assert.False(t, s.Payments.Online(), "no Stripe keys: paid places are invoiced")
	assert.Nil(t, s.Metrics, "no METRICS_TOKEN: no /metrics")
}

func TestNewWithStripeAndMetrics(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	cfg := load(t, map[string]string{
		"BASE_URL":          "http://localhost:3000",
		"STRIPE_SECRET_KEY": "sk_test_123", "STRIPE_WEBHOOK_SECRET": "whsec_123",
		"METRICS_TOKEN": "0123456789abcdef0123456789abcdef",
	})
	s, err := services.New(pool, cfg, services.Options{})
	require.NoError(t, err)
	assert.True(t, s.Payments.Online(), "Stripe's keys: card payments")
	require.NotNil(t, s.Metrics)
	families, err := s.Metrics.Gather()
	require.NoError(t, err)
	assert.NotEmpty(t, families)
}
