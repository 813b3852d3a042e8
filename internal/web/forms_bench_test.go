package web

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/validation"
)

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFormRender renders two forms with the layout, as renderView
// does, without the database: the booking form as a rush answers most of
// its people (409, the places just taken: JustFilled and Full), and a
// manager's new session form sent back with errors. It measures what the
// form fields cost to write (issue 21).
func BenchmarkFormRender(b *testing.B) {
	ps, err := loadPages()
	if err != nil {
		b.Fatal(err)
	}
	user := &account.User{ID: 7, FullName: "Ann Lee", Email: "ann@example.org", Verified: true}
	starts := time.Date(2027, 3, 4, 9, 30, 0, 0, time.UTC)
	booked := bookFormPage{
		Session: booking.SessionToBook{ID: 42, CourseTitle: "Safeguarding children: level 2", CourseSlug: "level-2",
			StartsAt: starts, EndsAt: starts.Add(6 * time.Hour), Cutoff: starts.AddDate(0, 0, -3), VenueName: "The Guildhall",
			VenueTown: "Northshire", Price: 2500},
		Details: booking.Details{LineManagerName: "Bea O’Neill", LineManagerEmail: "bea@example.org",
			AccessNeeds: "A hearing loop & step-free access", AgreePolicy: true},
		Full: true, JustFilled: true, Remembered: true,
	}
	errs := &validation.Errors{}
	errs.Add("date", "Enter a real date")
	errs.Add("start", "Enter a start time, for example 9:30")
	errs.Add("capacity", "Places must be a whole number")
	session := sessionFormPage{
		fieldErrors: fieldErrors{errs},
		Form:        scheduling.Form{CourseID: 3, Day: "31", Month: "2", Year: "2027", Start: "9.30", End: "16:00", VenueID: 2, Capacity: "twelve"},
		Action:      "/admin/sessions/new", Heading: "Schedule a session", Trainers: map[int64]bool{},
	}
	for i := range 20 {
		session.Choices.Courses = append(session.Choices.Courses, scheduling.Choice{ID: int64(i + 1), Name: fmt.Sprintf("Course %d: safeguarding & <care>", i+1), Capacity: 20})
	}
	for i := range 12 {
		session.Choices.Venues = append(session.Choices.Venues, scheduling.Choice{ID: int64(i + 1), Name: fmt.Sprintf("Venue %d", i+1), Capacity: 30})
	}
	for i := range 6 {
		session.Approved = append(session.Approved, scheduling.TrainerChoice{ID: int64(i + 1), Name: fmt.Sprintf("Trainer %d", i+1), Approved: true})
	}
	for _, bc := range []struct {
		name, page string
		v          view
	}{
		{"booking_form_409", "bookings/form", view{Title: booked.title(), Data: booked}},
		{"new_session_form_422", "admin/sessions/form", view{Title: session.Heading, Data: session,
			Errors: []FieldError{{"date", "Enter a real date"}, {"start", "Enter a start time, for example 9:30"}, {"capacity", "Places must be a whole number"}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			t, ok, err := ps.lookup(bc.page)
			if !ok || err != nil {
				b.Fatal(bc.page, ok, err)
			}
			v := bc.v
			v.Service, v.Path, v.User, v.CSRF = ServiceName, "/sessions/42/book", user, "csrf-token-0123456789abcdef"
			v.HasError = len(v.Errors) > 0
			var buf bytes.Buffer
			if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(buf.Len())/1024, "page-kB")
			b.ReportAllocs()
			before := cpuTime()
			for b.Loop() {
				buf.Reset()
				if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
					b.Fatal(err)
				}
			}
			// The process's CPU time (garbage collection's included) an op:
			// steadier than ns/op on a machine shared with others.
			b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op")
		})
	}
}
