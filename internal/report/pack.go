package report

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/pscp/booktraining/internal/agency"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/payment/money"
)

// The annual pack: every report of a period in one XLSX workbook, a sheet
// each, for the partnership board. Each report sheet is written row by row
// through excelize's stream writer, so a sheet's rows are not held as a
// document in memory while the workbook is made.

// Pack sheets, in the order the workbook has them.
const (
	SheetCover         = "Cover"
	SheetDelivery      = "Delivery"
	SheetAttendance    = "Attendance"
	SheetNonAttendance = "Non-attendance"
	SheetUnmetDemand   = "Unmet demand"
	SheetRequests      = "Requests"
	SheetMoney         = "Money"
	SheetLedger        = "Contribution ledger"
	SheetTrainers      = "Trainers"
	SheetEvaluation    = "Evaluation"
)

// PackFileName is the name the pack is downloaded as.
func PackFileName(p Period) string {
	return "annual-pack-" + london.ISODate(p.From) + "-to-" + london.ISODate(p.To) + ".xlsx"
}

// packStyles are the workbook's cell styles.
type packStyles struct {
	title, header, percent, decimal, pounds, date, dateTime int
}

func newPackStyles(f *excelize.File) (packStyles, error) {
	var s packStyles
	for _, st := range []struct {
		to    *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&s.header, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&s.percent, excelize.Style{NumFmt: 9}}, // 0%
		{&s.decimal, excelize.Style{CustomNumFmt: ptr("0.0")}},
		{&s.pounds, excelize.Style{CustomNumFmt: ptr(`"£"#,##0.00`)}},
		{&s.date, excelize.Style{CustomNumFmt: ptr("d mmmm yyyy")}},
		{&s.dateTime, excelize.Style{CustomNumFmt: ptr("d mmmm yyyy h:mm")}},
	} {
		id, err := f.NewStyle(&st.style)
		if err != nil {
			return s, fmt.Errorf("pack style: %w", err)
		}
		*st.to = id
	}
	return s, nil
}

func ptr[T any](v T) *T { return &v }

// packSheet writes one report's sheet, a row at a time.
type packSheet struct {
	sw  *excelize.StreamWriter
	st  packStyles
	row int
	err error
}

// Cell values for packSheet.line: numbers stay numbers, with a format.
type (
	pct   float64     // a share, 0 to 1, shown as a percentage
	dec   float64     // an average or hours, one decimal place
	cash  money.Pence // an amount, shown in pounds
	day   time.Time   // a London date
	clock time.Time   // a London date and time
)

func (s *packSheet) line(style int, values ...any) {
	if s.err != nil {
		return
	}
	s.row++
	cells := make([]any, len(values))
	for i, v := range values {
		c := excelize.Cell{StyleID: style, Value: v}
		switch v := v.(type) {
		case pct:
			c.StyleID, c.Value = s.st.percent, float64(v)
		case dec:
			c.StyleID, c.Value = s.st.decimal, float64(v)
		case cash:
			c.StyleID, c.Value = s.st.pounds, float64(v)/100
		case day:
			c.StyleID, c.Value = s.st.date, wallClock(time.Time(v))
		case clock:
			c.StyleID, c.Value = s.st.dateTime, wallClock(time.Time(v))
		}
		cells[i] = c
	}
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	if err := s.sw.SetRow(cell, cells); err != nil {
		s.err = err
	}
}

// values writes a row of figures; header a row of bold column names; title
// the sheet's first, large row; gap an empty row between tables.
func (s *packSheet) values(values ...any) { s.line(0, values...) }
func (s *packSheet) header(names ...any)  { s.line(s.st.header, names...) }
func (s *packSheet) heading(text string)  { s.line(s.st.header, text) }
func (s *packSheet) gap()                 { s.row++ }
func (s *packSheet) title(text string)    { s.line(s.st.title, text) }
func (s *packSheet) widths(w ...float64) {
	for i, width := range w {
		if s.err == nil {
			s.err = s.sw.SetColWidth(i+1, i+1, width)
		}
	}
}

// wallClock is t's London date and time as a zoneless time, which is what
// a spreadsheet's date cell holds.
func wallClock(t time.Time) time.Time {
	l := t.In(london.Zone)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
}

// avg is an average of n answers, an empty cell when there were none.
func avg(v float64, n int) any {
	if n == 0 {
		return ""
	}
	return dec(v)
}

// sectorName is a sector as people read it; "Not listed" for places of an
// organisation not yet listed.
func sectorName(s string) string {
	if s == "" {
		return "Not listed"
	}
	return agency.Sector(s).Label()
}

func agencyName(name string) string {
	if name == "" {
		return "Not listed"
	}
	return name
}

// writePack writes the period's annual pack for partnership to w as an
// XLSX workbook: a cover sheet, then a sheet per report.
func (s *Service) writePack(ctx context.Context, w io.Writer, p Period, partnership string) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	st, err := newPackStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetCover); err != nil {
		return fmt.Errorf("pack cover: %w", err)
	}
	if err := s.packCover(f, st, p, partnership); err != nil {
		return err
	}
	named := func(report string) string { return report + ", " + p.String() + ", " + partnership }
	for _, sh := range []struct {
		name  string
		write func(*packSheet) error
	}{
		{SheetDelivery, func(sh *packSheet) error { return s.packDelivery(ctx, sh, p, named) }},
		{SheetAttendance, func(sh *packSheet) error { return s.packAttendance(ctx, sh, p, named) }},
		{SheetNonAttendance, func(sh *packSheet) error { return s.packNonAttendance(ctx, sh, p, named) }},
		{SheetUnmetDemand, func(sh *packSheet) error { return s.packUnmet(ctx, sh, p, named) }},
		{SheetRequests, func(sh *packSheet) error { return s.packRequests(ctx, sh, p, named) }},
		{SheetMoney, func(sh *packSheet) error { return s.packMoney(ctx, sh, p, named) }},
		{SheetLedger, func(sh *packSheet) error { return s.packLedger(ctx, sh, p, named) }},
		{SheetTrainers, func(sh *packSheet) error { return s.packTrainers(ctx, sh, p, named) }},
		{SheetEvaluation, func(sh *packSheet) error { return s.packEvaluation(ctx, sh, p, named) }},
	} {
		if _, err := f.NewSheet(sh.name); err != nil {
			return fmt.Errorf("pack sheet %s: %w", sh.name, err)
		}
		sw, err := f.NewStreamWriter(sh.name)
		if err != nil {
			return fmt.Errorf("pack sheet %s: %w", sh.name, err)
		}
		ps := &packSheet{sw: sw, st: st}
		if err := sh.write(ps); err != nil {
			return err
		}
		if ps.err != nil {
			return fmt.Errorf("pack sheet %s: %w", sh.name, ps.err)
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("pack sheet %s: %w", sh.name, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write the pack: %w", err)
	}
	return nil
}

func (s *Service) packCover(f *excelize.File, st packStyles, p Period, partnership string) error {
	made := s.now()
	rows := []struct {
		label string
		value any
		style int
	}{
		{"Annual pack: training figures for the board", nil, st.title},
		{"Partnership", partnership, 0},
		{"Period", p.String(), 0},
		{"From", wallClock(p.From), st.date},
		{"To", wallClock(p.To), st.date},
		{"Made", wallClock(made), st.dateTime},
		{"Sessions count in the period they start in, London time. Each sheet is one report.", nil, 0},
	}
	for i, r := range rows {
		a, _ := excelize.CoordinatesToCellName(1, i+1)
		b, _ := excelize.CoordinatesToCellName(2, i+1)
		if err := f.SetCellValue(SheetCover, a, r.label); err != nil {
			return fmt.Errorf("pack cover: %w", err)
		}
		if r.value != nil {
			if err := f.SetCellValue(SheetCover, b, r.value); err != nil {
				return fmt.Errorf("pack cover: %w", err)
			}
		}
		style := r.style
		if i == 0 {
			if err := f.SetCellStyle(SheetCover, a, a, style); err != nil {
				return fmt.Errorf("pack cover: %w", err)
			}
			continue
		}
		if err := f.SetCellStyle(SheetCover, a, a, st.header); err != nil {
			return fmt.Errorf("pack cover: %w", err)
		}
		if style != 0 {
			if err := f.SetCellStyle(SheetCover, b, b, style); err != nil {
				return fmt.Errorf("pack cover: %w", err)
			}
		}
	}
	if err := f.SetColWidth(SheetCover, "A", "A", 16); err != nil {
		return fmt.Errorf("pack cover: %w", err)
	}
	if err := f.SetColWidth(SheetCover, "B", "B", 40); err != nil {
		return fmt.Errorf("pack cover: %w", err)
	}
	return nil
}

func (s *Service) packDelivery(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	d, err := s.Delivery(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(32, 12, 12, 10, 14, 14, 14, 10, 14)
	sh.title(named("Sessions and places delivered"))
	sh.gap()
	cols := []any{"Sessions delivered", "Cancelled", "To come", "Places offered", "Places booked", "Places attended", "Fill rate", "Attendance rate"}
	sh.heading("By course")
	sh.header(append([]any{"Course"}, cols...)...)
	row := func(first any, r DeliveryRow) {
		sh.values(first, r.Delivered, r.Cancelled, r.ToCome, r.Offered, r.Booked, r.Attended, pct(r.FillRate()), pct(r.AttendanceRate()))
	}
	for _, r := range d.ByCourse {
		row(r.Course, r)
	}
	row("Total", d.Total)
	sh.gap()
	sh.heading("By month")
	sh.header(append([]any{"Month"}, cols...)...)
	for _, r := range d.ByMonth {
		row(london.MonthYear(r.Month), r)
	}
	row("Total", d.Total)
	return nil
}

var placesCols = []any{"Places booked", "Attended", "Of which late", "Absent", "Not marked", "Cancelled late", "Places lost", "Attendance rate"}

func placesRow(sh *packSheet, first []any, r Places) {
	sh.values(append(first, r.Booked, r.Attended, r.ArrivedLate, r.Absent, r.Unmarked, r.CancelledLate, r.PlacesLost(), pct(r.AttendanceRate()))...)
}

func (s *Service) packAttendance(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	a, err := s.Attendance(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(32, 24, 14, 12, 12, 12, 12, 14, 12, 14)
	sh.title(named("Attendance by agency and sector"))
	sh.gap()
	writePlaces(sh, a.ByAgency, a.BySector, a.Total)
	sh.gap()
	sh.heading("Sectors in the room")
	sh.header("Sectors among those who attended", "Sessions")
	for n, sessions := range a.Mix {
		label := fmt.Sprint(n)
		if n == len(a.Mix)-1 {
			label += " or more"
		}
		sh.values(label, sessions)
	}
	sh.gap()
	sh.heading("Each session delivered")
	sh.header("Course", "Starts", "Sectors", "Agencies", "Attended")
	for _, m := range a.Sessions {
		sh.values(m.Course, clock(m.StartsAt), m.Sectors, m.Agencies, m.Attended)
	}
	return nil
}

func writePlaces(sh *packSheet, byAgency, bySector []Places, total Places) {
	sh.heading("By agency")
	sh.header(append([]any{"Agency", "Sector"}, placesCols...)...)
	for _, r := range byAgency {
		placesRow(sh, []any{agencyName(r.Agency), sectorName(r.Sector)}, r)
	}
	placesRow(sh, []any{"Total", ""}, total)
	sh.gap()
	sh.heading("By sector")
	sh.header(append([]any{"Sector", ""}, placesCols...)...)
	for _, r := range bySector {
		placesRow(sh, []any{sectorName(r.Sector), ""}, r)
	}
	placesRow(sh, []any{"Total", ""}, total)
}

func (s *Service) packNonAttendance(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	n, err := s.NonAttendance(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(32, 24, 14, 12, 12, 12, 12, 14, 12, 14)
	sh.title(named("Non-attendance and late cancellation"))
	sh.gap()
	writePlaces(sh, n.ByAgency, n.BySector, n.Total)
	return nil
}

func (s *Service) packUnmet(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	u, err := s.UnmetDemand(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(32, 18, 28, 24)
	sh.title(named("Unmet demand: waiting lists that never got a place"))
	sh.gap()
	sh.header("Course", "Sessions delivered", "Sessions turning people away", "People not placed")
	for _, r := range u.ByCourse {
		sh.values(r.Course, r.Sessions, r.SessionsTurned, r.PeopleNotPlaced)
	}
	sh.values("Total", u.Total.Sessions, u.Total.SessionsTurned, u.Total.PeopleNotPlaced)
	return nil
}

func (s *Service) packRequests(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	r, err := s.Requests(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(44, 12)
	sh.title(named("Training requests"))
	sh.gap()
	sh.header("Figure", "Number")
	sh.values("Received", r.Received)
	sh.values("Accepted", r.Accepted)
	sh.values("Declined", r.Declined)
	sh.values("Target (working days to an answer)", r.TargetDays)
	sh.values("Answered within the target", r.WithinTarget)
	sh.values("Answered after the target", r.PastTarget)
	sh.values("Answered within the target (share)", pct(ratio(r.WithinTarget, r.WithinTarget+r.PastTarget)))
	sh.values("Median working days to an answer", r.MedianDays)
	sh.values("Longest working days to an answer", r.LongestDays)
	return nil
}

func (s *Service) packMoney(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	m, err := s.Money(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(24, 12, 14, 12, 14, 12, 14, 12, 14)
	sh.title(named("Charges and paid places"))
	sh.gap()
	sh.heading("Charges")
	sh.header("Kind", "Proposed", "Proposed (£)", "Waived", "Waived (£)", "Invoiced", "Invoiced (£)", "Paid", "Paid (£)")
	row := func(name string, c Charges) {
		sh.values(name, c.Proposed.N, cash(c.Proposed.Pence), c.Waived.N, cash(c.Waived.Pence),
			c.Invoiced.N, cash(c.Invoiced.Pence), c.Paid.N, cash(c.Paid.Pence))
	}
	for _, c := range m.ByKind {
		name := c.Kind
		switch c.Kind {
		case "non_attendance":
			name = "Non-attendance"
		case "late_cancellation":
			name = "Late cancellation"
		}
		row(name, c)
	}
	row("Total", m.Charges)
	sh.gap()
	sh.heading("Paid places")
	sh.header("", "Places", "Amount (£)")
	sh.values("Paid", m.Places.Paid.N, cash(m.Places.Paid.Pence))
	sh.values("Refunded", m.Places.Refunded.N, cash(m.Places.Refunded.Pence))
	sh.values("Owed on invoice", m.Places.Owed.N, cash(m.Places.Owed.Pence))
	sh.values("Income kept", "", cash(m.Places.Income()))
	return nil
}

func (s *Service) packLedger(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	l, err := s.Ledger(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(32, 24, 14, 14, 16, 18, 14)
	sh.title(named("Trainers' contribution ledger"))
	sh.gap()
	sh.header("Agency", "Sector", "Deliveries", "Hours given", "Places attended", "Hours received", "Balance (hours)")
	row := func(name, sector string, c Contribution) {
		sh.values(name, sector, c.Deliveries, dec(c.HoursGiven()), c.PlacesAttended, dec(c.HoursReceived()),
			dec(float64(c.BalanceMinutes())/60))
	}
	for _, c := range l.Agencies {
		row(agencyName(c.Agency), sectorName(c.Sector), c)
	}
	row("Total", "", l.Total)
	return nil
}

func (s *Service) packTrainers(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	trainers, err := s.Trainers(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(28, 28, 32, 20, 10, 32)
	sh.title(named("Trainers' sessions"))
	sh.gap()
	sh.header("Trainer", "Agency", "Course", "Starts", "Hours", "Delivered with")
	for _, t := range trainers {
		for _, d := range t.Sessions {
			sh.values(t.Name, t.Agency, d.Course, clock(d.StartsAt), dec(float64(d.Minutes)/60), d.CoTrainers)
		}
		sh.values(t.Name+", total", "", fmt.Sprintf("%d sessions", len(t.Sessions)), "", dec(float64(t.Minutes)/60), "")
	}
	return nil
}

func (s *Service) packEvaluation(ctx context.Context, sh *packSheet, p Period, named func(string) string) error {
	e, err := s.Evaluation(ctx, p)
	if err != nil {
		return err
	}
	sh.widths(44, 12, 12, 14, 14, 14, 14, 12, 14, 14, 14, 14)
	sh.title(named("Evaluation and impact"))
	sh.gap()
	sh.heading("By course")
	sh.header("Course", "Asked", "Answered", "Response rate", "Confidence before", "Confidence after", "Shift",
		"Follow-ups asked", "Follow-ups answered", "Line managers asked", "Line managers answered", "Confidence 3 months on")
	row := func(name string, r EvaluationRow) {
		sh.values(name, r.Asked, r.Answered, pct(r.ResponseRate()), avg(r.Before, r.ConfidenceAnswers), avg(r.After, r.ConfidenceAnswers),
			avg(r.Shift(), r.ConfidenceAnswers), r.AttendeesAsked, r.AttendeesAnswered, r.LineManagersAsked, r.LineManagersAnswered,
			avg(r.Later, r.LaterAnswers))
	}
	for _, r := range e.ByCourse {
		row(r.Course, r)
	}
	row("Total", e.Total)
	sh.gap()
	sh.heading("Standard questions, all courses (1 to 5)")
	sh.header("Question", "Answered", "Average")
	for _, q := range e.Total.Ratings {
		sh.values(q.Question, q.Answered, dec(q.Average))
	}
	sh.gap()
	sh.heading("Confidence on each learning outcome (1 to 5)")
	sh.header("Course and outcome", "Answered", "Before", "After", "Shift", "3 months on", "Line managers")
	for _, o := range e.Outcomes {
		sh.values(o.Course+": "+o.Outcome, o.Answered, avg(o.Before, o.Answered), avg(o.After, o.Answered), avg(o.Shift(), o.Answered),
			avg(o.Later, o.LaterAnswered), avg(o.LineManagers, o.LineManagersAnswered))
	}
	return nil
}
