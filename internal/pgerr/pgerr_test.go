package pgerr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/pgerr"
	"github.com/pscp/booktraining/internal/pgtest"
)

func TestViolates(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, "INSERT INTO agencies (name, sector, charging_band) VALUES ('A', 'police', 'partner')")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "INSERT INTO agencies (name, sector, charging_band) VALUES ('a', 'police', 'partner')")
	require.Error(t, err)
	assert.True(t, pgerr.Violates(err, "agencies_name_key"))
	assert.True(t, pgerr.Violates(fmt.Errorf("wrapped: %w", err), "other", "agencies_name_key"))
	assert.False(t, pgerr.Violates(err, "courses_slug_key"))
	assert.False(t, pgerr.Violates(errors.New("agencies_name_key"), "agencies_name_key"))
	assert.False(t, pgerr.Violates(nil, "agencies_name_key"))
}
