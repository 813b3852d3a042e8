package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/pgerr"
)

// statusOf is the one map from a domain error's kind to the status it is
// answered with.
var statusOf = map[errs.Kind]int{
	errs.Internal:    fiber.StatusInternalServerError,
	errs.NotFound:    fiber.StatusNotFound,
	errs.Forbidden:   fiber.StatusForbidden,
	errs.Conflict:    fiber.StatusConflict,
	errs.Invalid:     fiber.StatusUnprocessableEntity,
	errs.Unavailable: fiber.StatusServiceUnavailable,
}

var refusalTitle = map[int]string{
	fiber.StatusConflict:            "This cannot be done now",
	fiber.StatusUnprocessableEntity: "This cannot be done",
	fiber.StatusServiceUnavailable:  "Sorry, the service is unavailable",
}

// refusalReason is what the refusal page says: the error's own reason for
// people, or a general one.
func refusalReason(err error, status int) []string {
	if msg, ok := errs.PublicMessage(err); ok {
		return []string{msg}
	}
	switch status {
	case fiber.StatusConflict:
		return []string{"Someone may have changed it since you opened the page. Go back, reload the page and try again."}
	case fiber.StatusServiceUnavailable:
		return []string{"Something the service relies on cannot be reached. Try again in a few minutes."}
	default:
		return []string{"Go back and check what you entered."}
	}
}

// handleError maps every error a handler returns to a status and a page, in
// one place. A person never sees err.Error(); a 5xx is logged with the
// request ID they are shown.
func (a *app) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	var fe *fiber.Error
	var limit *account.EmailLimitError
	switch {
	case errors.As(err, &limit):
		// Too many emails asked for from this IP address, or by this person.
		minutes := int(limit.RetryAfter(a.deps.Now()).Minutes())
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(minutes*60))
		return a.message(c, fiber.StatusTooManyRequests, "Sorry, you have asked for too many emails", messagePage{
			Paragraphs: []string{
				fmt.Sprintf("To protect people’s inboxes, we limit how many emails can be sent in an hour. Try again in %d %s.",
					minutes, plural(minutes, "minute", "minutes")),
			},
		})
	case errors.Is(err, errSignInNeeded):
		next := ""
		if c.Method() == fiber.MethodGet {
			next = "?next=" + url.QueryEscape(c.OriginalURL())
		}
		return c.Redirect("/sign-in"+next, fiber.StatusSeeOther)
	case errors.Is(err, errUnreadableInput):
		return a.render(c, fiber.StatusBadRequest, "errors/badinput", "The address or form contained characters the service cannot accept", nil)
	case errors.Is(err, errCSRF):
		return a.render(c, fiber.StatusForbidden, "errors/forbidden", "This form has expired", "csrf")
	case errors.As(err, &fe):
		status = fe.Code
	case pgerr.RowSecurity(err):
		// A manager's change to another partnership's row, which
		// PostgreSQL refused though the handler did not (internal/scope).
		a.log.WarnContext(c.UserContext(), "row-level security refused a change", "error", err, "path", loggedPath(c.Path()))
		status = fiber.StatusForbidden
	default:
		status = statusOf[errs.KindOf(err)]
	}

	switch {
	case status == fiber.StatusConflict || status == fiber.StatusUnprocessableEntity || status == fiber.StatusServiceUnavailable:
		// A domain refusal no page of its own answers: its reason, if it
		// gives one for people, or a general one.
		return a.message(c, status, refusalTitle[status], messagePage{Paragraphs: refusalReason(err, status)})
	case status == fiber.StatusForbidden:
		return a.render(c, status, "errors/forbidden", "You cannot see this page", nil)
	case status == fiber.StatusNotFound:
		return a.render(c, status, "errors/notfound", "Page not found", nil)
	case status >= 500:
		a.log.ErrorContext(c.UserContext(), "request failed", "error", err, "path", loggedPath(c.Path()))
		if rerr := a.render(c, status, "errors/servererror", "Sorry, there is a problem with the service", RequestID(c.UserContext())); rerr != nil {
			a.log.ErrorContext(c.UserContext(), "render error page", "error", rerr)
			return c.Status(status).SendString("Sorry, there is a problem with the service. Try again later.")
		}
		return nil
	default:
		// Other client errors (405, 413, 431…) need no page of their own.
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(status).SendString(http.StatusText(status))
	}
}
