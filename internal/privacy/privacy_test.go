package privacy_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/privacy"
)

func part(name string, data any, erased *[]string, fail error) privacy.Part {
	return privacy.Part{
		Name:   name,
		Export: func(context.Context, pgx.Tx, privacy.Person) (any, error) { return data, fail },
		Erase: func(context.Context, pgx.Tx, privacy.Person, time.Time) error {
			*erased = append(*erased, name)
			return fail
		},
	}
}

func TestRegistryExportsAndErasesInOrder(t *testing.T) {
	t.Parallel()
	var erased []string
	var r privacy.Registry
	r.Register(part("profile", map[string]string{"name": "Pat"}, &erased, nil), part("bookings", []int{1, 2}, &erased, nil))

	sections, err := r.Export(context.Background(), nil, privacy.Person{ID: 1})
	require.NoError(t, err)
	d := privacy.Download{About: "About", CreatedAt: time.Date(2026, 12, 4, 9, 0, 0, 0, time.FixedZone("x", 3600)), Sections: sections}
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, `{"about":"About","created_at":"2026-12-04T08:00:00Z","profile":{"name":"Pat"},"bookings":[1,2]}`, string(b),
		"keys in the registry's order, the time in UTC")
	assert.Equal(t, []int{1, 2}, d.Section("bookings"))
	assert.Nil(t, d.Section("nothing"))

	require.NoError(t, r.Erase(context.Background(), nil, privacy.Person{ID: 1}, time.Now()))
	assert.Equal(t, []string{"profile", "bookings"}, erased)
}

func TestRegistryStopsAtTheFirstFailure(t *testing.T) {
	t.Parallel()
	var erased []string
	boom := errors.New("boom")
	var r privacy.Registry
	r.Register(part("a", nil, &erased, nil), part("b", nil, &erased, boom), part("c", nil, &erased, nil))
	err := r.Erase(context.Background(), nil, privacy.Person{}, time.Now())
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "erase b")
	assert.Equal(t, []string{"a", "b"}, erased)
	_, err = r.Export(context.Background(), nil, privacy.Person{})
	assert.ErrorIs(t, err, boom)
}

func TestRegisterRefusesMistakes(t *testing.T) {
	t.Parallel()
	var erased []string
	var r privacy.Registry
	r.Register(part("a", nil, &erased, nil))
	assert.Panics(t, func() { r.Register(part("a", nil, &erased, nil)) }, "a name twice")
	assert.Panics(t, func() { r.Register(privacy.Part{Name: "no eraser", Export: part("x", nil, &erased, nil).Export}) })
	assert.Panics(t, func() {
		r.Register(privacy.Part{Export: part("x", nil, &erased, nil).Export, Erase: part("x", nil, &erased, nil).Erase})
	})

	r.Register(privacy.Part{Name: "b", Columns: []string{"users.email", "t.c"}, Export: part("x", nil, &erased, nil).Export, Erase: part("x", nil, &erased, nil).Erase})
	r.Register(privacy.Part{Name: "c", Columns: []string{"users.email"}, Export: part("x", nil, &erased, nil).Export, Erase: part("x", nil, &erased, nil).Erase})
	assert.Equal(t, map[string][]string{"users.email": {"b", "c"}, "t.c": {"b"}}, r.Columns())
}
