package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/validation"
)

// --- profile ---

type profilePage struct {
	fieldErrors
	account.ProfileForm
}

const profileTitle = "Change your details"

func (a *app) profileForm(c *fiber.Ctx) error {
	u := currentUser(c)
	f := account.ProfileForm{FullName: u.FullName, JobTitle: u.JobTitle,
		LineManagerName: u.LineManagerName, LineManagerEmail: u.LineManagerEmail}
	return a.renderForm(c, "account/profile", profileTitle, profilePage{ProfileForm: f}, nil)
}

func (a *app) updateProfile(c *fiber.Ctx) error {
	f := account.ProfileForm{FullName: c.FormValue("full-name"), JobTitle: c.FormValue("job-title"),
		LineManagerName: c.FormValue("line-manager-name"), LineManagerEmail: c.FormValue("line-manager-email")}
	err := a.deps.Accounts.UpdateProfile(c.UserContext(), f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return a.renderForm(c, "account/profile", profileTitle, profilePage{fieldErrors{verr}, f}, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/account", fiber.StatusSeeOther)
}

// --- agency change ---

type agencyPage struct {
	fieldErrors
	Agencies []account.Agency
	Selected int64
}

const agencyTitle = "Change your organisation"

func (a *app) agencyForm(c *fiber.Ctx) error {
	return a.showAgencyForm(c, 0, nil)
}

func (a *app) showAgencyForm(c *fiber.Ctx, selected int64, errs *validation.Errors) error {
	choices, err := a.deps.Accounts.AgencyChoicesFor(c.UserContext(), *currentUser(c))
	if err != nil {
		return err
	}
	return a.renderForm(c, "account/agency", agencyTitle, agencyPage{fieldErrors{errs}, choices, selected}, errs)
}

func (a *app) requestAgencyChange(c *fiber.Ctx) error {
	var agencyID int64
	if choice := c.FormValue("agency"); choice != "" {
		id, err := strconv.ParseInt(choice, 10, 64)
		if err != nil || id <= 0 {
			id = -1 // not a choice from the list: the service says so
		}
		agencyID = id
	}
	err := a.deps.Accounts.RequestAgencyChange(c.UserContext(), agencyID)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return a.showAgencyForm(c, agencyID, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/account", fiber.StatusSeeOther)
}

func (a *app) cancelAgencyChange(c *fiber.Ctx) error {
	if err := a.deps.Accounts.CancelAgencyChange(c.UserContext()); err != nil {
		return err
	}
	return c.Redirect("/account", fiber.StatusSeeOther)
}

// --- confirming agency changes ---

type agencyChangesPage struct {
	Base          string
	AsCoordinator bool
	Changes       []account.AgencyChange
	Total         int
	Done          string // "confirmed" or "declined" after a decision
	Prev, Next    string // pages of the list, or ""
}

func (a *app) agencyChanges(role account.Role, base string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		page := max(c.QueryInt("page", 1), 1)
		changes, total, err := a.deps.Accounts.AgencyChanges(c.UserContext(), role, page)
		if err != nil {
			return err
		}
		p := agencyChangesPage{Base: base, AsCoordinator: role == account.Coordinator, Changes: changes, Total: total}
		if done := c.Query("done"); done == "confirmed" || done == "declined" {
			p.Done = done
		}
		if page > 1 {
			p.Prev = fmt.Sprintf("%s?page=%d", base, page-1)
		}
		if page*account.AgencyChangesPageSize < total {
			p.Next = fmt.Sprintf("%s?page=%d", base, page+1)
		}
		title := "Changes of organisation"
		if p.AsCoordinator {
			title = "People asking to join your agency"
		}
		return a.render(c, fiber.StatusOK, "agencychanges/list", title, p)
	}
}

func (a *app) decideAgencyChange(role account.Role, base string, confirm bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		userID, err := pathID(c, "userID")
		if err != nil {
			return err
		}
		if err := a.deps.Accounts.DecideAgencyChange(c.UserContext(), role, userID, confirm); err != nil {
			return err // account.ErrNotFound: not waiting, or not this person's to decide
		}
		done := "declined"
		if confirm {
			done = "confirmed"
		}
		return c.Redirect(base+"?done="+done, fiber.StatusSeeOther)
	}
}

// --- download your data ---

func (a *app) dataPage(c *fiber.Ctx) error {
	return a.render(c, fiber.StatusOK, "account/data", "Download your data", int(account.SignInAttemptRetention/(24*time.Hour)))
}

// downloadData is a POST, so that taking a copy needs the form's CSRF token
// and is recorded in the audit log.
func (a *app) downloadData(c *fiber.Ctx) error {
	d, err := a.deps.Accounts.ExportPersonalData(c.UserContext())
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("encode personal data: %w", err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="my-data.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusOK).Send(b)
}

// --- delete your account ---

type deletePage struct{ fieldErrors }

const deleteTitle = "Delete your account"

func (a *app) deleteForm(c *fiber.Ctx) error {
	return a.renderForm(c, "account/delete", deleteTitle, deletePage{}, nil)
}

func (a *app) deleteAccount(c *fiber.Ctx) error {
	err := a.deps.Accounts.EraseAccount(c.UserContext(), c.FormValue("password"))
	var verr *validation.Errors
	var limit *account.LimitError
	switch {
	case errors.As(err, &verr):
		return a.renderForm(c, "account/delete", deleteTitle, deletePage{fieldErrors{verr}}, verr)
	case errors.As(err, &limit):
		verr = a.limitProblem(c, limit, "password", "You have entered a wrong password too many times")
		if err := a.renderForm(c, "account/delete", deleteTitle, deletePage{fieldErrors{verr}}, verr); err != nil {
			return err
		}
		c.Status(fiber.StatusTooManyRequests)
		return nil
	case err != nil:
		return err
	}
	// Every login of the person ended with the account; forget this one.
	a.clearLoginCookie(c)
	c.Locals(localUser, nil)
	c.Locals(localLogin, nil)
	return c.Redirect("/deleted-account", fiber.StatusSeeOther)
}

func (a *app) accountDeleted(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/account", fiber.StatusSeeOther)
	}
	return a.message(c, fiber.StatusOK, "Your account has been deleted", messagePage{
		Success: true,
		Paragraphs: []string{
			"We have removed your name, email address and job title, and signed you out everywhere.",
			"You can create a new account with the same email address at any time.",
		},
		Link: &link{"/", "Go to the start page"},
	})
}
