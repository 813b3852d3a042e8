package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/evaluation"
	"github.com/pscp/booktraining/internal/validation"
)

// --- Evaluation: the attendee's evaluation of a session, the impact
// follow-up three months on, and their line manager's follow-up through a
// link that needs no account ---

// scaleChoices are the five points of a scale, valued 1 to 5.
func scaleChoices(labels []string) []choice {
	out := make([]choice, len(labels))
	for i, l := range labels {
		out[i] = choice{Value: strconv.Itoa(i + 1), Text: l}
	}
	return out
}

// outcomeField is one learning outcome on a form: its fields, what was
// chosen and what is wrong.
type outcomeField struct {
	Position            int
	Text                string
	BeforeName, NowName string
	Before, Now         string
	BeforeErr, NowErr   string
	ConfidenceName      string // the follow-up's one question
	Confidence, ConfErr string
}

// questionField is one standard question on the evaluation form.
type questionField struct {
	evaluation.Question
	Name, Value, Error string
}

type evaluationPage struct {
	Form      evaluation.Form
	Outcomes  []outcomeField
	Questions []questionField
	// The scales' items.
	Confidence, Ratings, YesNo []choice
	Action                     string
}

func (a *app) evaluationPageOf(f evaluation.Form, ans evaluation.Answers, v *validation.Errors) evaluationPage {
	msg := func(field string) string {
		if v == nil {
			return ""
		}
		return v.Message(field)
	}
	p := evaluationPage{Form: f, Confidence: scaleChoices(evaluation.ConfidenceLabels), Ratings: scaleChoices(evaluation.RatingLabels),
		YesNo: []choice{{Value: "yes", Text: "Yes"}, {Value: "no", Text: "No"}}, Action: evaluation.EvaluationPath(f.BookingID)}
	for i, o := range f.Outcomes {
		pos := i + 1
		of := outcomeField{Position: pos, Text: o, BeforeName: evaluation.BeforeField(pos), NowName: evaluation.NowField(pos),
			Before: ans.Before[pos], Now: ans.Now[pos]}
		of.BeforeErr, of.NowErr = msg(of.BeforeName), msg(of.NowName)
		p.Outcomes = append(p.Outcomes, of)
	}
	for _, q := range f.Questions {
		name := evaluation.QuestionField(q.ID)
		p.Questions = append(p.Questions, questionField{Question: q, Name: name, Value: ans.Questions[q.ID], Error: msg(name)})
	}
	return p
}

// evaluationDone is the page of an evaluation answered: a confirmation just
// after sending it, else a note of when it was.
type evaluationDone struct {
	Form evaluation.Form
	Sent bool
}

// evaluationForm shows the person's evaluation of their own attended
// place; someone else's place is not found, as a made-up one.
func (a *app) evaluationForm(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, err := a.deps.Evaluations.Form(c.UserContext(), id)
	if err != nil {
		return a.evaluationRefusal(c, err)
	}
	if f.SubmittedAt != nil {
		return a.render(c, fiber.StatusOK, "evaluation/done", "Evaluation sent",
			evaluationDone{Form: f, Sent: c.Query("done") == "sent"})
	}
	return a.render(c, fiber.StatusOK, "evaluation/form", "Evaluate the session",
		a.evaluationPageOf(f, evaluation.Answers{}, nil))
}

// evaluationSubmit saves the answers once; the form comes back with its
// errors and every answer typed, or the answered page follows.
func (a *app) evaluationSubmit(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ans := evaluation.Answers{Before: map[int]string{}, Now: map[int]string{}, Questions: map[int64]string{}}
	for _, s := range c.Request().PostArgs().PeekMulti("shown") {
		qid, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || qid <= 0 {
			return fiber.ErrBadRequest
		}
		ans.Shown = append(ans.Shown, qid)
	}
	for _, qid := range ans.Shown {
		ans.Questions[qid] = c.FormValue(evaluation.QuestionField(qid))
	}
	// The outcomes are as many as the course has: read what was sent for
	// each position up to the first the form did not have.
	for pos := 1; pos <= 20; pos++ {
		b, n := c.FormValue(evaluation.BeforeField(pos)), c.FormValue(evaluation.NowField(pos))
		if b != "" {
			ans.Before[pos] = b
		}
		if n != "" {
			ans.Now[pos] = n
		}
	}
	err = a.deps.Evaluations.Submit(c.UserContext(), id, ans)
	var v *validation.Errors
	switch {
	case err == nil:
		return c.Redirect(evaluation.EvaluationPath(id)+"?done=sent", fiber.StatusSeeOther)
	case errors.Is(err, evaluation.ErrAlreadyEvaluated):
		// A second click or tab: the page of the answer already saved.
		return c.Redirect(evaluation.EvaluationPath(id), fiber.StatusSeeOther)
	case errors.As(err, &v):
		f, ferr := a.deps.Evaluations.Form(c.UserContext(), id)
		if ferr != nil {
			return a.evaluationRefusal(c, ferr)
		}
		// The form as it was shown: its questions, even if changed since.
		f.Questions = shownOnly(f.Questions, ans.Shown)
		return a.renderForm(c, "evaluation/form", "Evaluate the session", a.evaluationPageOf(f, ans, v), v)
	default:
		return a.evaluationRefusal(c, err)
	}
}

// shownOnly keeps the questions a form showed, when it said which.
func shownOnly(qs []evaluation.Question, shown []int64) []evaluation.Question {
	if len(shown) == 0 {
		return qs
	}
	keep := map[int64]bool{}
	for _, id := range shown {
		keep[id] = true
	}
	var out []evaluation.Question
	for _, q := range qs {
		if keep[q.ID] {
			out = append(out, q)
		}
	}
	return out
}

// evaluationRefusal answers an evaluation or follow-up that cannot be
// answered now with a page that says why; any other error goes to the
// error pages.
func (a *app) evaluationRefusal(c *fiber.Ctx, err error) error {
	if msg, ok := errs.PublicMessage(err); ok && errs.Is(err, errs.Conflict) {
		title := "You cannot answer this now"
		switch {
		case errors.Is(err, evaluation.ErrNotAttended):
			title = "There is no evaluation for this place"
		case errors.Is(err, evaluation.ErrNoFollowUp):
			title = "There is no follow-up for this place yet"
		case strings.Contains(msg, " closed on ") || strings.Contains(msg, " expired on "):
			title = "This has closed"
		}
		m := messagePage{Paragraphs: []string{msg}}
		if currentUser(c) != nil {
			m.Link = &link{Href: "/my-training", Text: "Back to My training"}
		}
		return a.message(c, fiber.StatusConflict, title, m)
	}
	return err
}

// impactPage is the follow-up form, the person's own or their line
// manager's.
type impactPage struct {
	Form        evaluation.ImpactForm
	LineManager bool
	Outcomes    []outcomeField
	Example     string
	ExampleErr  string
	Barriers    string
	BarriersErr string
	Confidence  []choice
	Action      string
}

func impactPageOf(f evaluation.ImpactForm, lineManager bool, action string, ans evaluation.ImpactAnswers, v *validation.Errors) impactPage {
	msg := func(field string) string {
		if v == nil {
			return ""
		}
		return v.Message(field)
	}
	p := impactPage{Form: f, LineManager: lineManager, Example: ans.Example, ExampleErr: msg(evaluation.ExampleField),
		Barriers: ans.Barriers, BarriersErr: msg(evaluation.BarriersField), Confidence: scaleChoices(evaluation.ConfidenceLabels),
		Action: action}
	for i, o := range f.Outcomes {
		pos := i + 1
		name := evaluation.ConfidenceField(pos)
		p.Outcomes = append(p.Outcomes, outcomeField{Position: pos, Text: o, ConfidenceName: name,
			Confidence: ans.Confidence[pos], ConfErr: msg(name)})
	}
	return p
}

func impactAnswersOf(c *fiber.Ctx, outcomes int) evaluation.ImpactAnswers {
	ans := evaluation.ImpactAnswers{Example: c.FormValue(evaluation.ExampleField), Barriers: c.FormValue(evaluation.BarriersField),
		Confidence: map[int]string{}}
	for pos := 1; pos <= outcomes; pos++ {
		ans.Confidence[pos] = c.FormValue(evaluation.ConfidenceField(pos))
	}
	return ans
}

// impactDone is the page of a follow-up answered.
type impactDone struct {
	Form        evaluation.ImpactForm
	LineManager bool
	Sent        bool
}

const impactTitle = "How the learning has been used"

// followUpForm shows the person's own impact follow-up of their place.
func (a *app) followUpForm(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, err := a.deps.Evaluations.FollowUp(c.UserContext(), id)
	if err != nil {
		return a.evaluationRefusal(c, err)
	}
	if f.SubmittedAt != nil {
		return a.render(c, fiber.StatusOK, "evaluation/followup-done", "Follow-up sent",
			impactDone{Form: f, Sent: c.Query("done") == "sent"})
	}
	return a.render(c, fiber.StatusOK, "evaluation/followup", impactTitle,
		impactPageOf(f, false, evaluation.FollowUpPath(id), evaluation.ImpactAnswers{}, nil))
}

func (a *app) followUpSubmit(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, err := a.deps.Evaluations.FollowUp(c.UserContext(), id)
	if err != nil {
		return a.evaluationRefusal(c, err)
	}
	ans := impactAnswersOf(c, len(f.Outcomes))
	err = a.deps.Evaluations.SubmitFollowUp(c.UserContext(), id, ans)
	var v *validation.Errors
	switch {
	case err == nil:
		return c.Redirect(evaluation.FollowUpPath(id)+"?done=sent", fiber.StatusSeeOther)
	case errors.Is(err, evaluation.ErrAlreadyFollowedUp):
		return c.Redirect(evaluation.FollowUpPath(id), fiber.StatusSeeOther)
	case errors.As(err, &v):
		return a.renderForm(c, "evaluation/followup", impactTitle, impactPageOf(f, false, evaluation.FollowUpPath(id), ans, v), v)
	default:
		return a.evaluationRefusal(c, err)
	}
}

// lineManagerPage readies a page of the line manager's link: no referrer
// leaves it (the link is its secret), and a visitor gets a login for the
// form's CSRF token.
func (a *app) lineManagerPage(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	_, err := a.ensureLogin(c)
	return err
}

// lineManagerForm is the follow-up a line manager's link opens: the
// person's name, the course, its date and outcomes, nothing more. It
// changes nothing.
func (a *app) lineManagerForm(c *fiber.Ctx) error {
	if err := a.lineManagerPage(c); err != nil {
		return err
	}
	token := c.Params("token")
	f, err := a.deps.Evaluations.LineManagerFollowUp(c.UserContext(), token)
	if err != nil {
		return a.lineManagerRefusal(c, err)
	}
	if f.SubmittedAt != nil {
		return a.render(c, fiber.StatusOK, "evaluation/followup-done", "Follow-up sent",
			impactDone{Form: f, LineManager: true, Sent: c.Query("done") == "sent"})
	}
	return a.render(c, fiber.StatusOK, "evaluation/followup", impactTitle,
		impactPageOf(f, true, evaluation.LineManagerPath(token), evaluation.ImpactAnswers{}, nil))
}

func (a *app) lineManagerSubmit(c *fiber.Ctx) error {
	if err := a.lineManagerPage(c); err != nil {
		return err
	}
	token := c.Params("token")
	f, err := a.deps.Evaluations.LineManagerFollowUp(c.UserContext(), token)
	if err != nil {
		return a.lineManagerRefusal(c, err)
	}
	if f.SubmittedAt != nil {
		return c.Redirect(evaluation.LineManagerPath(token), fiber.StatusSeeOther)
	}
	ctx := c.UserContext()
	if !actor.From(ctx).SignedIn() {
		// No account: the audit keeps where the answer came from.
		ctx = actor.With(ctx, actor.Actor{IP: a.clientIP(c)})
	}
	ans := impactAnswersOf(c, len(f.Outcomes))
	err = a.deps.Evaluations.SubmitLineManagerFollowUp(ctx, token, ans)
	var v *validation.Errors
	switch {
	case err == nil:
		return c.Redirect(evaluation.LineManagerPath(token)+"?done=sent", fiber.StatusSeeOther)
	case errors.Is(err, evaluation.ErrAlreadyFollowedUp):
		return c.Redirect(evaluation.LineManagerPath(token), fiber.StatusSeeOther)
	case errors.As(err, &v):
		return a.renderForm(c, "evaluation/followup", impactTitle, impactPageOf(f, true, evaluation.LineManagerPath(token), ans, v), v)
	default:
		return a.lineManagerRefusal(c, err)
	}
}

// lineManagerRefusal says plainly why a link does not open a form.
func (a *app) lineManagerRefusal(c *fiber.Ctx, err error) error {
	if errors.Is(err, evaluation.ErrLinkUnknown) {
		return a.message(c, fiber.StatusNotFound, "This link does not work", messagePage{Paragraphs: []string{
			"Check that you used the whole link from the email: it is long, and some email programs break it over two lines.",
			"If you still cannot open it, the training team may have removed the details it was for. Nothing else is needed from you.",
		}})
	}
	return a.evaluationRefusal(c, err)
}

// --- My training's tasks, and the certificate the evaluation holds back ---

// taskLine is one task on My training.
type taskLine struct{ evaluation.Task }

func (t taskLine) Text() string {
	if t.Kind == evaluation.FollowUpTask {
		return "Tell us how you have used " + t.Course
	}
	return "Evaluate " + t.Course
}

// evaluationGateLink is the hook where the certificate's evaluation gate
// (certificate.Ready, refusing with a conflict that starts "Evaluate the
// session") becomes a link to the evaluation: the page to answer, for a
// refusal of place bookingID that is the gate's, else "".
func evaluationGateLink(err error, bookingID int64) string {
	if msg, ok := errs.PublicMessage(err); ok && errs.Is(err, errs.Conflict) && strings.HasPrefix(msg, "Evaluate the session") {
		return evaluation.EvaluationPath(bookingID)
	}
	return ""
}
