package scheduling

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling/internal/schedulingdb"
)

// Which sessions of the programme, by whether they have ended.
const (
	Upcoming = "upcoming" // not yet ended, soonest first (the default)
	Past     = "past"     // ended, the most recent first
	AllDates = "all"      // every session, soonest first
)

// ProgrammeFilter narrows the programme; zero values match everything,
// except When, which is Upcoming unless it says otherwise.
type ProgrammeFilter struct {
	CourseID, VenueID, TrainerID int64
	Status                       string
	When                         string    // Upcoming, Past or AllDates; "" is Upcoming
	Month                        time.Time // the first of a month in London; zero for any month
}

// Row is one session in the programme.
type Row struct {
	ID          int64
	CourseTitle string
	StartsAt    time.Time
	EndsAt      time.Time
	Status      catalogue.SessionStatus
	Capacity    int
	Booked      int
	Waiting     int // people on the waiting list
	VenueName   string
	Online      bool
	Closed      bool
	Trainers    string
}

// ProgrammePageSize is how many sessions a page of the programme holds.
const ProgrammePageSize = 50

func opt(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// programmeCountedPages is how many pages past the current one the
// programme counts: beyond them it says "more than", so opening it costs
// the same whether the partnership has held a hundred sessions or years of
// them.
const programmeCountedPages = 3

// Programme lists the sessions the filter chooses: one page (from 1), or
// every one when page is 0 (a month's calendar), and how many there are.
// A page's sessions are counted only so far: more is true when there are
// more than total. Every one (page 0) is counted as it is read.
func (s *Service) Programme(ctx context.Context, f ProgrammeFilter, page int) (rows []Row, total int, more bool, err error) {
	p, err := s.programmePage(ctx, schedulingdb.New(s.pool), f, page)
	return p.Rows, p.Total, p.More, err
}

// ProgrammePage is a page of the programme as its list shows it.
type ProgrammePage struct {
	Rows     []Row
	Total    int  // the sessions the filter chooses, counted only so far
	More     bool // there are more than Total
	Awaiting int  // published sessions ended but not yet marked as delivered
	// The filter's courses and venues, and the months that have sessions.
	Choices Choices
	Months  []time.Time
}

// ProgrammePage is one page (from 1) of the sessions the filter chooses,
// with what the programme's filter offers and the sessions awaiting
// delivery: three statements (the page's count with the sessions awaiting
// delivery, its rows, and the filter's choices with its months).
func (s *Service) ProgrammePage(ctx context.Context, f ProgrammeFilter, page int) (ProgrammePage, error) {
	q := schedulingdb.New(s.pool)
	p, err := s.programmePage(ctx, q, f, max(page, 1))
	if err != nil {
		return ProgrammePage{}, err
	}
	rows, err := s.filterChoices(ctx, q)
	if err != nil {
		return ProgrammePage{}, fmt.Errorf("programme filter choices: %w", err)
	}
	choices := make([]schedulingdb.SchedulingChoicesRow, 0, len(rows))
	for _, r := range rows {
		if r.Kind != "month" {
			choices = append(choices, schedulingdb.SchedulingChoicesRow(r))
		} else if m, err := time.ParseInLocation("2006-01", r.Name, london.Zone); err == nil {
			p.Months = append(p.Months, m)
		}
	}
	p.Choices = choicesOf(choices)
	return p, nil
}

// programmePage is Programme's page, with the sessions awaiting delivery
// when it counts (page > 0).
func (s *Service) programmePage(ctx context.Context, q *schedulingdb.Queries, f ProgrammeFilter, page int) (ProgrammePage, error) {
	p := s.programmeParams(f)
	if page == 0 {
		p.MaxRows = 1 << 30
		rows, err := s.programmeBatch(ctx, q, f.When == Past, p)
		return ProgrammePage{Rows: rows, Total: len(rows)}, err
	}
	skip := min((page-1)*ProgrammePageSize, 1<<30)
	countLimit := int32(min(skip+(1+programmeCountedPages)*ProgrammePageSize+1, 1<<30))
	counted, err := q.CountProgramme(ctx, schedulingdb.CountProgrammeParams{
		Now: s.now(), EndedBy: p.EndedBy, NotEndedBy: p.NotEndedBy, StartsFrom: p.StartsFrom, StartsBefore: p.StartsBefore,
		CourseID: p.CourseID, VenueID: p.VenueID, TrainerID: p.TrainerID, Status: p.Status, CountLimit: countLimit,
	})
	if err != nil {
		return ProgrammePage{}, fmt.Errorf("count programme: %w", err)
	}
	out := ProgrammePage{Total: int(counted.Counted), More: counted.Counted >= int64(countLimit), Awaiting: int(counted.Awaiting)}
	if out.More {
		out.Total = int(countLimit) - 1
	}
	p.MaxRows, p.SkipRows = ProgrammePageSize, int32(skip)
	if out.Rows, err = s.programmeBatch(ctx, q, f.When == Past, p); err != nil {
		return ProgrammePage{}, err
	}
	return out, nil
}

// exportWindow is how long a span of starts the export reads at once, and
// exportBatch how many sessions at most: each window is a range of the
// starts' index, so whichever plan PostgreSQL makes for it (walking the
// range in order, or reading it whole and sorting it) costs what the window
// holds, never what follows it. A batch found by where the last ended, with
// nothing after it bounded, was read by sorting everything after it once
// it was more than a few hundred sessions, so the export cost the square
// of its length. A window of sessions more than a batch is read a batch at
// a time, so memory holds one batch.
const (
	exportWindow = 92 * 24 * time.Hour
	exportBatch  = 1000
)

// exportBegin starts the export's snapshot. Each window is planned for its
// own bounds: the generic plan, which knows none of them, reads every
// session from the first the filter allows.
const exportBegin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL plan_cache_mode = force_custom_plan"

// EachInProgramme calls fn with each session the filter chooses, in the
// programme's order, reading them a window of starts at a time in one
// snapshot, so an export of years of sessions holds one batch in memory,
// not all of them, and costs what it returns.
func (s *Service) EachInProgramme(ctx context.Context, f ProgrammeFilter, fn func(Row) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{BeginQuery: exportBegin}, func(tx pgx.Tx) error {
		q := schedulingdb.New(tx)
		span, err := q.ProgrammeSpan(ctx)
		if err != nil {
			return fmt.Errorf("programme span: %w", err)
		}
		p := s.programmeParams(f)
		p.MaxRows = exportBatch
		// The starts the filter may choose, from (inclusive) until
		// (exclusive): a session not ended by a time began no earlier than
		// that time less the longest session, one ended by it before it.
		from, until := span.FirstStarts, span.LastStarts.Add(time.Microsecond)
		if p.NotEndedBy != nil {
			from = later(from, p.NotEndedBy.Add(-time.Duration(span.LongestSeconds)*time.Second))
		}
		if p.EndedBy != nil {
			until = earlier(until, *p.EndedBy)
		}
		if p.StartsFrom != nil {
			from = later(from, *p.StartsFrom)
		}
		if p.StartsBefore != nil {
			until = earlier(until, *p.StartsBefore)
		}
		newestFirst := f.When == Past
		for from.Before(until) {
			// Windows from the first, or (newest first) back from the last.
			lo, hi := from, earlier(from.Add(exportWindow), until)
			if newestFirst {
				lo, hi = later(until.Add(-exportWindow), from), until
			}
			p.StartsFrom, p.StartsBefore, p.AfterStarts, p.AfterID = &lo, &hi, nil, nil
			if err := s.eachInWindow(ctx, q, newestFirst, p, fn); err != nil {
				return err
			}
			if newestFirst {
				until = lo
			} else {
				from = hi
			}
		}
		return nil
	})
}

// eachInWindow calls fn with each session of one window of the export, a
// batch at a time, each after (or newest first, before) the last.
func (s *Service) eachInWindow(ctx context.Context, q *schedulingdb.Queries, newestFirst bool, p schedulingdb.ListProgrammeParams, fn func(Row) error) error {
	for {
		rows, err := s.programmeBatch(ctx, q, newestFirst, p)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < int(p.MaxRows) {
			return nil
		}
		last := rows[len(rows)-1]
		p.AfterStarts, p.AfterID = &last.StartsAt, &last.ID
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// programmeParams are the filter's conditions, as of now.
func (s *Service) programmeParams(f ProgrammeFilter) schedulingdb.ListProgrammeParams {
	now := s.now()
	p := schedulingdb.ListProgrammeParams{CourseID: opt(f.CourseID), VenueID: opt(f.VenueID), TrainerID: opt(f.TrainerID), Status: f.Status}
	switch f.When {
	case Past:
		p.EndedBy = &now
	case AllDates:
	default:
		p.NotEndedBy = &now
	}
	if !f.Month.IsZero() {
		start := london.Midnight(f.Month.Year(), f.Month.Month(), 1)
		end := start.AddDate(0, 1, 0)
		p.StartsFrom, p.StartsBefore = &start, &end
	}
	return p
}

// programmeBatch reads one batch of the programme: soonest first from
// p's offset or after (p.AfterStarts, p.AfterID), or, newest first, before it.
func (s *Service) programmeBatch(ctx context.Context, q *schedulingdb.Queries, newestFirst bool, p schedulingdb.ListProgrammeParams) ([]Row, error) {
	var rows []schedulingdb.ListProgrammeRow
	var err error
	if newestFirst {
		var newest []schedulingdb.ListProgrammeNewestFirstRow
		newest, err = q.ListProgrammeNewestFirst(ctx, schedulingdb.ListProgrammeNewestFirstParams{
			EndedBy: p.EndedBy, NotEndedBy: p.NotEndedBy, StartsFrom: p.StartsFrom, StartsBefore: p.StartsBefore,
			CourseID: p.CourseID, VenueID: p.VenueID, TrainerID: p.TrainerID, Status: p.Status,
			BeforeStarts: p.AfterStarts, BeforeID: p.AfterID, SkipRows: p.SkipRows, MaxRows: p.MaxRows,
		})
		for _, r := range newest {
			rows = append(rows, schedulingdb.ListProgrammeRow(r))
		}
	} else {
		rows, err = q.ListProgramme(ctx, p)
	}
	if err != nil {
		return nil, fmt.Errorf("list programme: %w", err)
	}
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		out = append(out, Row{
			ID: r.ID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Status: catalogue.SessionStatus(r.Status),
			Capacity: int(r.Capacity), Booked: int(r.SeatsTaken), Waiting: int(r.Waiting), VenueName: r.VenueName, Online: r.VenueOnline,
			Closed: r.Closed, Trainers: r.Trainers,
		})
	}
	return out, nil
}

// AwaitingDelivery counts the published sessions that have ended but are not
// yet marked as delivered, for a reminder on the programme.
func (s *Service) AwaitingDelivery(ctx context.Context) (int, error) {
	n, err := schedulingdb.New(s.pool).CountAwaitingDelivery(ctx, s.now())
	if err != nil {
		return 0, fmt.Errorf("count sessions awaiting delivery: %w", err)
	}
	return int(n), nil
}

// Choice is an option of a form's select.
type Choice struct {
	ID       int64
	Name     string
	Capacity int
}

// Choices are the courses, venues and trainers the forms offer (never
// every agency: a session for one agency names it typed).
type Choices struct {
	Courses, Venues, Trainers []Choice
}

func (s *Service) Choices(ctx context.Context) (Choices, error) {
	rows, err := schedulingdb.New(s.pool).SchedulingChoices(ctx)
	if err != nil {
		return Choices{}, fmt.Errorf("scheduling choices: %w", err)
	}
	return choicesOf(rows), nil
}

func choicesOf(rows []schedulingdb.SchedulingChoicesRow) Choices {
	var c Choices
	for _, r := range rows {
		ch := Choice{ID: r.ID, Name: r.Name, Capacity: int(r.Capacity)}
		switch r.Kind {
		case "course":
			c.Courses = append(c.Courses, ch)
		case "venue":
			c.Venues = append(c.Venues, ch)
		case "trainer":
			c.Trainers = append(c.Trainers, ch)
		}
	}
	return c
}

// FormChoices are the courses and venues the session form offers: not its
// trainers, whom it suggests (SuggestedTrainers) or finds by name
// (FindTrainers).
func (s *Service) FormChoices(ctx context.Context) (Choices, error) {
	rows, err := schedulingdb.New(s.pool).SessionFormChoices(ctx)
	if err != nil {
		return Choices{}, fmt.Errorf("session form choices: %w", err)
	}
	c := make([]schedulingdb.SchedulingChoicesRow, len(rows))
	for i, r := range rows {
		c[i] = schedulingdb.SchedulingChoicesRow(r)
	}
	return choicesOf(c), nil
}

// TrainerChoice is a trainer a session form offers or has chosen: their
// name (with their agency) and whether the partnership approves them for
// the form's course.
type TrainerChoice struct {
	ID       int64
	Name     string
	Approved bool
}

// MaxTrainersOffered is how many trainers the session form offers at once:
// the first approved for its course, or those a typed name finds.
const MaxTrainersOffered = 10

// SuggestedTrainers are the first MaxTrainersOffered trainers approved for
// a course, by name, and how many are approved in all: the form offers
// these and finds the others by name.
func (s *Service) SuggestedTrainers(ctx context.Context, courseID int64) ([]TrainerChoice, int, error) {
	rows, err := schedulingdb.New(s.pool).SuggestedTrainers(ctx, schedulingdb.SuggestedTrainersParams{
		CourseID: courseID, MaxRows: MaxTrainersOffered,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("trainers suggested for course %d: %w", courseID, err)
	}
	out, approved := make([]TrainerChoice, len(rows)), 0
	for i, r := range rows {
		out[i], approved = TrainerChoice{ID: r.ID, Name: r.Name, Approved: true}, int(r.Approved)
	}
	return out, approved, nil
}

// FindTrainers returns the trainers whose name holds text, ignoring case:
// the one so named first, then those approved for the course, then by
// name; at most MaxTrainersOffered. exact is whether the first is so named.
// With courseID 0 (the programme's filter), only the partnership's own
// trainers: those it approves for any course.
func (s *Service) FindTrainers(ctx context.Context, courseID int64, text string) (found []TrainerChoice, exact bool, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, false, nil
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(text)) + "%"
	rows, err := schedulingdb.New(s.pool).FindTrainersByName(ctx, schedulingdb.FindTrainersByNameParams{
		CourseID: courseID, Pattern: pattern, ExactName: text, OwnOnly: courseID == 0, MaxRows: MaxTrainersOffered,
	})
	if err != nil {
		return nil, false, fmt.Errorf("find trainers by name: %w", err)
	}
	found = make([]TrainerChoice, len(rows))
	for i, r := range rows {
		found[i] = TrainerChoice{ID: r.ID, Name: r.Name, Approved: r.Approved}
	}
	return found, len(rows) > 0 && strings.EqualFold(rows[0].FullName, text), nil
}

// NamedTrainers are the trainers among ids (a form's choice), by name, and
// whether each is approved for the course; ids of anyone else are left out.
func (s *Service) NamedTrainers(ctx context.Context, courseID int64, ids []int64) ([]TrainerChoice, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := schedulingdb.New(s.pool).NamedTrainers(ctx, schedulingdb.NamedTrainersParams{CourseID: courseID, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("trainers chosen for course %d: %w", courseID, err)
	}
	out := make([]TrainerChoice, len(rows))
	for i, r := range rows {
		out[i] = TrainerChoice{ID: r.ID, Name: r.Name, Approved: r.Approved}
	}
	return out, nil
}
