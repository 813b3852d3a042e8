package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/partnership"
)

// localPartnership keeps the request's partnership once found.
const localPartnership = "partnership"

// partnershipOf is the partnership the request is for: the one whose host
// name it was sent to, or the first (the deployment's own). Should the
// partnerships not be readable at all, the page still names the configured
// partnership (Deps.Partnership) rather than fail.
func (a *app) partnershipOf(c *fiber.Ctx) partnership.Partnership {
	if p, ok := c.Locals(localPartnership).(partnership.Partnership); ok {
		return p
	}
	p := partnership.Partnership{Name: a.deps.Partnership}
	if a.deps.Services != nil && a.deps.Partnerships != nil {
		found, err := a.deps.Partnerships.ForHost(c.UserContext(), c.Hostname())
		if err != nil {
			a.log.ErrorContext(c.UserContext(), "read the partnerships", "error", err)
		} else {
			p = found
		}
	}
	c.Locals(localPartnership, p)
	return p
}

// allPartnerships is every partnership the service serves, in the order they
// were added; nil when they cannot be read (the page then offers no choice
// between them rather than fail).
func (a *app) allPartnerships(c *fiber.Ctx) []partnership.Partnership {
	if a.deps.Services == nil || a.deps.Partnerships == nil {
		return nil
	}
	all, err := a.deps.Partnerships.All(c.UserContext())
	if err != nil {
		a.log.ErrorContext(c.UserContext(), "read the partnerships", "error", err)
		return nil
	}
	return all
}
