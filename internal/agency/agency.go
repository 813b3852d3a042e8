package agency

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pscp/booktraining/internal/pgplan"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/agency/internal/agencydb"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
)

// ErrNotFound means no agency has that ID.
var ErrNotFound = errs.New(errs.NotFound, "agency not found")

// Agency is a partner organisation as the training manager sees it.
type Agency struct {
	ID                  int64
	Name                string
	Sector              Sector
	Band                ChargingBand // the band the managing partnership (or the first) gives it
	BillingContactName  string
	BillingContactEmail string
	RetiredAt           *time.Time // people can no longer choose it
	People              int        // how many people work for it
}

// Retired reports whether people can no longer choose the agency.
func (a Agency) Retired() bool { return a.RetiredAt != nil }

// Form is an agency as typed into the form that creates or edits it; its
// fields are kept as typed, so a form with a mistake can be shown again.
type Form struct {
	Name                string
	Sector              string
	Band                string
	BillingContactName  string
	BillingContactEmail string
}

// FormOf fills a form with an agency, to edit it.
func FormOf(a Agency) Form {
	return Form{
		Name: a.Name, Sector: string(a.Sector), Band: string(a.Band),
		BillingContactName: a.BillingContactName, BillingContactEmail: a.BillingContactEmail,
	}
}

// Form field names, which the validation errors refer to.
const (
	FieldName         = "name"
	FieldSector       = "sector"
	FieldBand         = "charging-band"
	FieldBillingName  = "billing-name"
	FieldBillingEmail = "billing-email"
)

// uniqueName is the index that keeps agency names unique, ignoring case.
const uniqueName = "agencies_name_key"

// Service keeps the list of agencies, each change in one transaction.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// BillingContactAdded, when set, runs in the transaction that gives an
	// agency a billing contact it did not have: what waited to be invoiced
	// for want of one is billed now (payment.Service.BillAgencyWhenDueTx).
	BillingContactAdded func(ctx context.Context, tx pgx.Tx, agencyID int64) error
}

// New returns a Service; now is the clock.
func New(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// List returns a page of the agencies, retired ones too, by name, and how
// many there are (a page past the last is the last), read on one snapshot.
func (s *Service) List(ctx context.Context, page int) (AgencyPage, error) {
	page = max(page, 1)
	var out AgencyPage
	// With their generic plans (pgplan): the page's offset made the list
	// look cheaper planned for each page, which cost 0.5 ms more at 100x.
	err := pgplan.Read(ctx, s.pool, func(tx pgx.Tx) error {
		q := agencydb.New(tx)
		total, err := q.CountAgencies(ctx)
		if err != nil {
			return err
		}
		out.Total = int(total)
		out.Pages = max((out.Total+AgencyPageSize-1)/AgencyPageSize, 1)
		out.Page = min(page, out.Pages)
		rows, err := q.ListAgencies(ctx, agencydb.ListAgenciesParams{PageSize: AgencyPageSize, Skip: int32((out.Page - 1) * AgencyPageSize)})
		if err != nil {
			return err
		}
		out.Agencies = make([]Agency, len(rows))
		for i, r := range rows {
			out.Agencies[i] = Agency{
				ID: r.ID, Name: r.Name, Sector: Sector(r.Sector), Band: ChargingBand(r.ChargingBand),
				BillingContactName: r.BillingContactName, BillingContactEmail: r.BillingContactEmail,
				RetiredAt: r.RetiredAt, People: int(r.People),
			}
		}
		return nil
	})
	if err != nil {
		return AgencyPage{}, fmt.Errorf("list agencies: %w", err)
	}
	return out, nil
}

// AgencyPageSize is how many agencies a page of the manager's list shows.
const AgencyPageSize = 50

// AgencyPage is one page of the agencies, by name.
type AgencyPage struct {
	Agencies           []Agency
	Page, Pages, Total int
}

// Get returns one agency, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (Agency, error) {
	r, err := agencydb.New(s.pool).GetAgency(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Agency{}, ErrNotFound
	} else if err != nil {
		return Agency{}, fmt.Errorf("get agency %d: %w", id, err)
	}
	return Agency{
		ID: r.ID, Name: r.Name, Sector: Sector(r.Sector), Band: ChargingBand(r.ChargingBand),
		BillingContactName: r.BillingContactName, BillingContactEmail: r.BillingContactEmail,
		RetiredAt: r.RetiredAt, People: int(r.People),
	}, nil
}

// LockTx locks an agency in the caller's transaction until it ends (so it
// is not retired or renamed meanwhile) and returns it without its count of
// people, or ErrNotFound.
func LockTx(ctx context.Context, tx pgx.Tx, id int64) (Agency, error) {
	r, err := agencydb.New(tx).LockAgency(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Agency{}, ErrNotFound
	} else if err != nil {
		return Agency{}, fmt.Errorf("lock agency %d: %w", id, err)
	}
	return Agency{
		ID: r.ID, Name: r.Name, Sector: Sector(r.Sector), Band: ChargingBand(r.ChargingBand),
		BillingContactName: r.BillingContactName, BillingContactEmail: r.BillingContactEmail,
		RetiredAt: r.RetiredAt,
	}, nil
}

// Create adds an agency for the actor in ctx (a training manager) and
// returns it.
func (s *Service) Create(ctx context.Context, f Form) (Agency, error) {
	var a Agency
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		a, err = CreateTx(ctx, tx, s.now(), f)
		return err
	})
	return a, err
}

// CreateTx adds an agency within the caller's transaction and audits it, so
// that confirming an organisation people typed can create its agency and move
// them into it as one action. The audit entry names the actor in ctx. It
// returns *validation.Errors for a form with mistakes.
func CreateTx(ctx context.Context, tx pgx.Tx, at time.Time, f Form) (Agency, error) {
	by := actor.From(ctx)
	q := agencydb.New(tx)
	a, err := f.check(ctx, q, 0)
	if err != nil {
		return Agency{}, err
	}
	a.ID, err = q.CreateAgency(ctx, agencydb.CreateAgencyParams{
		Name: a.Name, Sector: string(a.Sector), ChargingBand: string(a.Band),
		BillingContactName: a.BillingContactName, BillingContactEmail: a.BillingContactEmail, Now: at,
	})
	if pgerr.Violates(err, uniqueName) {
		return Agency{}, nameTaken()
	} else if err != nil {
		return Agency{}, fmt.Errorf("create agency: %w", err)
	}
	details := map[string]any{"name": a.Name, "sector": string(a.Sector), "charging_band": string(a.Band)}
	if a.BillingContactName != "" || a.BillingContactEmail != "" {
		details["billing_contact_name"] = a.BillingContactName
		details["billing_contact_email"] = a.BillingContactEmail
	}
	if err := audit.RecordTx(ctx, tx, at, audit.Event{
		Action: audit.AgencyCreated, ActorID: by.IDPtr(), AgencyID: &a.ID, IP: by.IP, Details: details,
	}); err != nil {
		return Agency{}, err
	}
	return a, nil
}

// Update changes an agency's name, sector, charging band and billing contact,
// and audits the fields that changed, with the actor in ctx (nothing is
// recorded when none did).
func (s *Service) Update(ctx context.Context, id int64, f Form) error {
	by := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := agencydb.New(tx)
		old, err := q.LockAgency(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("update agency %d: %w", id, err)
		}
		a, err := f.check(ctx, q, id)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		for _, c := range []struct{ field, from, to string }{
			{"name", old.Name, a.Name},
			{"sector", old.Sector, string(a.Sector)},
			{"charging_band", old.ChargingBand, string(a.Band)},
			{"billing_contact_name", old.BillingContactName, a.BillingContactName},
			{"billing_contact_email", old.BillingContactEmail, a.BillingContactEmail},
		} {
			if c.from != c.to {
				changes[c.field] = map[string]any{"from": c.from, "to": c.to}
			}
		}
		if len(changes) == 0 {
			return nil
		}
		now := s.now()
		err = q.UpdateAgency(ctx, agencydb.UpdateAgencyParams{
			ID: id, Name: a.Name, Sector: string(a.Sector),
			BillingContactName: a.BillingContactName, BillingContactEmail: a.BillingContactEmail, Now: now,
		})
		if pgerr.Violates(err, uniqueName) {
			return nameTaken()
		} else if err != nil {
			return fmt.Errorf("update agency %d: %w", id, err)
		}
		// The band is the managing partnership's own (issue 22): another
		// partnership's stays as it is.
		if old.ChargingBand != string(a.Band) {
			if err := q.SetAgencyBand(ctx, agencydb.SetAgencyBandParams{AgencyID: id, ChargingBand: string(a.Band), Now: now}); err != nil {
				return fmt.Errorf("set the band of agency %d: %w", id, err)
			}
		}
		if old.BillingContactEmail == "" && a.BillingContactEmail != "" && s.BillingContactAdded != nil {
			if err := s.BillingContactAdded(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: audit.AgencyUpdated, ActorID: by.IDPtr(), AgencyID: &id, IP: by.IP, Details: changes,
		})
	})
}

// SetRetired retires an agency (people can no longer choose it; those who
// work for it keep it) or restores it, for the actor in ctx. Asking for the
// state it is already in changes and records nothing.
func (s *Service) SetRetired(ctx context.Context, id int64, retired bool) error {
	by := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := agencydb.New(tx)
		old, err := q.LockAgency(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("retire agency %d: %w", id, err)
		}
		if (old.RetiredAt != nil) == retired {
			return nil
		}
		now := s.now()
		var at *time.Time
		if retired {
			at = &now
		}
		if err := q.SetAgencyRetired(ctx, agencydb.SetAgencyRetiredParams{ID: id, RetiredAt: at, Now: now}); err != nil {
			return fmt.Errorf("retire agency %d: %w", id, err)
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: audit.AgencyUpdated, ActorID: by.IDPtr(), AgencyID: &id, IP: by.IP,
			Details: map[string]any{"retired": map[string]any{"from": !retired, "to": retired}},
		})
	})
}

// check validates the form and returns the agency it describes. except is the
// ID of the agency being edited (0 for a new one), which may keep its name.
func (f Form) check(ctx context.Context, q *agencydb.Queries, except int64) (Agency, error) {
	a := Agency{
		Name:                validation.CleanLine(f.Name),
		Sector:              Sector(f.Sector),
		Band:                ChargingBand(f.Band),
		BillingContactName:  validation.CleanLine(f.BillingContactName),
		BillingContactEmail: strings.TrimSpace(f.BillingContactEmail),
	}
	var v validation.Errors
	switch {
	case a.Name == "":
		v.Add(FieldName, "Enter the agency’s name")
	case utf8.RuneCountInString(a.Name) > 200:
		v.Add(FieldName, "Agency name must be 200 characters or fewer")
	case validation.HasHiddenFormatting(a.Name):
		v.Add(FieldName, validation.HiddenFormattingMessage("Agency name"))
	default:
		taken, err := q.AgencyNameTaken(ctx, agencydb.AgencyNameTakenParams{Name: a.Name, ExceptID: except})
		if err != nil {
			return Agency{}, fmt.Errorf("check agency name: %w", err)
		}
		if taken {
			v.Add(FieldName, nameTakenMessage)
		}
	}
	if !slices.Contains(Sectors, a.Sector) {
		v.Add(FieldSector, "Select the agency’s sector")
	}
	if !slices.Contains(ChargingBands, a.Band) {
		v.Add(FieldBand, "Select the agency’s charging band")
	}
	if utf8.RuneCountInString(a.BillingContactName) > 200 {
		v.Add(FieldBillingName, "Billing contact name must be 200 characters or fewer")
	} else if validation.HasHiddenFormatting(a.BillingContactName) {
		v.Add(FieldBillingName, validation.HiddenFormattingMessage("Billing contact name"))
	}
	if a.BillingContactEmail != "" && validation.Email(a.BillingContactEmail) != a.BillingContactEmail {
		v.Add(FieldBillingEmail, "Enter the billing contact’s email address in the correct format, like name@example.org")
	}
	return a, v.Err()
}

const nameTakenMessage = "An agency with this name already exists"

func nameTaken() error {
	var v validation.Errors
	v.Add(FieldName, nameTakenMessage)
	return &v
}

// Querier is what the look-ups below read with: a pool, a connection or a
// transaction.
type Querier = agencydb.DBTX

// Choosable reports whether an agency exists and is not retired, so that
// something (a closed session, a person) may be given it. Read with db, the
// caller's transaction when it acts on the answer.
func Choosable(ctx context.Context, db Querier, id int64) (bool, error) {
	ok, err := agencydb.New(db).AgencyChoosable(ctx, id)
	if err != nil {
		return false, fmt.Errorf("agency %d choosable: %w", id, err)
	}
	return ok, nil
}

// StripeCustomer is the Stripe customer of an agency, with the name and
// billing email last sent to Stripe.
type StripeCustomer struct {
	ID    string
	Name  string
	Email string
}

// SetStripeCustomerTx records an agency's Stripe customer in the caller's
// transaction, only while the agency still has that name and billing email
// (a change made while Stripe answered is sent next time) and only when it
// is not recorded already. It reports whether it recorded it; the caller
// (payment, which talks to Stripe) audits what it did.
func SetStripeCustomerTx(ctx context.Context, tx pgx.Tx, at time.Time, agencyID int64, c StripeCustomer) (bool, error) {
	n, err := agencydb.New(tx).SetAgencyStripeCustomer(ctx, agencydb.SetAgencyStripeCustomerParams{
		ID: agencyID, StripeCustomerID: &c.ID, StripeCustomerEmail: c.Email, StripeCustomerName: c.Name, Now: at,
	})
	if err != nil {
		return false, fmt.Errorf("set stripe customer of agency %d: %w", agencyID, err)
	}
	return n > 0, nil
}
