package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/calendar"
)

func (a *app) calendars() *calendar.Service { return a.deps.Calendars }

// feedURL is the address of the signed-in person's feed, made on first use.
func (a *app) feedURL(c *fiber.Ctx) (string, error) {
	token, err := a.calendars().Token(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return "", err
	}
	return c.BaseURL() + "/calendar/" + token + ".ics", nil
}

func (a *app) resetFeed(back string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, err := a.calendars().ResetToken(c.UserContext()); err != nil {
			return err
		}
		return c.Redirect(back, fiber.StatusSeeOther)
	}
}

// calendarFeed is a person's calendar, read by calendar apps. It is never
// cached on the way, since it changes and its address is a secret.
func (a *app) calendarFeed(c *fiber.Ctx) error {
	data, err := a.calendars().Feed(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="training.ics"`)
	return c.Send(data)
}
