package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling"
)

// --- the programme as a month calendar ---

type calendarDay struct {
	Date     time.Time // noon of the day in London
	InMonth  bool
	Today    bool
	Sessions []scheduling.Row
}

// Number is the day of the month.
func (d calendarDay) Number() int { return d.Date.Day() }

type calendarPage struct {
	adminArea
	Month      time.Time // the first of the month, in London
	Weeks      [][]calendarDay
	Total      int
	Prev, Next string // the months either side, as ?month= values
	// Unreadable: the month asked for was not one, so this is the current
	// month instead.
	Unreadable bool
}

// MonthName is the month as the page names it.
func (p calendarPage) MonthName() string { return london.MonthYear(p.Month) }

// PrevName and NextName name the months the links lead to.
func (p calendarPage) PrevName() string { return london.MonthYear(p.Month.AddDate(0, -1, 0)) }
func (p calendarPage) NextName() string { return london.MonthYear(p.Month.AddDate(0, 1, 0)) }

// calendarMonth reads ?month=2026-12; no value is the current month in
// London, and a value that is not a month (or out of the programme's years)
// is the current month too, with ok false so the page can say so.
func calendarMonth(c *fiber.Ctx, now time.Time) (month time.Time, ok bool) {
	t := now.In(london.Zone)
	current := time.Date(t.Year(), t.Month(), 1, 12, 0, 0, 0, london.Zone)
	v := strings.TrimSpace(c.Query("month"))
	if v == "" {
		return current, true
	}
	m, err := time.ParseInLocation("2006-01", v, london.Zone)
	if err != nil || m.Year() < 2000 || m.Year() > 2100 {
		return current, false
	}
	return time.Date(m.Year(), m.Month(), 1, 12, 0, 0, 0, london.Zone), true
}

// calendarWeeks lays the month out in weeks from Monday, each day with the
// sessions starting on it in London.
func calendarWeeks(month, now time.Time, rows []scheduling.Row) [][]calendarDay {
	byDay := map[string][]scheduling.Row{}
	for _, r := range rows {
		k := london.ISODate(r.StartsAt)
		byDay[k] = append(byDay[k], r)
	}
	today := london.ISODate(now)
	back := (int(month.Weekday()) + 6) % 7 // days since Monday
	day := month.AddDate(0, 0, -back)
	var weeks [][]calendarDay
	for {
		week := make([]calendarDay, 7)
		for i := range week {
			k := london.ISODate(day)
			week[i] = calendarDay{Date: day, InMonth: day.Month() == month.Month(), Today: k == today, Sessions: byDay[k]}
			day = day.AddDate(0, 0, 1)
		}
		weeks = append(weeks, week)
		if day.Month() != month.Month() {
			return weeks
		}
	}
}

// programmeCalendar shows a month of the programme, every status.
func (a *app) programmeCalendar(c *fiber.Ctx) error {
	now := a.deps.Now()
	month, ok := calendarMonth(c, now)
	rows, total, _, err := a.scheduler().Programme(c.UserContext(),
		scheduling.ProgrammeFilter{When: scheduling.AllDates, Month: month}, 0)
	if err != nil {
		return err
	}
	d := calendarPage{
		adminArea: newAdminArea(c), Month: month, Weeks: calendarWeeks(month, now, rows), Total: total,
		Prev: month.AddDate(0, -1, 0).Format("2006-01"), Next: month.AddDate(0, 1, 0).Format("2006-01"),
		Unreadable: !ok,
	}
	return a.render(c, fiber.StatusOK, "admin/sessions/calendar", "Programme: "+d.MonthName(), d)
}
