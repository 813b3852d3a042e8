package account_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/password"
	"github.com/pscp/booktraining/internal/validation"
)

var personHash = sync.OnceValue(func() string {
	h, err := password.Hash(goodPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// person makes a verified person who signs in with goodPassword, working
// for agencyID (or, when it is 0, for an unlisted organisation), holding
// roles.
func (f fixture) person(t testing.TB, addr string, agencyID int64, roles ...account.Role) int64 {
	t.Helper()
	var agency *int64
	unlisted := "Southsea Youth Project"
	if agencyID != 0 {
		agency, unlisted = &agencyID, ""
	}
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, job_title, agency_id, unlisted_agency_name, password_hash, email_verified_at)
		VALUES ($1::text, 'Sam ' || split_part($1::text, '@', 1), 'Practitioner', $2, $3, $4, now())
		RETURNING id`, addr, agency, unlisted, personHash()).Scan(&id))
	for _, r := range roles {
		_, err := f.pool.Exec(f.ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", id, string(r))
		require.NoError(t, err)
	}
	return id
}

// agencies returns the IDs of the first n partner agencies.
func (f fixture) agencies(t testing.TB, n int) []int64 {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, "SELECT id FROM agencies WHERE retired_at IS NULL ORDER BY id LIMIT $1", n)
	require.NoError(t, err)
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.Len(t, ids, n)
	return ids
}

// auditDetails returns the details of each event with action about subject,
// oldest first.
func (f fixture) auditDetails(t testing.TB, action string, subject int64) []map[string]any {
	t.Helper()
	rows, err := f.pool.Query(f.ctx,
		"SELECT details FROM audit_events WHERE action = $1 AND subject_user_id = $2 ORDER BY id", action, subject)
	require.NoError(t, err)
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var b []byte
		require.NoError(t, rows.Scan(&b))
		var d map[string]any
		require.NoError(t, json.Unmarshal(b, &d))
		out = append(out, d)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "pat@example.org")

	var v *validation.Errors
	err := f.svc.UpdateProfile(f.as(id, ""), account.ProfileForm{FullName: "  ", JobTitle: strings.Repeat("x", 201)})
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "Enter your full name", v.Message("full-name"))
	assert.Equal(t, "Job title must be 200 characters or fewer", v.Message("job-title"))
	err = f.svc.UpdateProfile(f.as(id, ""), account.ProfileForm{FullName: strings.Repeat("é", 201), JobTitle: ""})
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "Full name must be 200 characters or fewer", v.Message("full-name"))
	assert.Equal(t, "Enter your job title", v.Message("job-title"))
	u, _ := f.svc.User(f.ctx, id)
	assert.Equal(t, "Jo Bloggs", u.FullName, "nothing saved")
	assert.Empty(t, f.auditDetails(t, "profile_changed", id))

	require.NoError(t, f.svc.UpdateProfile(f.as(id, "192.0.2.7"), account.ProfileForm{FullName: " Pat Smith ", JobTitle: strings.Repeat("é", 200)}))
	u, _ = f.svc.User(f.ctx, id)
	assert.Equal(t, "Pat Smith", u.FullName, "trimmed")
	assert.Equal(t, strings.Repeat("é", 200), u.JobTitle, "200 characters, not bytes")

	require.NoError(t, f.svc.UpdateProfile(f.as(id, "192.0.2.7"), account.ProfileForm{FullName: "Pat Smith", JobTitle: "Health visitor"}))
	require.NoError(t, f.svc.UpdateProfile(f.as(id, "192.0.2.7"), account.ProfileForm{FullName: "Pat Smith", JobTitle: "Health visitor"}))
	events := f.auditDetails(t, "profile_changed", id)
	require.Len(t, events, 2, "saving with no change records nothing")
	assert.Equal(t, []any{"full_name", "job_title"}, events[0]["changed"])
	assert.Equal(t, []any{"job_title"}, events[1]["changed"])
	var ip string
	var actor int64
	require.NoError(t, f.pool.QueryRow(f.ctx,
		"SELECT host(ip), actor_id FROM audit_events WHERE action = 'profile_changed' ORDER BY id LIMIT 1").Scan(&ip, &actor))
	assert.Equal(t, "192.0.2.7", ip)
	assert.Equal(t, id, actor)
	var raw string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT string_agg(details::text, ' ') FROM audit_events WHERE action = 'profile_changed'").Scan(&raw))
	assert.NotContains(t, raw, "Health visitor", "the log names fields, not values")

	assert.ErrorIs(t, f.svc.UpdateProfile(f.as(999999, ""), account.ProfileForm{FullName: "A", JobTitle: "B"}), account.ErrNotFound)
}

func TestAgencyChangeConfirmedByTheRightCoordinator(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencies(t, 3)
	a, b, c := ag[0], ag[1], ag[2]
	p := f.person(t, "mover@example.org", a)
	coordB := f.person(t, "coord-b@example.org", b, account.Coordinator)
	coordC := f.person(t, "coord-c@example.org", c, account.Coordinator)
	trainerB := f.person(t, "trainer-b@example.org", b, account.Trainer)

	var v *validation.Errors
	require.ErrorAs(t, f.svc.RequestAgencyChange(f.as(p, ""), 0), &v)
	assert.Equal(t, "Select the organisation you work for now", v.Message("agency"))
	require.ErrorAs(t, f.svc.RequestAgencyChange(f.as(p, ""), a), &v)
	assert.Equal(t, "Select an organisation you do not already work for", v.Message("agency"))
	require.ErrorAs(t, f.svc.RequestAgencyChange(f.as(p, ""), 999999), &v)
	assert.Equal(t, "Select an organisation from the list", v.Message("agency"))

	choices, err := f.svc.AgencyChoicesFor(f.ctx, mustUser(t, f, p))
	require.NoError(t, err)
	for _, ch := range choices {
		assert.NotEqual(t, a, ch.ID, "the current agency is not offered")
	}

	require.NoError(t, f.svc.RequestAgencyChange(f.as(p, "192.0.2.9"), b))
	u := mustUser(t, f, p)
	require.NotNil(t, u.RequestedAgencyID)
	assert.Equal(t, b, *u.RequestedAgencyID)
	assert.Equal(t, a, *u.AgencyID, "nothing moves until it is confirmed")
	req := f.auditDetails(t, "agency_change_requested", p)
	require.Len(t, req, 1)
	assert.Equal(t, "requested", req[0]["decision"])
	assert.Equal(t, u.RequestedAgencyName, req[0]["to"])

	// Who sees it.
	list, total, err := f.svc.AgencyChanges(f.as(coordB, ""), account.Coordinator, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, total)
	require.Len(t, list, 1)
	assert.Equal(t, p, list[0].UserID)
	assert.Equal(t, u.AgencyName, list[0].From)
	assert.Equal(t, u.RequestedAgencyName, list[0].To)
	require.NotNil(t, list[0].RequestedAt)
	assert.True(t, list[0].RequestedAt.Equal(f.clock.Now()))
	list, total, err = f.svc.AgencyChanges(f.as(coordC, ""), account.Coordinator, 1)
	require.NoError(t, err)
	assert.Empty(t, list, "another agency's coordinator does not see it")
	assert.Zero(t, total)
	list, _, err = f.svc.AgencyChanges(f.as(coordB, ""), account.Manager, 1)
	require.NoError(t, err)
	assert.Empty(t, list, "claiming a role one does not hold shows nothing")

	// Who may not decide it: nothing changes.
	for _, who := range []struct {
		actor int64
		role  account.Role
	}{{coordC, account.Coordinator}, {coordB, account.Manager}, {trainerB, account.Coordinator}, {trainerB, account.Trainer}, {p, account.Coordinator}} {
		err := f.svc.DecideAgencyChange(f.as(who.actor, ""), who.role, p, true)
		assert.ErrorIs(t, err, account.ErrNotFound, "%d as %s", who.actor, who.role)
	}
	u = mustUser(t, f, p)
	assert.Equal(t, a, *u.AgencyID)
	require.NotNil(t, u.RequestedAgencyID, "still waiting")
	assert.Empty(t, f.auditDetails(t, "agency_change_confirmed", p))

	// The coordinator of the agency joined confirms it.
	require.NoError(t, f.svc.DecideAgencyChange(f.as(coordB, "198.51.100.4"), account.Coordinator, p, true))
	moved := mustUser(t, f, p)
	assert.Equal(t, b, *moved.AgencyID)
	assert.Nil(t, moved.RequestedAgencyID)
	dec := f.auditDetails(t, "agency_change_confirmed", p)
	require.Len(t, dec, 1)
	assert.Equal(t, "confirmed", dec[0]["decision"])
	assert.Equal(t, u.AgencyName, dec[0]["from"])
	assert.Equal(t, moved.AgencyName, dec[0]["to"])
	assert.Equal(t, "coordinator", dec[0]["as"])
	var actor int64
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT actor_id FROM audit_events WHERE action = 'agency_change_confirmed'").Scan(&actor))
	assert.Equal(t, coordB, actor)
	subject, _ := f.lastEmail(t, "mover@example.org")
	assert.Equal(t, "Your change of organisation has been confirmed", subject)

	assert.ErrorIs(t, f.svc.DecideAgencyChange(f.as(coordB, ""), account.Coordinator, p, true), account.ErrNotFound, "decided once")
}

func TestAgencyChangeDeclinedWithdrawnAndFromAnUnlistedOrganisation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencies(t, 3)
	a, b, c := ag[0], ag[1], ag[2]
	p := f.person(t, "stayer@example.org", a)
	manager := f.person(t, "boss@example.org", c, account.Manager)

	// Withdrawn by the person.
	require.NoError(t, f.svc.RequestAgencyChange(f.as(p, ""), b))
	require.NoError(t, f.svc.RequestAgencyChange(f.as(p, ""), b), "asking twice changes nothing")
	require.NoError(t, f.svc.CancelAgencyChange(f.as(p, "")))
	assert.Nil(t, mustUser(t, f, p).RequestedAgencyID)
	require.NoError(t, f.svc.CancelAgencyChange(f.as(p, "")), "nothing to cancel: no error")
	require.Len(t, f.auditDetails(t, "agency_change_requested", p), 1)
	req := f.auditDetails(t, "agency_change_withdrawn", p)
	require.Len(t, req, 1)
	assert.Equal(t, "withdrawn", req[0]["decision"])

	// Declined by a manager.
	require.NoError(t, f.svc.RequestAgencyChange(f.as(p, ""), c))
	require.NoError(t, f.svc.DecideAgencyChange(f.as(manager, ""), account.Manager, p, false))
	u := mustUser(t, f, p)
	assert.Equal(t, a, *u.AgencyID)
	assert.Nil(t, u.RequestedAgencyID)
	dec := f.auditDetails(t, "agency_change_confirmed", p)
	require.Len(t, dec, 1)
	assert.Equal(t, "declined", dec[0]["decision"])
	subject, _ := f.lastEmail(t, "stayer@example.org")
	assert.Equal(t, "Your change of organisation was not confirmed", subject)

	// From an organisation not in the list: confirming clears its name.
	q := f.person(t, "unlisted@example.org", 0)
	require.NoError(t, f.svc.RequestAgencyChange(f.as(q, ""), b))
	require.NoError(t, f.svc.DecideAgencyChange(f.as(manager, ""), account.Manager, q, true))
	var agency *int64
	var unlisted string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT agency_id, unlisted_agency_name FROM users WHERE id = $1", q).Scan(&agency, &unlisted))
	require.NotNil(t, agency)
	assert.Equal(t, b, *agency)
	assert.Empty(t, unlisted)
	dec = f.auditDetails(t, "agency_change_confirmed", q)
	require.Len(t, dec, 1)
	assert.Equal(t, "Southsea Youth Project", dec[0]["from"])
	assert.Equal(t, true, dec[0]["from_unlisted"])
}

// Many deciders at once: exactly one decision, one audit entry, one email.
func TestAgencyChangeIsDecidedOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ag := f.agencies(t, 2)
	p := f.person(t, "raced@example.org", ag[0])
	var deciders []int64
	for i := range 4 {
		deciders = append(deciders, f.person(t, fmt.Sprintf("manager%d@example.org", i), ag[1], account.Manager))
	}
	coord := f.person(t, "coord@example.org", ag[1], account.Coordinator)
	require.NoError(t, f.svc.RequestAgencyChange(f.as(p, ""), ag[1]))

	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%3 == 0 {
				errs[i] = f.svc.DecideAgencyChange(f.as(coord, ""), account.Coordinator, p, i%2 == 0)
			} else {
				errs[i] = f.svc.DecideAgencyChange(f.as(deciders[i%len(deciders)], ""), account.Manager, p, i%2 == 0)
			}
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if !errors.Is(err, account.ErrNotFound) {
			t.Fatalf("unexpected error: %v", err)
		}
	}
	assert.Equal(t, 1, wins)
	assert.Len(t, f.auditDetails(t, "agency_change_confirmed", p), 1)
	var emails int
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT count(*) FROM emails WHERE user_id = $1", p).Scan(&emails))
	assert.Equal(t, 1, emails)
}

func mustUser(t testing.TB, f fixture, id int64) account.User {
	t.Helper()
	u, err := f.svc.User(f.ctx, id)
	require.NoError(t, err)
	return u
}

// A change a signed-in person makes to their own account reads them from
// ctx: with nobody there it changes nothing, and a login must be their own.
func TestSelfServiceNeedsThePersonSignedIn(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.signUp(t, "pat@example.org")
	other := f.signUp(t, "sam@example.org")
	ag := f.agencyID(t)

	for name, err := range map[string]error{
		"profile":        f.svc.UpdateProfile(f.ctx, account.ProfileForm{FullName: "Pat Smith", JobTitle: "Nurse"}),
		"agency request": f.svc.RequestAgencyChange(f.ctx, ag),
		"agency cancel":  f.svc.CancelAgencyChange(f.ctx),
		"erase":          f.svc.EraseAccount(f.ctx, goodPassword),
		"resend":         f.svc.ResendVerification(f.ctx),
	} {
		assert.ErrorIs(t, err, account.ErrNotSignedIn, name)
	}
	_, err := f.svc.ExportPersonalData(f.ctx)
	assert.ErrorIs(t, err, account.ErrNotSignedIn)
	u := mustUser(t, f, id)
	assert.Equal(t, "Jo Bloggs", u.FullName, "nothing changed")
	assert.False(t, u.Erased)

	_, theirs, err := f.svc.StartLogin(f.ctx, &other, "", "")
	require.NoError(t, err)
	assert.ErrorIs(t, f.svc.ChangePassword(f.as(id, ""), theirs, goodPassword, "a fine new passphrase"), account.ErrNoLogin,
		"another person's login is not kept in their place")
}
