package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/calendar"
)

// calendarRoutes registers personal calendar feeds: the feed itself, read
// by calendar apps with the secret in its address, and the forms that
// replace that secret, from My training and from a trainer's sessions.
func (a *app) calendarRoutes(f *fiber.App) {
	f.Get("/calendar/:token.ics", a.calendarFeed) // no sign-in: the token is the secret
	f.Post("/my-training/calendar/reset", signedIn, a.resetFeed("/my-training?done=feed-reset#calendar-feed"))
	f.Post("/trainer/calendar/reset", requireRole(account.Trainer), a.resetFeed("/trainer/sessions?done=feed-reset#calendar-feed"))
}

func (a *app) calendars() *calendar.Service {
	return calendar.New(a.deps.Pool, a.deps.Bookings, a.deps.Now)
}

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
		if _, err := a.calendars().ResetToken(c.UserContext(), currentUser(c).ID, a.clientIP(c)); err != nil {
			return err
		}
		return c.Redirect(back, fiber.StatusSeeOther)
	}
}

// calendarFeed is a person's calendar, read by calendar apps. It is never
// cached on the way, since it changes and its address is a secret.
func (a *app) calendarFeed(c *fiber.Ctx) error {
	data, err := a.calendars().Feed(c.UserContext(), c.Params("token"))
	if errors.Is(err, calendar.ErrUnknownFeed) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="training.ics"`)
	return c.Send(data)
}
