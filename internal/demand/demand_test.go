package demand_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/pscp/booktraining/internal/demand"
)

func TestTheGaugeIsBusyAboveItsBound(t *testing.T) {
	t.Parallel()
	g := demand.NewGauge(2)
	assert.False(t, g.Busy(), "nothing in flight")
	g.Enter()
	g.Enter()
	assert.False(t, g.Busy(), "as many in flight as the bound")
	g.Enter()
	assert.True(t, g.Busy(), "more in flight than the bound")
	assert.Equal(t, 3, g.InFlight())
	g.Leave()
	assert.False(t, g.Busy())

	var none *demand.Gauge
	none.Enter()
	none.Leave()
	assert.False(t, none.Busy(), "a nil gauge is never busy")
	assert.False(t, (&demand.Gauge{}).Busy(), "nor is the zero gauge, however much is in flight")
}

func TestGiveWayWaitsWhileBusyAndNoLongerThanItsLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := demand.NewGauge(1)

	assert.Zero(t, g.GiveWay(ctx, time.Now().Add(time.Hour)), "an idle app: no wait at all")

	g.Enter()
	g.Enter() // busy
	go func() {
		time.Sleep(200 * time.Millisecond)
		g.Leave() // no longer busy
	}()
	waited := g.GiveWay(ctx, time.Now().Add(10*time.Second))
	assert.GreaterOrEqual(t, waited, 150*time.Millisecond, "waited while busy")
	assert.Less(t, waited, 5*time.Second, "went once the app was no longer busy")

	g.Enter() // busy for good
	waited = g.GiveWay(ctx, time.Now().Add(150*time.Millisecond))
	assert.GreaterOrEqual(t, waited, 100*time.Millisecond)
	assert.Less(t, waited, 2*time.Second, "went at its limit, however busy")

	ended, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	waited = g.GiveWay(ended, time.Now().Add(time.Hour))
	assert.Less(t, waited, 2*time.Second, "went when its context ended")
}
