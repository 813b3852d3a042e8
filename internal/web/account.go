package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/validation"
)

// fieldErrors gives form templates the message for a field: {{$d.Err "email"}}.
type fieldErrors struct{ errs *validation.Errors }

func (f fieldErrors) Err(field string) string {
	if f.errs == nil {
		return ""
	}
	return f.errs.Message(field)
}

// renderForm renders a form page, with a GOV.UK error summary when errs holds
// problems (and status 422 then).
func (a *app) renderForm(c *fiber.Ctx, name, title string, data any, errs *validation.Errors) error {
	v := view{Title: title, Data: data}
	status := fiber.StatusOK
	if errs != nil && len(errs.Fields) > 0 {
		status = fiber.StatusUnprocessableEntity
		for _, f := range errs.Fields {
			v.Errors = append(v.Errors, FieldError{Field: f.Field, Message: f.Message})
		}
	}
	return a.renderView(c, status, name, v)
}

type link struct{ Href, Text string }

type messagePage struct {
	Heading    string
	Paragraphs []string
	Link       *link
	Success    bool
}

func (a *app) message(c *fiber.Ctx, status int, title string, m messagePage) error {
	if m.Heading == "" {
		m.Heading = title
	}
	return a.render(c, status, "account/message", title, m)
}

// --- sign up ---

type signUpPage struct {
	fieldErrors
	account.SignUpForm
	Agencies []account.Agency
}

// withNext is path with the booking form to come back to, if any.
func withNext(path, next string) string {
	if next == "" {
		return path
	}
	return path + "?next=" + url.QueryEscape(next)
}

func (a *app) signUpForm(c *fiber.Ctx) error {
	next := account.ReturnPath(c.Query("next"))
	if currentUser(c) != nil {
		return c.Redirect(cmp.Or(next, "/account"), fiber.StatusSeeOther)
	}
	return a.showSignUp(c, account.SignUpForm{Next: next}, nil)
}

func (a *app) showSignUp(c *fiber.Ctx, f account.SignUpForm, errs *validation.Errors) error {
	if _, err := a.ensureLogin(c); err != nil {
		return err
	}
	agencies, err := a.deps.Accounts.AgencyChoices(c.UserContext())
	if err != nil {
		return err
	}
	f.Password = "" // never sent back
	f.Next = account.ReturnPath(f.Next)
	return a.renderForm(c, "account/signup", "Create an account", signUpPage{fieldErrors{errs}, f, agencies}, errs)
}

func (a *app) signUp(c *fiber.Ctx) error {
	f := account.SignUpForm{
		FullName:       c.FormValue("full-name"),
		Email:          c.FormValue("email"),
		Password:       c.FormValue("password"),
		JobTitle:       c.FormValue("job-title"),
		UnlistedAgency: c.FormValue("unlisted-agency"),
		Next:           account.ReturnPath(c.FormValue("next")),
	}
	switch choice := c.FormValue("agency"); choice {
	case "not-listed":
		f.NotListed = true
	case "":
	default:
		id, err := strconv.ParseInt(choice, 10, 64)
		if err != nil || id <= 0 {
			id = -1 // not a choice from the list: the service says so
		}
		f.AgencyID = id
	}
	err := a.deps.Accounts.SignUp(c.UserContext(), f, a.clientIP(c))
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return a.showSignUp(c, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(withNext("/sign-up/check-email", f.Next), fiber.StatusSeeOther)
}

type checkEmailPage struct {
	Kind string // sign-up or reset
	Next string // the booking form to come back to
}

func (a *app) checkEmail(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return a.render(c, fiber.StatusOK, "account/checkemail", "Check your email",
			checkEmailPage{Kind: kind, Next: account.ReturnPath(c.Query("next"))})
	}
}

// --- email verification: the link opens a page with a button, so that mail
// scanners that follow links do not spend it ---

func (a *app) verifyEmailForm(c *fiber.Ctx) error {
	if _, err := a.ensureLogin(c); err != nil {
		return err
	}
	return a.renderForm(c, "account/verify", "Confirm your email address",
		verifyPage{Token: c.Query("token"), Next: account.ReturnPath(c.Query("next"))}, nil)
}

type verifyPage struct {
	fieldErrors
	Token, Next string
}

// verifyEmail confirms an address with the emailed link and the account's
// password, and signs the person in: on to the booking form they were on
// their way to, if any.
func (a *app) verifyEmail(c *fiber.Ctx) error {
	ctx := c.UserContext()
	token, next := c.FormValue("token"), account.ReturnPath(c.FormValue("next"))
	userID, device, err := a.deps.Accounts.VerifyEmail(ctx, token, c.FormValue("password"), a.clientIP(c), c.Cookies(a.deviceCookieName()))
	var verr *validation.Errors
	var limit *account.LimitError
	switch {
	case errors.Is(err, account.ErrLinkInvalid):
		return a.message(c, fiber.StatusBadRequest, "This link has expired or has already been used", messagePage{
			Paragraphs: []string{"Links to confirm an email address work once, for 24 hours.",
				"Sign in to send yourself a new link, or create an account if you have not finished."},
			Link: &link{"/sign-in", "Sign in"},
		})
	case errors.As(err, &verr):
	case errors.As(err, &limit):
		verr = a.limitProblem(c, limit, "password", "You have tried to sign in too many times")
	case err != nil:
		return err
	}
	if verr != nil {
		if err := a.renderForm(c, "account/verify", "Confirm your email address",
			verifyPage{fieldErrors: fieldErrors{verr}, Token: token, Next: next}, verr); err != nil {
			return err
		}
		if limit != nil {
			c.Status(fiber.StatusTooManyRequests)
		}
		return nil
	}
	if err := a.startSignedIn(c, userID, device); err != nil {
		return err
	}
	if next == "" {
		next = "/account?confirmed=1"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// limitProblem is the field message for an attempt the sign-in limits
// refused ("You have tried to sign in too many times. Try again in 4
// minutes."), and sets Retry-After to match.
func (a *app) limitProblem(c *fiber.Ctx, limit *account.LimitError, field, what string) *validation.Errors {
	minutes := int(limit.RetryAfter(a.deps.Now()).Minutes())
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(minutes*60))
	var v validation.Errors
	v.Add(field, fmt.Sprintf("%s. Try again in %d %s.", what, minutes, plural(minutes, "minute", "minutes")))
	return &v
}

// startSignedIn gives a person who has just proved who they are a new
// login (the anonymous one, and its CSRF token, end) and their browser its
// device cookie.
func (a *app) startSignedIn(c *fiber.Ctx, userID int64, device string) error {
	ctx := c.UserContext()
	if old := currentLogin(c); old != nil {
		if err := a.deps.Accounts.EndLogin(ctx, *old); err != nil {
			return err
		}
	}
	token, _, err := a.deps.Accounts.StartLogin(ctx, &userID, a.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	a.setLoginCookie(c, token)
	a.setDeviceCookie(c, device)
	return nil
}

// --- sign in and out ---

type signInPage struct {
	fieldErrors
	Email, Next string
}

// Booking is the booking form the person is on their way to, which sign-up
// and password reset carry too; "" when Next is another page.
func (p signInPage) Booking() string { return account.ReturnPath(p.Next) }

func (a *app) signInForm(c *fiber.Ctx) error {
	next := localPath(c.Query("next"))
	if currentUser(c) != nil {
		return c.Redirect(cmp.Or(next, "/account"), fiber.StatusSeeOther)
	}
	if _, err := a.ensureLogin(c); err != nil {
		return err
	}
	p := signInPage{Next: next}
	return a.renderForm(c, "account/signin", "Sign in", p, nil)
}

func (a *app) signIn(c *fiber.Ctx) error {
	ctx := c.UserContext()
	addr, next := c.FormValue("email"), localPath(c.FormValue("next"))
	userID, device, err := a.deps.Accounts.SignInOnDevice(ctx, addr, c.FormValue("password"), a.clientIP(c), c.Cookies(a.deviceCookieName()))
	var verr *validation.Errors
	var limit *account.LimitError
	switch {
	case errors.As(err, &verr):
	case errors.Is(err, account.ErrInvalidCredentials):
		verr = &validation.Errors{}
		verr.Add("email", "Enter a correct email address and password")
	case errors.As(err, &limit):
		verr = a.limitProblem(c, limit, "email", "You have tried to sign in too many times")
	case err != nil:
		return err
	}
	if verr != nil {
		page := signInPage{fieldErrors: fieldErrors{verr}, Email: addr, Next: next}
		if err := a.renderForm(c, "account/signin", "Sign in", page, verr); err != nil {
			return err
		}
		if limit != nil {
			c.Status(fiber.StatusTooManyRequests)
		}
		return nil
	}

	// A new login token at sign-in: the anonymous one (and its CSRF token) ends.
	if err := a.startSignedIn(c, userID, device); err != nil {
		return err
	}
	if next == "" {
		next = "/account"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (a *app) signOut(c *fiber.Ctx) error {
	if l := currentLogin(c); l != nil {
		if err := a.deps.Accounts.EndLogin(c.UserContext(), *l); err != nil {
			return err
		}
	}
	a.clearLoginCookie(c)
	c.Locals(localUser, nil)
	c.Locals(localLogin, nil)
	return a.message(c, fiber.StatusOK, "You have signed out", messagePage{
		Link: &link{"/sign-in", "Sign in again"},
	})
}

// localPath keeps a "next" address only if it is a path on this site, so a
// crafted link cannot send a person elsewhere after signing in. Browsers
// drop tabs and line breaks from a URL and read a backslash as a slash, so
// "/\tevil.example" or "/\\evil.example" would be another site: no control
// character or backslash is kept.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsFunc(p, unsafeInPath) || len(p) > 500 {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return p
}

func unsafeInPath(r rune) bool { return r == '\\' || unicode.IsControl(r) }

// --- forgotten and reset passwords ---

type emailPage struct {
	fieldErrors
	Email string
	Next  string // the booking form to come back to
}

func (a *app) forgotForm(c *fiber.Ctx) error {
	if _, err := a.ensureLogin(c); err != nil {
		return err
	}
	return a.renderForm(c, "account/forgot", "Reset your password", emailPage{Next: account.ReturnPath(c.Query("next"))}, nil)
}

func (a *app) forgot(c *fiber.Ctx) error {
	addr, next := c.FormValue("email"), account.ReturnPath(c.FormValue("next"))
	err := a.deps.Accounts.RequestPasswordResetReturning(c.UserContext(), addr, a.clientIP(c), next)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return a.renderForm(c, "account/forgot", "Reset your password", emailPage{fieldErrors{verr}, addr, next}, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect(withNext("/forgot-password/check-email", next), fiber.StatusSeeOther)
}

type resetPage struct {
	fieldErrors
	Token string
	Next  string // the booking form to come back to
}

func (a *app) linkExpired(c *fiber.Ctx) error {
	return a.message(c, fiber.StatusBadRequest, "This link has expired or has already been used", messagePage{
		Paragraphs: []string{"Links to reset a password work once, for 1 hour."},
		Link:       &link{"/forgot-password", "Send a new link"},
	})
}

func (a *app) resetForm(c *fiber.Ctx) error {
	token := c.Query("token")
	ok, err := a.deps.Accounts.ResetLinkWorks(c.UserContext(), token)
	if err != nil {
		return err
	}
	if !ok {
		return a.linkExpired(c)
	}
	if _, err := a.ensureLogin(c); err != nil {
		return err
	}
	return a.renderForm(c, "account/reset", "Choose a new password",
		resetPage{Token: token, Next: account.ReturnPath(c.Query("next"))}, nil)
}

func (a *app) reset(c *fiber.Ctx) error {
	token, next := c.FormValue("token"), account.ReturnPath(c.FormValue("next"))
	err := a.deps.Accounts.ResetPassword(c.UserContext(), token, c.FormValue("password"), a.clientIP(c))
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		return a.renderForm(c, "account/reset", "Choose a new password", resetPage{fieldErrors{verr}, token, next}, verr)
	case errors.Is(err, account.ErrLinkInvalid):
		return a.linkExpired(c)
	case err != nil:
		return err
	}
	// Every login of the person ended, this browser's too.
	a.clearLoginCookie(c)
	return a.message(c, fiber.StatusOK, "Your password has been reset", messagePage{
		Success: true, Paragraphs: []string{"You have been signed out everywhere. Sign in with your new password."},
		Link: &link{withNext("/sign-in", next), "Sign in"},
	})
}

// --- your account ---

type accountPage struct {
	Notice    string
	Links     []link
	Attention int // a manager's count of background tasks that failed for good
}

func (a *app) accountHome(c *fiber.Ctx) error {
	if c.Query("confirmed") != "" && currentUser(c).Verified {
		return a.showAccount(c, "Email address confirmed. You can now book training.")
	}
	return a.showAccount(c, "")
}

func (a *app) showAccount(c *fiber.Ctx, notice string) error {
	u := currentUser(c)
	links := []link{
		{"/account/profile", "Change your name, job title or line manager"},
		{"/account/agency", "Change your organisation"},
		{"/account/password", "Change your password"},
		{"/account/data", "Download your data"},
		{"/account/delete", "Delete your account"},
	}
	if u.Has(account.Manager) {
		links = append(links, link{"/admin/people", "Manage people"}, link{"/admin/agencies", "Manage agencies"},
			link{"/admin/agency-changes", "Confirm changes of organisation"},
			link{"/admin/audit", "Read the audit log"}, link{"/admin/emails", "Read emails sent by the service"})
	}
	if u.Has(account.Coordinator) {
		links = append(links, link{"/agency/people", "People in your agency"},
			link{"/agency/agency-changes", "Confirm people joining your agency"},
			link{"/agency/bookings", "Your agency’s bookings"},
			link{"/agency/charges", "Your agency’s charges"},
			link{"/agency/reports", "Your agency’s training figures and staff training records"},
			link{"/agency/training", "Your staff’s training status: who is due for renewal"})
	}
	if u.Verified && u.AgencyID != nil && !u.AgencyUnlisted {
		links = append(links, link{"/training-requests", "Request training for your agency"})
	}
	d := accountPage{Notice: notice}
	if u.Has(account.Manager) {
		links = append(links, link{"/admin/training-requests", "Triage training requests"},
			link{"/admin/attention", "Background tasks that need attention"})
		n, err := a.deps.Failures.Count(c.UserContext())
		if err != nil {
			return err
		}
		d.Attention = n
	}
	d.Links = links
	return a.render(c, fiber.StatusOK, "account/home", "Your account", d)
}

func (a *app) resendVerification(c *fiber.Ctx) error {
	next := account.ReturnPath(c.FormValue("next")) // the booking form they were stopped at
	if err := a.deps.Accounts.ResendVerificationReturning(c.UserContext(), next); err != nil {
		return err
	}
	return a.showAccount(c, "We have sent a new link to "+currentUser(c).Email)
}

type passwordPage struct{ fieldErrors }

func (a *app) passwordForm(c *fiber.Ctx) error {
	return a.renderForm(c, "account/password", "Change your password", passwordPage{}, nil)
}

func (a *app) changePassword(c *fiber.Ctx) error {
	err := a.deps.Accounts.ChangePassword(c.UserContext(), *currentLogin(c),
		c.FormValue("current-password"), c.FormValue("new-password"))
	var verr *validation.Errors
	var limit *account.LimitError
	switch {
	case errors.As(err, &verr):
		return a.renderForm(c, "account/password", "Change your password", passwordPage{fieldErrors{verr}}, verr)
	case errors.As(err, &limit):
		verr = a.limitProblem(c, limit, "current-password", "You have entered a wrong password too many times")
		if err := a.renderForm(c, "account/password", "Change your password", passwordPage{fieldErrors{verr}}, verr); err != nil {
			return err
		}
		c.Status(fiber.StatusTooManyRequests)
		return nil
	case err != nil:
		return err
	}
	return a.showAccount(c, "Your password has been changed")
}
