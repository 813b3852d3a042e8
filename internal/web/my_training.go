package web

import (
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/prerequisite"
)

// --- My training ---

// recordLine is a line of the training record.
type recordLine struct{ booking.Record }

func (r recordLine) HoursText() string { return hoursText(r.Hours) }

func (r recordLine) AttendanceText() string {
	if r.Attendance == booking.ArrivedLate {
		return "Attended (arrived late)"
	}
	return "Attended"
}

// hoursText words a length of training: "3 hours", "6.5 hours", "1 hour".
func hoursText(h float64) string {
	h = math.Round(h*10) / 10
	if h == 1 {
		return "1 hour"
	}
	return strconv.FormatFloat(h, 'f', -1, 64) + " hours"
}

type myTrainingPage struct {
	Notice   string
	Tasks    []taskLine    // evaluations and follow-ups to answer
	Renewals []renewalLine // courses done that expire
	Offers   []bookingView
	Upcoming []bookingView
	Waiting  []bookingView
	Ended    []bookingView
	Record   []recordLine
	Total    string // hours of training on the record
	FeedURL  string // the person's calendar feed
	// Claims are the person's claims of training done elsewhere.
	Claims []prerequisite.Claim
}

func (a *app) myTrainingData(c *fiber.Ctx) (myTrainingPage, error) {
	m, err := a.deps.Bookings.Mine(c.UserContext())
	if err != nil {
		return myTrainingPage{}, err
	}
	views := func(bs []booking.Booking) []bookingView {
		out := make([]bookingView, 0, len(bs))
		for _, b := range bs {
			out = append(out, bookingView{b})
		}
		return out
	}
	p := myTrainingPage{Offers: views(m.Offers), Upcoming: views(m.Upcoming), Waiting: views(m.Waiting), Ended: views(m.Ended)}
	total := 0.0
	for _, r := range m.Record {
		p.Record = append(p.Record, recordLine{r})
		total += math.Round(r.Hours*10) / 10
	}
	p.Total = hoursText(total)
	return p, nil
}

func (a *app) myTraining(c *fiber.Ctx) error {
	p, err := a.myTrainingData(c)
	if err != nil {
		return err
	}
	p.Notice = myTrainingNotices[c.Query("done")]
	tasks, err := a.deps.Evaluations.Tasks(c.UserContext())
	if err != nil {
		return err
	}
	for _, t := range tasks {
		p.Tasks = append(p.Tasks, taskLine{t})
	}
	if p.Renewals, err = a.renewals(c); err != nil {
		return err
	}
	if p.FeedURL, err = a.feedURL(c); err != nil {
		return err
	}
	if p.Claims, err = a.deps.Prerequisites.MyClaims(c.UserContext()); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "bookings/mytraining", "My training", p)
}

type recordPage struct {
	myTrainingPage
	Printed string
}

func (a *app) trainingRecord(c *fiber.Ctx) error {
	p, err := a.myTrainingData(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "bookings/record", "Your training record",
		recordPage{myTrainingPage: p, Printed: longDate(a.deps.Now())})
}
