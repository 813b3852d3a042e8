package web

import (
	"testing"
	"time"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/prerequisite"
	"github.com/pscp/booktraining/internal/queue"
	"github.com/pscp/booktraining/internal/validation"
)

// sameAsPageTemplate is sameWritten for a part of a page, in its column
// (head sets the variables the text uses).
func sameAsPageTemplate(t *testing.T, head, was, now string, data any) {
	t.Helper()
	sameWritten(t, func(body string) string {
		return head + "<div class=\"govuk-grid-column-full\">\n    <p>Before</p>\n    " + body + "\n    <p>After</p>\n</div>"
	}, was, now, data)
}

func TestPageRowsAreWhatTheTemplatesWrote(t *testing.T) {
	t.Parallel()

	t.Run("agency's figures", func(t *testing.T) {
		t.Parallel()
		var tables []figureTable
		csvs := []string{"/agency/reports/places.csv?from=2026-04-01&to=2027-03-31", "javascript:alert(1)", "/a b/%zz?q=<x>&r=\"'", ""}
		for i, s := range awkward {
			tb := figureTable{ID: s, CSV: pick(csvs, i), Caption: pick(awkward, i+1), Intro: pick(awkward, i+2)}
			for j := range i % 5 {
				tb.Head = append(tb.Head, figureCell{Text: pick(awkward, i+j), Numeric: j%2 == 1})
			}
			for r := range i % 4 {
				var row []figureCell
				for j := range (i + r) % 6 {
					row = append(row, figureCell{Text: pick(awkward, i+j+r), Raw: "raw", Numeric: (j+r)%3 != 0})
				}
				tb.Rows = append(tb.Rows, row)
			}
			tables = append(tables, tb)
		}
		for _, list := range [][]figureTable{tables, tables[:1], nil} {
			sameAsPageTemplate(t, "", `{{- range .}}
    <h2 class="govuk-heading-m">{{.Caption}}</h2>
    <p class="govuk-body">{{.Intro}}</p>
    <table class="govuk-table" id="{{.ID}}">
      <caption class="govuk-table__caption govuk-visually-hidden">{{.Caption}}</caption>
      <thead class="govuk-table__head">
        <tr class="govuk-table__row">
          {{- range .Head}}
          <th scope="col" class="govuk-table__header{{if .Numeric}} govuk-table__header--numeric{{end}}">{{.Text}}</th>
          {{- end}}
        </tr>
      </thead>
      <tbody class="govuk-table__body">
        {{- range .Rows}}
        <tr class="govuk-table__row">
          {{- range $i, $c := .}}
          {{- if eq $i 0}}
          <th scope="row" class="govuk-table__header">{{$c.Text}}</th>
          {{- else}}
          <td class="govuk-table__cell{{if $c.Numeric}} govuk-table__cell--numeric{{end}}">{{$c.Text}}</td>
          {{- end}}
          {{- end}}
        </tr>
        {{- end}}
      </tbody>
    </table>
    <p class="govuk-body"><a class="govuk-link" href="{{.CSV}}">Download this table as CSV<span class="govuk-visually-hidden">: {{.Caption}}</span></a></p>
    {{- end}}`, `{{- figureTables .}}`, list)
		}
	})

	t.Run("an organisation", func(t *testing.T) {
		t.Parallel()
		for i, name := range awkward {
			o := people.Organisation{Name: name}
			for j := range i % 5 {
				typed := name
				if j%2 == 1 {
					typed = pick(awkward, i+j)
				}
				o.People = append(o.People, people.Person{ID: int64(i*10 + j), FullName: pick(awkward, i+j+1),
					Email: pick(awkward, i+j+2), AgencyName: typed})
			}
			sameAsPageTemplate(t, "{{$o := .}}", `<ul class="govuk-list govuk-list--bullet">
      {{- range $o.People}}
      <li><a class="govuk-link" href="/admin/people/{{.ID}}">{{.FullName}}</a> ({{.Email}}){{if ne .AgencyName $o.Name}}, typed as “{{.AgencyName}}”{{end}}</li>
      {{- end}}
    </ul>`, `<ul class="govuk-list govuk-list--bullet">
      {{- organisationPeople $o}}
    </ul>`, o)
		}
	})

	t.Run("needs attention", func(t *testing.T) {
		t.Parallel()
		errs := &validation.Errors{}
		errs.Add("note-3", "Note must be 2,000 characters or fewer & <short>")
		var d attentionPage
		for i, s := range awkward {
			f := attentionItem{Failure: queue.Failure{JobID: int64(i + 1), Kind: pick(awkward, i+1), Refused: i%2 == 0,
				Subject: queue.Subject{What: s, Who: pick(awkward, i+2), Link: pick([]string{"", "/admin/people/3", "javascript:x"}, i)},
				Error:   pick(awkward, i+3), Attempts: i % 3, FailedAt: pick(awkwardAt, i)},
				Failed: pick(awkward, i+4), Note: pick(awkward, i+5)}
			if i%3 == 1 {
				f.Subject.NoRetry = pick(awkward, i+6)
			}
			d.Failures = append(d.Failures, f)
		}
		type page struct {
			D    attentionPage
			CSRF string
		}
		head := `{{- $d := .D -}}{{- $csrf := .CSRF -}}`
		for _, p := range []page{{d, `tok"en<&>+'`}, {attentionPage{fieldErrors: fieldErrors{errs}, Failures: d.Failures}, "t"}, {}} {
			sameAsPageTemplate(t, head, `{{- range $d.Failures}}
    {{- $noteID := printf "note-%d" .JobID}}
    {{- $noteErr := $d.Err $noteID}}
    <div class="govuk-summary-card">
      <div class="govuk-summary-card__title-wrapper">
        <h3 class="govuk-summary-card__title govuk-!-text-break-word">{{.Subject.What}}</h3>
      </div>
      <div class="govuk-summary-card__content">
        {{attentionDetails .Failure}}
        {{- if .Subject.NoRetry}}
        <p class="govuk-inset-text">{{.Subject.NoRetry}}</p>
        {{- else}}
        <form method="post" action="/admin/attention/{{.JobID}}/retry" novalidate>
          {{csrf $csrf}}
          <input type="hidden" name="failed" value="{{.Failed}}">
          <button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">Try again<span class="govuk-visually-hidden">: {{.Subject.What}}</span></button>
        </form>
        {{- end}}
        <form method="post" action="/admin/attention/{{.JobID}}/dealt-with" novalidate>
          {{csrf $csrf}}
          <input type="hidden" name="failed" value="{{.Failed}}">
          {{- textArea (dict "ID" $noteID "Name" "note" "Label" "Note (optional)" "Hint" "What you did about it, for the audit log" "Rows" 2 "Value" .Note "Error" $noteErr)}}
          <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-prevent-double-click="true">Mark as dealt with<span class="govuk-visually-hidden">: {{.Subject.What}}</span></button>
        </form>
      </div>
    </div>
    {{- end}}`, `{{- attentionCards $d $csrf}}`, p)
		}
	})

	var courses []catalogue.ManagedCourse
	for i, s := range awkward {
		c := catalogue.ManagedCourse{Course: catalogue.Course{ID: int64(i + 1), Title: s, Level: catalogue.Level(i % 5),
			Duration:        pick([]catalogue.Duration{catalogue.HalfDay, catalogue.FullDay, catalogue.Duration(pick(awkward, i+1))}, i),
			DefaultCapacity: i * 7 % 30},
			UpcomingSessions: i % 4, Owner: pick(awkward, i+2)}
		for j := range i % 4 {
			c.DeliveryModes = append(c.DeliveryModes, pick([]catalogue.DeliveryMode{catalogue.InPerson, catalogue.Online,
				catalogue.DeliveryMode(pick(awkward, i+j))}, j+i))
		}
		if i%3 == 2 {
			c.RetiredAt = &awkwardAt[i%len(awkwardAt)]
		}
		courses = append(courses, c)
	}
	t.Run("courses", func(t *testing.T) {
		t.Parallel()
		for _, list := range [][]catalogue.ManagedCourse{courses, nil} {
			sameAsPageTemplate(t, "", `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="/admin/courses/{{.ID}}">{{.Title}}</a>{{if .Retired}}<br><strong class="govuk-tag govuk-tag--grey">Retired</strong>{{end}}</td>
          <td class="govuk-table__cell" data-label="Level">{{.Level.Name}}</td>
          <td class="govuk-table__cell" data-label="Duration">{{.Duration.Label}}</td>
          <td class="govuk-table__cell" data-label="Delivery">{{range $i, $m := .DeliveryModes}}{{if $i}}<br>{{end}}{{$m.Label}}{{end}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="Places">{{.DefaultCapacity}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="Upcoming sessions">{{.UpcomingSessions}}</td>
        </tr>
        {{- end}}`, `{{- courseRows .}}`, list)
		}
	})

	t.Run("other partnerships' courses", func(t *testing.T) {
		t.Parallel()
		for _, list := range [][]catalogue.ManagedCourse{courses, nil} {
			sameAsPageTemplate(t, "", `<ul class="govuk-list">
      {{- range .}}
      <li><a class="govuk-link" href="/admin/courses/{{.ID}}">{{.Title}}</a> ({{.Owner}}{{if .UpcomingSessions}}; {{.UpcomingSessions}} upcoming {{plural .UpcomingSessions "session" "sessions"}} of yours{{end}})</li>
      {{- end}}
    </ul>`, `<ul class="govuk-list">
      {{- otherCourseItems .}}
    </ul>`, list)
		}
	})

	t.Run("prior learning", func(t *testing.T) {
		t.Parallel()
		var claims []prerequisite.Claim
		for i, s := range awkward {
			claims = append(claims, prerequisite.Claim{ID: int64(i + 1), PersonName: s, CourseTitle: pick(awkward, i+1),
				AgencyName: pick(awkward, i+2), Provider: pick(awkward, i+3), CompletedOn: pick(awkwardAt, i),
				CreatedAt: pick(awkwardAt, i+1)})
		}
		claims = append(claims, prerequisite.Claim{}, prerequisite.Claim{CompletedOn: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)})
		for _, list := range [][]prerequisite.Claim{claims, nil} {
			sameAsPageTemplate(t, "", `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="/admin/prior-learning/{{.ID}}">{{.PersonName}}<span class="govuk-visually-hidden">: {{.CourseTitle}}</span></a>{{with .AgencyName}}<br><span class="govuk-body-s">{{.}}</span>{{end}}</td>
          <td class="govuk-table__cell">{{.CourseTitle}}</td>
          <td class="govuk-table__cell">{{longDate .CompletedOn}}</td>
          <td class="govuk-table__cell govuk-!-text-break-word">{{.Provider}}</td>
          <td class="govuk-table__cell">{{longDate .CreatedAt}}</td>
        </tr>
        {{- end}}`, `{{- priorLearningRows .}}`, list)
		}
	})
}
