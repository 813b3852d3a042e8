package renewal

import (
	"context"
	"fmt"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/renewal/internal/renewaldb"
)

// PerPage is how many rows of the person list a page shows.
const PerPage = 50

// CourseSummary is one course's row of the coordinator's table: how many of
// the agency's staff are in each status.
type CourseSummary struct {
	CourseID int64
	Title    string
	Slug     string
	Level    int
	Months   int
	Counts   map[Status]int
}

// Level is the courses of one competency level.
type Level struct {
	Level   int
	Courses []CourseSummary
}

// StaffTraining is one person of the agency on one course that expires.
type StaffTraining struct {
	UserID      int64
	FullName    string
	Email       string
	JobTitle    string
	CourseID    int64
	CourseTitle string
	Level       int
	Validity
	Status Status
}

// AgencyFilter narrows the person list: to one status, one course, or a
// page of it (from 1).
type AgencyFilter struct {
	Status   Status // "" for every status
	CourseID int64  // 0 for every course
	Page     int
}

// AgencyTraining is what an agency's coordinator sees of their staff's
// training.
type AgencyTraining struct {
	Levels  []Level
	Courses []CourseSummary // every course with a validity period, for the filter
	// Rows is the person list as filtered: all of it (for the CSV), and the
	// page asked for in Page.
	Rows  []StaffTraining
	Page  []StaffTraining
	Pages int
	// PageNumber is the page shown, from 1.
	PageNumber int
	Staff      int // active people of the agency
}

// ForAgency returns the training status of every active person of the
// coordinator's own agency on every course with a validity period (never
// done when they have not attended it). Only a coordinator with a
// confirmed agency may ask, and sees only that agency.
func (s *Service) ForAgency(ctx context.Context, f AgencyFilter) (AgencyTraining, error) {
	who := actor.From(ctx)
	if !who.Coordinator || who.AgencyID == nil {
		return AgencyTraining{}, ErrForbidden
	}
	agencyID := *who.AgencyID
	q := renewaldb.New(s.pool)
	courses, err := q.ExpiringCourses(ctx)
	if err != nil {
		return AgencyTraining{}, fmt.Errorf("courses that expire: %w", err)
	}
	rows, err := q.AgencyTraining(ctx, &agencyID)
	if err != nil {
		return AgencyTraining{}, fmt.Errorf("training of agency %d: %w", agencyID, err)
	}
	var out AgencyTraining
	at := map[int64]int{}
	for _, c := range courses {
		at[c.ID] = len(out.Courses)
		out.Courses = append(out.Courses, CourseSummary{CourseID: c.ID, Title: c.Title, Slug: c.Slug, Level: int(c.Level),
			Months: int(*c.ValidForMonths), Counts: map[Status]int{}})
	}
	now := s.now()
	staff := map[int64]bool{}
	for _, r := range rows {
		i, ok := at[r.CourseID]
		if !ok {
			continue // a course given a validity period between the two reads
		}
		c := &out.Courses[i]
		v := validityOf(r.CompletedOn, r.ValidUntil, r.DueFrom)
		st := v.StatusAt(now)
		c.Counts[st]++
		staff[r.UserID] = true
		if (f.Status == "" || f.Status == st) && (f.CourseID == 0 || f.CourseID == r.CourseID) {
			out.Rows = append(out.Rows, StaffTraining{UserID: r.UserID, FullName: r.FullName, Email: r.Email,
				JobTitle: r.JobTitle, CourseID: r.CourseID, CourseTitle: c.Title, Level: c.Level, Validity: v, Status: st})
		}
	}
	out.Staff = len(staff)
	for _, c := range out.Courses {
		if n := len(out.Levels); n == 0 || out.Levels[n-1].Level != c.Level {
			out.Levels = append(out.Levels, Level{Level: c.Level})
		}
		l := &out.Levels[len(out.Levels)-1]
		l.Courses = append(l.Courses, c)
	}
	out.Pages = max(1, (len(out.Rows)+PerPage-1)/PerPage)
	out.PageNumber = min(max(f.Page, 1), out.Pages)
	from := (out.PageNumber - 1) * PerPage
	out.Page = out.Rows[from:min(from+PerPage, len(out.Rows))]
	return out, nil
}

// ParseStatus reads a status from a filter, or "" for any other word.
func ParseStatus(s string) Status {
	for _, st := range Statuses {
		if string(st) == s {
			return st
		}
	}
	return ""
}

// Count is how many of the agency's staff are in status s on the course.
func (c CourseSummary) Count(s Status) int { return c.Counts[s] }
