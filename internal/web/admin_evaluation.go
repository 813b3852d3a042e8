package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/figcache"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/validation"
)

// --- evaluation: the settings and standard questions (training managers),
// and the results of sessions and courses (managers, and a session's
// trainers) ---

// evaluations are the evaluation pages.
type evaluations struct {
	*app
	svc *evaluation.Service
	// rendered keeps a course's results rendered, for the results kept
	// (evaluation's Figures): at a hundred times a year a course's twelve
	// months run to thousands of comments.
	rendered *renderedKept
}

// renderedKept is HTML rendered once for figures kept, by a key naming the
// page and the figures' version; past renderedKeptAtMost all are forgotten
// at once (figures counted again make their keys stale anyway).
type renderedKept struct {
	mu sync.Mutex
	m  map[string]template.HTML
}

const renderedKeptAtMost = 32

func newRenderedKept() *renderedKept { return &renderedKept{m: map[string]template.HTML{}} }

// get returns the HTML kept for key, rendering it with render the first
// time.
func (k *renderedKept) get(key string, render func() (template.HTML, error)) (template.HTML, error) {
	k.mu.Lock()
	h, ok := k.m[key]
	k.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := render()
	if err != nil {
		return "", err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) >= renderedKeptAtMost {
		clear(k.m)
	}
	k.m[key] = h
	return h, nil
}

// confidenceScale is the five-point scale each learning outcome is rated
// on, before and after, as the settings page shows the fixed questions.
var confidenceScale = []string{"Not at all confident", "Slightly confident", "Fairly confident", "Confident", "Very confident"}

type adminEvaluationPage struct {
	adminArea
	fieldErrors
	Form       evaluation.SettingsForm
	UpdatedAt  *time.Time
	Questions  []evaluation.Question
	Confidence []string
}

func (h *evaluations) showSettings(c *fiber.Ctx, f *evaluation.SettingsForm, errs *validation.Errors) error {
	ctx := c.UserContext()
	st, err := h.svc.Settings(ctx)
	if err != nil {
		return err
	}
	qs, err := h.svc.Questions(ctx)
	if err != nil {
		return err
	}
	d := adminEvaluationPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Form: st.Form(),
		UpdatedAt: st.UpdatedAt, Questions: qs, Confidence: confidenceScale}
	if f != nil {
		d.Form = *f
	}
	return h.renderForm(c, "admin/evaluation/settings", "Evaluation", d, errs)
}

func (h *evaluations) settings(c *fiber.Ctx) error { return h.showSettings(c, nil, nil) }

func (h *evaluations) saveSettings(c *fiber.Ctx) error {
	f := evaluation.SettingsForm{
		ReminderDays:               c.FormValue("reminder-days"),
		CloseDays:                  c.FormValue("close-days"),
		FollowUpWeeks:              c.FormValue("follow-up-weeks"),
		FollowUpCloseDays:          c.FormValue("follow-up-close-days"),
		CertificateNeedsEvaluation: c.FormValue("certificate-needs-evaluation") == "yes",
	}
	err := h.svc.SaveSettings(c.UserContext(), f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showSettings(c, &f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/evaluation?done=evaluation-settings", fiber.StatusSeeOther)
}

type adminQuestionPage struct {
	adminArea
	fieldErrors
	Question *evaluation.Question // nil for a new one
	Form     evaluation.QuestionForm
	Kinds    []evaluation.QuestionKind
}

func (h *evaluations) showQuestion(c *fiber.Ctx, q *evaluation.Question, f evaluation.QuestionForm, errs *validation.Errors) error {
	title := "Add a question"
	if q != nil {
		title = "Change a question"
	}
	d := adminQuestionPage{adminArea: newAdminArea(c), fieldErrors: fieldErrors{errs}, Question: q, Form: f,
		Kinds: evaluation.QuestionKinds}
	return h.renderForm(c, "admin/evaluation/question", title, d, errs)
}

func questionFormValues(c *fiber.Ctx) evaluation.QuestionForm {
	return evaluation.QuestionForm{Kind: c.FormValue(evaluation.FieldQuestionKind),
		Wording: c.FormValue(evaluation.FieldQuestionWording), Hint: c.FormValue(evaluation.FieldQuestionHint)}
}

func (h *evaluations) newQuestion(c *fiber.Ctx) error {
	return h.showQuestion(c, nil, evaluation.QuestionForm{}, nil)
}

func (h *evaluations) addQuestion(c *fiber.Ctx) error {
	f := questionFormValues(c)
	_, err := h.svc.AddQuestion(c.UserContext(), f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showQuestion(c, nil, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/evaluation?done=question-added#questions", fiber.StatusSeeOther)
}

// questionParam loads the question version named by the path. A version
// no longer asked is not found here: its page would change nothing.
func (h *evaluations) questionParam(c *fiber.Ctx) (evaluation.Question, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return evaluation.Question{}, err
	}
	q, err := h.svc.Question(c.UserContext(), id)
	if err != nil {
		return q, err
	}
	if q.RetiredAt != nil {
		return q, evaluation.ErrQuestionChanged
	}
	return q, nil
}

func (h *evaluations) editQuestion(c *fiber.Ctx) error {
	q, err := h.questionParam(c)
	if err != nil {
		return err
	}
	return h.showQuestion(c, &q, q.Form(), nil)
}

func (h *evaluations) changeQuestion(c *fiber.Ctx) error {
	q, err := h.questionParam(c)
	if err != nil {
		return err
	}
	f := questionFormValues(c)
	f.Kind = "" // a question keeps its kind
	_, err = h.svc.ChangeQuestion(c.UserContext(), q.ID, f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		f.Kind = string(q.Kind)
		return h.showQuestion(c, &q, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/evaluation?done=question-changed#questions", fiber.StatusSeeOther)
}

func (h *evaluations) removeQuestion(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.svc.RetireQuestion(c.UserContext(), id); err != nil {
		return err
	}
	return c.Redirect("/admin/evaluation?done=question-removed#questions", fiber.StatusSeeOther)
}

func (h *evaluations) moveQuestion(up bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		if err := h.svc.MoveQuestion(c.UserContext(), id, up); err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/admin/evaluation?done=question-moved#question-%d", id), fiber.StatusSeeOther)
	}
}

// --- results ---

type evaluationResultsPage struct {
	adminArea
	fieldErrors
	Results evaluation.Results
	// Manager: the page is a training manager's (agencies shown with
	// comments, a CSV to download); otherwise a trainer's.
	Manager bool
	// Back and BackText: the page this one was reached from.
	Back, BackText string
	// CSV: where the answers download from; "" for a trainer.
	CSV string
	// From and To: the course page's period, as its date inputs show it.
	From, To london.DateInput
	// Period: the course page's period in words.
	Period string
	// AsOf: when the course page's results were counted.
	AsOf string
	// Rendered: the results already rendered (the course page's, kept);
	// empty where the page renders them.
	Rendered template.HTML
}

func (h *evaluations) sessionResults(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.svc.SessionResults(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := evaluationResultsPage{adminArea: newAdminArea(c), Results: r, Manager: true,
		Back: fmt.Sprintf("/admin/sessions/%d", id), BackText: "Back to the session",
		CSV: fmt.Sprintf("/admin/sessions/%d/evaluation.csv", id)}
	return h.render(c, fiber.StatusOK, "admin/evaluation/session", "Evaluation of "+r.CourseTitle, d)
}

func (h *evaluations) trainerSessionResults(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.svc.SessionResults(c.UserContext(), id)
	if err != nil {
		return err
	}
	d := evaluationResultsPage{Results: r, Back: fmt.Sprintf("/trainer/sessions/%d", id), BackText: "Back to the session"}
	return h.render(c, fiber.StatusOK, "trainer/evaluation", "Evaluation of "+r.CourseTitle, d)
}

func (h *evaluations) sessionCSV(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var buf bytes.Buffer // written whole, so an error is shown as a page, not a download
	if err := h.svc.WriteSessionCSV(c.UserContext(), &buf, id); err != nil {
		return err
	}
	return sendCSV(c, fmt.Sprintf("evaluation-session-%d.csv", id), buf.Bytes())
}

// sendCSV sends a CSV file to download.
func sendCSV(c *fiber.Ctx, filename string, body []byte) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Send(body)
}

// coursePeriod reads the course page's period: whole London days, the
// last one included; zero times where nothing was typed (the service's
// default, the last twelve months).
func coursePeriod(c *fiber.Ctx) (from, to time.Time, in [2]london.DateInput, v *validation.Errors) {
	in[0] = london.DateInput{Day: c.Query("from-day"), Month: c.Query("from-month"), Year: c.Query("from-year")}
	in[1] = london.DateInput{Day: c.Query("to-day"), Month: c.Query("to-month"), Year: c.Query("to-year")}
	v = &validation.Errors{}
	if f := parseDate(v, "from", "Date from", in[0], 0); f != nil {
		from = *f
	}
	if t := parseDate(v, "to", "Date to", in[1], 1); t != nil { // up to the end of that day
		to = *t
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		v.Add("to-day", "Date to must be the same as or after date from")
	}
	if len(v.Fields) == 0 {
		v = nil
	}
	return from, to, in, v
}

func (h *evaluations) courseResults(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	from, to, in, verr := coursePeriod(c)
	d := evaluationResultsPage{adminArea: newAdminArea(c), Manager: true, From: in[0], To: in[1],
		Back: fmt.Sprintf("/admin/courses/%d", id), BackText: "Back to the course"}
	if verr != nil {
		// The period is wrong: say so, with the last twelve months' results
		// left out until it is put right.
		d.fieldErrors = fieldErrors{verr}
		r, err := h.svc.CourseResults(c.UserContext(), id, time.Time{}, time.Time{})
		if err != nil {
			return err
		}
		d.Results = evaluation.Results{CourseID: r.CourseID, CourseTitle: r.CourseTitle}
		return h.renderForm(c, "admin/evaluation/course", "Evaluation of "+r.CourseTitle, d, verr)
	}
	asOf := figuresAsOf(c)
	ctx, version := figcache.WithAsOfVersion(c.UserContext())
	r, err := h.svc.CourseResults(ctx, id, from, to)
	if err != nil {
		return err
	}
	d.Results, d.AsOf = r, asOf()
	_, v := version()
	d.Rendered, err = h.rendered.get(fmt.Sprintf("course|%d|%s|%s", id, c.Request().URI().QueryString(), v), func() (template.HTML, error) {
		t, _, err := h.pages.lookup("admin/evaluation/course")
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "evaluationResults", d); err != nil {
			return "", fmt.Errorf("render the results of course %d: %w", id, err)
		}
		return template.HTML(buf.String()), nil //nolint:gosec // our own template's escaped output
	})
	if err != nil {
		return err
	}
	d.Period = london.Date(r.From) + " to " + london.Date(r.To.Add(-time.Second))
	if in[0].Blank() && in[1].Blank() {
		d.From, d.To = london.InputOf(r.From), london.InputOf(r.To.Add(-time.Second))
	}
	q := url.Values{"from-day": {d.From.Day}, "from-month": {d.From.Month}, "from-year": {d.From.Year},
		"to-day": {d.To.Day}, "to-month": {d.To.Month}, "to-year": {d.To.Year}}
	d.CSV = fmt.Sprintf("/admin/courses/%d/evaluation.csv?%s", id, q.Encode())
	return h.renderForm(c, "admin/evaluation/course", "Evaluation of "+r.CourseTitle, d, nil)
}

func (h *evaluations) courseCSV(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	from, to, _, verr := coursePeriod(c)
	if verr != nil { // the course page says what is wrong with the period
		return c.Redirect(fmt.Sprintf("/admin/courses/%d/evaluation?%s", id, c.Request().URI().QueryString()), fiber.StatusSeeOther)
	}
	var buf bytes.Buffer
	if err := h.svc.WriteCourseCSV(c.UserContext(), &buf, id, from, to); err != nil {
		return err
	}
	return sendCSV(c, fmt.Sprintf("evaluation-course-%d.csv", id), buf.Bytes())
}
