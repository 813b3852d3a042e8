package web

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/report"
)

// --- each report's sentence, chart and tables ---

func count(n int) string { return strconv.Itoa(n) }

func sectorName(s string) string {
	if s == "" {
		return "Not listed"
	}
	return agency.Sector(s).Label()
}

func agencyName(name string) string {
	if name == "" {
		return "Organisation not listed"
	}
	return name
}

func deliveryCells(first string, r report.DeliveryRow) []string {
	return []string{first, count(r.Delivered), count(r.Cancelled), count(r.ToCome), count(r.Offered), count(r.Booked),
		count(r.Attended), percentText(r.FillRate()), percentText(r.AttendanceRate())}
}

func deliveryContent(d report.Delivery) reportContent {
	t := d.Total
	head := []string{"", "Sessions delivered", "Sessions cancelled", "Sessions to come", "Places offered", "Places booked",
		"Places attended", "Places filled", "Booked places attended"}
	byMonth := reportTable{ID: "by-month", Caption: "Sessions and places by month", Text: 1, Head: append([]string{"Month"}, head[1:]...),
		Total: deliveryCells("Total", t)}
	byCourse := reportTable{ID: "by-course", Caption: "Sessions and places by course", Text: 1, Head: append([]string{"Course"}, head[1:]...),
		Total: deliveryCells("Total", t)}
	var labels, texts []string
	var values []float64
	fullest, fullestRate := "", -1.0
	for _, m := range d.ByMonth {
		name := london.MonthYear(m.Month)
		byMonth.Rows = append(byMonth.Rows, tableRow{Cells: deliveryCells(name, m)})
		if m.Offered > 0 {
			labels, values = append(labels, name), append(values, m.FillRate())
			texts = append(texts, fmt.Sprintf("%s (%d of %d)", percentText(m.FillRate()), m.Booked, m.Offered))
			if m.FillRate() > fullestRate {
				fullest, fullestRate = name, m.FillRate()
			}
		}
	}
	for _, c := range d.ByCourse {
		byCourse.Rows = append(byCourse.Rows, tableRow{Cells: deliveryCells(c.Course, c)})
	}
	all := t.Delivered + t.Cancelled + t.ToCome
	var s strings.Builder
	if all == 0 {
		s.WriteString("No sessions were scheduled to run in this period.")
	} else {
		fmt.Fprintf(&s, "%d of %d %s ran", t.Delivered, all, plural(all, "session", "sessions"))
		var rest []string
		if t.Cancelled > 0 {
			rest = append(rest, fmt.Sprintf("%d %s cancelled", t.Cancelled, plural(t.Cancelled, "was", "were")))
		}
		if t.ToCome > 0 {
			rest = append(rest, fmt.Sprintf("%d %s still to come", t.ToCome, plural(t.ToCome, "is", "are")))
		}
		if len(rest) > 0 {
			s.WriteString(" (" + strings.Join(rest, " and ") + ")")
		}
		if t.Offered > 0 {
			fmt.Fprintf(&s, "; %s of the %d places offered were booked, and %s of the places booked were attended",
				percentText(t.FillRate()), t.Offered, percentText(t.AttendanceRate()))
		}
		s.WriteString(".")
		if fullest != "" && len(labels) > 1 {
			fmt.Fprintf(&s, " %s was the fullest month (%s of places filled).", fullest, percentText(fullestRate))
		}
	}
	return reportContent{
		Headline: fmt.Sprintf("%d %s delivered; %s of places filled", t.Delivered, plural(t.Delivered, "session", "sessions"), percentText(t.FillRate())),
		Sentence: s.String(),
		Charts: []barChart{newBarChart("chart-fill", "Places filled by month",
			"The share of places offered that were booked, for each month with sessions delivered. The table of sessions and places by month follows.",
			labels, values, texts)},
		Tables: []reportTable{byMonth, byCourse},
	}
}

func placesCells(first []string, r report.Places) []string {
	return append(first, count(r.Booked), count(r.Attended), count(r.ArrivedLate), count(r.Absent), count(r.Unmarked),
		percentText(r.AttendanceRate()))
}

func attendanceContent(a report.Attendance) reportContent {
	head := []string{"Places booked", "Places attended", "Of which late", "Absent", "Not marked", "Booked places attended"}
	bySector := reportTable{ID: "by-sector", Caption: "Places by sector", Text: 1, Head: append([]string{"Sector"}, head...),
		Total: placesCells([]string{"Total"}, a.Total)}
	byAgency := reportTable{ID: "by-agency", Caption: "Places by agency", Text: 2, Head: append([]string{"Agency", "Sector"}, head...),
		Total: placesCells([]string{"Total", ""}, a.Total)}
	var labels []string
	var counts []int
	sectors, agencies := 0, 0
	for _, r := range a.BySector {
		bySector.Rows = append(bySector.Rows, tableRow{Cells: placesCells([]string{sectorName(r.Sector)}, r)})
		labels, counts = append(labels, sectorName(r.Sector)), append(counts, r.Attended)
		if r.Sector != "" && r.Booked > 0 {
			sectors++
		}
	}
	booked := make([]int64, 0, len(a.ByAgency))
	for _, r := range a.ByAgency {
		byAgency.Rows = append(byAgency.Rows, tableRow{Cells: placesCells([]string{agencyName(r.Agency), sectorName(r.Sector)}, r)})
		booked = append(booked, int64(r.Booked))
		if r.AgencyID != 0 && r.Booked > 0 {
			agencies++
		}
	}
	cutTable(&byAgency, agenciesShown, booked, "agencies", "places booked")
	mix := reportTable{ID: "mix", Caption: "Sessions by the number of sectors among those who attended", Text: 1,
		Head: []string{"Sectors in the room", "Sessions delivered"}}
	sessions := 0
	for n, k := range a.Mix {
		words := []string{"No one attended", "1 sector", "2 sectors", "3 sectors", "4 or more sectors"}[n]
		mix.Rows = append(mix.Rows, tableRow{Cells: []string{words, count(k)}})
		sessions += k
	}
	mix.Total = []string{"Total", count(sessions)}
	mixed := a.Mix[2] + a.Mix[3] + a.Mix[4]
	var s string
	if a.Total.Booked == 0 {
		s = "No places were booked on sessions delivered in this period."
	} else {
		s = fmt.Sprintf("%d %s booked by people from %d %s in %d %s; %s of them were attended. %d of %d %s had people from two or more sectors in the room.",
			a.Total.Booked, plural(a.Total.Booked, "place was", "places were"), agencies, plural(agencies, "agency", "agencies"),
			sectors, plural(sectors, "sector", "sectors"), percentText(a.Total.AttendanceRate()),
			mixed, sessions, plural(sessions, "session delivered", "sessions delivered"))
	}
	return reportContent{
		Headline: fmt.Sprintf("%d %s attended; %d of %d %s multi-sector", a.Total.Attended, plural(a.Total.Attended, "place", "places"),
			mixed, sessions, plural(sessions, "session", "sessions")),
		Sentence: s,
		Charts: []barChart{countChart("chart-sectors", "Places attended by sector",
			"The number of places attended by people from each sector. The table of places by sector follows.", labels, counts)},
		Tables: []reportTable{bySector, byAgency, mix},
	}
}

func lostCells(first []string, r report.Places) []string {
	return append(first, count(r.Booked), count(r.Absent), count(r.CancelledLate), count(r.PlacesLost()))
}

func nonAttendanceContent(n report.NonAttendance) reportContent {
	head := []string{"Places booked", "Booked and not attended", "Cancelled late", "Places lost"}
	bySector := reportTable{ID: "by-sector", Caption: "Places lost by sector", Text: 1, Head: append([]string{"Sector"}, head...),
		Total: lostCells([]string{"Total"}, n.Total)}
	byAgency := reportTable{ID: "by-agency", Caption: "Places lost by agency", Text: 2, Head: append([]string{"Agency", "Sector"}, head...),
		Total: lostCells([]string{"Total", ""}, n.Total)}
	var labels []string
	var counts []int
	most, mostLost := "", 0
	for _, r := range n.BySector {
		bySector.Rows = append(bySector.Rows, tableRow{Cells: lostCells([]string{sectorName(r.Sector)}, r)})
		labels, counts = append(labels, sectorName(r.Sector)), append(counts, r.PlacesLost())
		if r.PlacesLost() > mostLost {
			most, mostLost = sectorName(r.Sector), r.PlacesLost()
		}
	}
	lost := make([]int64, 0, len(n.ByAgency))
	for _, r := range n.ByAgency {
		byAgency.Rows = append(byAgency.Rows, tableRow{Cells: lostCells([]string{agencyName(r.Agency), sectorName(r.Sector)}, r)})
		lost = append(lost, int64(r.PlacesLost()))
	}
	cutTable(&byAgency, agenciesShown, lost, "agencies", "places lost")
	t := n.Total
	s := "No places were lost to non-attendance or late cancellation in this period."
	if t.PlacesLost() > 0 {
		s = fmt.Sprintf("%d %s lost: %d booked and not attended, and %d cancelled too late to offer to someone else. The %s sector lost the most (%d).",
			t.PlacesLost(), plural(t.PlacesLost(), "place was", "places were"), t.Absent, t.CancelledLate, most, mostLost)
	}
	return reportContent{
		Headline: fmt.Sprintf("%d %s lost to non-attendance and late cancellation", t.PlacesLost(), plural(t.PlacesLost(), "place", "places")),
		Sentence: s,
		Charts: []barChart{countChart("chart-lost", "Places lost by sector",
			"The places booked and not attended plus the places cancelled late, for each sector. The table of places lost by sector follows.", labels, counts)},
		Tables: []reportTable{bySector, byAgency},
	}
}

func unmetContent(u report.UnmetDemand) reportContent {
	cells := func(first string, r report.Unmet) []string {
		return []string{first, count(r.Sessions), count(r.SessionsTurned), count(r.PeopleNotPlaced)}
	}
	byCourse := reportTable{ID: "by-course", Caption: "People on waiting lists not placed, by course", Text: 1,
		Head:  []string{"Course", "Sessions delivered", "Sessions with people not placed", "People not placed"},
		Total: cells("Total", u.Total)}
	var labels []string
	var counts []int
	most, mostN := "", 0
	for _, r := range u.ByCourse {
		byCourse.Rows = append(byCourse.Rows, tableRow{Cells: cells(r.Course, r)})
		labels, counts = append(labels, r.Course), append(counts, r.PeopleNotPlaced)
		if r.PeopleNotPlaced > mostN {
			most, mostN = r.Course, r.PeopleNotPlaced
		}
	}
	t := u.Total
	s := "Everyone on the waiting lists of the sessions delivered in this period got a place, or nobody was waiting."
	if t.PeopleNotPlaced > 0 {
		s = fmt.Sprintf("%d %s on waiting lists never got a place, on %d of the %d %s delivered. %s turned the most people away (%d).",
			t.PeopleNotPlaced, plural(t.PeopleNotPlaced, "person", "people"), t.SessionsTurned, t.Sessions,
			plural(t.Sessions, "session", "sessions"), most, mostN)
	}
	return reportContent{
		Headline: fmt.Sprintf("%d %s on waiting lists not placed", t.PeopleNotPlaced, plural(t.PeopleNotPlaced, "person", "people")),
		Sentence: s,
		Charts: []barChart{countChart("chart-unmet", "People not placed by course",
			"The people on the waiting lists of each course’s delivered sessions who never got a place. The table by course follows.", labels, counts)},
		Tables: []reportTable{byCourse},
	}
}

func requestsContent(r report.Requests) reportContent {
	decided := r.WithinTarget + r.PastTarget
	target := fmt.Sprintf("%d working %s", r.TargetDays, plural(r.TargetDays, "day", "days"))
	rows := [][]string{
		{"Received", count(r.Received)},
		{"Accepted", count(r.Accepted)},
		{"Declined", count(r.Declined)},
		{"Answered within the target of " + target, count(r.WithinTarget)},
		{"Answered after the target", count(r.PastTarget)},
		{"Working days to an answer: median", count(r.MedianDays)},
		{"Working days to an answer: longest", count(r.LongestDays)},
	}
	table := reportTable{ID: "figures", Caption: "Training requests", Text: 1, Head: []string{"Training requests", "Number"}}
	for _, row := range rows {
		table.Rows = append(table.Rows, tableRow{Cells: row})
	}
	s := fmt.Sprintf("%d training %s received; %d %s accepted and %d declined.", r.Received,
		plural(r.Received, "request was", "requests were"), r.Accepted, plural(r.Accepted, "was", "were"), r.Declined)
	if decided > 0 {
		s += fmt.Sprintf(" %d of the %d answered %s answered within the target of %s (half in %d working %s or fewer; the longest took %d).",
			r.WithinTarget, decided, plural(decided, "was", "were"), target, r.MedianDays, plural(r.MedianDays, "day", "days"), r.LongestDays)
	}
	return reportContent{
		Headline: fmt.Sprintf("%d received; %d of %d answered within target", r.Received, r.WithinTarget, decided),
		Sentence: s,
		Charts: []barChart{countChart("chart-requests", "Training requests",
			"Requests received, accepted and declined, and those answered within and after the target. The table follows.",
			[]string{"Received", "Accepted", "Declined", "Answered within target", "Answered after target"},
			[]int{r.Received, r.Accepted, r.Declined, r.WithinTarget, r.PastTarget})},
		Tables: []reportTable{table},
	}
}

func chargeKindName(kind string) string {
	switch kind {
	case "non_attendance":
		return "Non-attendance"
	case "late_cancellation":
		return "Late cancellation"
	case "":
		return "Total"
	}
	return kind
}

func moneyContent(m report.Money) reportContent {
	cells := func(c report.Charges) []string {
		return []string{chargeKindName(c.Kind), count(c.Proposed.N), c.Proposed.Pence.String(), count(c.Waived.N), c.Waived.Pence.String(),
			count(c.Invoiced.N), c.Invoiced.Pence.String(), count(c.Paid.N), c.Paid.Pence.String()}
	}
	charges := reportTable{ID: "charges", Caption: "Non-attendance and late cancellation charges", Text: 1,
		Head:  []string{"Charge", "Proposed", "Proposed amount", "Waived", "Waived amount", "Invoiced, not paid", "Invoiced amount", "Paid", "Paid amount"},
		Total: cells(m.Charges)}
	for _, c := range m.ByKind {
		charges.Rows = append(charges.Rows, tableRow{Cells: cells(c)})
	}
	i := m.Places
	places := reportTable{ID: "paid-places", Caption: "Paid places", Text: 1, Head: []string{"Paid places", "Places", "Amount"},
		Rows: []tableRow{
			{Cells: []string{"Paid (by card or on invoice)", count(i.Paid.N), i.Paid.Pence.String()}},
			{Cells: []string{"Refunded", count(i.Refunded.N), i.Refunded.Pence.String()}},
			{Cells: []string{"On invoice, not yet paid", count(i.Owed.N), i.Owed.Pence.String()}},
		},
		Total: []string{"Income kept (paid less refunded)", "", i.Income().String()}}
	c := m.Charges
	s := fmt.Sprintf("Charges: %d proposed (%s), %d waived (%s), %d invoiced and not yet paid (%s), and %d paid (%s). Paid places brought in %s, less %s refunded: %s kept.",
		c.Proposed.N, c.Proposed.Pence, c.Waived.N, c.Waived.Pence, c.Invoiced.N, c.Invoiced.Pence, c.Paid.N, c.Paid.Pence,
		i.Paid.Pence, i.Refunded.Pence, i.Income())
	tallies := []report.Tally{c.Proposed, c.Waived, c.Invoiced, c.Paid}
	values := make([]float64, len(tallies))
	texts := make([]string, len(tallies))
	for k, t := range tallies {
		values[k], texts[k] = float64(t.Pence), t.Pence.String()
	}
	return reportContent{
		Headline: fmt.Sprintf("%s charges paid; %s kept from paid places", c.Paid.Pence, i.Income()),
		Sentence: s,
		Charts: []barChart{newBarChart("chart-charges", "Charges by what was decided",
			"The amount of the charges proposed, waived, invoiced and paid. The table of charges follows.",
			[]string{"Proposed", "Waived", "Invoiced, not paid", "Paid"}, values, texts)},
		Tables: []reportTable{charges, places},
	}
}

// balanceText writes a balance of minutes as signed hours: "+3", "-4.5", "0".
func balanceText(minutes int64) string {
	switch {
	case minutes > 0:
		return "+" + minutesAsHours(minutes)
	case minutes < 0:
		return "-" + minutesAsHours(-minutes)
	}
	return "0"
}

func contributionContent(l report.Ledger, trainers []report.TrainerRecord, query string) reportContent {
	cells := func(first []string, c report.Contribution) []string {
		return append(first, count(c.Deliveries), minutesAsHours(c.MinutesGiven), count(c.PlacesAttended), minutesAsHours(c.MinutesReceived),
			balanceText(c.BalanceMinutes()))
	}
	head := []string{"Sessions delivered by its trainers", "Trainer hours given", "Places attended by its staff", "Hours of training received", "Balance in hours"}
	ledger := reportTable{ID: "agencies", Caption: "The contribution ledger by agency", Text: 2,
		Head: append([]string{"Agency", "Sector"}, head...), Total: cells([]string{"Total", ""}, l.Total)}
	type gave struct {
		name    string
		minutes int64
	}
	var givers []gave
	hours := make([]int64, 0, len(l.Agencies))
	most, mostMinutes := "", int64(0)
	for _, c := range l.Agencies {
		name := agencyName(c.Agency)
		if c.AgencyID == 0 {
			name = "No agency or not listed"
		}
		ledger.Rows = append(ledger.Rows, tableRow{Cells: cells([]string{name, sectorName(c.Sector)}, c)})
		hours = append(hours, c.MinutesGiven+c.MinutesReceived)
		if c.MinutesGiven > 0 {
			givers = append(givers, gave{name, c.MinutesGiven})
			if c.MinutesGiven > mostMinutes {
				most, mostMinutes = name, c.MinutesGiven
			}
		}
	}
	cutTable(&ledger, agenciesShown, hours, "agencies", "hours given and received")
	// The chart draws the agencies that gave the most, as many as a table
	// by agency shows.
	giving := len(givers)
	chartDesc := "The hours of training each agency’s trainers delivered. The ledger by agency, with the hours its staff received, follows."
	if giving > agenciesShown {
		slices.SortStableFunc(givers, func(a, b gave) int { return cmp.Compare(b.minutes, a.minutes) })
		givers = givers[:agenciesShown]
		chartDesc = fmt.Sprintf("The hours of training delivered by the trainers of the %d agencies that gave the most, of the %d that gave any. The ledger by agency, with the hours its staff received, follows.",
			agenciesShown, giving)
	}
	var labels, texts []string
	var values []float64
	for _, g := range givers {
		labels, values, texts = append(labels, g.name), append(values, float64(g.minutes)), append(texts, minutesAsHours(g.minutes)+" hours")
	}
	people := reportTable{ID: "trainers", Caption: "Trainers and the sessions they delivered", Text: 2,
		Head: []string{"Trainer", "Agency", "Sessions delivered", "Hours"}}
	for _, t := range trainers {
		people.Rows = append(people.Rows, tableRow{Cells: []string{t.Name, t.Agency, count(len(t.Sessions)), minutesAsHours(t.Minutes)},
			Href: fmt.Sprintf("/admin/reports/contribution/trainers/%d?%s", t.TrainerID, query)})
	}
	t := l.Total
	s := "No trainer delivered a session in this period."
	if t.MinutesGiven > 0 {
		s = fmt.Sprintf("The trainers of %d %s gave %s hours of training over %d %s; the staff of all agencies received %s hours. %s gave the most (%s hours).",
			giving, plural(giving, "agency", "agencies"), minutesAsHours(t.MinutesGiven), t.Deliveries, plural(t.Deliveries, "delivery", "deliveries"),
			minutesAsHours(t.MinutesReceived), most, minutesAsHours(mostMinutes))
	}
	return reportContent{
		Headline: fmt.Sprintf("%s trainer hours given by %d %s", minutesAsHours(t.MinutesGiven), giving, plural(giving, "agency", "agencies")),
		Sentence: s,
		Charts:   []barChart{newBarChart("chart-given", "Trainer hours given by agency", chartDesc, labels, values, texts)},
		Tables:   []reportTable{ledger, people},
	}
}

func trainerContent(t report.TrainerRecord, found bool) reportContent {
	table := reportTable{ID: "sessions", Caption: "Sessions delivered", Text: 4, Head: []string{"Date", "Course", "Time", "Delivered with", "Hours"}}
	for _, d := range t.Sessions {
		with := d.CoTrainers
		if with == "" {
			with = "Alone"
		}
		table.Rows = append(table.Rows, tableRow{Cells: []string{london.Date(d.StartsAt), d.Course,
			clock(d.StartsAt) + " to " + clock(d.EndsAt), with, minutesAsHours(d.Minutes)}})
	}
	s := "This trainer delivered no sessions in this period."
	if found {
		table.Total = []string{"Total", "", "", "", minutesAsHours(t.Minutes)}
		s = fmt.Sprintf("%s delivered %d %s in this period: %s hours of training.", t.Name, len(t.Sessions),
			plural(len(t.Sessions), "session", "sessions"), minutesAsHours(t.Minutes))
		if t.Agency != "" {
			s = fmt.Sprintf("%s (%s) delivered %d %s in this period: %s hours of training.", t.Name, t.Agency, len(t.Sessions),
				plural(len(t.Sessions), "session", "sessions"), minutesAsHours(t.Minutes))
		}
	}
	return reportContent{Sentence: s, Tables: []reportTable{table}}
}

// confidenceText writes an average on the five-point scale: "3.4", or "–"
// when nobody answered.
func confidenceText(n int, avg float64) string {
	if n == 0 {
		return "–"
	}
	return strconv.FormatFloat(avg, 'f', 1, 64)
}

// shiftText writes a change on the five-point scale with its sign: "+1.3".
func shiftText(n int, shift float64) string {
	switch s := strconv.FormatFloat(shift, 'f', 1, 64); {
	case n == 0:
		return "–"
	case shift > 0 && s != "0.0":
		return "+" + s
	default:
		return s
	}
}

func evaluationContent(e report.Evaluation) reportContent {
	t := e.Total
	rowCells := func(name string, r report.EvaluationRow) []string {
		return []string{name, count(r.Asked), count(r.Answered), percentText(r.ResponseRate()),
			confidenceText(r.ConfidenceAnswers, r.Before), confidenceText(r.ConfidenceAnswers, r.After),
			shiftText(r.ConfidenceAnswers, r.Shift()), confidenceText(r.LaterAnswers, r.Later),
			fmt.Sprintf("%d of %d", r.AttendeesAnswered, r.AttendeesAsked), fmt.Sprintf("%d of %d", r.LineManagersAnswered, r.LineManagersAsked)}
	}
	courses := reportTable{ID: "courses", Caption: "Evaluations by course", Text: 1,
		Head: []string{"Course", "Asked", "Answered", "Response rate", "Confidence before (1 to 5)", "Confidence after",
			"Shift", "Three months on", "Follow-ups answered", "Line managers answered"},
		Total: rowCells("Total", t)}
	var labels, texts []string
	var values []float64
	for _, r := range e.ByCourse {
		courses.Rows = append(courses.Rows, tableRow{Cells: rowCells(r.Course, r)})
		if r.ConfidenceAnswers > 0 {
			labels, values = append(labels, r.Course), append(values, max(0, r.Shift()))
			texts = append(texts, fmt.Sprintf("%s to %s", confidenceText(r.ConfidenceAnswers, r.Before), confidenceText(r.ConfidenceAnswers, r.After)))
		}
	}
	outcomes := reportTable{ID: "outcomes", Caption: "Confidence on each learning outcome", Text: 2,
		Head: []string{"Course", "Learning outcome", "Answers", "Before", "After", "Shift", "Three months on", "Line managers’ view"}}
	for _, o := range e.Outcomes {
		outcomes.Rows = append(outcomes.Rows, tableRow{Cells: []string{o.Course, o.Outcome, count(o.Answered),
			confidenceText(o.Answered, o.Before), confidenceText(o.Answered, o.After), shiftText(o.Answered, o.Shift()),
			confidenceText(o.LaterAnswered, o.Later), confidenceText(o.LineManagersAnswered, o.LineManagers)}})
	}
	ratings := reportTable{ID: "ratings", Caption: "Ratings (1 very poor to 5 very good)", Text: 1,
		Head: []string{"Question", "Answers", "Average"}}
	for _, r := range t.Ratings {
		q := r.Question
		if r.Retired {
			q += " (no longer asked)"
		}
		ratings.Rows = append(ratings.Rows, tableRow{Cells: []string{q, count(r.Answered), confidenceText(r.Answered, r.Average)}})
	}
	sentence := "No evaluations were asked for sessions in this period."
	headline := "No evaluations yet"
	if t.Asked > 0 {
		headline = fmt.Sprintf("%s answered; confidence %s to %s", percentText(t.ResponseRate()),
			confidenceText(t.ConfidenceAnswers, t.Before), confidenceText(t.ConfidenceAnswers, t.After))
		sentence = fmt.Sprintf("%d of the %d people asked evaluated their session (%s). On the courses’ learning outcomes, "+
			"average confidence went from %s before to %s after, on a scale of 1 to 5.",
			t.Answered, t.Asked, percentText(t.ResponseRate()), confidenceText(t.ConfidenceAnswers, t.Before), confidenceText(t.ConfidenceAnswers, t.After))
		if t.AttendeesAsked > 0 {
			sentence += fmt.Sprintf(" Three months on, %d of %d answered the follow-up, with confidence at %s.",
				t.AttendeesAnswered, t.AttendeesAsked, confidenceText(t.LaterAnswers, t.Later))
		}
		if t.LineManagersAsked > 0 {
			sentence += fmt.Sprintf(" %d of %d line managers answered, and put their staff's confidence at %s.",
				t.LineManagersAnswered, t.LineManagersAsked, confidenceText(t.LineManagerAnswers, t.LineManagersLater))
		}
	}
	content := reportContent{Headline: headline, Sentence: sentence, Tables: []reportTable{courses, outcomes, ratings}}
	if len(labels) > 0 {
		content.Charts = []barChart{newBarChart("chart-confidence", "The rise in confidence, by course",
			"How far average confidence on each course’s learning outcomes rose from before the session to after it, on a scale of 1 to 5. The table by course follows.",
			labels, values, texts)}
	}
	return content
}
