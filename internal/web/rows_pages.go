package web

import (
	"html/template"
	"strconv"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/prerequisite"
)

// pageRowFuncs are the template functions that write the repeated parts of
// the agency's figures, an organisation, needs attention, the courses and the
// prior learning pages in Go, as rows.go does for the longest lists (issue
// 21). Each writes byte for byte what its page's range wrote
// (TestPageRowsAreWhatTheTemplatesWrote renders both over awkward values).
var pageRowFuncs = template.FuncMap{
	"figureTables":       figureTables,
	"organisationPeople": organisationPeople,
	"attentionCards":     attentionCards,
	"courseRows":         courseRows,
	"otherCourseItems":   otherCourseItems,
	"priorLearningRows":  priorLearningRows,
}

// figureTables is an agency's tables of figures, each with its heading,
// introduction and CSV link (views/pages/agency/reports.html).
func figureTables(tables []figureTable) template.HTML {
	var m markup
	size := 0
	for _, t := range tables {
		size += 1200 + len(t.Head)*90 + len(t.Rows)*(len(t.Head)*70+60)
	}
	m.Grow(size)
	for _, t := range tables {
		m.WriteString("\n    <h2 class=\"govuk-heading-m\">")
		m.text(t.Caption)
		m.WriteString("</h2>\n    <p class=\"govuk-body\">")
		m.text(t.Intro)
		m.WriteString("</p>\n    <table class=\"govuk-table\" id=\"")
		m.text(t.ID)
		m.WriteString("\">\n      <caption class=\"govuk-table__caption govuk-visually-hidden\">")
		m.text(t.Caption)
		m.WriteString("</caption>\n      <thead class=\"govuk-table__head\">\n        <tr class=\"govuk-table__row\">")
		for _, h := range t.Head {
			m.WriteString("\n          <th scope=\"col\" class=\"govuk-table__header")
			if h.Numeric {
				m.WriteString(" govuk-table__header--numeric")
			}
			m.WriteString(`">`)
			m.text(h.Text)
			m.WriteString("</th>")
		}
		m.WriteString("\n        </tr>\n      </thead>\n      <tbody class=\"govuk-table__body\">")
		for _, row := range t.Rows {
			m.WriteString("\n        <tr class=\"govuk-table__row\">")
			for i, c := range row {
				if i == 0 {
					m.WriteString("\n          <th scope=\"row\" class=\"govuk-table__header\">")
					m.text(c.Text)
					m.WriteString("</th>")
					continue
				}
				m.WriteString("\n          <td class=\"govuk-table__cell")
				if c.Numeric {
					m.WriteString(" govuk-table__cell--numeric")
				}
				m.WriteString(`">`)
				m.text(c.Text)
				m.WriteString("</td>")
			}
			m.WriteString("\n        </tr>")
		}
		m.WriteString("\n      </tbody>\n    </table>\n    <p class=\"govuk-body\"><a class=\"govuk-link\" href=\"")
		m.WriteString(urlAttr(t.CSV))
		m.WriteString(`">Download this table as CSV<span class="govuk-visually-hidden">: `)
		m.text(t.Caption)
		m.WriteString("</span></a></p>")
	}
	return m.html()
}

// organisationPeople is the list items of the people who typed an
// organisation's name (views/pages/admin/organisation.html).
func organisationPeople(o people.Organisation) template.HTML {
	var m markup
	m.Grow(len(o.People) * 200)
	for _, p := range o.People {
		m.WriteString("\n      <li><a class=\"govuk-link\" href=\"/admin/people/")
		m.int(p.ID)
		m.WriteString(`">`)
		m.text(p.FullName)
		m.WriteString("</a> (")
		m.text(p.Email)
		m.WriteString(")")
		if p.AgencyName != o.Name {
			m.WriteString(", typed as “")
			m.text(p.AgencyName)
			m.WriteString("”")
		}
		m.WriteString("</li>")
	}
	return m.html()
}

// attentionCards is a summary card for each task that needs attention,
// with its forms; token is the login's CSRF token
// (views/pages/admin/attention.html).
func attentionCards(d attentionPage, token string) template.HTML {
	var m markup
	m.Grow(len(d.Failures) * 3600)
	hidden := csrf(token)
	for _, f := range d.Failures {
		noteID := "note-" + strconv.FormatInt(f.JobID, 10)
		m.WriteString("\n    <div class=\"govuk-summary-card\">\n      <div class=\"govuk-summary-card__title-wrapper\">" +
			"\n        <h3 class=\"govuk-summary-card__title govuk-!-text-break-word\">")
		m.text(f.Subject.What)
		m.WriteString("</h3>\n      </div>\n      <div class=\"govuk-summary-card__content\">\n        ")
		m.WriteString(string(attentionDetails(f.Failure)))
		if f.Subject.NoRetry != "" {
			m.WriteString("\n        <p class=\"govuk-inset-text\">")
			m.text(f.Subject.NoRetry)
			m.WriteString("</p>")
		} else {
			m.WriteString("\n        <form method=\"post\" action=\"/admin/attention/")
			m.int(f.JobID)
			m.WriteString("/retry\" novalidate>\n          ")
			m.WriteString(string(hidden))
			m.WriteString("\n          <input type=\"hidden\" name=\"failed\" value=\"")
			m.text(f.Failed)
			m.WriteString("\">\n          <button type=\"submit\" class=\"govuk-button\" data-module=\"govuk-button\" data-prevent-double-click=\"true\">" +
				"Try again<span class=\"govuk-visually-hidden\">: ")
			m.text(f.Subject.What)
			m.WriteString("</span></button>\n        </form>")
		}
		m.WriteString("\n        <form method=\"post\" action=\"/admin/attention/")
		m.int(f.JobID)
		m.WriteString("/dealt-with\" novalidate>\n          ")
		m.WriteString(string(hidden))
		m.WriteString("\n          <input type=\"hidden\" name=\"failed\" value=\"")
		m.text(f.Failed)
		m.WriteString(`">`)
		m.WriteString(string(textArea(map[string]any{"ID": noteID, "Name": "note", "Label": "Note (optional)",
			"Hint": "What you did about it, for the audit log", "Rows": 2, "Value": f.Note, "Error": d.Err(noteID)})))
		m.WriteString("\n          <button type=\"submit\" class=\"govuk-button govuk-button--secondary\" data-module=\"govuk-button\" data-prevent-double-click=\"true\">" +
			"Mark as dealt with<span class=\"govuk-visually-hidden\">: ")
		m.text(f.Subject.What)
		m.WriteString("</span></button>\n        </form>\n      </div>\n    </div>")
	}
	return m.html()
}

// courseRows is the courses list's table rows (views/pages/admin/courses.html).
func courseRows(courses []catalogue.ManagedCourse) template.HTML {
	var m markup
	m.Grow(len(courses) * 800)
	for _, c := range courses {
		m.namedRow("/admin/courses/", c.ID, c.Title, c.Retired())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Level\">")
		m.text(c.Level.Name())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Duration\">")
		m.text(c.Duration.Label())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Delivery\">")
		for i, d := range c.DeliveryModes {
			if i > 0 {
				m.WriteString("<br>")
			}
			m.text(d.Label())
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Places\">")
		m.int(int64(c.DefaultCapacity))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Upcoming sessions\">")
		m.int(int64(c.UpcomingSessions))
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// otherCourseItems is the list items of other partnerships' HIPS courses
// on the courses page (its "otherCourses" template).
func otherCourseItems(courses []catalogue.ManagedCourse) template.HTML {
	var m markup
	m.Grow(len(courses) * 200)
	for _, c := range courses {
		m.WriteString("\n      <li><a class=\"govuk-link\" href=\"/admin/courses/")
		m.int(c.ID)
		m.WriteString(`">`)
		m.text(c.Title)
		m.WriteString("</a> (")
		m.text(c.Owner)
		if n := c.UpcomingSessions; n != 0 {
			m.WriteString("; ")
			m.int(int64(n))
			m.WriteString(" upcoming " + plural(n, "session", "sessions") + " of yours")
		}
		m.WriteString(")</li>")
	}
	return m.html()
}

// priorLearningRows is the claims of training done elsewhere's table rows
// (views/pages/admin/priorlearning.html).
func priorLearningRows(claims []prerequisite.Claim) template.HTML {
	var m markup
	m.Grow(len(claims) * 700)
	for _, c := range claims {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/admin/prior-learning/")
		m.int(c.ID)
		m.WriteString(`">`)
		m.text(c.PersonName)
		m.WriteString(`<span class="govuk-visually-hidden">: `)
		m.text(c.CourseTitle)
		m.WriteString("</span></a>")
		if c.AgencyName != "" {
			m.WriteString(`<br><span class="govuk-body-s">`)
			m.text(c.AgencyName)
			m.WriteString("</span>")
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\">")
		m.text(c.CourseTitle)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\">")
		m.text(longDate(c.CompletedOn))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-!-text-break-word\">")
		m.text(c.Provider)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\">")
		m.text(longDate(c.CreatedAt))
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}
