package stripetest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

// Event is a webhook as Stripe sends it: the JSON of an event with id and
// type typ carrying object (anything that marshals to the Stripe object, such
// as a map or a *stripe.CheckoutSession), for the API version stripe-go
// expects, and its Stripe-Signature header, signed with secret at.
func Event(secret, id string, typ stripe.EventType, object any, at time.Time) (body []byte, signature string) {
	obj, err := json.Marshal(object)
	if err != nil {
		panic(fmt.Sprintf("stripetest: event object: %v", err))
	}
	body, err = json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "api_version": stripe.APIVersion,
		"created": at.Unix(), "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": json.RawMessage(obj)},
	})
	if err != nil {
		panic(fmt.Sprintf("stripetest: event: %v", err))
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
	return body, signed.Header
}
