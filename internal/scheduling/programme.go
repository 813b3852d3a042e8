package scheduling

import (
	"context"
	"fmt"
	"time"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/dbsqlc"
)

// ProgrammeFilter narrows the programme; zero values match everything.
type ProgrammeFilter struct {
	CourseID, VenueID, TrainerID int64
	Status                       string
}

// Row is one session in the programme.
type Row struct {
	ID          int64
	CourseTitle string
	StartsAt    time.Time
	EndsAt      time.Time
	Status      string
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

// Programme lists sessions from today on, soonest first: one page (from 1),
// or every session when page is 0 (for the CSV export), and the total.
func (s *Service) Programme(ctx context.Context, f ProgrammeFilter, page int) ([]Row, int, error) {
	q := dbsqlc.New(s.pool)
	n := s.now().In(catalogue.London)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, catalogue.London)
	total, err := q.CountProgramme(ctx, dbsqlc.CountProgrammeParams{
		FromAt: today, CourseID: opt(f.CourseID), VenueID: opt(f.VenueID), TrainerID: opt(f.TrainerID), Status: f.Status,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("count programme: %w", err)
	}
	limit, offset := int32(ProgrammePageSize), int32(0)
	if page == 0 {
		limit = 100000
	} else {
		offset = int32((page - 1) * ProgrammePageSize)
	}
	rows, err := q.ListProgramme(ctx, dbsqlc.ListProgrammeParams{
		FromAt: today, CourseID: opt(f.CourseID), VenueID: opt(f.VenueID), TrainerID: opt(f.TrainerID), Status: f.Status,
		MaxRows: limit, SkipRows: offset,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list programme: %w", err)
	}
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		out = append(out, Row{
			ID: r.ID, CourseTitle: r.CourseTitle, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Status: r.Status,
			Capacity: int(r.Capacity), Booked: int(r.SeatsTaken), Waiting: int(r.Waiting), VenueName: r.VenueName, Online: r.VenueOnline,
			Closed: r.Closed, Trainers: r.Trainers,
		})
	}
	return out, int(total), nil
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
	rows, err := dbsqlc.New(s.pool).SchedulingChoices(ctx)
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
