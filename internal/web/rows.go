package web

import (
	"cmp"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/queue"
)

// The rows of the longest lists are written here rather than by a range in
// their page's template (issue 21): at a hundredfold partnership html/template
// spent most of a list's CPU calling its escapers and the page's functions
// through reflection, a dozen calls a row. Each function writes byte for
// byte what the template's range wrote (TestListRowsAreWhatTheTemplatesWrote
// renders both over rows with awkward values), escaping as html/template
// does in each place: text and quoted attributes (templateEscaper), a query's
// value (queryValue), a whole address (urlAttr).

// markup is a page fragment being written.
type markup struct{ strings.Builder }

// text writes s escaped as html/template escapes text and quoted attributes.
func (m *markup) text(s string) { _, _ = templateEscaper.WriteString(&m.Builder, s) }

// int writes n, which needs no escaping.
func (m *markup) int(n int64) { m.WriteString(strconv.FormatInt(n, 10)) }

// at writes t as the lists write a moment: "Friday 4 December 2026, 9:30am".
func (m *markup) at(t time.Time) {
	m.text(longDate(t))
	m.WriteString(", ")
	m.text(clock(t))
}

// query writes s as html/template writes a value in an address's query:
// every byte but a letter, digit or -._~ percent-encoded, then escaped for
// the attribute (which leaves nothing to escape).
func (m *markup) query(s string) {
	written := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			continue
		default:
			m.WriteString(s[written:i])
			fmt.Fprintf(m, "%%%02x", c)
			written = i + 1
		}
	}
	m.WriteString(s[written:])
}

func (m *markup) html() template.HTML {
	return template.HTML(m.String()) //nolint:gosec // every value in it escaped as html/template does
}

// namedRow opens a list's row with its first cell: the thing's name,
// linked to its page (base and its id), tagged "Retired" when it is; the
// cell is left open for the caller.
func (m *markup) namedRow(base string, id int64, name string, retired bool) {
	m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"")
	m.WriteString(base)
	m.int(id)
	m.WriteString(`">`)
	m.text(name)
	m.WriteString("</a>")
	if retired {
		m.WriteString(`<br><strong class="govuk-tag govuk-tag--grey">Retired</strong>`)
	}
}

// auditRows is the audit log's table rows (views/pages/admin/audit.html).
func auditRows(entries []auditRow) template.HTML {
	var m markup
	m.Grow(len(entries) * 900)
	for _, e := range entries {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\">")
		m.at(e.At)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-!-text-break-word\" data-label=\"Who\">")
		switch {
		case e.ActorID != nil:
			m.WriteString(`<a class="govuk-link" href="/admin/audit?user=`)
			m.int(*e.ActorID)
			m.WriteString(`">`)
			m.text(cmp.Or(e.ActorName, "Deleted account"))
			m.WriteString("</a>")
		case e.ActorEmail != "":
			m.text(e.ActorEmail)
		default:
			m.WriteString("Nobody signed in")
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"What\">")
		m.text(e.Label)
		if len(e.Details) > 0 {
			m.WriteString("\n            <ul class=\"govuk-list govuk-!-font-size-16 govuk-!-margin-bottom-0 govuk-!-text-break-word\">")
			for _, d := range e.Details {
				m.WriteString("\n              <li>")
				m.text(d)
				m.WriteString("</li>")
			}
			m.WriteString("\n            </ul>")
		}
		m.WriteString("\n          </td>\n          <td class=\"govuk-table__cell\" data-label=\"About whom\">")
		if e.SubjectID != nil {
			m.WriteString(`<a class="govuk-link" href="/admin/audit?user=`)
			m.int(*e.SubjectID)
			m.WriteString(`">`)
			m.text(cmp.Or(e.SubjectName, "Deleted account"))
			m.WriteString("</a>")
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Agency\">")
		m.text(e.AgencyName)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"From\">")
		m.text(e.IP)
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// emailRows is the emails list's table rows (views/pages/admin/emails.html).
func emailRows(emails []email.Summary) template.HTML {
	var m markup
	m.Grow(len(emails) * 700)
	for _, e := range emails {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\">")
		m.at(e.CreatedAt)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-!-text-break-word\" data-label=\"To\">")
		if e.ToName != "" {
			m.text(e.ToName)
			m.WriteString("<br>")
		}
		m.text(e.To)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Subject\"><a class=\"govuk-link\" href=\"/admin/emails/")
		m.int(e.ID)
		m.WriteString(`">`)
		m.text(e.Subject)
		m.WriteString("</a></td>\n          <td class=\"govuk-table__cell\" data-label=\"Status\">")
		switch {
		case e.SentAt != nil:
			m.WriteString(`<strong class="govuk-tag govuk-tag--green">Sent</strong>`)
		case e.Failed():
			m.WriteString("<strong class=\"govuk-tag govuk-tag--red\">Failed</strong>\n            " +
				"<p class=\"govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0 govuk-!-text-break-word\">Not retried. ")
			m.text(e.LastError)
			m.WriteString("</p>")
		case e.Retrying():
			m.WriteString("<strong class=\"govuk-tag govuk-tag--yellow\">Waiting to retry</strong>\n            " +
				"<p class=\"govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0 govuk-!-text-break-word\">Failed ")
			m.int(int64(e.Attempts))
			m.WriteString(" " + plural(e.Attempts, "time", "times") + " so far. ")
			m.text(e.LastError)
			m.WriteString("</p>")
		default:
			m.WriteString(`<strong class="govuk-tag govuk-tag--grey">Not sent</strong>`)
		}
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// organisationRows is the organisations to confirm's table rows
// (views/pages/admin/organisations.html).
func organisationRows(orgs []people.Organisation) template.HTML {
	var m markup
	m.Grow(len(orgs) * 900)
	for _, o := range orgs {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\">")
		m.text(o.Name)
		if len(o.Spelling) > 0 {
			m.WriteString(`<br><span class="govuk-hint govuk-!-font-size-16">Also typed as `)
			for i, s := range o.Spelling {
				if i > 0 {
					m.WriteString(", ")
				}
				m.WriteString("“")
				m.text(s)
				m.WriteString("”")
			}
			m.WriteString("</span>")
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"People\">")
		m.int(int64(len(o.People)))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Who\">\n            <ul class=\"govuk-list govuk-!-margin-bottom-0\">")
		for _, p := range o.People {
			m.WriteString("\n              <li><a class=\"govuk-link\" href=\"/admin/people/")
			m.int(p.ID)
			m.WriteString(`">`)
			m.text(p.FullName)
			m.WriteString("</a></li>")
		}
		m.WriteString("\n            </ul>\n          </td>\n          <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/admin/organisations/review?organisation=")
		m.query(o.Name)
		m.WriteString(`">Confirm or merge<span class="govuk-visually-hidden"> `)
		m.text(o.Name)
		m.WriteString("</span></a></td>\n        </tr>")
	}
	return m.html()
}

// agencyRows is the agencies list's table rows (views/pages/admin/agencies.html).
func agencyRows(agencies []agency.Agency) template.HTML {
	var m markup
	m.Grow(len(agencies) * 800)
	for _, a := range agencies {
		m.namedRow("/admin/agencies/", a.ID, a.Name, a.Retired())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Sector\">")
		m.text(a.Sector.Label())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Charging band\">")
		m.text(a.Band.Label())
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-!-text-break-word\" data-label=\"Billing contact\">")
		if a.BillingContactName != "" || a.BillingContactEmail != "" {
			m.text(a.BillingContactName)
			if a.BillingContactName != "" && a.BillingContactEmail != "" {
				m.WriteString("<br>")
			}
			m.text(a.BillingContactEmail)
		} else {
			m.WriteString("None")
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"People\">")
		if a.People != 0 {
			m.WriteString(`<a class="govuk-link" href="/admin/people?agency=`)
			m.int(a.ID)
			m.WriteString(`">`)
			m.int(int64(a.People))
			m.WriteString(`<span class="govuk-visually-hidden"> ` + plural(a.People, "person", "people") + " at ")
			m.text(a.Name)
			m.WriteString("</span></a>")
		} else {
			m.WriteString("0")
		}
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// calendarWeekRows is the programme calendar's weeks, a row each
// (views/pages/admin/sessions/calendar.html).
func calendarWeekRows(weeks [][]calendarDay) template.HTML {
	var m markup
	m.Grow(len(weeks) * 7 * 400)
	for _, week := range weeks {
		m.WriteString("\n        <tr class=\"govuk-table__row\">")
		for _, d := range week {
			m.WriteString("\n          <td class=\"govuk-table__cell app-calendar__day")
			if !d.InMonth {
				m.WriteString(" app-calendar__day--outside")
			}
			if len(d.Sessions) == 0 {
				m.WriteString(" app-calendar__day--empty")
			}
			if d.Today {
				m.WriteString(" app-calendar__day--today")
			}
			m.WriteString(`" id="day-`)
			m.text(d.Date.Format("2006-01-02"))
			m.WriteString("\">\n            <span class=\"app-calendar__number\" aria-hidden=\"true\">")
			m.int(int64(d.Number()))
			m.WriteString("</span>\n            <span class=\"app-calendar__date\">")
			m.text(longDate(d.Date))
			if d.Today {
				m.WriteString(" (today)")
			}
			if !d.InMonth {
				m.WriteString(" (another month)")
			}
			m.WriteString("</span>")
			if len(d.Sessions) > 0 {
				m.WriteString("\n            <ul class=\"govuk-list govuk-body-s app-calendar__sessions\">")
				for _, s := range d.Sessions {
					m.WriteString("\n              <li class=\"app-calendar__session\"><a class=\"govuk-link\" href=\"/admin/sessions/")
					m.int(s.ID)
					m.WriteString(`">`)
					m.text(clock(s.StartsAt))
					m.WriteByte(' ')
					m.text(s.CourseTitle)
					m.WriteString(`</a> <strong class="govuk-tag `)
					m.text(sessionStatusTag(s.Status))
					m.WriteString(` app-calendar__status">`)
					m.text(catalogue.SessionStatusWords(s.Status))
					m.WriteString("</strong></li>")
				}
				m.WriteString("\n            </ul>")
			}
			m.WriteString("\n          </td>")
		}
		m.WriteString("\n        </tr>")
	}
	return m.html()
}

// personRows is the manager's people list's table rows
// (views/pages/admin/people.html).
func personRows(list []people.Person) template.HTML {
	var m markup
	m.Grow(len(list) * 600)
	for _, p := range list {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/admin/people/")
		m.int(p.ID)
		m.WriteString(`">`)
		m.text(p.FullName)
		m.WriteString("</a></td>\n          <td class=\"govuk-table__cell govuk-!-text-break-word\" data-label=\"Email address\">")
		m.text(p.Email)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Agency\">")
		m.text(p.AgencyName)
		if p.AgencyUnlisted {
			m.WriteString(`<br><strong class="govuk-tag govuk-tag--grey">Not confirmed</strong>`)
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Roles\">Practitioner")
		for _, r := range p.Roles {
			m.WriteString(", ")
			m.text(r.Label())
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Email confirmed\">")
		m.WriteString(confirmed(p.Verified))
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// agencyPersonRows is a coordinator's list of their agency's people's
// table rows (views/pages/agency/people.html).
func agencyPersonRows(list []people.Person) template.HTML {
	var m markup
	m.Grow(len(list) * 500)
	for _, p := range list {
		m.WriteString("\n        <tr class=\"govuk-table__row\">\n          <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/agency/people/")
		m.int(p.ID)
		m.WriteString(`">`)
		m.text(p.FullName)
		m.WriteString("</a></td>\n          <td class=\"govuk-table__cell govuk-!-text-break-word\" data-label=\"Email address\">")
		m.text(p.Email)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Job title\">")
		m.text(p.JobTitle)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Email confirmed\">")
		m.WriteString(confirmed(p.Verified))
		m.WriteString("</td>\n        </tr>")
	}
	return m.html()
}

// confirmed answers "Email confirmed".
func confirmed(verified bool) string {
	if verified {
		return "Yes"
	}
	return "No"
}

// bookingPerson writes a session list's person, as the "person" template
// of views/pages/admin/sessions/bookings.html did.
func (m *markup) bookingPerson(e booking.Entry) {
	m.text(e.Name)
	if e.Email != "" {
		m.WriteString(`<br><span class="govuk-!-font-size-16 govuk-!-text-break-word">`)
		m.text(e.Email)
		m.WriteString("</span>")
	}
}

// sessionPlaceRows is the rows of a session's places on its bookings page,
// with the changes a manager can make when open; base is the page's address
// (views/pages/admin/sessions/bookings.html).
func sessionPlaceRows(entries []booking.Entry, open bool, base string) template.HTML {
	var m markup
	m.Grow(len(entries) * 1000)
	href := urlAttr(base)
	for _, e := range entries {
		m.WriteString("\n        <tr class=\"govuk-table__row\" id=\"booking-")
		m.int(e.ID)
		m.WriteString("\">\n          <td class=\"govuk-table__cell\">")
		m.bookingPerson(e)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Agency\">")
		m.text(cmp.Or(e.Agency, "None given"))
		if e.PastCap != "" {
			m.WriteString(`<br><span class="govuk-!-font-size-14">Past the agency’s cap: `)
			m.text(e.PastCap)
			m.WriteString("</span>")
		}
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Access needs\">")
		m.text(cmp.Or(e.AccessNeeds, "None"))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Dietary needs\">")
		m.text(cmp.Or(e.DietaryNeeds, "None"))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Line manager\">")
		m.text(e.LineManagerName)
		if e.LineManagerEmail != "" {
			m.WriteString(`<br><span class="govuk-!-text-break-word">`)
			m.text(e.LineManagerEmail)
			m.WriteString("</span>")
		}
		m.WriteString("</td>")
		if open {
			m.WriteString("\n          <td class=\"govuk-table__cell\">\n            <ul class=\"govuk-list govuk-!-font-size-16\">" +
				"\n              <li><a class=\"govuk-link\" href=\"")
			m.WriteString(href)
			m.WriteByte('/')
			m.int(e.ID)
			m.WriteString(`/move">Move<span class="govuk-visually-hidden"> `)
			m.text(e.Name)
			m.WriteString(" to another session</span></a></li>\n              <li><a class=\"govuk-link\" href=\"")
			m.WriteString(href)
			m.WriteByte('/')
			m.int(e.ID)
			m.WriteString(`/remove">Remove<span class="govuk-visually-hidden"> `)
			m.text(e.Name)
			m.WriteString("</span></a></li>\n            </ul>\n          </td>")
		}
		m.WriteString("\n        </tr>")
	}
	return m.html()
}

// sessionWaitingRows is the rows of a session's waiting list, in order, on
// its bookings page (views/pages/admin/sessions/bookings.html).
func sessionWaitingRows(entries []booking.Entry, open bool, base string) template.HTML {
	var m markup
	m.Grow(len(entries) * 900)
	href := urlAttr(base)
	link := func(e booking.Entry, path, text, after string) {
		m.WriteString(`<li><a class="govuk-link" href="`)
		m.WriteString(href)
		m.WriteByte('/')
		m.int(e.ID)
		m.WriteString(path + `">` + text + `<span class="govuk-visually-hidden"> `)
		m.text(e.Name)
		m.WriteString(after + "</span></a></li>")
	}
	for i, e := range entries {
		m.WriteString("\n        <tr class=\"govuk-table__row\" id=\"booking-")
		m.int(e.ID)
		m.WriteString("\">\n          <td class=\"govuk-table__cell\">")
		m.int(int64(i + 1))
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Name\">")
		m.bookingPerson(e)
		m.WriteString("</td>\n          <td class=\"govuk-table__cell\" data-label=\"Agency\">")
		m.text(cmp.Or(e.Agency, "None given"))
		m.WriteString("</td>")
		if open {
			m.WriteString("\n          <td class=\"govuk-table__cell\">\n            <ul class=\"govuk-list govuk-!-font-size-16\">")
			if i > 0 {
				link(e, "/reorder?direction=up", "Move up", "")
			}
			if i+1 < len(entries) {
				link(e, "/reorder?direction=down", "Move down", "")
			}
			m.WriteString("\n              ")
			link(e, "/remove", "Remove", " from the waiting list")
			m.WriteString("\n            </ul>\n          </td>")
		}
		m.WriteString("\n        </tr>")
	}
	return m.html()
}

// attentionDetails is the summary list of a task that needs attention
// (views/pages/admin/attention.html).
func attentionDetails(f queue.Failure) template.HTML {
	var m markup
	m.Grow(1400)
	m.WriteString("<dl class=\"govuk-summary-list\">\n          <div class=\"govuk-summary-list__row\">" +
		"\n            <dt class=\"govuk-summary-list__key\">For</dt>" +
		"\n            <dd class=\"govuk-summary-list__value govuk-!-text-break-word\">")
	m.text(cmp.Or(f.Subject.Who, "Not known"))
	if f.Subject.Link != "" {
		m.WriteString(`<br><a class="govuk-link" href="`)
		m.WriteString(urlAttr(f.Subject.Link))
		m.WriteString(`">Go to the record<span class="govuk-visually-hidden">: `)
		m.text(f.Subject.What)
		m.WriteString("</span></a>")
	}
	m.WriteString("</dd>\n          </div>\n          <div class=\"govuk-summary-list__row\">" +
		"\n            <dt class=\"govuk-summary-list__key\">What went wrong</dt>" +
		"\n            <dd class=\"govuk-summary-list__value govuk-!-text-break-word\">")
	m.text(f.Error)
	m.WriteString("</dd>\n          </div>\n          <div class=\"govuk-summary-list__row\">" +
		"\n            <dt class=\"govuk-summary-list__key\">Attempts</dt>" +
		"\n            <dd class=\"govuk-summary-list__value\">")
	attempts := strconv.Itoa(f.Attempts) + " " + plural(f.Attempts, "attempt", "attempts")
	if f.Refused {
		m.WriteString("Refused for good after " + attempts)
	} else {
		m.WriteString("All " + attempts + " failed")
	}
	m.WriteString("</dd>\n          </div>\n          <div class=\"govuk-summary-list__row\">" +
		"\n            <dt class=\"govuk-summary-list__key\">Failed</dt>" +
		"\n            <dd class=\"govuk-summary-list__value\">")
	m.at(f.FailedAt)
	m.WriteString("</dd>\n          </div>\n          <div class=\"govuk-summary-list__row\">" +
		"\n            <dt class=\"govuk-summary-list__key\">Task</dt>" +
		"\n            <dd class=\"govuk-summary-list__value govuk-!-text-break-word\">")
	m.text(f.Kind)
	m.WriteString(", number ")
	m.int(f.JobID)
	m.WriteString("</dd>\n          </div>\n        </dl>")
	return m.html()
}

// agencyBookingRows is the rows of one group of a coordinator's bookings,
// id the group and col its last column's heading, none when ""
// (views/pages/agency/bookings.html).
func agencyBookingRows(rows []booking.AgencyBooking, id booking.AgencyGroup, col string) template.HTML {
	var m markup
	m.Grow(len(rows) * 500)
	for _, r := range rows {
		m.WriteString("\n    <tr class=\"govuk-table__row\">\n      <td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/bookings/")
		m.int(r.ID)
		m.WriteString(`">`)
		m.text(r.PersonName)
		m.WriteString("</a></td>\n      <td class=\"govuk-table__cell\" data-label=\"Course\">")
		m.text(r.CourseTitle)
		m.WriteString("</td>\n      <td class=\"govuk-table__cell\" data-label=\"Date\">")
		m.at(r.StartsAt)
		m.WriteString("</td>")
		if col != "" {
			m.WriteString("\n      <td class=\"govuk-table__cell\" data-label=\"")
			m.text(col)
			m.WriteString(`">`)
			switch {
			case id == "upcoming" && r.Status == "offered":
				m.WriteString("Offered a place")
				if r.OfferExpiresAt != nil {
					m.WriteString(": they must accept by ")
					m.text(clock(*r.OfferExpiresAt))
					m.WriteString(" on ")
					m.text(longDate(*r.OfferExpiresAt))
				}
			case id == "upcoming" && r.Status == "awaiting_approval":
				m.WriteString("Waiting for the line manager’s approval")
			case id == "upcoming":
				m.WriteString("Booked")
			case id == "waiting":
				m.int(int64(r.Position))
			case r.Attendance == "attended":
				m.WriteString("Attended")
			case r.Attendance == "late":
				m.WriteString("Arrived late")
			case r.Attendance == "absent":
				m.WriteString(`<strong class="govuk-tag govuk-tag--red">Absent</strong>`)
			default:
				m.WriteString("Not recorded yet")
			}
			m.WriteString("</td>")
		}
		m.WriteString("\n    </tr>")
	}
	return m.html()
}
