package evaluation

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/evaluation/internal/evaluationdb"
	"github.com/pscp/booktraining/internal/figcache"
	"github.com/pscp/booktraining/internal/london"
)

// WriteSessionCSV writes one session's answered evaluations as CSV, for a
// training manager: a row for each, naming no one.
func (s *Service) WriteSessionCSV(ctx context.Context, w io.Writer, sessionID int64) error {
	if !actor.From(ctx).Manager {
		return ErrForbidden
	}
	var d answers
	err := s.readResults(ctx, func(q *evaluationdb.Queries) error {
		if _, err := q.ResultsSession(ctx, sessionID); err != nil {
			return notFoundIfNoRows(err, fmt.Sprintf("session %d", sessionID))
		}
		var err error
		d, err = loadAnswers(ctx, q, []int64{sessionID})
		return err
	})
	if err != nil {
		return err
	}
	return d.writeCSV(w)
}

// WriteCourseCSV writes the answered evaluations of a course's sessions that
// ended in [from, to) (the last twelve months when zero) as CSV, for a
// training manager.
func (s *Service) WriteCourseCSV(ctx context.Context, w io.Writer, courseID int64, from, to time.Time) error {
	if !actor.From(ctx).Manager {
		return ErrForbidden
	}
	b, err := figcache.Get(ctx, s.Figures, figcache.Key(fmt.Sprintf("course-csv|%d", courseID), from, to), true,
		func(ctx context.Context) ([]byte, error) {
			var buf bytes.Buffer
			err := s.writeCourseCSV(ctx, &buf, courseID, from, to)
			return buf.Bytes(), err
		})
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// writeCourseCSV is WriteCourseCSV counted now.
func (s *Service) writeCourseCSV(ctx context.Context, w io.Writer, courseID int64, from, to time.Time) error {
	from, to = s.Period(from, to)
	var d answers
	err := s.readResults(ctx, func(q *evaluationdb.Queries) error {
		_, sessions, err := courseSessions(ctx, q, courseID, from, to)
		if err != nil {
			return err
		}
		d, err = loadAnswers(ctx, q, sessions)
		return err
	})
	if err != nil {
		return err
	}
	return d.writeCSV(w)
}

// writeCSV writes a row for each answered evaluation: the session, the
// person's agency and sector (never their name), when they answered, their
// confidence on each outcome, each question's answer, and the follow-ups'
// answers when there are any.
func (d answers) writeCSV(w io.Writer) error {
	outcomes := d.outcomeOrder()
	for _, o := range d.impact { // outcomes rated only three months on
		if !slices.Contains(outcomes, o.Outcome) {
			outcomes = append(outcomes, o.Outcome)
		}
	}
	header := []string{"Session date", "Course", "Agency", "Sector", "Submitted"}
	for _, o := range outcomes {
		header = append(header, "Before: "+o, "After: "+o)
	}
	for _, l := range d.lineages {
		header = append(header, d.latest[l].Wording)
	}
	for _, who := range []string{"Three months on", "Line manager"} {
		header = append(header, who+": an example from practice", who+": what got in the way")
		for _, o := range outcomes {
			header = append(header, who+": confidence now: "+o)
		}
	}
	for i := range header {
		header[i] = csvSafe(header[i])
	}

	type key struct {
		booking int64
		name    string
	}
	outcomeAt := map[key]evaluationdb.EvaluationOutcome{}
	for _, o := range d.outcomes {
		outcomeAt[key{o.BookingID, o.Outcome}] = o
	}
	answerAt := map[key]string{}
	for _, a := range d.questions {
		k := key{a.BookingID, strconv.FormatInt(a.Lineage, 10)}
		switch {
		case a.Rating != nil:
			answerAt[k] = strconv.Itoa(int(*a.Rating))
		case a.Yes != nil && *a.Yes:
			answerAt[k] = "Yes"
		case a.Yes != nil:
			answerAt[k] = "No"
		case a.Answer != nil:
			answerAt[k] = *a.Answer
		}
	}
	followUpAt := map[key]evaluationdb.ResultsFollowUpsRow{}
	for _, f := range d.followUps {
		if f.SubmittedAt != nil {
			followUpAt[key{f.BookingID, string(f.Respondent)}] = f
		}
	}
	laterAt := map[key]string{}
	for _, o := range d.impact {
		laterAt[key{o.BookingID, string(o.Respondent) + "\x00" + o.Outcome}] = strconv.Itoa(int(o.Confidence))
	}

	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, e := range d.evaluations {
		row := []string{london.ISODate(e.StartsAt), e.CourseTitle, e.Agency, sectorWords(e.Sector), london.ISODate(e.SubmittedAt)}
		for _, o := range outcomes {
			if r, ok := outcomeAt[key{e.BookingID, o}]; ok {
				row = append(row, strconv.Itoa(int(r.Before)), strconv.Itoa(int(r.After)))
			} else {
				row = append(row, "", "")
			}
		}
		for _, l := range d.lineages {
			row = append(row, answerAt[key{e.BookingID, strconv.FormatInt(l, 10)}])
		}
		for _, who := range []evaluationdb.ImpactRespondent{evaluationdb.ImpactRespondentAttendee, evaluationdb.ImpactRespondentLineManager} {
			f := followUpAt[key{e.BookingID, string(who)}]
			row = append(row, deref(f.Example), deref(f.Barriers))
			for _, o := range outcomes {
				row = append(row, laterAt[key{e.BookingID, string(who) + "\x00" + o}])
			}
		}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe stops a spreadsheet from reading a cell as a formula (CSV
// injection): text starting with = + - @ (or a tab or carriage return,
// which some spreadsheets skip before reading one) gets a leading
// apostrophe. The web app's own CSV downloads do the same.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
