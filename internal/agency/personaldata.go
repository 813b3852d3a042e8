package agency

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/agency/internal/agencydb"
	"github.com/pscp/booktraining/internal/privacy"
)

// PersonalData is the agencies' part of the privacy registry. A billing
// contact is a person's work contact held for the agency, not for an
// account; it is found by address: the download lists the agencies whose
// invoices go to the person, and erasure clears the contact (invoices then
// wait until a manager names another, as for a cleared contact).
func PersonalData() []privacy.Part {
	return []privacy.Part{{
		Name:    "billing_contact_for",
		Columns: []string{"agencies.billing_contact_name", "agencies.billing_contact_email", "agencies.stripe_customer_email"},
		Export:  exportBillingContacts,
		Erase: func(ctx context.Context, tx pgx.Tx, p privacy.Person, _ time.Time) error {
			return agencydb.New(tx).ClearBillingContacts(ctx, p.Email)
		},
	}}
}

// PersonalBillingContact is an agency whose invoices go to the person.
type PersonalBillingContact struct {
	Agency string `json:"agency"`
	Name   string `json:"name"`
	Email  string `json:"email"`
}

func exportBillingContacts(ctx context.Context, tx pgx.Tx, p privacy.Person) (any, error) {
	rows, err := agencydb.New(tx).ExportBillingContacts(ctx, p.Email)
	if err != nil {
		return nil, err
	}
	out := []PersonalBillingContact{}
	for _, r := range rows {
		out = append(out, PersonalBillingContact{Agency: r.Name, Name: r.BillingContactName, Email: r.BillingContactEmail})
	}
	return out, nil
}
