package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/validation"
	"github.com/pscp/booktraining/internal/venue"
)

// resources serves the training manager's pages for what sessions are made
// of: the courses of the catalogue and the venues.
type resources struct {
	*app
	venues *venue.Service
}

// resourceNotices are the success messages of this file's actions, asked
// for with ?done= like those of the other manager's pages.
var resourceNotices = map[string]string{
	"course-created":      "Course added",
	"course-updated":      "Course changed",
	"course-caps-updated": "Places per agency saved: new sessions of the course start with them",
	"course-retired":      "Course retired: it is no longer in the catalogue, and its sessions are kept",
	"course-shared":       "Course shared: the other partnerships can offer it",
	"course-unshared":     "Course no longer shared",
	"course-offered":      "Course offered: you can schedule sessions of it",
	"course-withdrawn":    "Your partnership no longer offers this course",
	"course-restored":     "Course restored: it is in the catalogue again",
	"venue-created":       "Venue added",
	"venue-updated":       "Venue changed",
	"venue-retired":       "Venue retired: no new sessions can be held there, and its sessions are kept",
	"venue-restored":      "Venue restored: sessions can be held there again",
}

func (h *resources) area(c *fiber.Ctx) adminArea {
	a := newAdminArea(c)
	if a.Notice == "" {
		a.Notice = resourceNotices[c.Query("done")]
	}
	return a
}

// --- courses ---

type adminCoursesPage struct {
	adminArea
	Courses []catalogue.ManagedCourse // the manager's partnership's own
	// Other partnerships' HIPS courses: those it offers, those it could.
	Offered, CouldOffer []catalogue.ManagedCourse
	SeveralPartnerships bool
}

func (h *resources) courseList(c *fiber.Ctx) error {
	list, err := h.deps.Catalogue.ManagedCourses(c.UserContext())
	if err != nil {
		return err
	}
	d := adminCoursesPage{adminArea: h.area(c), SeveralPartnerships: len(h.allPartnerships(c)) > 1}
	for _, course := range list {
		switch {
		case course.Owned:
			d.Courses = append(d.Courses, course)
		case course.Offered:
			d.Offered = append(d.Offered, course)
		case !course.Retired():
			d.CouldOffer = append(d.CouldOffer, course)
		}
	}
	return h.render(c, fiber.StatusOK, "admin/courses", "Courses", d)
}

// shareCourse makes the partnership's course a HIPS course, or stops.
func (h *resources) shareCourse(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	shared := c.FormValue("shared") == "yes"
	if err := h.deps.Catalogue.SetCourseShared(c.UserContext(), id, shared); err != nil {
		return err
	}
	done := "course-unshared"
	if shared {
		done = "course-shared"
	}
	return c.Redirect(fmt.Sprintf("/admin/courses/%d?done=%s", id, done), fiber.StatusSeeOther)
}

// offerCourse has the partnership offer another's HIPS course, or stop.
func (h *resources) offerCourse(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	offered := c.FormValue("offered") == "yes"
	if err := h.deps.Catalogue.SetCourseOffered(c.UserContext(), id, offered); err != nil {
		return err
	}
	done := "course-withdrawn"
	if offered {
		done = "course-offered"
	}
	return c.Redirect(fmt.Sprintf("/admin/courses/%d?done=%s", id, done), fiber.StatusSeeOther)
}

type adminCoursePage struct {
	adminArea
	fieldErrors
	Course    *catalogue.ManagedCourse // nil for a new one
	Form      catalogue.CourseForm
	Audiences []catalogue.Audience
	Levels    []catalogue.Level
	Durations []catalogue.Duration
	Modes     []catalogue.DeliveryMode
	// Renewers are the courses that can renew this one, for its validity.
	Renewers []catalogue.RenewingCourse
	// Several partnerships are served: the page offers to share the course.
	SeveralPartnerships bool
}

func courseFormValues(c *fiber.Ctx) catalogue.CourseForm {
	all := func(k string) []string {
		var out []string
		for _, v := range c.Request().PostArgs().PeekMulti(k) {
			out = append(out, string(v))
		}
		return out
	}
	return catalogue.CourseForm{
		Slug:                c.FormValue(catalogue.FieldSlug),
		Title:               c.FormValue(catalogue.FieldTitle),
		Summary:             c.FormValue(catalogue.FieldSummary),
		Description:         c.FormValue(catalogue.FieldDescription),
		LearningOutcomes:    c.FormValue(catalogue.FieldLearningOutcomes),
		AudienceDescription: c.FormValue(catalogue.FieldAudienceDescription),
		Audiences:           all(catalogue.FieldAudiences),
		Level:               c.FormValue(catalogue.FieldLevel),
		Duration:            c.FormValue(catalogue.FieldDuration),
		DeliveryModes:       all(catalogue.FieldDeliveryModes),
		DefaultCapacity:     c.FormValue(catalogue.FieldDefaultCapacity),
		ValidForMonths:      c.FormValue(catalogue.FieldValidForMonths),
		RenewedBy:           c.FormValue(catalogue.FieldRenewedBy),
	}
}

func (h *resources) showCourseForm(c *fiber.Ctx, course *catalogue.ManagedCourse, f catalogue.CourseForm, errs *validation.Errors) error {
	title := "Add a course"
	if course != nil {
		title = course.Title
	}
	d := adminCoursePage{
		adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Course: course, Form: f,
		Audiences: catalogue.Audiences, Levels: catalogue.Levels,
		Durations: []catalogue.Duration{catalogue.HalfDay, catalogue.FullDay}, Modes: catalogue.DeliveryModes,
		SeveralPartnerships: len(h.allPartnerships(c)) > 1,
	}
	renewers, err := h.deps.Catalogue.RenewingCourses(c.UserContext())
	if err != nil {
		return err
	}
	for _, r := range renewers {
		if course == nil || r.ID != course.ID {
			d.Renewers = append(d.Renewers, r)
		}
	}
	return h.renderForm(c, "admin/course", title, d, errs)
}

func (h *resources) newCourse(c *fiber.Ctx) error {
	return h.showCourseForm(c, nil, catalogue.CourseForm{}, nil)
}

func (h *resources) createCourse(c *fiber.Ctx) error {
	f := courseFormValues(c)
	_, err := h.deps.Catalogue.CreateCourse(c.UserContext(), f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showCourseForm(c, nil, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/courses?done=course-created", fiber.StatusSeeOther)
}

// courseParam loads the course named by the path, retired or not.
func (h *resources) courseParam(c *fiber.Ctx) (catalogue.ManagedCourse, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return catalogue.ManagedCourse{}, err
	}
	return h.deps.Catalogue.ManagedCourse(c.UserContext(), id)
}

func (h *resources) editCourse(c *fiber.Ctx) error {
	course, err := h.courseParam(c)
	if err != nil {
		return err
	}
	return h.showCourseForm(c, &course, course.Form(), nil)
}

func (h *resources) updateCourse(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := courseFormValues(c)
	err = h.deps.Catalogue.UpdateCourse(c.UserContext(), id, f)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		course, err := h.courseParam(c)
		if err != nil {
			return err
		}
		return h.showCourseForm(c, &course, f, verr)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/courses/%d?done=course-updated", id), fiber.StatusSeeOther)
}

func (h *resources) retireCourse(retire bool) fiber.Handler {
	done := "course-restored"
	if retire {
		done = "course-retired"
	}
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		if err := h.deps.Catalogue.SetCourseRetired(c.UserContext(), id, retire); err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/admin/courses/%d?done=%s", id, done), fiber.StatusSeeOther)
	}
}

// --- venues ---

type adminVenuesPage struct {
	adminArea
	Venues []venue.Venue
}

func (h *resources) venueList(c *fiber.Ctx) error {
	list, err := h.venues.List(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "admin/venues", "Venues", adminVenuesPage{adminArea: h.area(c), Venues: list})
}

type adminVenuePage struct {
	adminArea
	fieldErrors
	Venue *venue.Venue // nil for a new one
	Form  venue.Form
}

func venueFormValues(c *fiber.Ctx) venue.Form {
	return venue.Form{
		Kind:               c.FormValue(venue.FieldKind),
		Name:               c.FormValue(venue.FieldName),
		AddressLine1:       c.FormValue(venue.FieldAddressLine1),
		AddressLine2:       c.FormValue(venue.FieldAddressLine2),
		Town:               c.FormValue(venue.FieldTown),
		Postcode:           c.FormValue(venue.FieldPostcode),
		Capacity:           c.FormValue(venue.FieldCapacity),
		AccessibilityNotes: c.FormValue(venue.FieldAccessibility),
		Directions:         c.FormValue(venue.FieldDirections),
	}
}

func (h *resources) showVenueForm(c *fiber.Ctx, v *venue.Venue, f venue.Form, errs *validation.Errors) error {
	title := "Add a venue"
	if v != nil {
		title = v.Name
	}
	d := adminVenuePage{adminArea: h.area(c), fieldErrors: fieldErrors{errs}, Venue: v, Form: f}
	return h.renderForm(c, "admin/venue", title, d, errs)
}

func (h *resources) newVenue(c *fiber.Ctx) error {
	return h.showVenueForm(c, nil, venue.Form{}, nil)
}

func (h *resources) createVenue(c *fiber.Ctx) error {
	f := venueFormValues(c)
	_, err := h.venues.Create(c.UserContext(), f)
	var verr *validation.Errors
	if errors.As(err, &verr) {
		return h.showVenueForm(c, nil, f, verr)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/venues?done=venue-created", fiber.StatusSeeOther)
}

// venueParam loads the venue named by the path.
func (h *resources) venueParam(c *fiber.Ctx) (venue.Venue, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return venue.Venue{}, err
	}
	return h.venues.Get(c.UserContext(), id)
}

func (h *resources) editVenue(c *fiber.Ctx) error {
	v, err := h.venueParam(c)
	if err != nil {
		return err
	}
	return h.showVenueForm(c, &v, venue.FormOf(v), nil)
}

func (h *resources) updateVenue(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := venueFormValues(c)
	err = h.venues.Update(c.UserContext(), id, f)
	var verr *validation.Errors
	switch {
	case errors.As(err, &verr):
		v, err := h.venueParam(c)
		if err != nil {
			return err
		}
		return h.showVenueForm(c, &v, f, verr)
	case err != nil:
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/venues/%d?done=venue-updated", id), fiber.StatusSeeOther)
}

func (h *resources) retireVenue(retire bool) fiber.Handler {
	done := "venue-restored"
	if retire {
		done = "venue-retired"
	}
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		if err := h.venues.SetRetired(c.UserContext(), id, retire); err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/admin/venues/%d?done=%s", id, done), fiber.StatusSeeOther)
	}
}
