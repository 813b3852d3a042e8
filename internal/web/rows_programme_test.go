package web

import (
	"testing"
	"time"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/scheduling"
	"github.com/pscp/booktraining/internal/trainer"
	"github.com/pscp/booktraining/internal/trainingrequest"
)

// awkwardChoices are a course, venue or trainer of each awkward name.
func awkwardChoices() []scheduling.Choice {
	var out []scheduling.Choice
	for i, s := range awkward {
		out = append(out, scheduling.Choice{ID: int64(i*7 + 1), Name: s, Capacity: i * 3})
	}
	return out
}

func TestProgrammeRowsAreWhatTheTemplatesWrote(t *testing.T) {
	t.Parallel()

	t.Run("programme", func(t *testing.T) {
		t.Parallel()
		statuses := []catalogue.SessionStatus{catalogue.SessionDraft, catalogue.SessionPublished, catalogue.SessionCompleted,
			catalogue.SessionCancelled, "unknown <status>", ""}
		var rows []scheduling.Row
		for i, s := range awkward {
			rows = append(rows, scheduling.Row{ID: int64(i + 1), CourseTitle: s, StartsAt: pick(awkwardAt, i), EndsAt: pick(awkwardAt, i+1),
				Status: pick(statuses, i), Capacity: i * 2, Booked: i, Waiting: i % 3, VenueName: pick(awkward, i+1),
				Online: i%4 == 1, Closed: i%3 == 2, Trainers: pick(awkward, i+2)})
		}
		rows = append(rows, scheduling.Row{}) // every value zero
		for _, list := range [][]scheduling.Row{rows, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell" data-label="Session"><a class="govuk-link" href="/admin/sessions/{{.ID}}">{{.CourseTitle}}</a>{{if .Closed}} <strong class="govuk-tag govuk-tag--purple">One agency</strong>{{end}}<br>{{longDate .StartsAt}}, {{clock .StartsAt}} to {{clock .EndsAt}}<br><span class="govuk-hint govuk-!-margin-bottom-0">{{if .Online}}Online{{else}}{{.VenueName}}{{end}}; {{or .Trainers "no trainer"}}<br>{{.Booked}} of {{.Capacity}} places booked{{if .Waiting}}, {{.Waiting}} waiting{{end}}</span></td>
          <td class="govuk-table__cell" data-label="Status"><strong class="govuk-tag {{statusTag .Status}}">{{statusName .Status}}</strong></td>
        </tr>
        {{- end}}`, `{{- programmeRows .}}`, list)
		}
	})

	t.Run("programme's filters", func(t *testing.T) {
		t.Parallel()
		var months []time.Time
		for y := 2019; y < 2031; y++ {
			for m := time.January; m <= time.December; m++ {
				months = append(months, time.Date(y, m, 1, 0, 0, 0, 0, london.Zone))
			}
		}
		for i, d := range []programmePage{
			{MonthList: months, Choices: scheduling.Choices{Courses: awkwardChoices(), Venues: awkwardChoices()[3:]},
				Filter: scheduling.ProgrammeFilter{Month: months[5], CourseID: 8, VenueID: 22}},
			{Filter: scheduling.ProgrammeFilter{Month: months[0]}},
			{},
		} {
			t.Logf("page %d", i)
			sameAsTemplate(t, `{{- $d := . -}}
          {{- $months := choices (choice "" "Any month")}}
          {{- range $d.MonthList}}{{$months = choices $months (choice ($d.MonthValue .) (monthYear .))}}{{end}}
          {{- select (dict "Name" "month" "Label" "Month" "Class" "govuk-!-width-full" "Items" $months "Chosen" ($d.MonthValue $d.Filter.Month) "Error" ($d.Err "month"))}}
          {{- select (dict "Name" "course" "Label" "Course" "Class" "govuk-!-width-full" "Items" (choices (choice "" "All courses") (choicesOf $d.Choices.Courses "ID" "Name")) "Chosen" $d.Filter.CourseID)}}
          {{- select (dict "Name" "venue" "Label" "Venue" "Class" "govuk-!-width-full" "Items" (choices (choice "" "All venues") (choicesOf $d.Choices.Venues "ID" "Name")) "Chosen" $d.Filter.VenueID)}}`,
				`{{- $d := . -}}
          {{- select (dict "Name" "month" "Label" "Month" "Class" "govuk-!-width-full" "Items" $d.MonthChoices "Chosen" ($d.MonthValue $d.Filter.Month) "Error" ($d.Err "month"))}}
          {{- select (dict "Name" "course" "Label" "Course" "Class" "govuk-!-width-full" "Items" $d.CourseChoices "Chosen" $d.Filter.CourseID)}}
          {{- select (dict "Name" "venue" "Label" "Venue" "Class" "govuk-!-width-full" "Items" $d.VenueChoices "Chosen" $d.Filter.VenueID)}}`, d)
		}
	})

	t.Run("new session form's courses and venues", func(t *testing.T) {
		t.Parallel()
		for _, d := range []sessionFormPage{
			{Choices: scheduling.Choices{Courses: awkwardChoices(), Venues: awkwardChoices()[2:]}, Form: scheduling.Form{CourseID: 15, VenueID: 8}},
			{},
		} {
			sameAsTemplate(t, `{{- $d := . -}}{{- $f := $d.Form -}}
{{- $courses := choices (choice "" "Choose a course")}}
{{- range $d.Choices.Courses}}{{$courses = choices $courses (choice .ID (printf "%s (%v places)" .Name .Capacity))}}{{end}}
      {{- select (dict "Name" "course" "Label" "Which course?" "Size" "s" "Hint" "Next you choose the date" "Class" "govuk-!-width-full" "Items" $courses "Error" ($d.Err "course"))}}
      {{- select (dict "Name" "course" "Label" "Course" "Items" $courses "Chosen" $f.CourseID "Error" ($d.Err "course"))}}
      {{- select (dict "Name" "venue" "Label" "Venue or online platform" "Items" (choices (choice "" "Choose a venue") (choicesOf $d.Choices.Venues "ID" "Name")) "Chosen" $f.VenueID "Error" ($d.Err "venue"))}}`,
				`{{- $d := . -}}{{- $f := $d.Form -}}
      {{- select (dict "Name" "course" "Label" "Which course?" "Size" "s" "Hint" "Next you choose the date" "Class" "govuk-!-width-full" "Items" $d.CourseChoices "Error" ($d.Err "course"))}}
      {{- select (dict "Name" "course" "Label" "Course" "Items" $d.CourseChoices "Chosen" $f.CourseID "Error" ($d.Err "course"))}}
      {{- select (dict "Name" "venue" "Label" "Venue or online platform" "Items" $d.VenueChoices "Chosen" $f.VenueID "Error" ($d.Err "venue"))}}`, d)
		}
	})

	t.Run("training requests", func(t *testing.T) {
		t.Parallel()
		statuses := append([]string{"", "unknown"}, trainingrequest.Statuses...)
		var rows []trainingrequest.Summary
		for i, s := range awkward {
			rows = append(rows, trainingrequest.Summary{ID: int64(i + 1), Reference: trainingrequest.Reference(int64(i)), Title: s,
				Bespoke: i%2 == 1, AgencyName: pick(awkward, i+1), Status: pick(statuses, i), Participants: i % 3,
				SubmittedAt: pick(awkwardAt, i), AgeDays: i * 2, Overdue: i%3 == 0})
		}
		rows = append(rows, trainingrequest.Summary{Reference: pick(awkward, 2)})
		for _, list := range [][]trainingrequest.Summary{rows, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row{{if .Overdue}} app-overdue{{end}}">
          <td class="govuk-table__cell"><a class="govuk-link" href="/admin/training-requests/{{.ID}}">{{.Reference}}</a></td>
          <td class="govuk-table__cell" data-label="Agency">{{.AgencyName}}</td>
          <td class="govuk-table__cell" data-label="Training">{{.Title}}{{if .Bespoke}} (bespoke){{end}}, {{.Participants}} {{plural .Participants "person" "people"}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="Age (working days)">{{.AgeDays}}{{if .Overdue}} <strong class="govuk-tag govuk-tag--red">Overdue</strong>{{end}}</td>
          <td class="govuk-table__cell" data-label="Status"><strong class="govuk-tag {{.StatusTag}}">{{.StatusName}}</strong></td>
        </tr>
        {{- end}}`, `{{- requestQueueRows .}}`, list)
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="/training-requests/{{.ID}}">{{.Reference}}</a></td>
          <td class="govuk-table__cell" data-label="Training">{{.Title}}{{if .Bespoke}} (bespoke){{end}}</td>
          <td class="govuk-table__cell" data-label="Made on">{{longDate .SubmittedAt}}</td>
          <td class="govuk-table__cell" data-label="Status"><strong class="govuk-tag {{.StatusTag}}">{{.StatusName}}</strong></td>
        </tr>
        {{- end}}`, `{{- agencyRequestRows .}}`, list)
		}
		var courses []trainingrequest.Choice
		for _, c := range awkwardChoices() {
			courses = append(courses, trainingrequest.Choice{ID: c.ID, Name: c.Name})
		}
		for _, d := range []trainingRequestListPage{{Queue: trainingrequest.Queue{Courses: courses}, Filter: trainingrequest.Filter{CourseID: 15}}, {}} {
			sameAsTemplate(t, `{{- $d := .}}{{- select (dict "Name" "course" "Label" "Course" "Items" (choices (choice "" "Any course") (choicesOf $d.Courses "ID" "Name")) "Chosen" $d.Filter.CourseID)}}`,
				`{{- $d := .}}{{- select (dict "Name" "course" "Label" "Course" "Items" $d.CourseChoices "Chosen" $d.Filter.CourseID)}}`, d)
		}
	})

	t.Run("trainers", func(t *testing.T) {
		t.Parallel()
		var rows []trainer.Trainer
		for i, s := range awkward {
			rows = append(rows, trainer.Trainer{ID: int64(i + 1), Name: s, AgencyName: pick(awkward, i+1), ApprovedCourses: i % 4, UpcomingSessions: i * 3})
		}
		for _, list := range [][]trainer.Trainer{rows, nil} {
			sameAsTemplate(t, `{{- range .}}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="/admin/trainers/{{.ID}}">{{.Name}}</a></td>
          <td class="govuk-table__cell" data-label="Agency">{{.AgencyName}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="Approved courses">{{.ApprovedCourses}}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric" data-label="Upcoming sessions">{{.UpcomingSessions}}</td>
        </tr>
        {{- end}}`, `{{- trainerRows .}}`, list)
		}
	})

	t.Run("a trainer's courses", func(t *testing.T) {
		t.Parallel()
		var courses []trainer.CourseApproval
		for i, c := range awkwardChoices() {
			courses = append(courses, trainer.CourseApproval{CourseID: c.ID, Title: c.Name, Approved: i%3 != 1})
		}
		for _, d := range []adminTrainerPage{{Trainer: trainer.Trainer{Name: pick(awkward, 2)}, Courses: courses}, {Courses: courses[:1]}, {}} {
			sameAsTemplate(t, `{{- $d := .}}{{$t := $d.Trainer}}
      {{- checkboxes (dict "Name" "course" "Legend" "Approved courses" "Hint" (printf "Select every course %s is approved to deliver. Retired courses are not shown." $t.Name) "Class" "govuk-checkboxes--small" "Items" (choicesOf $d.Courses "CourseID" "Title") "Chosen" (chosenOf $d.Courses "CourseID" "Approved"))}}`,
				`{{- $d := .}}{{$t := $d.Trainer}}
      {{- checkboxes (dict "Name" "course" "Legend" "Approved courses" "Hint" (printf "Select every course %s is approved to deliver. Retired courses are not shown." $t.Name) "Class" "govuk-checkboxes--small" "Items" $d.CourseItems)}}`, d)
		}
	})
}
