// Package venue owns the places sessions are held: training rooms, with an
// address and a capacity, and online platforms. A venue that has been used
// is retired, never deleted, so past sessions keep their place.
package venue

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue/internal/venuedb"
)

// The audit log's names for a training manager's changes to venues.
const (
	Created = audit.VenueCreated
	Updated = audit.VenueUpdated
)

// ErrNotFound means no venue has that ID.
var ErrNotFound = errs.New(errs.NotFound, "venue not found")

// Kinds of venue, as the form's radios name them.
const (
	KindRoom   = "room"
	KindOnline = "online"
)

// Form field names, which the validation errors refer to.
const (
	FieldKind          = "kind"
	FieldName          = "name"
	FieldAddressLine1  = "address-line-1"
	FieldAddressLine2  = "address-line-2"
	FieldTown          = "town"
	FieldPostcode      = "postcode"
	FieldCapacity      = "capacity"
	FieldAccessibility = "accessibility"
	FieldDirections    = "directions"
)

// Limits of what a venue holds.
const (
	MaxNameLength = 200
	MaxLineLength = 200
	MaxTextLength = 5000
	MaxCapacity   = 1000
)

// uniqueName is the index that keeps venue names unique, ignoring case.
const uniqueName = "venues_name_key"

// Venue is a training room, or an online platform when Online is true (then
// it has no address and no capacity).
type Venue struct {
	ID                 int64
	Name               string
	Online             bool
	AddressLine1       string
	AddressLine2       string
	Town               string
	Postcode           string
	Capacity           int // 0 for an online platform
	AccessibilityNotes string
	Directions         string
	RetiredAt          *time.Time
}

// Retired reports whether new sessions can no longer be put there.
func (v Venue) Retired() bool { return v.RetiredAt != nil }

// Form is a venue as typed into the form that creates or edits it, kept as
// typed so that a form with a mistake can be shown again.
type Form struct {
	Kind               string // KindRoom or KindOnline
	Name               string
	AddressLine1       string
	AddressLine2       string
	Town               string
	Postcode           string
	Capacity           string
	AccessibilityNotes string
	Directions         string
}

// FormOf fills a form with a venue, to edit it.
func FormOf(v Venue) Form {
	f := Form{
		Kind: KindRoom, Name: v.Name, AddressLine1: v.AddressLine1, AddressLine2: v.AddressLine2,
		Town: v.Town, Postcode: v.Postcode, AccessibilityNotes: v.AccessibilityNotes, Directions: v.Directions,
	}
	if v.Online {
		f.Kind = KindOnline
	} else {
		f.Capacity = strconv.Itoa(v.Capacity)
	}
	return f
}

// Service keeps the venues, each change in one transaction.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// New returns a Service; now is the clock.
func New(pool *pgxpool.Pool, now func() time.Time) *Service {
	return &Service{pool: pool, now: now}
}

// List returns every venue, retired ones too: rooms, then online platforms,
// each by name.
func (s *Service) List(ctx context.Context) ([]Venue, error) {
	rows, err := venuedb.New(s.pool).ListVenues(ctx)
	if err != nil {
		return nil, fmt.Errorf("list venues: %w", err)
	}
	out := make([]Venue, len(rows))
	for i, r := range rows {
		out[i] = venueOf(venuedb.LockVenueRow(r))
	}
	return out, nil
}

// Get returns one venue, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (Venue, error) {
	r, err := venuedb.New(s.pool).GetVenue(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Venue{}, ErrNotFound
	} else if err != nil {
		return Venue{}, fmt.Errorf("get venue %d: %w", id, err)
	}
	return venueOf(venuedb.LockVenueRow(r)), nil
}

// Create adds a venue, audited as done by the actor in ctx (a training
// manager), and returns its ID, or *validation.Errors for a form with
// mistakes.
func (s *Service) Create(ctx context.Context, f Form) (int64, error) {
	a := actor.From(ctx)
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := venuedb.New(tx)
		v, err := f.check(ctx, q, 0)
		if err != nil {
			return err
		}
		now := s.now()
		id, err = q.CreateVenue(ctx, venuedb.CreateVenueParams{
			Name: v.Name, Online: v.Online, AddressLine1: v.AddressLine1, AddressLine2: v.AddressLine2,
			Town: v.Town, Postcode: v.Postcode, Capacity: capacityParam(v),
			AccessibilityNotes: v.AccessibilityNotes, Directions: v.Directions, Now: now,
		})
		if pgerr.Violates(err, uniqueName) {
			return nameTaken()
		} else if err != nil {
			return fmt.Errorf("create venue: %w", err)
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: Created, ActorID: a.IDPtr(), IP: a.IP,
			Details: map[string]any{"venue_id": id, "name": v.Name, "online": v.Online},
		})
	})
	return id, err
}

// Update changes a venue and audits the fields that changed, as done by the
// actor in ctx. A room cannot shrink below an upcoming session booked into
// it, and a venue that has held sessions cannot change between room and
// online platform.
func (s *Service) Update(ctx context.Context, id int64, f Form) error {
	a := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := venuedb.New(tx)
		row, err := q.LockVenue(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("update venue %d: %w", id, err)
		}
		old := venueOf(row)
		v, err := f.check(ctx, q, id)
		var verr *validation.Errors
		if err != nil && !errors.As(err, &verr) {
			return err
		}
		if verr == nil {
			verr = &validation.Errors{}
		}
		if v.Online != old.Online {
			used, err := q.VenueHasSessions(ctx, id)
			if err != nil {
				return fmt.Errorf("update venue %d: %w", id, err)
			}
			if used {
				verr.Add(FieldKind, "Sessions have been held here, so it cannot change between a room and an online platform. Add a new venue instead.")
			}
		}
		if !v.Online && v.Capacity > 0 && !verr.Has(FieldCapacity) {
			largest, err := q.LargestUpcomingSessionAtVenue(ctx, venuedb.LargestUpcomingSessionAtVenueParams{VenueID: id, Now: s.now()})
			switch {
			case errors.Is(err, pgx.ErrNoRows):
			case err != nil:
				return fmt.Errorf("update venue %d: %w", id, err)
			case int(largest.Capacity) > v.Capacity:
				verr.Add(FieldCapacity, fmt.Sprintf("Capacity must be at least %d: %s on %s has %d places",
					largest.Capacity, largest.CourseTitle, london.Date(largest.StartsAt), largest.Capacity))
			}
		}
		if err := verr.Err(); err != nil {
			return err
		}
		changes := map[string]any{}
		for _, c := range []struct {
			field    string
			from, to any
		}{
			{"name", old.Name, v.Name},
			{"online", old.Online, v.Online},
			{"address_line1", old.AddressLine1, v.AddressLine1},
			{"address_line2", old.AddressLine2, v.AddressLine2},
			{"town", old.Town, v.Town},
			{"postcode", old.Postcode, v.Postcode},
			{"capacity", old.Capacity, v.Capacity},
			{"accessibility_notes", old.AccessibilityNotes, v.AccessibilityNotes},
			{"directions", old.Directions, v.Directions},
		} {
			if c.from != c.to {
				changes[c.field] = map[string]any{"from": c.from, "to": c.to}
			}
		}
		if len(changes) == 0 {
			return nil
		}
		now := s.now()
		err = q.UpdateVenue(ctx, venuedb.UpdateVenueParams{
			ID: id, Name: v.Name, Online: v.Online, AddressLine1: v.AddressLine1, AddressLine2: v.AddressLine2,
			Town: v.Town, Postcode: v.Postcode, Capacity: capacityParam(v),
			AccessibilityNotes: v.AccessibilityNotes, Directions: v.Directions, Now: now,
		})
		if pgerr.Violates(err, uniqueName) {
			return nameTaken()
		} else if pgerr.Violates(err, "venues_hold_their_sessions") {
			// A session with more places was scheduled here since the check above.
			var v validation.Errors
			v.Add(FieldCapacity, "A session with more places was scheduled here a moment ago: enter a larger capacity, or make that session smaller first")
			return v.Err()
		} else if err != nil {
			return fmt.Errorf("update venue %d: %w", id, err)
		}
		changes["venue_id"] = id
		return audit.RecordTx(ctx, tx, now, audit.Event{Action: Updated, ActorID: a.IDPtr(), IP: a.IP, Details: changes})
	})
}

// SetRetired retires a venue (no new sessions go there; those already
// there keep it) or restores it. Asking for the state it is already in
// changes and records nothing. The actor in ctx is audited.
func (s *Service) SetRetired(ctx context.Context, id int64, retired bool) error {
	a := actor.From(ctx)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		q := venuedb.New(tx)
		old, err := q.LockVenue(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("retire venue %d: %w", id, err)
		}
		if (old.RetiredAt != nil) == retired {
			return nil
		}
		now := s.now()
		var at *time.Time
		if retired {
			at = &now
		}
		if err := q.SetVenueRetired(ctx, venuedb.SetVenueRetiredParams{ID: id, RetiredAt: at, Now: now}); err != nil {
			return fmt.Errorf("retire venue %d: %w", id, err)
		}
		return audit.RecordTx(ctx, tx, now, audit.Event{
			Action: Updated, ActorID: a.IDPtr(), IP: a.IP,
			Details: map[string]any{"venue_id": id, "retired": map[string]any{"from": !retired, "to": retired}},
		})
	})
}

func venueOf(r venuedb.LockVenueRow) Venue {
	v := Venue{
		ID: r.ID, Name: r.Name, Online: r.Online, AddressLine1: r.AddressLine1, AddressLine2: r.AddressLine2,
		Town: r.Town, Postcode: r.Postcode, AccessibilityNotes: r.AccessibilityNotes, Directions: r.Directions,
		RetiredAt: r.RetiredAt,
	}
	if r.Capacity != nil {
		v.Capacity = int(*r.Capacity)
	}
	return v
}

func capacityParam(v Venue) *int32 {
	if v.Online {
		return nil
	}
	n := int32(v.Capacity)
	return &n
}

// check validates the form and returns the venue it describes. except is
// the ID of the venue being edited (0 for a new one), which may keep its
// name. An online platform keeps only its name and accessibility notes.
func (f Form) check(ctx context.Context, q *venuedb.Queries, except int64) (Venue, error) {
	v := Venue{Name: validation.CleanLine(f.Name), AccessibilityNotes: validation.CleanText(f.AccessibilityNotes)}
	var errs validation.Errors
	switch f.Kind {
	case KindRoom:
	case KindOnline:
		v.Online = true
	default:
		errs.Add(FieldKind, "Select whether the venue is a room or an online platform")
	}
	switch {
	case v.Name == "":
		errs.Add(FieldName, "Enter the venue’s name")
	case utf8.RuneCountInString(v.Name) > MaxNameLength:
		errs.Add(FieldName, fmt.Sprintf("Name must be %d characters or fewer", MaxNameLength))
	case validation.HasHiddenFormatting(v.Name):
		errs.Add(FieldName, validation.HiddenFormattingMessage("Name"))
	default:
		taken, err := q.VenueNameTaken(ctx, venuedb.VenueNameTakenParams{Name: v.Name, ExceptID: except})
		if err != nil {
			return Venue{}, fmt.Errorf("check venue name: %w", err)
		}
		if taken {
			errs.Add(FieldName, nameTakenMessage)
		}
	}
	if f.Kind == KindRoom {
		v.AddressLine1, v.AddressLine2, v.Town = validation.CleanLine(f.AddressLine1), validation.CleanLine(f.AddressLine2), validation.CleanLine(f.Town)
		v.Directions = validation.CleanText(f.Directions)
		line(&errs, FieldAddressLine1, v.AddressLine1, "Enter address line 1, typically the building and street", "Address line 1")
		line(&errs, FieldAddressLine2, v.AddressLine2, "", "Address line 2")
		line(&errs, FieldTown, v.Town, "Enter the town or city", "Town or city")
		if pc, ok := Postcode(f.Postcode); ok {
			v.Postcode = pc
		} else if strings.TrimSpace(f.Postcode) == "" {
			errs.Add(FieldPostcode, "Enter the postcode")
		} else {
			errs.Add(FieldPostcode, "Enter a real postcode, like PO1 2AB")
		}
		capacity := strings.TrimSpace(f.Capacity)
		n, err := strconv.Atoi(capacity)
		switch {
		case capacity == "":
			errs.Add(FieldCapacity, "Enter how many people the room holds")
		case err != nil:
			errs.Add(FieldCapacity, "Capacity must be a whole number, like 30")
		case n < 1 || n > MaxCapacity:
			errs.Add(FieldCapacity, fmt.Sprintf("Capacity must be between 1 and %d", MaxCapacity))
		default:
			v.Capacity = n
		}
		if utf8.RuneCountInString(v.Directions) > MaxTextLength {
			errs.Add(FieldDirections, fmt.Sprintf("Directions must be %d characters or fewer", MaxTextLength))
		}
	}
	if utf8.RuneCountInString(v.AccessibilityNotes) > MaxTextLength {
		errs.Add(FieldAccessibility, fmt.Sprintf("Accessibility notes must be %d characters or fewer", MaxTextLength))
	}
	return v, errs.Err()
}

func line(errs *validation.Errors, field, value, missing, label string) {
	switch {
	case value == "" && missing != "":
		errs.Add(field, missing)
	case utf8.RuneCountInString(value) > MaxLineLength:
		errs.Add(field, fmt.Sprintf("%s must be %d characters or fewer", label, MaxLineLength))
	case validation.HasHiddenFormatting(value):
		errs.Add(field, validation.HiddenFormattingMessage(label))
	}
}

// postcodePattern is a UK postcode without its space, loosely: an outward
// code of one or two letters, a digit and an optional letter or digit, then
// an inward code of a digit and two letters.
var postcodePattern = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$`)

// Postcode normalises a UK postcode to upper case with one space before the
// inward code ("po12ab" becomes "PO1 2AB"); ok is false when s is not one.
func Postcode(s string) (string, bool) {
	pc := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if !postcodePattern.MatchString(pc) {
		return "", false
	}
	return pc[:len(pc)-3] + " " + pc[len(pc)-3:], true
}

const nameTakenMessage = "A venue with this name already exists"

func nameTaken() error {
	var v validation.Errors
	v.Add(FieldName, nameTakenMessage)
	return &v
}
