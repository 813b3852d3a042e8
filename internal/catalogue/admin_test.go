package catalogue_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/actor"
	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/validation"
)

// manager adds a training manager and returns a context in which they act
// (from 192.0.2.1), and their ID.
func (f fixture) manager(t *testing.T) (context.Context, int64) {
	t.Helper()
	var id int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, unlisted_agency_name, password_hash)
		VALUES ('manager@example.org', 'Helen Carter', 'The partnership', 'x') RETURNING id`).Scan(&id))
	return actor.With(f.ctx, actor.Actor{ID: id, Manager: true, IP: "192.0.2.1"}), id
}

func validCourse() catalogue.CourseForm {
	return catalogue.CourseForm{
		Slug:                "online-safety-basics",
		Title:               "  Online safety   basics ",
		Summary:             "Keeping children safe online.",
		Description:         "First paragraph.\r\n\r\n\r\nSecond\nparagraph.",
		LearningOutcomes:    "Spot the signs\n\n  Know who to tell  \n",
		AudienceDescription: "Anyone who works with children.",
		Audiences:           []string{"practitioners", "everyone"},
		Level:               "1",
		Duration:            "half_day",
		DeliveryModes:       []string{"online"},
		DefaultCapacity:     " 24 ",
	}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var v *validation.Errors
	require.True(t, errors.As(err, &v), "want validation errors, got %v", err)
	out := map[string]string{}
	for _, f := range v.Fields {
		out[f.Field] = f.Message
	}
	return out
}

func TestCreateCourseTidiesAndKeepsEveryField(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, manager := f.manager(t)
	id, err := f.svc.CreateCourse(ctx, validCourse())
	require.NoError(t, err)
	c, err := f.svc.ManagedCourse(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "Online safety basics", c.Title)
	assert.Equal(t, "First paragraph.\n\nSecond paragraph.", c.Description)
	assert.Equal(t, []string{"Spot the signs", "Know who to tell"}, c.LearningOutcomes)
	assert.Equal(t, []catalogue.Audience{catalogue.AudienceEveryone, catalogue.AudiencePractitioners}, c.Audiences)
	assert.Equal(t, catalogue.Level1, c.Level)
	assert.Equal(t, catalogue.HalfDay, c.Duration)
	assert.Equal(t, []catalogue.DeliveryMode{catalogue.Online}, c.DeliveryModes)
	assert.Equal(t, 24, c.DefaultCapacity)
	assert.False(t, c.Retired())

	// It is in the public catalogue at once.
	pub, _, err := f.svc.CourseWithSessions(f.ctx, "online-safety-basics")
	require.NoError(t, err)
	assert.Equal(t, id, pub.ID)

	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE action = 'course_created' AND actor_id = $1 AND ip = '192.0.2.1'`, manager).Scan(&audited))
	assert.Equal(t, 1, audited)
}

func TestCourseValidation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, _ := f.manager(t)
	elevenLines := strings.Repeat("An outcome\n", 11)
	tests := []struct {
		name  string
		edit  func(*catalogue.CourseForm)
		field string
	}{
		{"no slug", func(c *catalogue.CourseForm) { c.Slug = " " }, catalogue.FieldSlug},
		{"capital in slug", func(c *catalogue.CourseForm) { c.Slug = "Online-safety" }, catalogue.FieldSlug},
		{"double hyphen", func(c *catalogue.CourseForm) { c.Slug = "online--safety" }, catalogue.FieldSlug},
		{"trailing hyphen", func(c *catalogue.CourseForm) { c.Slug = "online-" }, catalogue.FieldSlug},
		{"long slug", func(c *catalogue.CourseForm) { c.Slug = strings.Repeat("a", 101) }, catalogue.FieldSlug},
		{"no title", func(c *catalogue.CourseForm) { c.Title = "\t" }, catalogue.FieldTitle},
		{"long title", func(c *catalogue.CourseForm) { c.Title = strings.Repeat("é", 201) }, catalogue.FieldTitle},
		{"no summary", func(c *catalogue.CourseForm) { c.Summary = "" }, catalogue.FieldSummary},
		{"no description", func(c *catalogue.CourseForm) { c.Description = "\n\n" }, catalogue.FieldDescription},
		{"no outcomes", func(c *catalogue.CourseForm) { c.LearningOutcomes = " \n \n" }, catalogue.FieldLearningOutcomes},
		{"eleven outcomes", func(c *catalogue.CourseForm) { c.LearningOutcomes = elevenLines }, catalogue.FieldLearningOutcomes},
		{"no audience text", func(c *catalogue.CourseForm) { c.AudienceDescription = "" }, catalogue.FieldAudienceDescription},
		{"no audiences", func(c *catalogue.CourseForm) { c.Audiences = nil }, catalogue.FieldAudiences},
		{"unknown audience", func(c *catalogue.CourseForm) { c.Audiences = []string{"everyone", "parents"} }, catalogue.FieldAudiences},
		{"no level", func(c *catalogue.CourseForm) { c.Level = "" }, catalogue.FieldLevel},
		{"level 4", func(c *catalogue.CourseForm) { c.Level = "4" }, catalogue.FieldLevel},
		{"unknown duration", func(c *catalogue.CourseForm) { c.Duration = "week" }, catalogue.FieldDuration},
		{"no modes", func(c *catalogue.CourseForm) { c.DeliveryModes = nil }, catalogue.FieldDeliveryModes},
		{"unknown mode", func(c *catalogue.CourseForm) { c.DeliveryModes = []string{"carrier-pigeon"} }, catalogue.FieldDeliveryModes},
		{"no capacity", func(c *catalogue.CourseForm) { c.DefaultCapacity = "" }, catalogue.FieldDefaultCapacity},
		{"capacity 0", func(c *catalogue.CourseForm) { c.DefaultCapacity = "0" }, catalogue.FieldDefaultCapacity},
		{"capacity 501", func(c *catalogue.CourseForm) { c.DefaultCapacity = "501" }, catalogue.FieldDefaultCapacity},
		{"capacity words", func(c *catalogue.CourseForm) { c.DefaultCapacity = "twenty" }, catalogue.FieldDefaultCapacity},
	}
	for _, tt := range tests {
		form := validCourse()
		tt.edit(&form)
		_, err := f.svc.CreateCourse(ctx, form)
		fields := fieldsOf(t, err)
		assert.Contains(t, fields, tt.field, tt.name)
		assert.Len(t, fields, 1, "%s: only the field at fault: %v", tt.name, fields)
	}
	// The edges are allowed.
	form := validCourse()
	form.Slug, form.Title, form.DefaultCapacity = strings.Repeat("a", 100), strings.Repeat("é", 200), "500"
	form.LearningOutcomes = strings.Repeat("An outcome\n", 10)
	_, err := f.svc.CreateCourse(ctx, form)
	require.NoError(t, err)
}

func TestCourseSlugsAreUnique(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, _ := f.manager(t)
	list, err := f.svc.ManagedCourses(f.ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(list), 2)

	form := validCourse()
	form.Slug = list[0].Slug
	_, err = f.svc.CreateCourse(ctx, form)
	assert.Equal(t, "Another course already has this web address name", fieldsOf(t, err)[catalogue.FieldSlug])

	// Editing may keep a course's own slug but not take another's.
	own, err := f.svc.ManagedCourse(f.ctx, list[1].ID)
	require.NoError(t, err)
	edit := catalogue.CourseFormOf(own.Course)
	edit.Title = "A new title"
	require.NoError(t, f.svc.UpdateCourse(ctx, own.ID, edit))
	edit.Slug = list[0].Slug
	err = f.svc.UpdateCourse(ctx, own.ID, edit)
	assert.Contains(t, fieldsOf(t, err), catalogue.FieldSlug)

	// Racing creators: the unique constraint has the last word, as a field error.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := validCourse()
			form.Slug = "raced-course"
			_, errs[i] = f.svc.CreateCourse(ctx, form)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			assert.Contains(t, fieldsOf(t, err), catalogue.FieldSlug)
		}
	}
	assert.Equal(t, 1, wins)
}

func TestRetiredCourseLeavesCatalogueAndKeepsSessions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, _ := f.manager(t)
	var id int64
	var slug string
	var sessions int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT c.id, c.slug, count(s.id) FROM courses c JOIN sessions s ON s.course_id = c.id
		GROUP BY c.id ORDER BY c.id LIMIT 1`).Scan(&id, &slug, &sessions))

	require.NoError(t, f.svc.SetCourseRetired(ctx, id, true))
	_, _, err := f.svc.CourseWithSessions(f.ctx, slug)
	assert.ErrorIs(t, err, catalogue.ErrCourseNotFound)
	c, err := f.svc.ManagedCourse(f.ctx, id)
	require.NoError(t, err)
	assert.True(t, c.Retired())
	var after int
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM sessions WHERE course_id = $1`, id).Scan(&after))
	assert.Equal(t, sessions, after)

	require.NoError(t, f.svc.SetCourseRetired(ctx, id, false))
	_, _, err = f.svc.CourseWithSessions(f.ctx, slug)
	assert.NoError(t, err)
	err = f.svc.SetCourseRetired(ctx, 1<<40, true)
	assert.ErrorIs(t, err, catalogue.ErrNoSuchCourse)
	assert.Equal(t, errs.NotFound, errs.KindOf(err), "answered as not found, with no check in the handler")
}

func TestEditingACourseKeepsSessionTitles(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, _ := f.manager(t)
	var id, sessionID int64
	var title string
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT c.id, c.title, s.id FROM courses c JOIN sessions s ON s.course_id = c.id ORDER BY s.id LIMIT 1`).Scan(&id, &title, &sessionID))
	c, err := f.svc.ManagedCourse(f.ctx, id)
	require.NoError(t, err)
	form := catalogue.CourseFormOf(c.Course)
	form.Title = "Renamed course"
	require.NoError(t, f.svc.UpdateCourse(ctx, id, form))

	var kept string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT course_title FROM sessions WHERE id = $1`, sessionID).Scan(&kept))
	assert.Equal(t, title, kept)
	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT count(*) FROM audit_events WHERE action = 'course_updated' AND details @> '{"title": {"to": "Renamed course"}}'`).Scan(&audited))
	assert.Equal(t, 1, audited)
}
