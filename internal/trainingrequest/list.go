package trainingrequest

import (
	"context"
	"fmt"
	"time"

	"github.com/pscp/booktraining/internal/trainingrequest/internal/trainingrequestdb"
	"github.com/pscp/booktraining/internal/workday"
)

// Summary is one request in a list.
type Summary struct {
	ID           int64
	Reference    string
	Title        string
	Bespoke      bool
	AgencyName   string
	Status       string
	Participants int
	SubmittedAt  time.Time
	AgeDays      int  // working days since it was made
	Overdue      bool // still waiting for the training team past the target
}

// Filter narrows the manager's queue; zero values match everything.
type Filter struct {
	Status   string
	AgencyID int64
	CourseID int64
	Page     int // of the list, from 1; 0 is 1
}

// QueuePageSize is how many requests a page of the manager's queue, or of
// an agency's own list, holds.
const QueuePageSize = 50

// Queue is what the manager's list shows.
type Queue struct {
	Requests     []Summary
	Page         int  // the page shown, from 1
	More         bool // there are more requests on the pages after it
	ResponseDays int
	Courses      []Choice
}

// Choice is an option in a filter or form.
type Choice struct {
	ID   int64
	Name string
}

// List is a page (from 1) of the requests of the actor's own agency, oldest
// first (ErrNotAllowed if they may not make requests).
func (s *Service) List(ctx context.Context, page int) (Queue, error) {
	return s.list(ctx, agencySide(ctx), Filter{Page: page})
}

// list is the training team's queue (every agency, filtered) or, for
// anyone else, their own agency's requests.
func (s *Service) list(ctx context.Context, w who, f Filter) (Queue, error) {
	q := trainingrequestdb.New(s.pool)
	p := trainingrequestdb.ListEnquiriesParams{Status: f.Status}
	if !w.team {
		if !CanRequest(w.Actor) {
			return Queue{}, ErrNotAllowed
		}
		p.AgencyID = w.AgencyID
	} else if f.AgencyID != 0 {
		p.AgencyID = &f.AgencyID
	}
	if f.CourseID != 0 {
		p.CourseID = &f.CourseID
	}
	out := Queue{ResponseDays: s.ResponseDays, Page: min(max(f.Page, 1), 1<<20)}
	size := QueuePageSize
	p.SkipRows = int32((out.Page - 1) * QueuePageSize)
	p.MaxRows = int32(size + 1) // one more, to know whether there is a next page
	rows, err := q.ListEnquiries(ctx, p)
	if err != nil {
		return Queue{}, fmt.Errorf("list requests: %w", err)
	}
	if len(rows) > size {
		rows, out.More = rows[:size], true
	}
	now := s.now()
	for _, r := range rows {
		sum := Summary{
			ID: r.ID, Reference: Reference(r.ID), Title: r.CourseTitle, Bespoke: r.Kind == "bespoke", AgencyName: r.AgencyName,
			Status: r.Status, Participants: int(r.Participants), SubmittedAt: r.SubmittedAt,
		}
		if sum.Bespoke {
			sum.Title = r.Topic
		}
		end := now
		if r.Status == Accepted || r.Status == Declined {
			end = r.UpdatedAt
		}
		sum.AgeDays = workday.Between(r.SubmittedAt, end)
		sum.Overdue = r.Status == Submitted && sum.AgeDays > s.ResponseDays
		out.Requests = append(out.Requests, sum)
	}
	if w.team {
		if out.Courses, err = s.Courses(ctx); err != nil {
			return Queue{}, err
		}
	}
	return out, nil
}

// Courses are the catalogue courses a request can ask for.
func (s *Service) Courses(ctx context.Context) ([]Choice, error) {
	rows, err := trainingrequestdb.New(s.pool).EnquiryCourseChoices(ctx)
	if err != nil {
		return nil, fmt.Errorf("course choices: %w", err)
	}
	several := false
	for _, r := range rows {
		several = several || r.PartnershipID != rows[0].PartnershipID
	}
	out := make([]Choice, 0, len(rows))
	for _, r := range rows {
		name := r.Title
		if several {
			name += " (" + r.PartnershipName + ")"
		}
		out = append(out, Choice{r.ID, name})
	}
	return out, nil
}

// PartnershipChoice is a partnership a request can be sent to.
type PartnershipChoice struct{ Slug, Name string }

// Partnerships are the partnerships a request can be sent to; the form asks
// which only when there is more than one.
func (s *Service) Partnerships(ctx context.Context) ([]PartnershipChoice, error) {
	rows, err := trainingrequestdb.New(s.pool).EnquiryPartnerships(ctx)
	if err != nil {
		return nil, fmt.Errorf("partnerships: %w", err)
	}
	out := make([]PartnershipChoice, 0, len(rows))
	for _, r := range rows {
		out = append(out, PartnershipChoice{r.Slug, r.Name})
	}
	return out, nil
}
