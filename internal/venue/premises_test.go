package venue_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
)

func TestSplitAddressReadsARequestsAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		want venue.Premises
	}{
		{"Civic Offices\nGuildhall Square\nPortsmouth\nPO1 2AL", venue.Premises{"Civic Offices", "Guildhall Square", "Portsmouth", "PO1 2AL"}},
		{"Civic Offices, Guildhall Square, Portsmouth PO1 2AL", venue.Premises{"Civic Offices", "Guildhall Square", "Portsmouth", "PO1 2AL"}},
		{"St Mary's Hospital, Milton Road, Block B,\r\nPortsmouth, po3 6ad", venue.Premises{"St Mary's Hospital", "Milton Road, Block B", "Portsmouth", "PO3 6AD"}},
		{"12 High Street  Cosham so147ly", venue.Premises{AddressLine1: "12 High Street Cosham", Postcode: "SO14 7LY"}},
		{"The Youth Centre, Fratton", venue.Premises{AddressLine1: "The Youth Centre", Town: "Fratton"}},
		{"Behind the library", venue.Premises{AddressLine1: "Behind the library"}},
		{"", venue.Premises{}},
	} {
		assert.Equal(t, c.want, venue.SplitAddress(c.text), c.text)
	}
}

func TestCheckPremisesAsARoomsAddress(t *testing.T) {
	t.Parallel()
	p, err := venue.CheckPremises(venue.Premises{AddressLine1: "  Civic   Offices ", Town: "Portsmouth", Postcode: "po12al"})
	require.NoError(t, err)
	assert.Equal(t, venue.Premises{AddressLine1: "Civic Offices", Town: "Portsmouth", Postcode: "PO1 2AL"}, p)

	_, err = venue.CheckPremises(venue.Premises{AddressLine2: "Hidden\u202Eformat", Postcode: "PO1"})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.Contains(t, v.Message(venue.FieldPremisesLine1), "Enter address line 1")
	assert.True(t, v.Has(venue.FieldPremisesLine2), "hidden formatting")
	assert.Contains(t, v.Message(venue.FieldPremisesTown), "Enter the town")
	assert.Contains(t, v.Message(venue.FieldPremisesPostcode), "real postcode")
}
