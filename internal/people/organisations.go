package people

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/people/internal/peopledb"
	"github.com/pscp/booktraining/internal/validation"
)

// ErrOrganisationNotFound means nobody is waiting with that organisation
// name: it was never typed, or it has been confirmed or merged already.
var ErrOrganisationNotFound = errs.New(errs.NotFound, "no one is waiting for that organisation")

// FieldMergeAgency is the form field of the agency to merge into.
const FieldMergeAgency = "merge-agency"

// Organisation is a name people typed for the organisation they work for
// ("My organisation is not listed"), ignoring case, and who typed it.
type Organisation struct {
	Name     string   // the spelling most of them typed
	Spelling []string // the other spellings typed, if any
	People   []Person
}

// UnlistedOrganisations lists every organisation name people are waiting to
// have confirmed, by name.
func (s *Service) UnlistedOrganisations(ctx context.Context) ([]Organisation, error) {
	rows, err := peopledb.New(s.pool).ListUnlistedPeople(ctx)
	if err != nil {
		return nil, fmt.Errorf("list unlisted organisations: %w", err)
	}
	var out []Organisation
	var people []Person
	for i, r := range rows {
		people = append(people, Person{ID: r.ID, Email: r.Email, FullName: r.FullName, AgencyName: r.UnlistedAgencyName, AgencyUnlisted: true})
		if i == len(rows)-1 || rows[i+1].OrganisationKey != r.OrganisationKey {
			out = append(out, organisation(people))
			people = nil
		}
	}
	return out, nil
}

// UnlistedOrganisation returns the organisation people typed as name, in any
// case, or ErrOrganisationNotFound.
func (s *Service) UnlistedOrganisation(ctx context.Context, name string) (Organisation, error) {
	people, err := unlistedPeople(ctx, peopledb.New(s.pool), name)
	if err != nil {
		return Organisation{}, err
	}
	return organisation(people), nil
}

func unlistedPeople(ctx context.Context, q *peopledb.Queries, name string) ([]Person, error) {
	name = validation.CleanLine(name)
	if name == "" {
		return nil, ErrOrganisationNotFound
	}
	rows, err := q.ListPeopleOfUnlistedOrganisation(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("list people of organisation %q: %w", name, err)
	}
	if len(rows) == 0 {
		return nil, ErrOrganisationNotFound
	}
	people := make([]Person, len(rows))
	for i, r := range rows {
		people[i] = Person{ID: r.ID, Email: r.Email, FullName: r.FullName, AgencyName: r.UnlistedAgencyName, AgencyUnlisted: true}
	}
	return people, nil
}

// organisation names a group of people by the spelling most of them typed;
// on a tie, one in mixed case ("Southsea Youth Club" rather than "SOUTHSEA
// YOUTH CLUB"), then the first alphabetically.
func organisation(people []Person) Organisation {
	counts := map[string]int{}
	var spellings []string
	for _, p := range people {
		if counts[p.AgencyName] == 0 {
			spellings = append(spellings, p.AgencyName)
		}
		counts[p.AgencyName]++
	}
	better := func(a, b string) bool {
		if counts[a] != counts[b] {
			return counts[a] > counts[b]
		}
		if mixedCase(a) != mixedCase(b) {
			return mixedCase(a)
		}
		return a < b
	}
	best := spellings[0]
	for _, s := range spellings[1:] {
		if better(s, best) {
			best = s
		}
	}
	o := Organisation{Name: best, People: people}
	for _, s := range spellings {
		if s != best {
			o.Spelling = append(o.Spelling, s)
		}
	}
	return o
}

func mixedCase(s string) bool {
	return strings.ToUpper(s) != s && strings.ToLower(s) != s
}

// ConfirmOrganisation makes the organisation people typed as name (in any
// case) a partner agency, described by f, and moves all of them into it; one
// organisation_confirmed event per person is audited, with the agency's
// agency_created, with the actor in ctx (a training manager). It returns the
// new agency and how many people moved.
func (s *Service) ConfirmOrganisation(ctx context.Context, name string, f agency.Form) (agency.Agency, int, error) {
	var (
		a     agency.Agency
		moved int
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := peopledb.New(tx)
		if _, err := unlistedPeople(ctx, q, name); err != nil {
			return err
		}
		now := s.now()
		var err error
		if a, err = agency.CreateTx(ctx, tx, now, f); err != nil {
			return err
		}
		moved, err = moveInto(ctx, tx, name, a, audit.OrgConfirmed, now)
		return err
	})
	return a, moved, err
}

// MergeOrganisation moves everyone who typed name (in any case) into an
// existing, current agency; one organisation_merged event per person is
// audited, with the actor in ctx. It returns the agency and how many people
// moved.
func (s *Service) MergeOrganisation(ctx context.Context, name string, agencyID int64) (agency.Agency, int, error) {
	var (
		a     agency.Agency
		moved int
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := peopledb.New(tx)
		if _, err := unlistedPeople(ctx, q, name); err != nil {
			return err
		}
		var v validation.Errors
		if agencyID <= 0 {
			v.Add(FieldMergeAgency, "Select the agency to move them into")
			return &v
		}
		var err error
		a, err = agency.LockTx(ctx, tx, agencyID)
		if errors.Is(err, agency.ErrNotFound) || (err == nil && a.Retired()) {
			v.Add(FieldMergeAgency, "Select an agency from the list")
			return &v
		} else if err != nil {
			return fmt.Errorf("merge organisation into agency %d: %w", agencyID, err)
		}
		moved, err = moveInto(ctx, tx, name, a, audit.OrgMerged, s.now())
		return err
	})
	return a, moved, err
}

// moveInto moves everyone who typed name into a, auditing each person with
// the actor in ctx.
func moveInto(ctx context.Context, tx pgx.Tx, name string, a agency.Agency, action audit.Action, now time.Time) (int, error) {
	moved, err := account.MoveUnlistedTx(ctx, tx, validation.CleanLine(name), a.ID, a.Name, action, now)
	if err != nil {
		return 0, err
	}
	if moved == 0 {
		return 0, ErrOrganisationNotFound // moved by someone else a moment ago
	}
	return moved, nil
}
