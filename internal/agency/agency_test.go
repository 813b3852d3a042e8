package agency_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/pgtest"
	"github.com/pscp/booktraining/internal/scope"
	"github.com/pscp/booktraining/internal/validation"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	svc   *agency.Service
	actor int64 // a training manager
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.New(t)
	var actor int64
	require.NoError(t, pool.QueryRow(ctx, `
		INSERT INTO users (email, full_name, unlisted_agency_name, password_hash)
		VALUES ('manager@example.org', 'Helen Carter', 'The partnership', 'x') RETURNING id`).Scan(&actor))
	_, err := pool.Exec(ctx, `INSERT INTO agencies (name, sector, charging_band) VALUES ('Portsmouth City Council', 'local_authority', 'partner')`)
	require.NoError(t, err)
	return fixture{ctx: ctx, pool: pool, svc: agency.New(pool, func() time.Time { return now }), actor: actor}
}

// as is a context in which the training manager acts from ip.
func (f fixture) as(ip string) context.Context {
	return actor.With(f.ctx, actor.Actor{ID: f.actor, Manager: true, IP: ip})
}

func (f fixture) events(t *testing.T, action string) []string {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, "SELECT details::text FROM audit_events WHERE action = $1 AND actor_id = $2 AND ip = '203.0.113.9' ORDER BY id", action, f.actor)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

func fieldErrors(err error) map[string]string {
	var v *validation.Errors
	if !errors.As(err, &v) {
		return nil
	}
	out := map[string]string{}
	for _, f := range v.Fields {
		out[f.Field] = f.Message
	}
	return out
}

func TestCreateValidatesTheForm(t *testing.T) {
	t.Parallel()
	f := setup(t)
	good := agency.Form{Name: "Milton Scouts", Sector: "voluntary_community", Band: "non_contributing"}
	for _, tc := range []struct {
		name   string
		change func(*agency.Form)
		field  string
		want   string
	}{
		{"empty name", func(a *agency.Form) { a.Name = " \t " }, "name", "Enter the agency’s name"},
		{"long name", func(a *agency.Form) { a.Name = strings.Repeat("a", 201) }, "name", "Agency name must be 200 characters or fewer"},
		{"taken name in another case", func(a *agency.Form) { a.Name = "PORTSMOUTH city COUNCIL" }, "name", "An agency with this name already exists"},
		{"taken name with other spacing", func(a *agency.Form) { a.Name = " Portsmouth  City Council " }, "name", "An agency with this name already exists"},
		{"no sector", func(a *agency.Form) { a.Sector = "" }, "sector", "Select the agency’s sector"},
		{"unknown sector", func(a *agency.Form) { a.Sector = "martian" }, "sector", "Select the agency’s sector"},
		{"unknown band", func(a *agency.Form) { a.Band = "free" }, "charging-band", "Select the agency’s charging band"},
		{"long billing name", func(a *agency.Form) { a.BillingContactName = strings.Repeat("b", 201) }, "billing-name", "Billing contact name must be 200 characters or fewer"},
		{"bad billing email", func(a *agency.Form) { a.BillingContactEmail = "accounts@" }, "billing-email", "Enter the billing contact’s email address in the correct format, like name@example.org"},
		{"billing email with a name", func(a *agency.Form) { a.BillingContactEmail = "Sam <sam@example.org>" }, "billing-email", "Enter the billing contact’s email address in the correct format, like name@example.org"},
		{"billing email with a control character", func(a *agency.Form) { a.BillingContactEmail = "sam@example.org\x00" }, "billing-email", "Enter the billing contact’s email address in the correct format, like name@example.org"},
		{"name of nothing but control characters", func(a *agency.Form) { a.Name = "\x00\x01\xff" }, "name", "Enter the agency’s name"},
		{"billing email without a dot", func(a *agency.Form) { a.BillingContactEmail = "sam@localhost" }, "billing-email", "Enter the billing contact’s email address in the correct format, like name@example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := good
			tc.change(&form)
			_, err := f.svc.Create(f.as("203.0.113.9"), form)
			assert.Equal(t, map[string]string{tc.field: tc.want}, fieldErrors(err))
		})
	}
	var n int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM agencies").Scan(&n))
	assert.Equal(t, 1, n, "nothing was created")
	assert.Empty(t, f.events(t, "agency_created"))

	// Every problem is reported at once.
	_, err := f.svc.Create(f.as("203.0.113.9"), agency.Form{BillingContactEmail: "x"})
	assert.Len(t, fieldErrors(err), 4)
}

func TestCreateUpdateRetireAreAudited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a, err := f.svc.Create(f.as("203.0.113.9"), agency.Form{
		Name: "  Milton   Scouts ", Sector: "voluntary_community", Band: "non_contributing",
		BillingContactName: " Sam Akela ", BillingContactEmail: "treasurer@scouts.example.org",
	})
	require.NoError(t, err)
	got, err := f.svc.Get(f.ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, "Milton Scouts", got.Name, "spaces are tidied")
	assert.Equal(t, agency.SectorVoluntary, got.Sector)
	assert.Equal(t, agency.BandNonContributing, got.Band)
	assert.Equal(t, "Sam Akela", got.BillingContactName)
	assert.False(t, got.Retired())
	assert.Equal(t, []string{`{"name": "Milton Scouts", "sector": "voluntary_community", "charging_band": "non_contributing", "billing_contact_name": "Sam Akela", "billing_contact_email": "treasurer@scouts.example.org"}`},
		f.events(t, "agency_created"))

	// Saving it unchanged changes and records nothing.
	require.NoError(t, f.svc.Update(f.as("203.0.113.9"), a.ID, agency.FormOf(got)))
	assert.Empty(t, f.events(t, "agency_updated"))

	form := agency.FormOf(got)
	form.Name, form.BillingContactEmail = "Milton scouts", ""
	require.NoError(t, f.svc.Update(f.as("203.0.113.9"), a.ID, form))
	assert.Equal(t, []string{`{"name": {"to": "Milton scouts", "from": "Milton Scouts"}, "billing_contact_email": {"to": "", "from": "treasurer@scouts.example.org"}}`},
		f.events(t, "agency_updated"))

	form.Name = "portsmouth CITY council"
	err = f.svc.Update(f.as("203.0.113.9"), a.ID, form)
	assert.Equal(t, map[string]string{"name": "An agency with this name already exists"}, fieldErrors(err))
	assert.ErrorIs(t, f.svc.Update(f.as("203.0.113.9"), 987654, form), agency.ErrNotFound)

	require.NoError(t, f.svc.SetRetired(f.as("203.0.113.9"), a.ID, true))
	require.NoError(t, f.svc.SetRetired(f.as("203.0.113.9"), a.ID, true)) // already: nothing more
	got, err = f.svc.Get(f.ctx, a.ID)
	require.NoError(t, err)
	require.NotNil(t, got.RetiredAt)
	assert.True(t, got.RetiredAt.Equal(now))
	require.NoError(t, f.svc.SetRetired(f.as("203.0.113.9"), a.ID, false))
	assert.Equal(t, []string{
		`{"name": {"to": "Milton scouts", "from": "Milton Scouts"}, "billing_contact_email": {"to": "", "from": "treasurer@scouts.example.org"}}`,
		`{"retired": {"to": true, "from": false}}`,
		`{"retired": {"to": false, "from": true}}`,
	}, f.events(t, "agency_updated"))
	assert.ErrorIs(t, f.svc.SetRetired(f.as("203.0.113.9"), 987654, true), agency.ErrNotFound)

	list, err := f.svc.List(f.ctx, 1)
	require.NoError(t, err)
	require.Len(t, list.Agencies, 2)
	assert.Equal(t, "Milton scouts", list.Agencies[0].Name, "by name")
	assert.Equal(t, agency.AgencyPage{Agencies: list.Agencies, Page: 1, Pages: 1, Total: 2}, list)
	_, err = f.svc.Get(f.ctx, 987654)
	assert.ErrorIs(t, err, agency.ErrNotFound)
}

// Many managers adding the same agency at once, in different cases: one
// wins, and everyone else is told the name is taken (the unique index
// decides, not a check that raced).
func TestOneOfManyConcurrentCreatesWins(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			name := "Milton Scouts"
			if i%2 == 1 {
				name = strings.ToUpper(name)
			}
			_, errs[i] = f.svc.Create(f.as(fmt.Sprintf("203.0.113.%d", i)), agency.Form{Name: name, Sector: "other", Band: "partner"})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		assert.Equal(t, map[string]string{"name": "An agency with this name already exists"}, fieldErrors(err))
	}
	assert.Equal(t, 1, won)
	var created int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM audit_events WHERE action = 'agency_created'").Scan(&created))
	assert.Equal(t, 1, created, "only the agency that exists is audited")
}

// Giving an agency the billing contact it lacked runs BillingContactAdded in
// the update's transaction (its rows waiting to be invoiced are billed);
// changing a contact it had, or clearing one, does not; and the hook's
// failure undoes the change.
func TestABillingContactAddedCallsTheHook(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var called []int64
	fail := false
	f.svc.BillingContactAdded = func(ctx context.Context, tx pgx.Tx, id int64) error {
		var email string
		if err := tx.QueryRow(ctx, "SELECT billing_contact_email FROM agencies WHERE id = $1", id).Scan(&email); err != nil {
			return err
		}
		if email == "" {
			return errors.New("called before the contact was saved")
		}
		if fail {
			return errors.New("boom")
		}
		called = append(called, id)
		return nil
	}
	a, err := f.svc.Create(f.as(""), agency.Form{Name: "Milton Scouts", Sector: "voluntary_community", Band: "non_contributing"})
	require.NoError(t, err)
	form := agency.FormOf(a)

	form.BillingContactEmail = "treasurer@scouts.example.org"
	fail = true
	require.Error(t, f.svc.Update(f.as(""), a.ID, form))
	got, err := f.svc.Get(f.ctx, a.ID)
	require.NoError(t, err)
	assert.Empty(t, got.BillingContactEmail, "undone with the hook's failure")

	fail = false
	require.NoError(t, f.svc.Update(f.as(""), a.ID, form))
	assert.Equal(t, []int64{a.ID}, called)
	form.BillingContactEmail = "finance@scouts.example.org"
	require.NoError(t, f.svc.Update(f.as(""), a.ID, form))
	form.BillingContactEmail = ""
	require.NoError(t, f.svc.Update(f.as(""), a.ID, form))
	assert.Equal(t, []int64{a.ID}, called, "only when a contact is added")
}

// The manager's list of agencies is read a page at a time, by name, however
// many agencies there are; a page past the last shows the last.
func TestAgenciesListedAPageAtATime(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.pool.Exec(f.ctx, `
		INSERT INTO agencies (name, sector, charging_band)
		SELECT 'Agency ' || to_char(g, 'FM000'), 'health', 'partner' FROM generate_series(1, 60) g`)
	require.NoError(t, err)

	first, err := f.svc.List(f.ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, 61, first.Total)
	assert.Equal(t, 2, first.Pages)
	require.Len(t, first.Agencies, agency.AgencyPageSize)
	assert.Equal(t, "Agency 001", first.Agencies[0].Name)
	assert.Equal(t, "Agency 050", first.Agencies[49].Name)

	last, err := f.svc.List(f.ctx, 9)
	require.NoError(t, err)
	assert.Equal(t, 2, last.Page, "a page past the last is the last")
	require.Len(t, last.Agencies, 11)
	assert.Equal(t, "Agency 051", last.Agencies[0].Name)
	assert.Equal(t, "Portsmouth City Council", last.Agencies[10].Name)

	zero, err := f.svc.List(f.ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, zero.Page)
}

// Each partnership's manager sees and edits the band their own partnership
// gives an agency (issue 22); the other partnership's stays as it was, and
// an agency a manager lists is in their partnership's area.
func TestAManagersBandIsTheirPartnerships(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var a, b, council int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT first_partnership_id(), (SELECT id FROM agencies WHERE name = 'Portsmouth City Council')`).Scan(&a, &council))
	require.NoError(t, f.pool.QueryRow(f.ctx, `INSERT INTO partnerships (slug, name, short_name)
		VALUES ('hampshire', 'Hampshire Safeguarding Children Partnership', 'Hampshire') RETURNING id`).Scan(&b))
	asA, asB := scope.Managing(f.as("203.0.113.9"), a), scope.Managing(f.as("203.0.113.9"), b)
	bands := func() string {
		t.Helper()
		var s string
		require.NoError(t, f.pool.QueryRow(f.ctx, `
			SELECT coalesce(string_agg(CASE partnership_id WHEN $2 THEN 'a' ELSE 'b' END || '=' || charging_band, ',' ORDER BY partnership_id <> $2), '')
			FROM agency_partnerships WHERE agency_id = $1`, council, a).Scan(&s))
		return s
	}
	require.Equal(t, "a=partner", bands())

	// Not in b's area: b's manager sees it as non-contributing, and saving
	// its other details does not put it in b's area.
	got, err := f.svc.Get(asB, council)
	require.NoError(t, err)
	assert.Equal(t, agency.BandNonContributing, got.Band)
	form := agency.FormOf(got)
	form.BillingContactEmail = "finance@portsmouthcc.example.org"
	require.NoError(t, f.svc.Update(asB, council, form))
	assert.Equal(t, "a=partner", bands())

	// b's manager makes it b's contributing agency: a's band stays.
	form.Band = string(agency.BandContributing)
	require.NoError(t, f.svc.Update(asB, council, form))
	assert.Equal(t, "a=partner,b=contributing", bands())
	got, err = f.svc.Get(asA, council)
	require.NoError(t, err)
	assert.Equal(t, agency.BandPartner, got.Band, "a's manager sees a's band")
	list, err := f.svc.List(asB, 1)
	require.NoError(t, err)
	require.Len(t, list.Agencies, 1)
	assert.Equal(t, agency.BandContributing, list.Agencies[0].Band, "b's manager's list shows b's band")
	assert.Equal(t, []string{
		`{"billing_contact_email": {"to": "finance@portsmouthcc.example.org", "from": ""}}`,
		`{"charging_band": {"to": "contributing", "from": "non_contributing"}}`,
	}, f.events(t, "agency_updated"))

	// An agency b's manager lists is in b's area only.
	made, err := f.svc.Create(asB, agency.Form{Name: "Eastleigh Scouts", Sector: "voluntary_community", Band: "contributing"})
	require.NoError(t, err)
	var areas string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT string_agg(partnership_id::text || '=' || charging_band, ',') FROM agency_partnerships WHERE agency_id = $1`,
		made.ID).Scan(&areas))
	assert.Equal(t, fmt.Sprintf("%d=contributing", b), areas)
}
