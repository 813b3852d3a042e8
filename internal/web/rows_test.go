package web

import (
	"bytes"
	"html/template"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/booking"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/scheduling"
)

// awkward is text that html/template escapes in every way it can: markup,
// quotes, a plus, a NUL, bytes that are not UTF-8, characters an address
// must encode, and nothing at all.
var awkward = []string{"", "Ann Lee", `a "quoted" & <tagged> 'one'`, "1+1=2", "nul\x00byte", "Ōtautahi – café ✓",
	"bad \xff utf-8", "<script>alert(1)</script>", "&amp; already", "tab\tand\nnewline", "50% off? #1 / a&b=c",
	"javascript:void(0)", "\uFFFD\uFDD0\uFFFE"}

// awkwardAt is a moment of each kind London writes differently: summer
// and winter time, midnight, midday, minutes.
var awkwardAt = []time.Time{
	time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC), time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC),
	time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 10, 25, 1, 5, 0, 0, time.UTC),
}

// sameWritten fails unless now writes what was over data: the text a
// page's template had before now's functions, and the text it has, each
// framed as the page frames it (frame nil: as it is) and parsed with every
// function the pages have, and statusTagWas.
func sameWritten(t *testing.T, frame func(body string) string, was, now string, data any) {
	t.Helper()
	if frame == nil {
		frame = func(body string) string { return body }
	}
	parse := func(body string) *template.Template {
		return template.Must(template.New("").Funcs(templateFuncs).Funcs(kitFuncs).Funcs(fieldFuncs).
			Funcs(moneyRowFuncs).Funcs(programmeRowFuncs).Funcs(pageRowFuncs).Funcs(template.FuncMap{
			// the function the calendar's template called before sessionStatusTag
			"statusTagWas": func(s catalogue.SessionStatus) string {
				return map[catalogue.SessionStatus]string{catalogue.SessionDraft: "govuk-tag--grey", catalogue.SessionPublished: "govuk-tag--green",
					catalogue.SessionCompleted: "govuk-tag--blue", catalogue.SessionCancelled: "govuk-tag--red"}[s]
			},
		}).Parse(frame(body)))
	}
	var before, after bytes.Buffer
	require.NoError(t, parse(was).Execute(&before, data))
	require.NoError(t, parse(now).Execute(&after, data))
	assert.Equal(t, before.String(), after.String())
}

// sameAsTemplate is sameWritten for a list's rows, in a table's body.
func sameAsTemplate(t *testing.T, was, rows string, data any) {
	t.Helper()
	sameWritten(t, inTableBody, was, rows, data)
}

// inTableBody frames rows as a list's table does.
func inTableBody(rows string) string {
	return "<table>\n      <tbody class=\"govuk-table__body\">\n        " + rows + "\n      </tbody>\n    </table>"
}

func pick[T any](list []T, i int) T { return list[i%len(list)] }

func TestListRowsAreWhatTheTemplatesWrote(t *testing.T) {
	t.Parallel()
	id := func(n int64) *int64 { return &n }
	at := func(i int) *time.Time { t := pick(awkwardAt, i); return &t }

	t.Run("audit log", func(t *testing.T) {
		t.Parallel()
		var rows []auditRow
		for i, s := range awkward {
			e := auditRow{Entry: audit.Entry{ID: int64(i), At: pick(awkwardAt, i), Action: audit.SignIn,
				ActorName: pick(awkward, i+2), ActorEmail: pick(awkward, i+1), SubjectName: pick(awkward, i+1), AgencyName: s, IP: pick(awkward, i+3)},
				Label: pick(awkward, i+4)}
			if i%3 != 0 {
				e.ActorID = id(int64(i * 1000))
			}
			if i%2 == 0 {
				e.SubjectID = id(int64(i))
			}
			if i%4 != 0 {
				e.Details = awkward[:i%5]
			}
			rows = append(rows, e)
		}
		for _, list := range [][]auditRow{rows, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell">{{longDate .At}}, {{clock .At}}</td>
          <td class="govuk-table__cell govuk-!-text-break-word" data-label="Who">
            {{- if .ActorID}}<a class="govuk-link" href="/admin/audit?user={{.ActorID}}">{{or .ActorName "Deleted account"}}</a>
            {{- else if .ActorEmail}}{{.ActorEmail}}
            {{- else}}Nobody signed in{{end -}}
          </td>
          <td class="govuk-table__cell" data-label="What">{{.Label}}
            {{- with .Details}}
            <ul class="govuk-list govuk-!-font-size-16 govuk-!-margin-bottom-0 govuk-!-text-break-word">
              {{- range .}}
              <li>{{.}}</li>
              {{- end}}
            </ul>
            {{- end}}
          </td>
          <td class="govuk-table__cell" data-label="About whom">{{if .SubjectID}}<a class="govuk-link" href="/admin/audit?user={{.SubjectID}}">{{or .SubjectName "Deleted account"}}</a>{{end}}</td>
          <td class="govuk-table__cell" data-label="Agency">{{.AgencyName}}</td>
          <td class="govuk-table__cell" data-label="From">{{.IP}}</td>
        </tr>
        {{- end}}`, `{{- auditRows .}}`, list)
		}
	})

	t.Run("emails", func(t *testing.T) {
		t.Parallel()
		var rows []email.Summary
		for i, s := range awkward {
			e := email.Summary{ID: int64(i + 1), To: s, ToName: pick(awkward, i+1), Subject: pick(awkward, i+2),
				CreatedAt: pick(awkwardAt, i), Attempts: i % 3, LastError: pick(awkward, i+3)}
			switch i % 4 {
			case 0:
				e.SentAt = at(i)
			case 1:
				e.FailedAt = at(i)
			}
			rows = append(rows, e)
		}
		for _, list := range [][]email.Summary{rows, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell">{{longDate .CreatedAt}}, {{clock .CreatedAt}}</td>
          <td class="govuk-table__cell govuk-!-text-break-word" data-label="To">{{with .ToName}}{{.}}<br>{{end}}{{.To}}</td>
          <td class="govuk-table__cell" data-label="Subject"><a class="govuk-link" href="/admin/emails/{{.ID}}">{{.Subject}}</a></td>
          <td class="govuk-table__cell" data-label="Status">
            {{- if .SentAt}}<strong class="govuk-tag govuk-tag--green">Sent</strong>
            {{- else if .Failed}}<strong class="govuk-tag govuk-tag--red">Failed</strong>
            <p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0 govuk-!-text-break-word">Not retried. {{.LastError}}</p>
            {{- else if .Retrying}}<strong class="govuk-tag govuk-tag--yellow">Waiting to retry</strong>
            <p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0 govuk-!-text-break-word">Failed {{.Attempts}} {{plural .Attempts "time" "times"}} so far. {{.LastError}}</p>
            {{- else}}<strong class="govuk-tag govuk-tag--grey">Not sent</strong>{{end -}}
          </td>
        </tr>
        {{- end}}`, `{{- emailRows .}}`, list)
		}
	})

	t.Run("organisations", func(t *testing.T) {
		t.Parallel()
		var rows []people.Organisation
		for i, s := range awkward {
			o := people.Organisation{Name: s, Spelling: awkward[i%4 : i%4+i%3]}
			for j := range i % 4 {
				o.People = append(o.People, people.Person{ID: int64(i*10 + j), FullName: pick(awkward, i+j)})
			}
			rows = append(rows, o)
		}
		for _, list := range [][]people.Organisation{rows, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell">{{.Name}}{{with .Spelling}}<br><span class="govuk-hint govuk-!-font-size-16">Also typed as {{range $i, $s := .}}{{if $i}}, {{end}}“{{$s}}”{{end}}</span>{{end}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="People">{{len .People}}</td>
          <td class="govuk-table__cell" data-label="Who">
            <ul class="govuk-list govuk-!-margin-bottom-0">
              {{- range .People}}
              <li><a class="govuk-link" href="/admin/people/{{.ID}}">{{.FullName}}</a></li>
              {{- end}}
            </ul>
          </td>
          <td class="govuk-table__cell"><a class="govuk-link" href="/admin/organisations/review?organisation={{.Name}}">Confirm or merge<span class="govuk-visually-hidden"> {{.Name}}</span></a></td>
        </tr>
        {{- end}}`, `{{- organisationRows .}}`, list)
		}
	})

	t.Run("agencies", func(t *testing.T) {
		t.Parallel()
		sectors, bands := agency.Sectors, agency.ChargingBands
		var rows []agency.Agency
		for i, s := range awkward {
			a := agency.Agency{ID: int64(i + 1), Name: s, Sector: pick(sectors, i), Band: pick(bands, i),
				BillingContactName: pick(awkward, i*2), BillingContactEmail: pick(awkward, i*3), People: i % 3}
			if i%2 == 1 {
				a.RetiredAt = at(i)
			}
			rows = append(rows, a)
		}
		for _, list := range [][]agency.Agency{rows, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="/admin/agencies/{{.ID}}">{{.Name}}</a>{{if .Retired}}<br><strong class="govuk-tag govuk-tag--grey">Retired</strong>{{end}}</td>
          <td class="govuk-table__cell" data-label="Sector">{{.Sector.Label}}</td>
          <td class="govuk-table__cell" data-label="Charging band">{{.Band.Label}}</td>
          <td class="govuk-table__cell govuk-!-text-break-word" data-label="Billing contact">{{if or .BillingContactName .BillingContactEmail}}{{.BillingContactName}}{{if and .BillingContactName .BillingContactEmail}}<br>{{end}}{{.BillingContactEmail}}{{else}}None{{end}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="People">{{if .People}}<a class="govuk-link" href="/admin/people?agency={{.ID}}">{{.People}}<span class="govuk-visually-hidden"> {{plural .People "person" "people"}} at {{.Name}}</span></a>{{else}}0{{end}}</td>
        </tr>
        {{- end}}`, `{{- agencyRows .}}`, list)
		}
	})

	t.Run("programme calendar", func(t *testing.T) {
		t.Parallel()
		statuses := []catalogue.SessionStatus{catalogue.SessionDraft, catalogue.SessionPublished, catalogue.SessionCompleted,
			catalogue.SessionCancelled, "unknown <status>"}
		month := time.Date(2026, 3, 1, 12, 0, 0, 0, london.Zone) // the clocks go forward on the 29th
		var rows []scheduling.Row
		for i, s := range awkward {
			rows = append(rows, scheduling.Row{ID: int64(i + 1), CourseTitle: s, Status: pick(statuses, i),
				StartsAt: time.Date(2026, 3, 1+i*3%31, 8+i%12, i*7%60, 0, 0, london.Zone)})
		}
		now := time.Date(2026, 3, 16, 10, 0, 0, 0, london.Zone)
		for _, weeks := range [][][]calendarDay{calendarWeeks(month, now, rows), calendarWeeks(month, now, nil), nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          {{- range .}}
          <td class="govuk-table__cell app-calendar__day{{if not .InMonth}} app-calendar__day--outside{{end}}{{if not .Sessions}} app-calendar__day--empty{{end}}{{if .Today}} app-calendar__day--today{{end}}" id="day-{{.Date.Format "2006-01-02"}}">
            <span class="app-calendar__number" aria-hidden="true">{{.Number}}</span>
            <span class="app-calendar__date">{{longDate .Date}}{{if .Today}} (today){{end}}{{if not .InMonth}} (another month){{end}}</span>
            {{- if .Sessions}}
            <ul class="govuk-list govuk-body-s app-calendar__sessions">
              {{- range .Sessions}}
              <li class="app-calendar__session"><a class="govuk-link" href="/admin/sessions/{{.ID}}">{{clock .StartsAt}} {{.CourseTitle}}</a> <strong class="govuk-tag {{statusTagWas .Status}} app-calendar__status">{{statusName .Status}}</strong></li>
              {{- end}}
            </ul>
            {{- end}}
          </td>
          {{- end}}
        </tr>
        {{- end}}`, `{{- calendarWeekRows .}}`, weeks)
		}
	})

	var persons []people.Person
	roles := []account.Role{account.Trainer, account.Manager, account.Coordinator}
	for i, s := range awkward {
		persons = append(persons, people.Person{ID: int64(i + 1), FullName: s, Email: pick(awkward, i+1), JobTitle: pick(awkward, i+2),
			AgencyName: pick(awkward, i+3), AgencyUnlisted: i%2 == 0, Verified: i%3 == 0, Roles: roles[:i%4]})
	}
	t.Run("people", func(t *testing.T) {
		t.Parallel()
		for _, list := range [][]people.Person{persons, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="/admin/people/{{.ID}}">{{.FullName}}</a></td>
          <td class="govuk-table__cell govuk-!-text-break-word" data-label="Email address">{{.Email}}</td>
          <td class="govuk-table__cell" data-label="Agency">{{.AgencyName}}{{if .AgencyUnlisted}}<br><strong class="govuk-tag govuk-tag--grey">Not confirmed</strong>{{end}}</td>
          <td class="govuk-table__cell" data-label="Roles">Practitioner{{range .Roles}}, {{.Label}}{{end}}</td>
          <td class="govuk-table__cell" data-label="Email confirmed">{{if .Verified}}Yes{{else}}No{{end}}</td>
        </tr>
        {{- end}}`, `{{- personRows .}}`, list)
		}
	})

	t.Run("agency's people", func(t *testing.T) {
		t.Parallel()
		for _, list := range [][]people.Person{persons, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="/agency/people/{{.ID}}">{{.FullName}}</a></td>
          <td class="govuk-table__cell govuk-!-text-break-word" data-label="Email address">{{.Email}}</td>
          <td class="govuk-table__cell" data-label="Job title">{{.JobTitle}}</td>
          <td class="govuk-table__cell" data-label="Email confirmed">{{if .Verified}}Yes{{else}}No{{end}}</td>
        </tr>
        {{- end}}`, `{{- agencyPersonRows .}}`, list)
		}
	})

	t.Run("session's bookings", func(t *testing.T) {
		t.Parallel()
		var entries []booking.Entry
		for i, s := range awkward {
			entries = append(entries, booking.Entry{ID: int64(i + 1), Name: s, Email: pick(awkward, i+1), Agency: pick(awkward, i+2),
				AccessNeeds: pick(awkward, i+3), DietaryNeeds: pick(awkward, i+4), LineManagerName: pick(awkward, i+5),
				LineManagerEmail: pick(awkward, i+6), PastCap: pick(awkward, i+7)})
		}
		const person = `{{define "person"}}{{.Name}}{{with .Email}}<br><span class="govuk-!-font-size-16 govuk-!-text-break-word">{{.}}</span>{{end}}{{end}}`
		for _, list := range [][]booking.Entry{entries, entries[:1], entries[:2], nil} {
			for _, open := range []bool{true, false} {
				for _, base := range []string{"/admin/sessions/12/bookings", `javascript:alert("x")`, "/a b/%zz/ü"} {
					data := map[string]any{"Entries": list, "Open": open, "Base": base}
					sameAsTemplate(t, `{{- $base := .Base}}{{- range .Entries}}
        <tr class="govuk-table__row" id="booking-{{.ID}}">
          <td class="govuk-table__cell">{{template "person" .}}</td>
          <td class="govuk-table__cell" data-label="Agency">{{or .Agency "None given"}}{{with .PastCap}}<br><span class="govuk-!-font-size-14">Past the agency’s cap: {{.}}</span>{{end}}</td>
          <td class="govuk-table__cell" data-label="Access needs">{{or .AccessNeeds "None"}}</td>
          <td class="govuk-table__cell" data-label="Dietary needs">{{or .DietaryNeeds "None"}}</td>
          <td class="govuk-table__cell" data-label="Line manager">{{.LineManagerName}}{{with .LineManagerEmail}}<br><span class="govuk-!-text-break-word">{{.}}</span>{{end}}</td>
          {{- if $.Open}}
          <td class="govuk-table__cell">
            <ul class="govuk-list govuk-!-font-size-16">
              <li><a class="govuk-link" href="{{$base}}/{{.ID}}/move">Move<span class="govuk-visually-hidden"> {{.Name}} to another session</span></a></li>
              <li><a class="govuk-link" href="{{$base}}/{{.ID}}/remove">Remove<span class="govuk-visually-hidden"> {{.Name}}</span></a></li>
            </ul>
          </td>
          {{- end}}
        </tr>
        {{- end}}`+person, `{{- sessionPlaceRows .Entries .Open .Base}}`, data)
					sameAsTemplate(t, `{{- $base := .Base}}{{- $last := len .Entries}}{{- range $i, $e := .Entries}}
        <tr class="govuk-table__row" id="booking-{{.ID}}">
          <td class="govuk-table__cell">{{add $i 1}}</td>
          <td class="govuk-table__cell" data-label="Name">{{template "person" .}}</td>
          <td class="govuk-table__cell" data-label="Agency">{{or .Agency "None given"}}</td>
          {{- if $.Open}}
          <td class="govuk-table__cell">
            <ul class="govuk-list govuk-!-font-size-16">
              {{- if $i}}<li><a class="govuk-link" href="{{$base}}/{{.ID}}/reorder?direction=up">Move up<span class="govuk-visually-hidden"> {{.Name}}</span></a></li>{{end}}
              {{- if lt (add $i 1) $last}}<li><a class="govuk-link" href="{{$base}}/{{.ID}}/reorder?direction=down">Move down<span class="govuk-visually-hidden"> {{.Name}}</span></a></li>{{end}}
              <li><a class="govuk-link" href="{{$base}}/{{.ID}}/remove">Remove<span class="govuk-visually-hidden"> {{.Name}} from the waiting list</span></a></li>
            </ul>
          </td>
          {{- end}}
        </tr>
        {{- end}}`+person, `{{- sessionWaitingRows .Entries .Open .Base}}`, data)
				}
			}
		}
	})

	t.Run("needs attention", func(t *testing.T) {
		t.Parallel()
		links := []string{"", "/admin/sessions/4", "javascript:alert(1)", "/admin/people?q=a b&c=<d>", "https://example.org/x?y=%zz"}
		for i, s := range awkward {
			f := queue.Failure{JobID: int64(i * 77), Kind: pick(awkward, i+1), Refused: i%2 == 0, Error: pick(awkward, i+2),
				Attempts: i % 3, FailedAt: pick(awkwardAt, i),
				Subject: queue.Subject{What: s, Who: pick(awkward, i+3), Link: pick(links, i)}}
			sameAsTemplate(t, `{{$what := .Subject.What}}<dl class="govuk-summary-list">
          <div class="govuk-summary-list__row">
            <dt class="govuk-summary-list__key">For</dt>
            <dd class="govuk-summary-list__value govuk-!-text-break-word">{{with .Subject.Who}}{{.}}{{else}}Not known{{end}}{{with .Subject.Link}}<br><a class="govuk-link" href="{{.}}">Go to the record<span class="govuk-visually-hidden">: {{$what}}</span></a>{{end}}</dd>
          </div>
          <div class="govuk-summary-list__row">
            <dt class="govuk-summary-list__key">What went wrong</dt>
            <dd class="govuk-summary-list__value govuk-!-text-break-word">{{.Error}}</dd>
          </div>
          <div class="govuk-summary-list__row">
            <dt class="govuk-summary-list__key">Attempts</dt>
            <dd class="govuk-summary-list__value">{{if .Refused}}Refused for good after {{.Attempts}} {{plural .Attempts "attempt" "attempts"}}{{else}}All {{.Attempts}} {{plural .Attempts "attempt" "attempts"}} failed{{end}}</dd>
          </div>
          <div class="govuk-summary-list__row">
            <dt class="govuk-summary-list__key">Failed</dt>
            <dd class="govuk-summary-list__value">{{longDate .FailedAt}}, {{clock .FailedAt}}</dd>
          </div>
          <div class="govuk-summary-list__row">
            <dt class="govuk-summary-list__key">Task</dt>
            <dd class="govuk-summary-list__value govuk-!-text-break-word">{{.Kind}}, number {{.JobID}}</dd>
          </div>
        </dl>`, `{{attentionDetails .}}`, f)
		}
	})

	t.Run("agency's bookings", func(t *testing.T) {
		t.Parallel()
		statuses := []booking.Status{"confirmed", "offered", "awaiting_approval", "waiting", "cancelled"}
		attendance := []string{"", "attended", "late", "absent", "other"}
		var rows []booking.AgencyBooking
		for i, s := range awkward {
			r := booking.AgencyBooking{ID: int64(i + 1), PersonName: s, CourseTitle: pick(awkward, i+1), StartsAt: pick(awkwardAt, i),
				Status: pick(statuses, i), Attendance: pick(attendance, i/2), Position: i * 3}
			if i%3 != 2 {
				r.OfferExpiresAt = at(i + 1)
			}
			rows = append(rows, r)
		}
		for _, id := range []booking.AgencyGroup{"upcoming", "waiting", "past", "late", "absent"} {
			for _, col := range []string{"", "Status", `Odd "column" & <co>`} {
				data := map[string]any{"Rows": rows, "ID": id, "Column": col}
				sameAsTemplate(t, `{{- $id := .ID}}{{- $col := .Column}}{{- range .Rows}}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="/bookings/{{.ID}}">{{.PersonName}}</a></td>
      <td class="govuk-table__cell" data-label="Course">{{.CourseTitle}}</td>
      <td class="govuk-table__cell" data-label="Date">{{longDate .StartsAt}}, {{clock .StartsAt}}</td>
      {{- if $col}}
      <td class="govuk-table__cell" data-label="{{$col}}">
        {{- if eq $id "upcoming"}}{{if eq .Status "offered"}}Offered a place{{with .OfferExpiresAt}}: they must accept by {{clock .}} on {{longDate .}}{{end}}{{else if eq .Status "awaiting_approval"}}Waiting for the line manager’s approval{{else}}Booked{{end}}
        {{- else if eq $id "waiting"}}{{.Position}}
        {{- else if eq .Attendance "attended"}}Attended
        {{- else if eq .Attendance "late"}}Arrived late
        {{- else if eq .Attendance "absent"}}<strong class="govuk-tag govuk-tag--red">Absent</strong>
        {{- else}}Not recorded yet{{end -}}
      </td>
      {{- end}}
    </tr>
    {{- end}}`,
					`{{- $id := .ID}}{{- $col := .Column}}{{- agencyBookingRows .Rows $id $col}}`, data)
			}
		}
	})
}

// The audit log's choices, made in Go, are what the template made with
// choicesOf. (The organisation merge form's were too, until it named its
// agency typed rather than chosen from every agency.)
func TestChoicesMadeInGoAreWhatChoicesOfMade(t *testing.T) {
	t.Parallel()
	type actionChoice struct{ Value, Label string }
	var actions []actionChoice
	for _, a := range audit.Actions {
		actions = append(actions, actionChoice{string(a), actionLabel(a)})
	}
	of, err := choicesOf(actions, "Value", "Label")
	require.NoError(t, err)
	was, err := choices(newChoice("", "Everything"), of)
	require.NoError(t, err)
	assert.Equal(t, was, auditActionChoices)
}
