package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/validation"
)

// adminCourseCapsPage is a course's fair places: the caps a new session of
// it starts with.
type adminCourseCapsPage struct {
	adminArea
	fieldErrors
	Course catalogue.CourseCaps
	Form   catalogue.CapsForm
}

func (h *resources) courseCaps(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	caps, err := h.deps.Catalogue.CourseCaps(c.UserContext(), id)
	if err != nil {
		return err
	}
	return h.showCourseCaps(c, caps, caps.Form(), nil)
}

func (h *resources) showCourseCaps(c *fiber.Ctx, caps catalogue.CourseCaps, f catalogue.CapsForm, errs *validation.Errors) error {
	d := adminCourseCapsPage{adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Course: caps, Form: f}
	return h.renderForm(c, "admin/coursecaps", "Places per agency: "+caps.Title, d, errs)
}

func (h *resources) setCourseCaps(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := catalogue.CapsForm{
		AgencyCap: c.FormValue(catalogue.FieldAgencyCap), SectorCap: c.FormValue(catalogue.FieldSectorCap),
		ReleaseDays: c.FormValue(catalogue.FieldCapRelease),
	}
	err = h.deps.Catalogue.SetCourseCaps(c.UserContext(), id, f)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		caps, err := h.deps.Catalogue.CourseCaps(c.UserContext(), id)
		if err != nil {
			return err
		}
		return h.showCourseCaps(c, caps, f, verr)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/courses/%d?done=course-caps-updated", id), fiber.StatusSeeOther)
}
