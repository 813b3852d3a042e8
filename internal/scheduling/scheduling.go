// Package scheduling owns the training programme: putting sessions of courses
// on the calendar with venues and trainers, in series, and moving them through
// their life cycle (draft, published, completed or cancelled). PostgreSQL's
// exclusion constraints make clashes impossible; this package names them.
package scheduling

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/workday"
)

var (
	ErrNotFound   = errs.New(errs.NotFound, "session not found")
	ErrWrongState = errs.Says(errs.Conflict, "The session cannot do that now: it may have been changed since you opened the page.")
	// ErrNotEnded: a session is marked delivered only once it has ended.
	ErrNotEnded = errs.Says(errs.Conflict, "The session has not ended yet, so it cannot be marked as delivered.")
)

// DefaultCutoffDays is how many days before the start booking closes,
// unless the manager says otherwise.
const DefaultCutoffDays = 3

// MaxCapacity bounds the places of one session, online ones included.
const MaxCapacity = 1000

// Service schedules sessions.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	log  *slog.Logger
	// Bookings, when set, hears of changes that affect the people booked:
	// a cancelled session ends its bookings, more places go to its waiting
	// list, in the same transaction as the change.
	Bookings *booking.Service
	// CatalogueStamp, when set, is the catalogue's (catalogue.Service's
	// Stamp): the programme's filter choices are kept while it stands.
	CatalogueStamp func() (stamp uint64, ok bool)

	choices choicesCache
}

func New(pool *pgxpool.Pool, now func() time.Time, log *slog.Logger) *Service {
	return &Service{pool: pool, now: now, log: log}
}

// Form is a session as the manager enters it: dates and times as typed, in
// Europe/London.
type Form struct {
	CourseID   int64
	Day        string
	Month      string
	Year       string
	Start      string // "9:30" or "09:30" (24-hour)
	End        string
	VenueID    int64
	MeetingURL string
	Capacity   string  // empty: the course's default (within the room's)
	TrainerIDs []int64 // one or two, usually from different agencies
	CutoffDays string  // days before the start that booking closes; empty: 3
	AgencyID   int64   // 0: open to everyone; else closed to this agency
	// OwnAreaOnly keeps a session open to everyone to the staff of the
	// agencies in its partnership's area (issue 22).
	OwnAreaOnly bool
	// The most places one agency, or one sector, may hold until the caps
	// lift, that many days before the start. Empty: the course's default;
	// "0": no cap. A closed session has none.
	AgencyCap      string
	SectorCap      string
	CapReleaseDays string
	// ConfirmedDays are the dates (2006-01-02) the manager chose to schedule
	// on although they are a weekend or a bank holiday.
	ConfirmedDays []string
}

// date is the form's GOV.UK date input.
func (f Form) date() london.DateInput {
	return london.DateInput{Day: f.Day, Month: f.Month, Year: f.Year}
}

// Plan is a checked form: everything needed to save a session.
type Plan struct {
	CourseID, VenueID int64
	CourseTitle       string
	StartsAt, EndsAt  time.Time
	Cutoff            time.Time
	Capacity          int
	MeetingURL        string
	TrainerIDs        []int64
	AgencyID          int64
	OwnAreaOnly       bool
	AgencyCap         int       // 0: none
	SectorCap         int       // 0: none
	CapsRelease       time.Time // when the caps lift; zero when there are none
	Warnings          []string  // allowed, but worth a second look
}

// capsArgs are p's caps as the session's nullable columns hold them.
func (p Plan) capsArgs() (agencyCap, sectorCap *int32, release *time.Time) {
	if p.CapsRelease.IsZero() {
		return nil, nil, nil
	}
	if p.AgencyCap > 0 {
		n := int32(p.AgencyCap)
		agencyCap = &n
	}
	if p.SectorCap > 0 {
		n := int32(p.SectorCap)
		sectorCap = &n
	}
	r := p.CapsRelease
	return agencyCap, sectorCap, &r
}

// Clash is something already occupying the room or a trainer.
type Clash struct {
	Kind        string // room, trainer or time_off
	SessionID   int64
	CourseTitle string // or the reason for time off
	StartsAt    time.Time
	EndsAt      time.Time
	What        string // the room's name, or the trainer's
}

// Describe says what the clash is in plain words, for an error summary.
func (c Clash) Describe(when func(a, b time.Time) string) string {
	switch c.Kind {
	case "room":
		return fmt.Sprintf("%s is already booked for %s on %s", c.What, c.CourseTitle, when(c.StartsAt, c.EndsAt))
	case "time_off":
		reason := ""
		if c.CourseTitle != "" {
			reason = " (" + c.CourseTitle + ")"
		}
		return fmt.Sprintf("%s cannot train then: time off%s from %s", c.What, reason, when(c.StartsAt, c.EndsAt))
	default:
		return fmt.Sprintf("%s is already delivering %s on %s", c.What, c.CourseTitle, when(c.StartsAt, c.EndsAt))
	}
}

// ClashError is returned when the room or a trainer is taken.
type ClashError struct{ Clashes []Clash }

func (e *ClashError) Error() string { return fmt.Sprintf("%d scheduling clashes", len(e.Clashes)) }

// MaxYearsAhead is how far ahead a session can be scheduled: the programme is
// planned a year or so ahead, so a date further off is a mistyped year.
const MaxYearsAhead = 2

// Check validates a form against the rules and the database and returns the
// plan to save. except is the session being edited (0 for a new one): its
// own slot is not a clash.
func (s *Service) Check(ctx context.Context, f Form, except int64) (Plan, error) {
	return s.check(ctx, s.pool, f, except)
}

// CheckTx is Check in the caller's transaction, the one that acts on the
// plan: what the transaction has just made (a bespoke course, its trainers'
// approvals, an agency's premises as the venue) is seen, and the clashes
// are read where the session is then saved or moved (the database's
// exclusion constraints still have the last word on a race).
func (s *Service) CheckTx(ctx context.Context, tx pgx.Tx, f Form, except int64) (Plan, error) {
	return s.check(ctx, tx, f, except)
}

func (s *Service) check(ctx context.Context, db schedulingdb.DBTX, f Form, except int64) (Plan, error) {
	q := schedulingdb.New(db)
	var current Session // the session being changed: it may keep a retired venue
	if except != 0 {
		var err error
		if current, err = get(ctx, q, except); err != nil {
			return Plan{}, err
		}
	}
	var v validation.Errors
	p := Plan{CourseID: f.CourseID, VenueID: f.VenueID, MeetingURL: validation.CleanLine(f.MeetingURL), AgencyID: f.AgencyID,
		OwnAreaOnly: f.OwnAreaOnly && f.AgencyID == 0}

	var defaultCapacity int
	var modes []string
	var course schedulingdb.GetCourseForSchedulingRow
	if f.CourseID == 0 {
		v.Add("course", "Select the course")
	} else if c, err := q.GetCourseForScheduling(ctx, f.CourseID); errors.Is(err, pgx.ErrNoRows) {
		v.Add("course", "Select a course from the list")
	} else if err != nil {
		return p, err
	} else if c.RetiredAt != nil && except == 0 {
		v.Add("course", "That course has been retired: restore it before scheduling it")
	} else {
		p.CourseTitle, defaultCapacity, modes = c.Title, int(c.DefaultCapacity), c.DeliveryModes
		course = c
	}

	day, bad := f.date().Parse("The date")
	ok := bad == nil
	if !ok {
		v.Add("date", bad.Message)
	}
	start, okStart := london.ParseClock(day, f.Start)
	end, okEnd := london.ParseClock(day, f.End)
	switch {
	case !okStart:
		v.Add("start", "Enter the start time in 24-hour format, for example 9:30 or 13:45")
	case ok && !start.After(s.now()):
		v.Add("date", "The session must be in the future")
	case ok && start.After(s.now().AddDate(MaxYearsAhead, 0, 0)):
		v.Add("date", fmt.Sprintf("The session must be within %d years from today", MaxYearsAhead))
	}
	switch {
	case !okEnd:
		v.Add("end", "Enter the end time in 24-hour format, for example 16:00")
	case okStart && !end.After(start):
		v.Add("end", "The end time must be after the start time")
	}
	p.StartsAt, p.EndsAt = start, end

	var roomCapacity int
	var online bool
	if f.VenueID == 0 {
		v.Add("venue", "Select a venue or online platform")
	} else if vn, err := q.GetVenueForScheduling(ctx, f.VenueID); errors.Is(err, pgx.ErrNoRows) {
		v.Add("venue", "Select a venue from the list")
	} else if err != nil {
		return p, err
	} else if vn.RetiredAt != nil && (except == 0 || vn.ID != current.VenueID) {
		v.Add("venue", "That venue has been retired")
	} else if vn.AgencyID != nil && *vn.AgencyID != f.AgencyID && (except == 0 || vn.ID != current.VenueID) {
		v.Add("venue", "That is an agency’s own premises: only a session closed to that agency can be held there")
	} else {
		online = vn.Online
		switch {
		case modes == nil:
		case online && !slices.Contains(modes, string(catalogue.Online)):
			v.Add("venue", p.CourseTitle+" is delivered in person only: choose a room")
		case !online && !slices.Contains(modes, string(catalogue.InPerson)):
			v.Add("venue", p.CourseTitle+" is delivered online only: choose an online platform")
		}
		if vn.Capacity != nil {
			roomCapacity = int(*vn.Capacity)
		}
	}
	switch {
	case p.MeetingURL != "" && !online:
		p.MeetingURL = "" // a room needs no link; a session moved into one drops it
	case p.MeetingURL != "":
		if u, err := url.Parse(p.MeetingURL); err != nil || u.Scheme != "https" || u.Host == "" || len(p.MeetingURL) > 500 {
			v.Add("meeting-url", "Enter the meeting link, starting https://")
		}
	}

	p.Capacity = defaultCapacity
	if c := strings.TrimSpace(f.Capacity); c != "" {
		n, err := strconv.Atoi(c)
		switch {
		case err != nil:
			v.Add("capacity", "Enter the number of places as a whole number, like 20")
		case n < 1:
			v.Add("capacity", "A session must have at least 1 place")
		case n > MaxCapacity:
			v.Add("capacity", fmt.Sprintf("Enter %d places or fewer", MaxCapacity))
		default:
			p.Capacity = n
		}
	}
	if roomCapacity > 0 && p.Capacity > roomCapacity {
		if strings.TrimSpace(f.Capacity) == "" {
			p.Capacity = roomCapacity // the course's default does not fit: use the room's
		} else {
			v.Add("capacity", fmt.Sprintf("The room holds %d: enter %d places or fewer", roomCapacity, roomCapacity))
		}
	}

	if f.AgencyID < 0 {
		v.Add("agency", "Select the agency the session is for")
	} else if f.AgencyID > 0 {
		ok, err := agency.Choosable(ctx, db, f.AgencyID)
		if err != nil {
			return p, err
		}
		if !ok {
			v.Add("agency", "Select an agency from the list")
		}
	}

	cutoffDays := DefaultCutoffDays
	if c := strings.TrimSpace(f.CutoffDays); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > 60 {
			v.Add("cutoff", "Enter how many days before the session booking closes, from 0 to 60")
		} else {
			cutoffDays = n
		}
	}
	// Calendar days in London, so the time of day survives a clock change.
	p.Cutoff = start.AddDate(0, 0, -cutoffDays)
	// A session for one agency has no places per agency: one being made,
	// or one being edited (whose form does not say who may book).
	if f.AgencyID == 0 && current.ClosedTo == "" {
		checkCaps(&v, f, &p, course, start)
	}

	p.TrainerIDs = dedupe(f.TrainerIDs)
	if len(p.TrainerIDs) == 0 {
		v.Add("trainers", "Select at least one trainer")
	} else if len(p.TrainerIDs) > 4 {
		v.Add("trainers", "Select no more than 4 trainers")
	} else {
		rows, err := q.TrainersForScheduling(ctx, schedulingdb.TrainersForSchedulingParams{CourseID: f.CourseID, Ids: p.TrainerIDs})
		if err != nil {
			return p, err
		}
		agencies := map[int64]bool{}
		for _, r := range rows {
			switch {
			case !r.IsTrainer:
				v.Add("trainers", r.FullName+" is not a trainer")
			case !r.Approved && p.CourseTitle != "":
				v.Add("trainers", r.FullName+" is not approved to deliver "+p.CourseTitle)
			}
			if r.AgencyID != nil {
				agencies[*r.AgencyID] = true
			}
		}
		if len(rows) != len(p.TrainerIDs) {
			v.Add("trainers", "Select trainers from the list")
		}
		if len(p.TrainerIDs) > 1 && len(agencies) == 1 {
			p.Warnings = append(p.Warnings, "Both trainers come from the same agency: multi-agency courses are usually delivered by trainers from different agencies")
		}
	}
	if err := v.Err(); err != nil {
		return p, err
	}

	clashes, err := s.clashes(ctx, q, p, except)
	if err != nil {
		return p, err
	}
	if len(clashes) > 0 {
		return p, &ClashError{Clashes: clashes}
	}
	return p, nil
}

func (s *Service) clashes(ctx context.Context, q *schedulingdb.Queries, p Plan, except int64) ([]Clash, error) {
	rows, err := q.FindClashes(ctx, schedulingdb.FindClashesParams{
		VenueID: p.VenueID, StartsAt: p.StartsAt, EndsAt: p.EndsAt, ExceptSessionID: except, TrainerIds: p.TrainerIDs,
	})
	if err != nil {
		return nil, fmt.Errorf("find clashes: %w", err)
	}
	out := make([]Clash, 0, len(rows))
	for _, r := range rows {
		out = append(out, Clash{Kind: r.Kind, SessionID: r.SessionID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt, What: r.What})
	}
	return out, nil
}

// NonWorkingDay is a date a session would fall on that is not a working
// day in England and Wales.
type NonWorkingDay struct {
	Date    time.Time // midnight in London
	Holiday string    // the bank holiday's name; "" for a weekend
}

// DayWarning refuses, until the manager confirms, a session on a weekend or
// a bank holiday: allowed, but rarely meant. Nothing is saved.
type DayWarning struct{ Days []NonWorkingDay }

func (e *DayWarning) Error() string {
	return fmt.Sprintf("%d dates are not working days", len(e.Days))
}

// Confirmation is what a form sends back (Form.ConfirmedDays) to schedule on
// exactly these days.
func (e *DayWarning) Confirmation() string {
	days := make([]string, 0, len(e.Days))
	for _, d := range e.Days {
		days = append(days, d.Date.Format(time.DateOnly))
	}
	return strings.Join(days, ",")
}

// nonWorkingDays warns of the starts that fall on a weekend or a bank
// holiday whose date the form has not confirmed; nil when there are none.
func nonWorkingDays(f Form, starts ...time.Time) *DayWarning {
	var w DayWarning
	for _, start := range starts {
		day := london.StartOfDay(start)
		if workday.Is(day) || slices.Contains(f.ConfirmedDays, day.Format(time.DateOnly)) {
			continue
		}
		w.Days = append(w.Days, NonWorkingDay{Date: day, Holiday: workday.Holiday(day)})
	}
	if len(w.Days) == 0 {
		return nil
	}
	return &w
}

// Create checks a form and saves it as a draft session, in one
// transaction, and returns its ID. If another manager took the room or a
// trainer in the meantime, the database refuses and Create names the
// clash. A weekend or a bank holiday is refused with a *DayWarning until
// the form confirms it.
func (s *Service) Create(ctx context.Context, f Form) (int64, Plan, error) {
	var p Plan
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if p, err = s.CheckTx(ctx, tx, f, 0); err != nil {
			return err
		}
		if w := nonWorkingDays(f, p.StartsAt); w != nil {
			return w
		}
		q := schedulingdb.New(tx)
		if id, err = insert(ctx, q, p); err != nil {
			return err
		}
		if err := s.scheduleCapsRelease(ctx, tx, id, p); err != nil {
			return err
		}
		return s.recordCreated(ctx, tx, id, nil)
	})
	if IsClash(err) {
		return 0, p, s.clashAfterRace(ctx, p, 0)
	} else if smaller := RoomMadeSmaller(err); smaller != nil {
		return 0, p, smaller
	} else if withdrawn := TrainerWithdrawn(err); withdrawn != nil {
		return 0, p, withdrawn
	} else if refused(err) {
		return 0, p, err
	} else if err != nil {
		return 0, p, fmt.Errorf("create session: %w", err)
	}
	return id, p, nil
}

// refused reports whether err is a refusal for the manager to read (the
// form's mistakes, a clash, a day to confirm, a session in the wrong state)
// rather than a failure.
func refused(err error) bool {
	var v *validation.Errors
	var c *ClashError
	var w *DayWarning
	var se *SeriesError
	return errors.As(err, &v) || errors.As(err, &c) || errors.As(err, &w) || errors.As(err, &se) ||
		errors.Is(err, ErrWrongState) || errors.Is(err, ErrNotFound)
}

// RoomMadeSmaller is, when the database refused a session more places than
// its room holds (the room was made smaller after the plan was checked), the
// form's error saying so; otherwise nil.
func RoomMadeSmaller(err error) error {
	if !pgerr.Violates(err, "sessions_within_room_capacity") {
		return nil
	}
	var v validation.Errors
	v.Add("capacity", "The room was changed a moment ago and now holds fewer people: enter fewer places")
	return v.Err()
}

func (s *Service) clashAfterRace(ctx context.Context, p Plan, except int64) error {
	clashes, err := s.clashes(ctx, schedulingdb.New(s.pool), p, except)
	if err != nil {
		return err
	}
	if len(clashes) == 0 { // freed again already: say so plainly
		clashes = []Clash{{Kind: "room", What: "The room or a trainer", CourseTitle: "another session", StartsAt: p.StartsAt, EndsAt: p.EndsAt}}
	}
	return &ClashError{Clashes: clashes}
}

func insert(ctx context.Context, q *schedulingdb.Queries, p Plan) (int64, error) {
	var agency *int64
	var invite *string
	if p.AgencyID != 0 {
		agency = &p.AgencyID
		token := rand.Text()
		invite = &token
	}
	agencyCap, sectorCap, release := p.capsArgs()
	id, err := q.InsertScheduledSession(ctx, schedulingdb.InsertScheduledSessionParams{
		CourseID: p.CourseID, VenueID: p.VenueID, StartsAt: p.StartsAt, EndsAt: p.EndsAt, BookingCutoffAt: p.Cutoff,
		Capacity: int32(p.Capacity), MeetingUrl: p.MeetingURL, ClosedToAgencyID: agency, InviteToken: invite,
		AgencyCap: agencyCap, SectorCap: sectorCap, CapsReleaseAt: release, OwnAreaOnly: p.OwnAreaOnly,
	})
	if err != nil {
		return 0, err
	}
	for _, t := range p.TrainerIDs {
		if err := q.AddSessionTrainer(ctx, schedulingdb.AddSessionTrainerParams{SessionID: id, TrainerID: t}); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// sameDay reports whether a and b fall on the same date in London.
func sameDay(a, b time.Time) bool {
	a, b = a.In(london.Zone), b.In(london.Zone)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := []int64{}
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
