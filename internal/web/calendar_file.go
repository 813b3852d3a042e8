package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// bookingCalendarFile is the calendar file of a confirmed booking, for people
// whose calendars did not pick up the emailed invitation. It answers 404 for a
// booking that is not confirmed, as for one the person may not see.
func (a *app) bookingCalendarFile(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	data, err := a.deps.Bookings.CalendarFile(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="booking-%d.ics"`, id))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(data)
}
