package catalogue_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
)

func TestCourseCapsAreCheckedSavedAndAudited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, manager := f.manager(t)
	id, err := f.svc.CreateCourse(ctx, validCourse()) // 24 places
	require.NoError(t, err)

	for _, tt := range []struct {
		name  string
		form  catalogue.CapsForm
		field string
	}{
		{"agency cap above the places", catalogue.CapsForm{AgencyCap: "25", ReleaseDays: "10"}, catalogue.FieldAgencyCap},
		{"negative sector cap", catalogue.CapsForm{SectorCap: "-1", ReleaseDays: "10"}, catalogue.FieldSectorCap},
		{"release after the session", catalogue.CapsForm{AgencyCap: "4", ReleaseDays: "-3"}, catalogue.FieldCapRelease},
		{"release not given", catalogue.CapsForm{AgencyCap: "4"}, catalogue.FieldCapRelease},
		{"a NUL byte", catalogue.CapsForm{AgencyCap: "4\x00", ReleaseDays: "10"}, catalogue.FieldAgencyCap},
	} {
		err := f.svc.SetCourseCaps(ctx, id, tt.form)
		assert.Contains(t, fieldsOf(t, err), tt.field, tt.name)
	}
	caps, err := f.svc.CourseCaps(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, catalogue.CourseCaps{CourseID: id, Title: caps.Title, DefaultCapacity: 24, ReleaseDays: 10}, caps, "nothing saved")

	require.NoError(t, f.svc.SetCourseCaps(ctx, id, catalogue.CapsForm{AgencyCap: " 4 ", SectorCap: "0", ReleaseDays: "14"}))
	caps, err = f.svc.CourseCaps(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 4, caps.AgencyCap)
	assert.Zero(t, caps.SectorCap)
	assert.Equal(t, 14, caps.ReleaseDays)
	var details string
	require.NoError(t, f.pool.QueryRow(f.ctx, `SELECT details::text FROM audit_events
		WHERE action = 'course_updated' AND actor_id = $1 ORDER BY id DESC LIMIT 1`, manager).Scan(&details))
	assert.JSONEq(t, `{"course_id": `+strconv.FormatInt(id, 10)+`, "default_agency_cap": {"from": 0, "to": 4}, "default_cap_release_days": {"from": 10, "to": 14}}`, details)

	_, err = f.svc.CourseCaps(f.ctx, id+1000)
	assert.ErrorIs(t, err, catalogue.ErrNoSuchCourse)
}
