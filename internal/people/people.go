// Package people owns the directory of people as training managers and
// agency coordinators see it: finding people, the roles they hold, and the
// organisations people typed at sign-up that are not partner agencies yet.
package people

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/people/internal/peopledb"
	"github.com/pscp/booktraining/internal/validation"
)

// ErrNotFound means no one (not erased, and within the asker's reach) has
// that ID or address.
var ErrNotFound = errs.New(errs.NotFound, "person not found")

// PageSize is how many people a page of the directory holds.
const PageSize = 25

// maxQuery bounds a search; longer searches are cut.
const maxQuery = 100

// Service reads the directory and changes roles and organisations, each
// change in one transaction.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// New returns a Service; now is the clock.
func New(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// Person is one entry in the directory.
type Person struct {
	ID             int64
	Email          string
	FullName       string
	JobTitle       string
	AgencyID       *int64
	AgencyName     string // the partner agency, or the name they typed
	AgencyUnlisted bool   // AgencyName awaits a training manager's confirmation
	Verified       bool
	Roles          []account.Role
}

// Search is what the directory is asked for.
type Search struct {
	Query    string // part of a name, email address or agency name; "" for everyone
	AgencyID *int64 // only this agency's people, when set
	Page     int    // from 1
}

// Results is one page of people and where it sits in the whole list.
type Results struct {
	People []Person
	Total  int  // people matching, on every page; a lower bound when More
	More   bool // more than Total match: only so many are counted
	Page   int  // the page shown, from 1
	Pages  int  // how many pages there are (0 when nobody matches); a lower bound when More
}

// countFrom is how many matches a count reads at most for page: at least
// a thousand, and always ten pages beyond the one shown, so that a count
// costs no more than the pages it may link, however many people there are.
func countFrom(page int) int32 {
	return int32(max(1000, (max(page, 1)+10)*PageSize) + 1)
}

// pattern is the LIKE pattern (lower case, its wildcards escaped) that
// finds query anywhere in a text; "" when query is.
func pattern(query string) string {
	if query == "" {
		return ""
	}
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(query))
	return "%" + escaped + "%"
}

// CleanQuery trims a search, drops what no name holds (control characters,
// bytes that are not UTF-8) and cuts it to a length worth searching for.
func CleanQuery(s string) string {
	s = strings.Join(strings.Fields(validation.CleanLine(s)), " ")
	if utf8.RuneCountInString(s) > maxQuery {
		s = string([]rune(s)[:maxQuery])
	}
	return s
}

// Find returns a page of everyone (but the erased) matching s, by name. A
// page past the end shows the last page.
func (s *Service) Find(ctx context.Context, f Search) (Results, error) {
	query := CleanQuery(f.Query)
	var res Results
	err := readOnly(ctx, s.pool, query != "", func(q *peopledb.Queries) error {
		limit := countFrom(f.Page)
		var total int64
		var err error
		switch {
		case query != "":
			total, err = q.CountPeopleMatching(ctx, peopledb.CountPeopleMatchingParams{AgencyID: f.AgencyID, Pattern: pattern(query), CountLimit: limit})
		case f.AgencyID != nil:
			total, err = q.CountAgencyPeople(ctx, peopledb.CountAgencyPeopleParams{AgencyID: *f.AgencyID, CountLimit: limit})
		default:
			total, err = q.CountEveryone(ctx, limit)
		}
		if err != nil {
			return fmt.Errorf("count people: %w", err)
		}
		res = paged(int(total), int(limit), f.Page)
		skip := int32((res.Page - 1) * PageSize)
		var rows []peopledb.ListPeopleRow
		switch {
		case query == "":
			if rows, err = unsearchedPage(ctx, q, f.AgencyID, skip); err != nil {
				return err
			}
		case !res.More:
			// Few match: read them all through their indexes and sort
			// them, rather than walk every name to find them.
			few, err := q.ListPeopleMatchingFew(ctx, peopledb.ListPeopleMatchingFewParams{
				AgencyID: f.AgencyID, Pattern: pattern(query), MaxRows: PageSize, SkipRows: skip,
			})
			if err != nil {
				return fmt.Errorf("list people: %w", err)
			}
			for _, r := range few {
				rows = append(rows, peopledb.ListPeopleRow(r))
			}
		default:
			if rows, err = q.ListPeople(ctx, peopledb.ListPeopleParams{
				AgencyID: f.AgencyID, Pattern: pattern(query), MaxRows: PageSize, SkipRows: skip,
			}); err != nil {
				return fmt.Errorf("list people: %w", err)
			}
		}
		for _, r := range rows {
			p := Person{
				ID: r.ID, Email: r.Email, FullName: r.FullName, JobTitle: r.JobTitle, AgencyID: r.AgencyID,
				AgencyName: r.AgencyName, Verified: r.EmailVerifiedAt != nil, Roles: roles(r.Roles),
			}
			if r.AgencyID == nil {
				p.AgencyName, p.AgencyUnlisted = r.UnlistedAgencyName, true
			}
			res.People = append(res.People, p)
		}
		return nil
	})
	return res, err
}

// unsearchedPage is a page of everyone from skip, or of agencyID's people
// when given, with no search: statements whose plans are kept (generic),
// each LIMIT written out as PageSize.
func unsearchedPage(ctx context.Context, q *peopledb.Queries, agencyID *int64, skip int32) ([]peopledb.ListPeopleRow, error) {
	var rows []peopledb.ListPeopleRow
	if agencyID == nil {
		everyone, err := q.ListEveryone(ctx, skip)
		if err != nil {
			return nil, fmt.Errorf("list people: %w", err)
		}
		for _, r := range everyone {
			rows = append(rows, peopledb.ListPeopleRow(r))
		}
		return rows, nil
	}
	theirs, err := q.ListPeopleOfAgency(ctx, peopledb.ListPeopleOfAgencyParams{AgencyID: *agencyID, SkipRows: skip})
	if err != nil {
		return nil, fmt.Errorf("list people of agency %d: %w", *agencyID, err)
	}
	for _, r := range theirs {
		rows = append(rows, peopledb.ListPeopleRow(r))
	}
	return rows, nil
}

// FindInAgency is Find for an agency coordinator: only the people of
// agencyID, whatever the search, because the agency is part of every query.
func (s *Service) FindInAgency(ctx context.Context, agencyID int64, query string, page int) (Results, error) {
	query = CleanQuery(query)
	var res Results
	err := readOnly(ctx, s.pool, query != "", func(q *peopledb.Queries) error {
		limit := countFrom(page)
		var total int64
		var err error
		if query == "" {
			total, err = q.CountAgencyPeople(ctx, peopledb.CountAgencyPeopleParams{AgencyID: agencyID, CountLimit: limit})
		} else {
			total, err = q.CountAgencyPeopleMatching(ctx, peopledb.CountAgencyPeopleMatchingParams{AgencyID: agencyID, Pattern: pattern(query), CountLimit: limit})
		}
		if err != nil {
			return fmt.Errorf("count people of agency %d: %w", agencyID, err)
		}
		res = paged(int(total), int(limit), page)
		skip := int32((res.Page - 1) * PageSize)
		var rows []peopledb.ListAgencyPeopleRow
		switch {
		case query == "":
			all, err := unsearchedPage(ctx, q, &agencyID, skip)
			if err != nil {
				return err
			}
			for _, r := range all {
				rows = append(rows, peopledb.ListAgencyPeopleRow{
					ID: r.ID, Email: r.Email, FullName: r.FullName, JobTitle: r.JobTitle,
					EmailVerifiedAt: r.EmailVerifiedAt, Roles: r.Roles,
				})
			}
		case !res.More:
			few, err := q.ListAgencyPeopleMatchingFew(ctx, peopledb.ListAgencyPeopleMatchingFewParams{
				AgencyID: agencyID, Pattern: pattern(query), MaxRows: PageSize, SkipRows: skip,
			})
			if err != nil {
				return fmt.Errorf("list people of agency %d: %w", agencyID, err)
			}
			for _, r := range few {
				rows = append(rows, peopledb.ListAgencyPeopleRow(r))
			}
		default:
			if rows, err = q.ListAgencyPeople(ctx, peopledb.ListAgencyPeopleParams{
				AgencyID: agencyID, Pattern: pattern(query), MaxRows: PageSize, SkipRows: skip,
			}); err != nil {
				return fmt.Errorf("list people of agency %d: %w", agencyID, err)
			}
		}
		for _, r := range rows {
			id := agencyID
			res.People = append(res.People, Person{
				ID: r.ID, Email: r.Email, FullName: r.FullName, JobTitle: r.JobTitle, AgencyID: &id,
				Verified: r.EmailVerifiedAt != nil, Roles: roles(r.Roles),
			})
		}
		return nil
	})
	return res, err
}

// InAgency returns person id if they work for the confirmed agency of the
// actor in ctx (an agency coordinator), or ErrNotFound for anyone else: a
// coordinator cannot tell another agency's person from an ID never used.
func (s *Service) InAgency(ctx context.Context, id int64) (Person, error) {
	a := actor.From(ctx)
	if a.AgencyID == nil {
		return Person{}, ErrNotFound
	}
	agencyID := *a.AgencyID
	r, err := peopledb.New(s.pool).GetAgencyPerson(ctx, peopledb.GetAgencyPersonParams{ID: id, AgencyID: agencyID})
	if errors.Is(err, pgx.ErrNoRows) {
		return Person{}, ErrNotFound
	} else if err != nil {
		return Person{}, fmt.Errorf("get person %d of agency %d: %w", id, agencyID, err)
	}
	return Person{
		ID: r.ID, Email: r.Email, FullName: r.FullName, JobTitle: r.JobTitle, AgencyID: &agencyID,
		AgencyName: r.AgencyName, Verified: r.EmailVerifiedAt != nil, Roles: roles(r.Roles),
	}, nil
}

// IDByEmail finds the account with that address (ignoring case), for the
// audit log's filter.
func (s *Service) IDByEmail(ctx context.Context, addr string) (int64, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" || len(addr) > 254 || validation.CleanLine(addr) != addr {
		return 0, ErrNotFound
	}
	id, err := peopledb.New(s.pool).FindPersonByEmail(ctx, addr)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	} else if err != nil {
		return 0, fmt.Errorf("find person by email: %w", err)
	}
	return id, nil
}

// paged places page (from 1) within the counted results: counted reached
// limit when more match than were counted.
func paged(counted, limit, page int) Results {
	res := Results{Total: counted}
	if counted >= limit {
		res.Total, res.More = limit-1, true
	}
	res.Pages = (res.Total + PageSize - 1) / PageSize
	res.Page = min(max(page, 1), max(res.Pages, 1))
	return res
}

func roles(names []string) []account.Role {
	out := make([]account.Role, 0, len(names))
	for _, n := range names {
		out = append(out, account.Role(n))
	}
	return out
}

// readOnly runs fn in one read-only snapshot, so a count and its page agree.
// With planEach (a search) each statement is planned for its own
// parameters, in the same message as the BEGIN: the best plan turns on them
// (an agency of thousands or of ten, a name many have or few), and after
// five requests PostgreSQL would keep a generic plan estimated for an agency
// of twenty people, which walked the largest agency's four thousand to find
// a page of a search. Without (no search), the plans are the generic ones,
// planned once a connection: the statements for no search test no pattern
// and write their LIMIT out (ListEveryone), so their kept plans read the
// index of names from the page's first person, as the custom ones did, and
// a page no longer costs its planning (0.55 ms in a manager's scope at 100×).
func readOnly(ctx context.Context, pool *pgxpool.Pool, planEach bool, fn func(*peopledb.Queries) error) error {
	begin := beginGeneric
	if planEach {
		begin = beginCustom
	}
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{BeginQuery: begin},
		func(tx pgx.Tx) error { return fn(peopledb.New(tx)) })
}

const (
	beginCustom  = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL plan_cache_mode = force_custom_plan"
	beginGeneric = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL plan_cache_mode = force_generic_plan"
)
