package catalogue_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
)

// A validity period out of range, or a renewing course that is unknown or
// given without a period, is an error on its own field, and nothing is
// saved: no course added, none changed.
func TestCourseValidityValidation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, _ := f.manager(t)
	var other, last, courses int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT min(id), max(id), count(*) FROM courses WHERE NOT bespoke`).Scan(&other, &last, &courses))
	tests := []struct {
		name   string
		months string
		by     string
		field  string
	}{
		{"no months", "0", "", catalogue.FieldValidForMonths},
		{"too many months", "121", "", catalogue.FieldValidForMonths},
		{"months in words", "three years", "", catalogue.FieldValidForMonths},
		{"half a month", "1.5", "", catalogue.FieldValidForMonths},
		{"unknown renewing course", "36", "999999", catalogue.FieldRenewedBy},
		{"renewing course in words", "36", "refresher", catalogue.FieldRenewedBy},
		{"renewed with no period", "", strconv.FormatInt(last, 10), catalogue.FieldRenewedBy},
	}
	for _, tt := range tests {
		form := validCourse()
		form.ValidForMonths, form.RenewedBy = tt.months, tt.by
		_, err := f.svc.CreateCourse(ctx, form)
		fields := fieldsOf(t, err)
		assert.Contains(t, fields, tt.field, tt.name)
		assert.Len(t, fields, 1, "%s: only the field at fault: %v", tt.name, fields)

		c, err := f.svc.ManagedCourse(f.ctx, other)
		require.NoError(t, err)
		edit := c.Form()
		edit.Title = "Changed with a mistake"
		edit.ValidForMonths, edit.RenewedBy = tt.months, tt.by
		fields = fieldsOf(t, f.svc.UpdateCourse(ctx, other, edit))
		assert.Contains(t, fields, tt.field, tt.name)
	}
	var after int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM courses WHERE NOT bespoke`).Scan(&after))
	assert.Equal(t, courses, after, "no course added")
	c, err := f.svc.ManagedCourse(f.ctx, other)
	require.NoError(t, err)
	assert.NotEqual(t, "Changed with a mistake", c.Title)
}

// The edges are kept, a renewing course is kept with its period, the course
// itself as its own renewer is kept as none, and each change is audited.
func TestCourseValiditySavedAndAudited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, _ := f.manager(t)
	refresher, err := f.svc.CreateCourse(ctx, validCourse())
	require.NoError(t, err)

	form := validCourse()
	form.Slug, form.Title = "full-course", "Full course"
	form.ValidForMonths, form.RenewedBy = "120", strconv.FormatInt(refresher, 10)
	id, err := f.svc.CreateCourse(ctx, form)
	require.NoError(t, err)
	c, err := f.svc.ManagedCourse(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, catalogue.Validity{Months: 120, RenewedBy: refresher}, c.Validity)
	assert.Equal(t, "120", c.Form().ValidForMonths)

	edit := c.Form()
	edit.ValidForMonths, edit.RenewedBy = "1", strconv.FormatInt(id, 10)
	require.NoError(t, f.svc.UpdateCourse(ctx, id, edit))
	c, err = f.svc.ManagedCourse(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, catalogue.Validity{Months: 1}, c.Validity, "renewed by itself: stored as none named")

	var audited int
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		SELECT count(*) FROM audit_events WHERE action = 'course_updated'
		  AND details @> '{"valid_for_months": {"from": 120, "to": 1}}'
		  AND details @> jsonb_build_object('renewed_by_course_id', jsonb_build_object('from', $1::bigint, 'to', 0))`,
		refresher).Scan(&audited))
	assert.Equal(t, 1, audited)

	// Saving the form unchanged records nothing.
	require.NoError(t, f.svc.UpdateCourse(ctx, id, c.Form()))
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE action = 'course_updated'`).Scan(&audited))
	assert.Equal(t, 1, audited)

	edit.ValidForMonths = ""
	require.NoError(t, f.svc.UpdateCourse(ctx, id, edit))
	c, err = f.svc.ManagedCourse(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, catalogue.Validity{}, c.Validity, "a blank period: the training does not expire")
}
