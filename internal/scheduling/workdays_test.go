package scheduling_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/catalogue"
	"github.com/pscp/booktraining/internal/scheduling"
)

// A session on a weekend or a bank holiday is refused with a warning naming
// the day until the form confirms that very date; an ordinary Tuesday is not.
func TestWeekendsAndBankHolidaysNeedConfirming(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := func(day, month string) scheduling.Form {
		form := f.form(day, f.trainers[0])
		form.Month, form.VenueID = month, f.online
		return form
	}

	christmas := at("25", "12") // Friday 25 December 2026
	_, _, err := f.svc.Create(f.ctx, christmas)
	var w *scheduling.DayWarning
	require.ErrorAs(t, err, &w)
	require.Len(t, w.Days, 1)
	assert.Equal(t, "Christmas Day", w.Days[0].Holiday)
	assert.Equal(t, "2026-12-25", w.Confirmation())
	assert.Zero(t, sessions(t, f), "nothing saved")
	christmas.ConfirmedDays = []string{"2026-12-25"}
	_, _, err = f.svc.Create(f.ctx, christmas)
	require.NoError(t, err)

	saturday := at("12", "12")
	saturday.ConfirmedDays = []string{"2026-12-25"} // another day's confirmation
	_, _, err = f.svc.Create(f.ctx, saturday)
	require.ErrorAs(t, err, &w)
	assert.Equal(t, "", w.Days[0].Holiday, "a weekend")

	id, _, err := f.svc.Create(f.ctx, at("15", "12")) // an ordinary Tuesday
	require.NoError(t, err)

	// Moved to Boxing Day's substitute Monday: a warning; on its own day, none.
	_, err = f.svc.Move(f.ctx, id, at("28", "12"))
	require.ErrorAs(t, err, &w)
	assert.Equal(t, "Boxing Day (substitute day)", w.Days[0].Holiday)
	later := at("15", "12")
	later.Start = "10:00"
	_, err = f.svc.Move(f.ctx, id, later)
	require.NoError(t, err)

	// A weekly series over Christmas lists each holiday at once.
	series := at("21", "12")
	series.TrainerIDs = []int64{f.trainers[1]}
	_, err = f.svc.CreateSeries(f.ctx, series, scheduling.Pattern{Week: 0, Weekday: 5, Count: 3})
	require.ErrorAs(t, err, &w)
	assert.Equal(t, "2026-12-25,2027-01-01", w.Confirmation())
	series.ConfirmedDays = []string{"2026-12-25", "2027-01-01"}
	ids, err := f.svc.CreateSeries(f.ctx, series, scheduling.Pattern{Week: 0, Weekday: 5, Count: 3})
	require.NoError(t, err)
	assert.Len(t, ids, 3)
}

// A published session is marked delivered only once it has ended.
func TestCompleteWaitsForTheEnd(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id, _, err := f.svc.Create(f.ctx, f.form("10", f.trainers[2]))
	require.NoError(t, err)
	require.NoError(t, f.svc.Publish(f.ctx, id))
	assert.ErrorIs(t, f.svc.Complete(f.ctx, id), scheduling.ErrNotEnded)
	se, err := f.svc.Get(f.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, catalogue.SessionPublished, se.Status)
}
