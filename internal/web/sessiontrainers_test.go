package web_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// putTrainerOn makes each of trainers deliver session, as the scheduling
// pages would: the database lets only a person holding the trainer role and
// approved for the session's course on it, so each is given both first.
func (a testApp) putTrainerOn(t *testing.T, session int64, trainers ...int64) {
	t.Helper()
	ctx := t.Context()
	for _, tr := range trainers {
		_, err := a.pool.Exec(ctx, "INSERT INTO user_roles (user_id, role) VALUES ($1, 'trainer') ON CONFLICT DO NOTHING", tr)
		require.NoError(t, err)
		_, err = a.pool.Exec(ctx, `INSERT INTO trainer_courses (trainer_id, course_id)
			SELECT $1, course_id FROM sessions WHERE id = $2 ON CONFLICT DO NOTHING`, tr, session)
		require.NoError(t, err)
		_, err = a.pool.Exec(ctx, "INSERT INTO session_trainers (session_id, trainer_id) VALUES ($1, $2)", session, tr)
		require.NoError(t, err)
	}
}
