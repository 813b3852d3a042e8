package email

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A delivery gives way for at most maxGiveWay from its job's making, and
// never longer than that from now, whatever the database's clock says.
func TestADeliveryGivesWayForAtMostTwoSeconds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	assert.Equal(t, now.Add(1500*time.Millisecond), giveWayUntil(now.Add(-500*time.Millisecond), now), "made half a second ago")
	assert.True(t, giveWayUntil(now.Add(-time.Minute), now).Before(now), "a backlog's job goes at once")
	assert.Equal(t, now.Add(maxGiveWay), giveWayUntil(now.Add(time.Hour), now), "the database's clock an hour ahead")
}
