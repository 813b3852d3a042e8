package web

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/audit"
	"github.com/pscp/booktraining/internal/london"
	"github.com/pscp/booktraining/internal/people"
	"github.com/pscp/booktraining/internal/validation"
)

// --- the audit log ---

// actionLabels says what each audited action was, in the log's words.
var actionLabels = map[audit.Action]string{
	audit.SignIn:          "Signed in",
	audit.SignInFailed:    "Failed to sign in",
	audit.SignInLimited:   "Sign-in refused after too many attempts",
	audit.SignOut:         "Signed out",
	audit.SignedUp:        "Created an account",
	audit.EmailVerified:   "Confirmed their email address",
	audit.PasswordReset:   "Reset their password",
	audit.PasswordChanged: "Changed their password",
	audit.ProfileChanged:  "Changed their details",
	audit.RoleGranted:     "Gave a role",
	audit.RoleRemoved:     "Removed a role",
	audit.AgencyRequested: "Asked to change agency",
	audit.AgencyWithdrawn: "Withdrew a request to change agency",
	audit.AgencyConfirmed: "Confirmed a change of agency",
	audit.AgencyCreated:   "Added an agency",
	audit.AgencyUpdated:   "Changed an agency",
	audit.OrgConfirmed:    "Confirmed an organisation as a new agency",
	audit.OrgMerged:       "Moved people of an organisation into an agency",
	audit.DataExported:    "Downloaded their data",
	audit.AccountErased:   "Deleted their account",

	audit.TrainerCoursesChanged:     "Changed the courses a trainer may deliver",
	audit.TrainerTimeOffAdded:       "Added time off for a trainer",
	audit.TrainerTimeOffRemoved:     "Removed time off for a trainer",
	audit.CalendarFeedReset:         "Reset their calendar feed link",
	audit.CertificateIssued:         "Made a certificate of their training",
	audit.EvaluationSubmitted:       "Evaluated a session",
	audit.ImpactSubmitted:           "Answered a three-month follow-up",
	audit.EvaluationSettingsChanged: "Changed the evaluation settings",
	audit.EvaluationQuestionAdded:   "Added an evaluation question",
	audit.EvaluationQuestionChanged: "Reworded an evaluation question (a new version)",
	audit.EvaluationQuestionRetired: "Removed an evaluation question",
	audit.EvaluationQuestionMoved:   "Moved an evaluation question",
	audit.PartnershipUpdated:        "Changed the partnership’s details or settings",
	audit.CourseCreated:             "Added a course",
	audit.CourseOffered:             "Offered another partnership’s HIPS course",
	audit.CourseOfferWithdrawn:      "Stopped offering another partnership’s HIPS course",
	audit.CourseUpdated:             "Changed a course",
	audit.VenueCreated:              "Added a venue",
	audit.VenueUpdated:              "Changed a venue",
	audit.SessionCreated:            "Scheduled a session",
	audit.SessionMoved:              "Changed a session",
	audit.SessionPublished:          "Published a session",
	audit.SessionCompleted:          "Marked a session as delivered",
	audit.SessionCancelled:          "Cancelled a session",

	audit.BookingAdded:           "Booked someone onto a session",
	audit.BookingCancelled:       "Cancelled someone’s booking",
	audit.BookingMoved:           "Moved someone to another session",
	audit.BookingMarkedLate:      "Changed whether a cancellation was late",
	audit.WaitingListReordered:   "Reordered a waiting list",
	audit.AttendanceRecorded:     "Took the register",
	audit.BookingApprovalDecided: "Answered a request to approve a booking",

	audit.PricesChanged:         "Changed a course’s prices",
	audit.ChargePolicyChanged:   "Changed the charge policy",
	audit.StripeCustomerMade:    "Made an agency’s Stripe customer",
	audit.StripeCustomerUpdated: "Sent an agency’s new billing contact to Stripe",
	audit.ChargesConfirmed:      "Confirmed or waived a session’s charges",
	audit.AgencyInvoiced:        "Invoiced an agency",
	audit.AgencyInvoiceVoided:   "Stripe voided an agency’s invoice",
	audit.InvoiceMarked:         "Marked charges or places as invoiced",
	audit.InvoiceMarkedPaid:     "Marked invoiced charges or places as paid",
	audit.JobRetried:            "Tried a failed background task again",
	audit.JobDealtWith:          "Marked a failed background task as dealt with",

	audit.PersonalDataViewed: "Viewed personal data",

	audit.PrerequisiteAdded:      "Added or changed a course’s prerequisite",
	audit.PrerequisiteRemoved:    "Removed a course’s prerequisite",
	audit.PrerequisiteOverridden: "Booked someone without a prerequisite, giving a reason",
	audit.PriorLearningClaimed:   "Claimed training done elsewhere",
	audit.PriorLearningDecided:   "Decided a claim of training done elsewhere",
}

func actionLabel(a audit.Action) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return strings.ReplaceAll(string(a), "_", " ")
}

// auditActionChoices is the log's filter's choice of action, "Everything"
// first: made once, not for each request (audit.Actions are fixed).
var auditActionChoices = func() []choice {
	out := []choice{newChoice("", "Everything")}
	for _, a := range audit.Actions {
		out = append(out, choice{Value: string(a), Text: actionLabel(a)})
	}
	return out
}()

type auditRow struct {
	audit.Entry
	Label   string
	Details []string
}

type adminAuditPage struct {
	adminArea
	fieldErrors
	Actions  []choice // the filter's choices, shared by every request: read only
	Action   string
	UserID   int64
	UserName string
	Email    string
	From, To london.DateInput
	Entries  []auditRow
	Total    int
	More     bool // more than Total: the log counts only so far
	Filtered bool
	Pages    *pagination
}

// DateErr is the problem with the date input name ("from", "to"), which
// london.DateInput.Check records under the part at fault (name-day…).
func (f fieldErrors) DateErr(name string) string {
	for _, part := range []string{"-day", "-month", "-year"} {
		if m := f.Err(name + part); m != "" {
			return m
		}
	}
	return ""
}

func (h *admin) auditLog(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d := adminAuditPage{
		adminArea: h.area(c),
		Action:    c.Query("action"),
		Email:     strings.TrimSpace(c.Query("email")),
		From:      london.DateInput{Day: c.Query("from-day"), Month: c.Query("from-month"), Year: c.Query("from-year")},
		To:        london.DateInput{Day: c.Query("to-day"), Month: c.Query("to-month"), Year: c.Query("to-year")},
	}
	d.Actions = auditActionChoices
	var f audit.Filter
	var v validation.Errors
	if slices.Contains(audit.Actions, audit.Action(d.Action)) {
		f.Action = audit.Action(d.Action)
	} else {
		d.Action = ""
	}
	if id, err := strconv.ParseInt(c.Query("user"), 10, 64); err == nil && id > 0 {
		d.UserID, f.UserID = id, &id
		if u, err := h.deps.Accounts.User(ctx, id); err == nil {
			d.UserName = u.FullName
		} else if !errors.Is(err, account.ErrNotFound) {
			return err
		}
	}
	if d.Email != "" {
		id, err := h.people.IDByEmail(ctx, d.Email)
		switch {
		case errors.Is(err, people.ErrNotFound):
			v.Add("email", "No one has an account with this email address")
		case err != nil:
			return err
		default:
			f.UserID = &id
		}
	}
	f.From = parseDate(&v, "from", "Date from", d.From, 0)
	f.To = parseDate(&v, "to", "Date to", d.To, 1) // up to the end of that day
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		v.Add("to-day", "Date to must be the same as or after date from")
	}
	d.Filtered = f.Action != "" || f.UserID != nil || f.From != nil || f.To != nil
	if v.Err() != nil {
		d.fieldErrors = fieldErrors{&v}
		return h.renderForm(c, "admin/audit", "Audit log", d, &v)
	}

	page := pageParam(c)
	entries, total, more, err := h.deps.Audit.List(ctx, f, page)
	if err != nil {
		return err
	}
	d.Total, d.More = total, more
	for _, e := range entries {
		d.Entries = append(d.Entries, auditRow{Entry: e, Label: actionLabel(e.Action), Details: detailLines(e.Details)})
	}
	query := url.Values{"action": {d.Action}, "email": {d.Email},
		"from-day": {d.From.Day}, "from-month": {d.From.Month}, "from-year": {d.From.Year},
		"to-day": {d.To.Day}, "to-month": {d.To.Month}, "to-year": {d.To.Year}}
	if d.UserID > 0 {
		query.Set("user", strconv.FormatInt(d.UserID, 10))
	}
	d.Pages = paginateCounted("/admin/audit", query, page, (total+audit.PageSize-1)/audit.PageSize, more)
	return h.renderForm(c, "admin/audit", "Audit log", d, nil)
}

// The years a date filter accepts: nothing in the service is older or
// further ahead, so a year outside them is a typing mistake, said as such.
const minFilterYear, maxFilterYear = 2000, 2100

// parseDate reads a GOV.UK date input named name; an empty one is no date.
// It returns the start of that day in London, plus addDays days.
func parseDate(v *validation.Errors, name, label string, d london.DateInput, addDays int) *time.Time {
	if d.Blank() {
		return nil
	}
	t, ok := d.Check(v, name, label)
	if !ok {
		return nil
	}
	if t.Year() < minFilterYear || t.Year() > maxFilterYear {
		v.Add(name+"-year", fmt.Sprintf("%s must be in a year from %d to %d", label, minFilterYear, maxFilterYear))
		return nil
	}
	t = t.AddDate(0, 0, addDays)
	return &t
}

// detailLines shows an event's details one per line, by name: a change as
// "name: from “old” to “new”".
func detailLines(details map[string]any) []string {
	keys := make([]string, 0, len(details))
	for k := range details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		value := details[k]
		if k == "role" || k == "as" {
			if s, ok := value.(string); ok {
				value = account.Role(s).Label()
			}
		}
		if people, ok := value.([]any); ok && k == "people" {
			value = plural(len(people), "1 person", fmt.Sprintf("%d people", len(people)))
		}
		out = append(out, strings.ReplaceAll(k, "_", " ")+": "+detailValue(value))
	}
	return out
}

func detailValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "none"
	case string:
		if v == "" {
			return "none"
		}
		return v
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = detailValue(p)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		from, hasFrom := v["from"]
		to, hasTo := v["to"]
		if hasFrom && hasTo && len(v) == 2 {
			return "from “" + detailValue(from) + "” to “" + detailValue(to) + "”"
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + " " + detailValue(v[k])
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}
