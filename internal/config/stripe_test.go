package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStripeSettings(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Empty(t, c.StripeSecretKey, "no Stripe: paid places are invoiced")
	assert.Equal(t, 30*time.Minute, c.PaymentHold)

	c, err = Load(env(map[string]string{
		"STRIPE_SECRET_KEY": "sk_test_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc",
		"STRIPE_API_URL": "http://localhost:12111", "PAYMENT_HOLD": "45m",
	}))
	require.NoError(t, err)
	assert.Equal(t, "sk_test_abc", c.StripeSecretKey)
	assert.Equal(t, "whsec_abc", c.StripeWebhookSecret)
	assert.Equal(t, "http://localhost:12111", c.StripeAPIURL)
	assert.Equal(t, 45*time.Minute, c.PaymentHold)

	for name, e := range map[string]map[string]string{
		"key without webhook secret": {"STRIPE_SECRET_KEY": "sk_test_abc"},
		"webhook secret without key": {"STRIPE_WEBHOOK_SECRET": "whsec_abc"},
		"publishable key":            {"STRIPE_SECRET_KEY": "pk_test_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc"},
		"not a webhook secret":       {"STRIPE_SECRET_KEY": "sk_test_abc", "STRIPE_WEBHOOK_SECRET": "abc"},
		"hold too short for Stripe":  {"PAYMENT_HOLD": "10m"},
		"hold too long for Stripe":   {"PAYMENT_HOLD": "25h"},
		"API URL not a URL":          {"STRIPE_API_URL": "localhost"},
	} {
		_, err := Load(env(e))
		assert.Error(t, err, name)
	}
	_, err = Load(env(map[string]string{"STRIPE_SECRET_KEY": "pk_live_secretish", "STRIPE_WEBHOOK_SECRET": "whsec_x"}))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pk_live_secretish", "a key is never echoed")
}
