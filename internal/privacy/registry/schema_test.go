package registry_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/privacy"
	"github.com/pscp/booktraining/internal/privacy/registry"
)

// notPersonal are the text-like columns of our tables that hold no personal
// data, each with why. A new text, citext, varchar, inet or jsonb column must
// be marked personal in its migration (COMMENT ON COLUMN … IS 'personal: …')
// and listed by a part, or be added here with its reason.
var notPersonal = map[string]string{
	"evaluation_outcomes.outcome":       "a course's learning outcome, as it was asked",
	"evaluation_questions.hint":         "the partnership's hint to a question",
	"evaluation_questions.wording":      "the partnership's question",
	"impact_outcomes.outcome":           "a course's learning outcome, as it was asked",
	"account_tokens.purpose":            "which kind of link: verify or reset",
	"agencies.charging_band":            "the agency's band",
	"agencies.name":                     "an organisation's name",
	"agencies.sector":                   "the agency's sector",
	"agencies.stripe_customer_id":       "Stripe's id of the agency",
	"agencies.stripe_customer_name":     "the agency's name as sent to Stripe",
	"audit_events.action":               "what kind of event",
	"charges.invoice_reference":         "the finance system's reference of an invoice",
	"invoice_lines.row_kind":            "a charge or a place",
	"invoice_lines.state":               "to invoice or awaiting payment",
	"invoice_lines.payer":               "which kind of payer: agency, organisation or person",
	"payments.invoice_reference":        "the finance system's reference of an invoice",
	"payments.payer":                    "which kind of payer: agency, organisation or person",
	"email_actions.kind":                "which kind of email was asked for",
	"enquiries.form_key":                "a random one-time key of the request form, against double submission",
	"retained_place_counts.attendance":  "anonymous counts for the board: an outcome, no person",
	"retained_place_counts.status":      "anonymous counts for the board: an outcome, no person",
	"retention_runs.counts":             "how many records each rule handled",
	"retention_runs.error":              "why a rule failed: record ids and causes, never a record's values",
	"sweep_runs.sweep":                  "which safety-net sweep ran",
	"sweep_runs.process":                "which app process ran it: host name and process id",
	"sweep_runs.error":                  "why a sweep failed: record ids and causes",
	"booking_reminders.kind":            "which reminder",
	"bookings.attendance":               "attended, absent or late: kept anonymously for the figures",
	"bookings.status":                   "the place's state",
	"charge_policy.charging_band":       "policy",
	"charge_policy.duration":            "policy",
	"charge_policy.kind":                "policy",
	"charges.billing_batch":             "our idempotency key",
	"charges.kind":                      "non-attendance or late cancellation",
	"charges.status":                    "the charge's state",
	"charges.stripe_invoice_id":         "the agency's invoice",
	"course_prices.charging_band":       "prices",
	"agency_partnerships.charging_band": "the band a partnership gives an agency",
	"courses.audience_description":      "the catalogue",
	"courses.audiences":                 "the catalogue",
	"courses.delivery_modes":            "the catalogue",
	"courses.description":               "the catalogue",
	"courses.duration":                  "the catalogue",
	"courses.learning_outcomes":         "the catalogue",
	"courses.slug":                      "the catalogue",
	"courses.summary":                   "the catalogue",
	"courses.title":                     "the catalogue (a bespoke course's title is the agency's topic)",
	"emails.calendar_method":            "REQUEST, CANCEL or PUBLISH",
	"emails.message_token":              "random part of the Message-ID",
	// A training request is the agency's: what it asks for is shared with
	// everyone of that agency and stays after its requester is erased; the
	// contact (name, address, telephone) is personal and marked.
	"enquiries.access_needs":       "the group's needs, as the agency states them, not the requester's",
	"enquiries.address":            "the agency's premises",
	"enquiries.audience":           "the agency's teams and roles",
	"enquiries.decline_reason":     "the training team's answer to the agency",
	"enquiries.kind":               "course or bespoke",
	"enquiries.location":           "premises, venue or online",
	"enquiries.need":               "the agency's need for training",
	"enquiries.status":             "the request's state",
	"enquiries.topic":              "the training asked for",
	"enquiry_events.action":        "what kind of step",
	"enquiry_events.note":          "the training team's decline reason or the session added",
	"enquiry_events.status":        "the request's state",
	"payments.billing_batch":       "our idempotency key",
	"payments.checkout_session_id": "Stripe's id of the checkout (exported, not identifying on its own)",
	"payments.checkout_url":        "Stripe's page for a checkout (never exported: anyone holding it could pay)",
	"payments.method":              "card or invoice",
	"payments.payment_intent_id":   "Stripe's id of the payment",
	"payments.refund_id":           "Stripe's id of the refund",
	"payments.status":              "the payment's state",
	"payments.stripe_invoice_id":   "the agency's invoice",
	"sessions.cancelled_reason":    "why a session was cancelled, told to all its people",
	"sessions.course_title":        "the catalogue",
	"sessions.invite_token":        "a closed session's invite link, shared with an agency",
	"sessions.meeting_url":         "an online session's link",
	"sessions.status":              "the session's state",
	"stripe_events.id":             "Stripe's event ledger",
	"stripe_events.type":           "Stripe's event ledger",
	"user_roles.role":              "which role (exported as the person's roles; deleted with the account)",
	"partnerships.email":           "the training team's mailbox of a partnership, not a person's",
	"partnerships.host":            "the host name a partnership's pages are served on",
	"partnerships.name":            "an organisation's name",
	"partnerships.phone":           "the training team's telephone of a partnership",
	"partnerships.short_name":      "an area's name",
	"partnerships.slug":            "a partnership's name in addresses",
	"venues.accessibility_notes":   "a venue's",
	"venues.address_line1":         "a venue's",
	"venues.address_line2":         "a venue's",
	"venues.directions":            "a venue's",
	"venues.name":                  "a venue's",
	"venues.postcode":              "a venue's",
	"venues.town":                  "a venue's",
	"web_sessions.csrf_token":      "a random token of the session, deleted with it",
}

type column struct {
	name     string // table.column
	textLike bool
	personal bool
}

// columns reads every column of our tables (not River's, not goose's) with
// whether its type can hold text and whether the schema marks it personal.
func columns(t *testing.T) map[string]column {
	t.Helper()
	db := pgtest.New(t)
	rows, err := db.Query(context.Background(), `
		SELECT c.table_name || '.' || c.column_name,
		       (c.data_type IN ('text', 'character varying', 'character', 'inet', 'json', 'jsonb')
		        OR c.udt_name IN ('citext', '_text', '_varchar', '_citext', '_jsonb'))::boolean,
		       coalesce(col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position::int), '') LIKE 'personal:%'
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		  AND c.table_name NOT LIKE 'river\_%' AND c.table_name <> 'goose_db_version'`)
	require.NoError(t, err)
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.name, &c.textLike, &c.personal)
		return c, err
	})
	require.NoError(t, err)
	out := map[string]column{}
	for _, c := range cols {
		out[c.name] = c
	}
	require.Contains(t, out, "users.email", "the schema was read")
	return out
}

// problems says what is wrong between the schema's markers, the registry's
// parts and the list of columns that are not personal.
func problems(cols map[string]column, r *privacy.Registry, notPersonal map[string]string) []string {
	var out []string
	listed := r.Columns()
	for name, c := range cols {
		switch {
		case c.personal && len(listed[name]) == 0:
			out = append(out, fmt.Sprintf("%s is marked personal but no part exports and erases it", name))
		case c.personal && notPersonal[name] != "":
			out = append(out, fmt.Sprintf("%s is marked personal and listed as not personal", name))
		case c.textLike && !c.personal && notPersonal[name] == "":
			out = append(out, fmt.Sprintf("%s holds text: mark it personal in a migration and list it in a part, or list it as not personal", name))
		}
	}
	for name, parts := range listed {
		c, ok := cols[name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("part %s lists %s, which does not exist", strings.Join(parts, ", "), name))
		case !c.personal:
			out = append(out, fmt.Sprintf("part %s lists %s, which is not marked personal", strings.Join(parts, ", "), name))
		}
	}
	for name := range notPersonal {
		if _, ok := cols[name]; !ok {
			out = append(out, fmt.Sprintf("%s is listed as not personal but does not exist", name))
		}
	}
	slices.Sort(out)
	return out
}

func TestEveryPersonalColumnHasAPart(t *testing.T) {
	t.Parallel()
	cols := columns(t)
	assert.Empty(t, problems(cols, registry.New(), notPersonal))

	// The check itself finds each kind of mistake.
	var partial privacy.Registry // the account alone: bookings' columns are nobody's
	for _, p := range registry.New().Parts() {
		if p.Name != "bookings" {
			partial.Register(p)
		}
	}
	assert.Contains(t, problems(cols, &partial, notPersonal),
		"bookings.access_needs is marked personal but no part exports and erases it")

	wrong := registry.New()
	wrong.Register(privacy.Part{
		Name: "wrong", Columns: []string{"users.no_such_column", "venues.name"},
		Export: func(context.Context, pgx.Tx, privacy.Person) (any, error) { return nil, nil },
		Erase:  func(context.Context, pgx.Tx, privacy.Person, time.Time) error { return nil },
	})
	got := problems(cols, wrong, notPersonal)
	assert.Contains(t, got, "part wrong lists users.no_such_column, which does not exist")
	assert.Contains(t, got, "part wrong lists venues.name, which is not marked personal")

	forgot := map[string]string{}
	for k, v := range notPersonal {
		if k != "sessions.meeting_url" {
			forgot[k] = v
		}
	}
	assert.Contains(t, problems(cols, registry.New(), forgot),
		"sessions.meeting_url holds text: mark it personal in a migration and list it in a part, or list it as not personal")
}
