package web

import (
	"cmp"
	"html/template"
	"strconv"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/trainingrequest"
)

// programmeRowFuncs are the template functions that write the rows of the programme and training request pages (rows_programme.go) in Go, as rows.go
// does for the longest lists (issue 21). Each writes byte for byte what
// its page's range wrote (TestProgrammeRowsAreWhatTheTemplatesWrote).
var programmeRowFuncs = template.FuncMap{
	"programmeRows":     programmeRows,
	"requestQueueRows":  requestQueueRows,
	"agencyRequestRows": agencyRequestRows,
	"trainerRows":       trainerRows,
}

// programmeRows is one month's table rows of the programme
// (views/pages/admin/sessions/programme.html).
func programmeRows(rows []scheduling.Row) template.HTML {
	var m markup
	m.Grow(len(rows) * 700)
	for _, r := range rows {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\" data-label=\"Session\"><a class=\"govuk-link\" href=\"/admin/sessions/")
		m.int(r.ID)
		m.WriteString(`">`)
		m.text(r.CourseTitle)
		m.WriteString("</a>")
		if r.Closed {
			m.WriteString(` <strong class="govuk-tag govuk-tag--purple">One agency</strong>`)
		}
		m.WriteString("<br>")
		m.at(r.StartsAt)
		m.WriteString(" to ")
		m.text(clock(r.EndsAt))
		m.WriteString(`<br><span class="govuk-hint govuk-!-margin-bottom-0">`)
		if r.Online {
			m.WriteString("Online")
		} else {
			m.text(r.VenueName)
		}
		m.WriteString("; ")
		m.text(cmp.Or(r.Trainers, "no trainer"))
		m.WriteString("<br>")
		m.int(int64(r.Booked))
		m.WriteString(" of ")
		m.int(int64(r.Capacity))
		m.WriteString(" places booked")
		if r.Waiting != 0 {
			m.WriteString(", ")
			m.int(int64(r.Waiting))
			m.WriteString(" waiting")
		}
		m.WriteString("</span></td>\n          <td class=\"govuk-table__cell\" data-label=\"Status\"><strong class=\"govuk-tag ")
		m.text(sessionStatusTag(r.Status))
		m.WriteString(`">`)
		m.text(catalogue.SessionStatusWords(r.Status))
		m.WriteString("</strong></td>\n        </tr>")
	}
	return m.html()
}

// requestQueueRows is the training team's queue of requests' table rows
// (views/pages/admin/training-requests.html).
func requestQueueRows(requests []trainingrequest.Summary) template.HTML {
	var m markup
	m.Grow(len(requests) * 800)
	for _, r := range requests {
		m.WriteString("\n        <tr class=\"govuk-table__row")
		if r.Overdue {
			m.WriteString(" app-overdue")
		}
		m.WriteString("\">\n          <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/admin/training-requests/")
		m.int(r.ID)
		m.WriteString(`">`)
		m.text(r.Reference)
		m.WriteString("</a></td>\n          <td class=\"govuk-table__cell\" data-label=\"Agency\">")
		m.text(r.AgencyName)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Training\">")
		m.requestTitle(r)
		m.WriteString(", ")
		m.int(int64(r.Participants))
		m.WriteString(" " + plural(r.Participants, "person", "people"))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Age (working days)\">")
		m.int(int64(r.AgeDays))
		if r.Overdue {
			m.WriteString(` <strong class="govuk-tag govuk-tag--red">Overdue</strong>`)
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Status\">")
		m.requestStatus(r)
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// agencyRequestRows is an agency's own requests' table rows
// (views/pages/training-requests/list.html).
func agencyRequestRows(requests []trainingrequest.Summary) template.HTML {
	var m markup
	m.Grow(len(requests) * 600)
	for _, r := range requests {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/training-requests/")
		m.int(r.ID)
		m.WriteString(`">`)
		m.text(r.Reference)
		m.WriteString("</a></td>\n          <td class=\"govuk-table__cell\" data-label=\"Training\">")
		m.requestTitle(r)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Made on\">")
		m.text(longDate(r.SubmittedAt))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Status\">")
		m.requestStatus(r)
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// requestTitle writes what a request asks for.
func (m *markup) requestTitle(r trainingrequest.Summary) {
	m.text(r.Title)
	if r.Bespoke {
		m.WriteString(" (bespoke)")
	}
}

// requestStatus writes a request's status as a tag.
func (m *markup) requestStatus(r trainingrequest.Summary) {
	m.WriteString(`<strong class="govuk-tag `)
	m.text(r.StatusTag())
	m.WriteString(`">`)
	m.text(r.StatusName())
	m.WriteString("</strong>")
}

// trainerRows is the trainers list's table rows (views/pages/admin/trainers.html).
func trainerRows(list []trainer.Trainer) template.HTML {
	var m markup
	m.Grow(len(list) * 500)
	for _, t := range list {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/admin/trainers/")
		m.int(t.ID)
		m.WriteString(`">`)
		m.text(t.Name)
		m.WriteString("</a></td>\n          <td class=\"govuk-table__cell\" data-label=\"Agency\">")
		m.text(t.AgencyName)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Approved courses\">")
		m.int(int64(t.ApprovedCourses))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Upcoming sessions\">")
		m.int(int64(t.UpcomingSessions))
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// withChoices is first, then an item of each of list, its ID the value and
// its name the text, as (choices first (choicesOf list "ID" "Name")) made
// them through reflection.
func withChoices(first choice, list []scheduling.Choice) []choice {
	out := make([]choice, 1, len(list)+1)
	out[0] = first
	for _, c := range list {
		out = append(out, choice{Value: strconv.FormatInt(c.ID, 10), Text: c.Name})
	}
	return out
}
