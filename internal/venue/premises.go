package venue

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue/internal/venuedb"
)

// Form fields of an agency's premises on the form that accepts a training
// request.
const (
	FieldPremisesLine1    = "premises-line-1"
	FieldPremisesLine2    = "premises-line-2"
	FieldPremisesTown     = "premises-town"
	FieldPremisesPostcode = "premises-postcode"
)

// Premises is the address of an agency's own premises, where a session the
// agency asked for is held. Its venue belongs to the agency: it is not one
// of the partnership's venues, is not offered by the scheduling form, and
// has no capacity of its own.
type Premises struct {
	AddressLine1 string
	AddressLine2 string
	Town         string
	Postcode     string
}

// CheckPremises cleans an address typed for an agency's premises and
// checks it as a room's address is checked; mistakes are a
// *validation.Errors on the Premises fields.
func CheckPremises(p Premises) (Premises, error) {
	out := Premises{
		AddressLine1: validation.CleanLine(p.AddressLine1), AddressLine2: validation.CleanLine(p.AddressLine2),
		Town: validation.CleanLine(p.Town),
	}
	var errs validation.Errors
	line(&errs, FieldPremisesLine1, out.AddressLine1, "Enter address line 1 of the agency’s premises, typically the building and street", "Address line 1")
	line(&errs, FieldPremisesLine2, out.AddressLine2, "", "Address line 2")
	line(&errs, FieldPremisesTown, out.Town, "Enter the town or city of the agency’s premises", "Town or city")
	if pc, ok := Postcode(p.Postcode); ok {
		out.Postcode = pc
	} else if strings.TrimSpace(p.Postcode) == "" {
		errs.Add(FieldPremisesPostcode, "Enter the postcode of the agency’s premises")
	} else {
		errs.Add(FieldPremisesPostcode, "Enter a real postcode, like PO1 2AB")
	}
	return out, errs.Err()
}

// postcodeAtEnd finds a UK postcode at the end of a line of an address.
var postcodeAtEnd = regexp.MustCompile(`(?i)\s*\b([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})\s*$`)

// SplitAddress reads an address typed as free text (as a training request
// gives it: lines, or commas) into its parts, as a first guess for the
// training manager to check: the first part is line 1, a UK postcode at the
// end is the postcode, the part before it the town, and what is left over
// line 2.
func SplitAddress(text string) Premises {
	var parts []string
	for _, l := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			parts = append(parts, l)
		}
	}
	var p Premises
	if n := len(parts); n > 0 {
		if m := postcodeAtEnd.FindStringSubmatchIndex(parts[n-1]); m != nil {
			if pc, ok := Postcode(parts[n-1][m[2]:m[3]]); ok {
				p.Postcode = pc
				if rest := strings.TrimSpace(parts[n-1][:m[0]]); rest != "" {
					parts[n-1] = rest
				} else {
					parts = parts[:n-1]
				}
			}
		}
	}
	switch len(parts) {
	case 0:
	case 1:
		p.AddressLine1 = parts[0]
	default:
		p.AddressLine1 = parts[0]
		p.Town = parts[len(parts)-1]
		p.AddressLine2 = strings.Join(parts[1:len(parts)-1], ", ")
	}
	return p
}

// PremisesTx returns the venue of agency's premises at p (checked by
// CheckPremises), recording it in the caller's transaction the first time
// that address is used, audited as done by the actor in ctx. The same
// address of the same agency, ignoring case, is always the same venue, even
// when two managers record it at once.
func PremisesTx(ctx context.Context, tx pgx.Tx, agencyID int64, p Premises, now time.Time) (int64, error) {
	q := venuedb.New(tx)
	find := func() (int64, error) {
		return q.FindAgencyPremises(ctx, venuedb.FindAgencyPremisesParams{
			AgencyID: &agencyID, AddressLine1: p.AddressLine1, AddressLine2: p.AddressLine2, Town: p.Town, Postcode: p.Postcode,
		})
	}
	id, err := find()
	if err == nil {
		return id, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("find the agency's premises: %w", err)
	}
	made, err := q.InsertAgencyPremises(ctx, venuedb.InsertAgencyPremisesParams{
		AddressLine1: p.AddressLine1, AddressLine2: p.AddressLine2, Town: p.Town, Postcode: p.Postcode,
		AgencyID: agencyID, Now: now,
	})
	if err != nil {
		return 0, fmt.Errorf("record the agency's premises: %w", err)
	}
	if len(made) == 0 { // recorded by another transaction a moment ago
		if id, err = find(); err != nil {
			return 0, fmt.Errorf("find the agency's premises: %w", err)
		}
		return id, nil
	}
	a := actor.From(ctx)
	return made[0].ID, audit.RecordTx(ctx, tx, now, audit.Event{
		Action: Created, ActorID: a.IDPtr(), IP: a.IP,
		Details: map[string]any{"venue_id": made[0].ID, "name": made[0].Name, "agency_id": agencyID, "agency_premises": true},
	})
}
