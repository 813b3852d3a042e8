package venue

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/venue/internal/venuedb"
)

// DemoVenue is a training room of the demo data, or an online platform when
// Online is true (then the address fields, capacity and directions are
// empty).
type DemoVenue struct {
	Name               string
	Online             bool
	AddressLine1       string
	AddressLine2       string
	Town               string
	Postcode           string
	Capacity           int
	AccessibilityNotes string
	Directions         string
}

// AddDemoTx adds a demo venue in the caller's transaction and returns its
// id. Only internal/demo calls it, in the transaction that seeds an empty
// database with demo data, which is why nothing is audited: nobody did it.
func AddDemoTx(ctx context.Context, tx pgx.Tx, v DemoVenue) (int64, error) {
	var capacity *int32
	if !v.Online {
		c := int32(v.Capacity)
		capacity = &c
	}
	id, err := venuedb.New(tx).InsertDemoVenue(ctx, venuedb.InsertDemoVenueParams{
		Name: v.Name, Online: v.Online, AddressLine1: v.AddressLine1, AddressLine2: v.AddressLine2,
		Town: v.Town, Postcode: v.Postcode, Capacity: capacity,
		AccessibilityNotes: v.AccessibilityNotes, Directions: v.Directions,
	})
	if err != nil {
		return 0, fmt.Errorf("demo venue %q: %w", v.Name, err)
	}
	return id, nil
}
