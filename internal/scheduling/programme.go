package scheduling

import (
	"context"
	"fmt"
	"time"

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

// Programme lists the sessions the filter chooses: one page (from 1), or
// every one when page is 0 (for the CSV export), and how many there are.
func (s *Service) Programme(ctx context.Context, f ProgrammeFilter, page int) ([]Row, int, error) {
	q := schedulingdb.New(s.pool)
	now := s.now()
	var endedBy, notEndedBy, from, before *time.Time
	switch f.When {
	case Past:
		endedBy = &now
	case AllDates:
	default:
		notEndedBy = &now
	}
	if !f.Month.IsZero() {
		start := london.Midnight(f.Month.Year(), f.Month.Month(), 1)
		end := start.AddDate(0, 1, 0)
		from, before = &start, &end
	}
	total, err := q.CountProgramme(ctx, schedulingdb.CountProgrammeParams{
		EndedBy: endedBy, NotEndedBy: notEndedBy, StartsFrom: from, StartsBefore: before,
		CourseID: opt(f.CourseID), VenueID: opt(f.VenueID), TrainerID: opt(f.TrainerID), Status: f.Status,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("count programme: %w", err)
	}
	limit, offset := int32(ProgrammePageSize), int32(0)
	if page == 0 {
		limit = 100000
	} else {
		offset = int32(min((page-1)*ProgrammePageSize, 1<<30))
	}
	rows, err := q.ListProgramme(ctx, schedulingdb.ListProgrammeParams{
		EndedBy: endedBy, NotEndedBy: notEndedBy, StartsFrom: from, StartsBefore: before,
		CourseID: opt(f.CourseID), VenueID: opt(f.VenueID), TrainerID: opt(f.TrainerID), Status: f.Status,
		NewestFirst: f.When == Past, MaxRows: limit, SkipRows: offset,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list programme: %w", err)
	}
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		out = append(out, Row{
			ID: r.ID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Status: catalogue.SessionStatus(r.Status),
			Capacity: int(r.Capacity), Booked: int(r.SeatsTaken), Waiting: int(r.Waiting), VenueName: r.VenueName, Online: r.VenueOnline,
			Closed: r.Closed, Trainers: r.Trainers,
		})
	}
	return out, int(total), nil
}

// AwaitingDelivery counts the published sessions that have ended but are not
// yet marked as delivered, for a reminder on the programme.
func (s *Service) AwaitingDelivery(ctx context.Context) (int, error) {
	now := s.now()
	n, err := schedulingdb.New(s.pool).CountProgramme(ctx, schedulingdb.CountProgrammeParams{EndedBy: &now, Status: string(catalogue.SessionPublished)})
	if err != nil {
		return 0, fmt.Errorf("count sessions awaiting delivery: %w", err)
	}
	return int(n), nil
}

// ProgrammeMonths lists the months (the first of each, in London) that have
// a session, oldest first, for the programme's filter.
func (s *Service) ProgrammeMonths(ctx context.Context) ([]time.Time, error) {
	rows, err := schedulingdb.New(s.pool).ProgrammeMonths(ctx)
	if err != nil {
		return nil, fmt.Errorf("programme months: %w", err)
	}
	out := make([]time.Time, 0, len(rows))
	for _, r := range rows {
		if m, err := time.ParseInLocation("2006-01", r, london.Zone); err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// ApprovedTrainers are the trainers approved to deliver a course, so the
// scheduling form can show them first.
func (s *Service) ApprovedTrainers(ctx context.Context, courseID int64) (map[int64]bool, error) {
	ids, err := schedulingdb.New(s.pool).ApprovedTrainerIDs(ctx, courseID)
	if err != nil {
		return nil, fmt.Errorf("trainers approved for course %d: %w", courseID, err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Choice is an option of a form's select.
type Choice struct {
	ID       int64
	Name     string
	Capacity int
}

// Choices are the courses, venues, trainers and agencies the forms offer.
type Choices struct {
	Courses, Venues, Trainers, Agencies []Choice
}

func (s *Service) Choices(ctx context.Context) (Choices, error) {
	rows, err := schedulingdb.New(s.pool).SchedulingChoices(ctx)
	if err != nil {
		return Choices{}, fmt.Errorf("scheduling choices: %w", err)
	}
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
		case "agency":
			c.Agencies = append(c.Agencies, ch)
		}
	}
	return c, nil
}
