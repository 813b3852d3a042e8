package venue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/demo"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	svc   *venue.Service
	actor int64
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	_, err := demo.Seed(ctx, pool, now)
	require.NoError(t, err)
	var manager int64
	require.NoError(t, pool.QueryRow(ctx, `
		INSERT INTO users (email, full_name, unlisted_agency_name, password_hash)
		VALUES ('manager@example.org', 'Helen Carter', 'The partnership', 'x') RETURNING id`).Scan(&manager))
	// The manager acts: the service reads them, and their address, from ctx.
	ctx = actor.With(ctx, actor.Actor{ID: manager, Manager: true, IP: "192.0.2.1"})
	return fixture{ctx: ctx, pool: pool, svc: venue.New(pool, func() time.Time { return now }), actor: manager}
}

func room() venue.Form {
	return venue.Form{
		Kind: venue.KindRoom, Name: "Southsea Community Centre", AddressLine1: "1 Castle Road",
		Town: "Portsmouth", Postcode: " po5  3dd ", Capacity: "30",
		AccessibilityNotes: "Step-free.\r\nHearing loop.", Directions: "Bus 1 or 2.",
	}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var v *validation.Errors
	require.True(t, errors.As(err, &v), "want validation errors, got %v", err)
	out := map[string]string{}
	for _, f := range v.Fields {
		out[f.Field] = f.Message
	}
	return out
}

func TestPostcode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"po1 2ab": "PO1 2AB", "PO12AB": "PO1 2AB", " sw1a  1aa ": "SW1A 1AA", "m1 1ae": "M1 1AE",
		"cr2 6xh": "CR2 6XH", "dn55 1pt": "DN55 1PT", "ec1a 1bb": "EC1A 1BB",
	} {
		got, ok := venue.Postcode(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "PO1", "12345", "PO1 2A", "PO1 2ABC", "P01 2AB!", "ABC 1DE"} {
		_, ok := venue.Postcode(bad)
		assert.False(t, ok, bad)
	}
}

func TestCreateRoomAndPlatform(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id, err := f.svc.Create(f.ctx, room())
	require.NoError(t, err)
	v, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "PO5 3DD", v.Postcode)
	assert.Equal(t, 30, v.Capacity)
	assert.Equal(t, "Step-free.\nHearing loop.", v.AccessibilityNotes)
	assert.False(t, v.Online)

	// An online platform keeps only its name and accessibility notes.
	online := room()
	online.Kind, online.Name = venue.KindOnline, "Zoom"
	id, err = f.svc.Create(f.ctx, online)
	require.NoError(t, err)
	v, err = f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.True(t, v.Online)
	assert.Zero(t, v.Capacity)
	assert.Empty(t, v.AddressLine1+v.Town+v.Postcode+v.Directions)
	assert.Equal(t, "Step-free.\nHearing loop.", v.AccessibilityNotes)

	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE action = 'venue_created' AND actor_id = $1 AND ip = '192.0.2.1'`, f.actor).Scan(&audited))
	assert.Equal(t, 2, audited)
}

func TestVenueValidation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := []struct {
		name  string
		edit  func(*venue.Form)
		field string
	}{
		{"no kind", func(v *venue.Form) { v.Kind = "" }, venue.FieldKind},
		{"no name", func(v *venue.Form) { v.Name = " " }, venue.FieldName},
		{"long name", func(v *venue.Form) { v.Name = strings.Repeat("a", 201) }, venue.FieldName},
		{"no address", func(v *venue.Form) { v.AddressLine1 = "" }, venue.FieldAddressLine1},
		{"no town", func(v *venue.Form) { v.Town = "" }, venue.FieldTown},
		{"no postcode", func(v *venue.Form) { v.Postcode = "" }, venue.FieldPostcode},
		{"bad postcode", func(v *venue.Form) { v.Postcode = "Portsmouth" }, venue.FieldPostcode},
		{"no capacity", func(v *venue.Form) { v.Capacity = "" }, venue.FieldCapacity},
		{"capacity 0", func(v *venue.Form) { v.Capacity = "0" }, venue.FieldCapacity},
		{"capacity 1001", func(v *venue.Form) { v.Capacity = "1001" }, venue.FieldCapacity},
		{"capacity words", func(v *venue.Form) { v.Capacity = "thirty" }, venue.FieldCapacity},
	}
	for _, tt := range tests {
		form := room()
		tt.edit(&form)
		_, err := f.svc.Create(f.ctx, form)
		fields := fieldsOf(t, err)
		assert.Contains(t, fields, tt.field, tt.name)
		assert.Len(t, fields, 1, "%s: only the field at fault: %v", tt.name, fields)
	}
	// An online platform needs no address or capacity.
	_, err := f.svc.Create(f.ctx, venue.Form{Kind: venue.KindOnline, Name: "Teams", Capacity: "oops"})
	require.NoError(t, err)
}

func TestVenueNamesAreUniqueIgnoringCase(t *testing.T) {
	t.Parallel()
	f := setup(t)
	list, err := f.svc.List(f.ctx)
	require.NoError(t, err)
	require.NotEmpty(t, list)
	form := room()
	form.Name = strings.ToUpper(list[0].Name)
	_, err = f.svc.Create(f.ctx, form)
	assert.Equal(t, "A venue with this name already exists", fieldsOf(t, err)[venue.FieldName])

	id, err := f.svc.Create(f.ctx, room())
	require.NoError(t, err)
	// A venue keeps its own name in another case, but cannot take another's.
	form = room()
	form.Name = "SOUTHSEA community centre"
	require.NoError(t, f.svc.Update(f.ctx, id, form))
	form.Name = list[0].Name
	assert.Contains(t, fieldsOf(t, f.svc.Update(f.ctx, id, form)), venue.FieldName)
}

func TestRoomCannotShrinkBelowAnUpcomingSession(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var venueID int64
	var title string
	var capacity int
	var startsAt time.Time
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT s.venue_id, s.course_title, s.capacity, s.starts_at FROM sessions s JOIN venues v ON v.id = s.venue_id
		WHERE NOT v.online AND s.starts_at > $1 AND s.status <> 'cancelled'
		ORDER BY s.capacity DESC, s.starts_at LIMIT 1`, now).Scan(&venueID, &title, &capacity, &startsAt))
	require.Greater(t, capacity, 2)
	v, err := f.svc.Get(f.ctx, venueID)
	require.NoError(t, err)
	form := venue.FormOf(v)
	form.Capacity = "2"
	err = f.svc.Update(f.ctx, venueID, form)
	msg := fieldsOf(t, err)[venue.FieldCapacity]
	assert.Contains(t, msg, title)
	assert.Contains(t, msg, startsAt.Format("2006"))

	// Cancelled and past sessions do not count.
	_, err = f.pool.Exec(f.ctx, `UPDATE sessions SET status = 'cancelled', cancelled_reason = 'Room closed'
		WHERE venue_id = $1 AND starts_at > $2`, venueID, now)
	require.NoError(t, err)
	require.NoError(t, f.svc.Update(f.ctx, venueID, form))
	v, err = f.svc.Get(f.ctx, venueID)
	require.NoError(t, err)
	assert.Equal(t, 2, v.Capacity)

	// A venue that has held sessions stays a room.
	form.Kind = venue.KindOnline
	assert.Contains(t, fieldsOf(t, f.svc.Update(f.ctx, venueID, form)), venue.FieldKind)
}

func TestRetireAndRestoreVenue(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var id int64
	var sessions int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT venue_id, count(*) FROM sessions GROUP BY venue_id ORDER BY venue_id LIMIT 1`).Scan(&id, &sessions))
	require.NoError(t, f.svc.SetRetired(f.ctx, id, true))
	v, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.True(t, v.Retired())
	var after int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM sessions WHERE venue_id = $1`, id).Scan(&after))
	assert.Equal(t, sessions, after, "a retired venue keeps its sessions")
	require.NoError(t, f.svc.SetRetired(f.ctx, id, false))
	v, err = f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.False(t, v.Retired())
	assert.ErrorIs(t, f.svc.SetRetired(f.ctx, 1<<40, true), venue.ErrNotFound)
	assert.ErrorIs(t, f.svc.Update(f.ctx, 1<<40, room()), venue.ErrNotFound)
}
