package trainingrequest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainingrequest"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
)

// atPremises submits a bespoke request for training at the lead's agency's
// premises.
func (f fixture) atPremises(t *testing.T) int64 {
	t.Helper()
	id, err := f.svc.Submit(as(context.Background(), f.lead), trainingrequest.Form{
		Kind: "bespoke", Topic: "Safeguarding in the canteen", Need: "Noticing concerns", Audience: "Catering staff",
		Participants: "18", Location: trainingrequest.OwnPremises, Address: "Civic Offices\nGuildhall Square, Portsmouth po12al",
		ContactName: "Lead", ContactEmail: "lead@example.org",
		Dates: []trainingrequest.DateInput{{Day: "10", Month: "2", Year: "2027", Start: "9:30", End: "12:30"}},
	})
	require.NoError(t, err)
	return id
}

type premisesVenue struct {
	ID                             int64
	Name, Line1, Line2, Town, Code string
	AgencyID                       *int64
	Capacity                       *int32
	InRoom                         bool
}

func (f fixture) venueOfSession(t *testing.T, session int64) premisesVenue {
	t.Helper()
	var v premisesVenue
	require.NoError(t, f.pool.QueryRow(context.Background(), `
		SELECT v.id, v.name, v.address_line1, v.address_line2, v.town, v.postcode, v.agency_id, v.capacity, s.in_room
		FROM sessions s JOIN venues v ON v.id = s.venue_id WHERE s.id = $1`, session).Scan(
		&v.ID, &v.Name, &v.Line1, &v.Line2, &v.Town, &v.Code, &v.AgencyID, &v.Capacity, &v.InRoom))
	return v
}

func (f fixture) premisesVenues(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(context.Background(), "SELECT count(*) FROM venues WHERE agency_id IS NOT NULL").Scan(&n))
	return n
}

// Accepting at the agency's premises records its address as the agency's
// own venue with the session, in one go: offered from the request's
// address, reused for the request's next session, a room like any other
// for clashes, and kept out of the partnership's venues and the scheduling
// choices.
func TestAcceptAtTheAgencysPremises(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	id := f.atPremises(t)

	r, err := f.svc.Team().Get(as(ctx, f.boss), id)
	require.NoError(t, err)
	want := venue.Premises{AddressLine1: "Civic Offices", AddressLine2: "Guildhall Square", Town: "Portsmouth", Postcode: "PO1 2AL"}
	assert.Equal(t, want, r.Premises, "the request's address, read into parts")

	form := f.session("10")
	form.VenueID = 0 // the place is the premises
	first, err := f.svc.Team().ScheduleAt(as(ctx, f.boss), id, form, &r.Premises)
	require.NoError(t, err)
	v := f.venueOfSession(t, first)
	require.NotNil(t, v.AgencyID)
	assert.Equal(t, *f.lead.AgencyID, *v.AgencyID, "the agency's own")
	assert.Equal(t, []string{"Civic Offices", "Guildhall Square", "Portsmouth", "PO1 2AL"}, []string{v.Line1, v.Line2, v.Town, v.Code})
	assert.Contains(t, v.Name, "Civic Offices (")
	assert.Nil(t, v.Capacity, "the session's places say how many come")
	assert.True(t, v.InRoom, "one session at a time there")
	var audited int
	require.NoError(t, f.pool.QueryRow(ctx, `
		SELECT count(*) FROM audit_events WHERE action = 'venue_created' AND actor_id = $1 AND (details->>'venue_id')::bigint = $2`,
		f.boss.ID, v.ID).Scan(&audited))
	assert.Equal(t, 1, audited)
	var status string
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT status FROM enquiries WHERE id = $1", id).Scan(&status))
	assert.Equal(t, trainingrequest.Accepted, status)
	var body string
	require.NoError(t, f.pool.QueryRow(ctx,
		"SELECT body_text FROM emails WHERE to_address = 'lead@example.org' AND subject LIKE '%accepted%'").Scan(&body))
	assert.Contains(t, body, "Where: at your premises, Civic Offices, Guildhall Square, Portsmouth, PO1 2AL", "the agency is told where")

	// Not among the partnership's venues, nor offered for new sessions.
	venues, err := venue.New(f.pool, func() time.Time { return now }).List(ctx)
	require.NoError(t, err)
	for _, pv := range venues {
		assert.NotEqual(t, v.ID, pv.ID, "listed among the partnership's venues")
	}
	_, err = venue.New(f.pool, func() time.Time { return now }).Get(ctx, v.ID)
	assert.ErrorIs(t, err, venue.ErrNotFound, "not edited as a partnership venue")
	choices, err := scheduling.New(f.pool, func() time.Time { return now }, nil).Choices(ctx)
	require.NoError(t, err)
	for _, c := range choices.Venues {
		assert.NotEqual(t, v.ID, c.ID, "offered by the scheduling form")
	}

	// The next session of the request is offered the same address and, typed
	// in another case, is held at the same venue.
	r, err = f.svc.Team().Get(as(ctx, f.boss), id)
	require.NoError(t, err)
	assert.Equal(t, want, r.Premises)
	require.Len(t, r.Sessions, 1)
	assert.True(t, r.Sessions[0].AtPremises)
	again := venue.Premises{AddressLine1: "CIVIC OFFICES", AddressLine2: "guildhall square", Town: "portsmouth", Postcode: "po1 2al"}
	second, err := f.svc.Team().ScheduleAt(as(ctx, f.boss), id, f.session("11"), &again)
	require.NoError(t, err)
	assert.Equal(t, v.ID, f.venueOfSession(t, second).ID)
	assert.Equal(t, 1, f.premisesVenues(t))

	// It is a room: a second session there at the same time clashes (the
	// trainers are different, so the room is what is in the way).
	other := f.session("10")
	other.TrainerIDs = nil
	_, err = f.svc.Team().ScheduleAt(as(ctx, f.boss), id, other, &again)
	var v2 *validation.Errors
	require.ErrorAs(t, err, &v2)
	assert.True(t, v2.Has("trainers"))
	assert.False(t, v2.Has("venue"), "the premises are the place: no venue is asked for")
	assert.False(t, v2.Has(trainingrequest.FieldPlace))
	var extra int64
	require.NoError(t, f.pool.QueryRow(ctx, `
		INSERT INTO users (email, full_name, agency_id, password_hash, email_verified_at)
		VALUES ('third@example.org', 'Third Trainer', $1, 'x', now()) RETURNING id`, *f.lead.AgencyID).Scan(&extra))
	_, err = f.pool.Exec(ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer')", extra)
	require.NoError(t, err)
	other.TrainerIDs = []int64{extra}
	_, err = f.svc.Team().ScheduleAt(as(ctx, f.boss), id, other, &again)
	var clash *scheduling.ClashError
	require.ErrorAs(t, err, &clash)
	require.NotEmpty(t, clash.Clashes)
	assert.Equal(t, "room", clash.Clashes[0].Kind)

	// Another agency's premises cannot be chosen for a session open to all.
	open := f.session("12")
	open.VenueID, open.CourseID = v.ID, r.CourseID
	_, err = scheduling.New(f.pool, func() time.Time { return now }, nil).Check(ctx, open, 0)
	require.ErrorAs(t, err, &v2)
	assert.Contains(t, v2.Message("venue"), "agency’s own premises")
}

// A wrong address is told with the form's other mistakes, and nothing is
// saved: no venue, no session.
func TestAcceptAtPremisesWithAWrongAddress(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	id := f.atPremises(t)
	form := f.session("10")
	form.VenueID, form.Start = 0, "25:00"
	_, err := f.svc.Team().ScheduleAt(as(ctx, f.boss), id, form, &venue.Premises{AddressLine1: "Civic Offices", Postcode: "not a postcode"})
	var v *validation.Errors
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has(venue.FieldPremisesTown))
	assert.Contains(t, v.Message(venue.FieldPremisesPostcode), "real postcode")
	assert.True(t, v.Has("start"), "the rest of the form is checked too")
	assert.False(t, v.Has("venue"))
	assert.Zero(t, f.premisesVenues(t))

	// A right address with a mistake elsewhere leaves no venue behind.
	form.Start = "9:30"
	form.Capacity = "lots"
	_, err = f.svc.Team().ScheduleAt(as(ctx, f.boss), id, form, &venue.Premises{AddressLine1: "Civic Offices", Town: "Portsmouth", Postcode: "PO1 2AL"})
	require.ErrorAs(t, err, &v)
	assert.True(t, v.Has("capacity"))
	assert.Zero(t, f.premisesVenues(t), "rolled back with the session")
	var sessions int
	require.NoError(t, f.pool.QueryRow(ctx, "SELECT count(*) FROM enquiry_sessions WHERE enquiry_id = $1", id).Scan(&sessions))
	assert.Zero(t, sessions)
}

// Two managers recording the same new premises at once, for sessions at
// different times, make one venue that both sessions use.
func TestTwoManagersRecordTheSamePremisesAtOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.atPremises(t)
	at := venue.Premises{AddressLine1: "Civic Offices", Town: "Portsmouth", Postcode: "PO1 2AL"}
	days := []string{"10", "11", "12", "15"}
	sessions := make([]int64, len(days))
	errs := make([]error, len(days))
	var wg sync.WaitGroup
	for i, day := range days {
		wg.Go(func() {
			p := at
			sessions[i], errs[i] = f.svc.Team().ScheduleAt(as(context.Background(), f.boss), id, f.session(day), &p)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			require.NoError(t, err)
		}
	}
	assert.Equal(t, 1, f.premisesVenues(t))
	first := f.venueOfSession(t, sessions[0]).ID
	for _, s := range sessions[1:] {
		assert.Equal(t, first, f.venueOfSession(t, s).ID)
	}
}
