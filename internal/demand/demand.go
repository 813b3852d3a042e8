// Package demand tells background work how busy the app is with people's
// requests, so that work nobody is waiting on at that instant (sending the
// emails a booking rush wrote) gives way to the people who are, for a
// moment, and then catches up.
//
// In a rush of 500 bookings on two cores, every millisecond of CPU spent on
// delivering the first confirmations is a millisecond the bookings behind
// them wait: the app and PostgreSQL share the machine. The emails are safe
// in their table from the booking's commit, and a delivery that waits a
// second or two is still on time; a person waiting for the booking page is
// not.
package demand

import (
	"context"
	"sync/atomic"
	"time"
)

// Gauge counts the people's requests being handled now. The zero Gauge is
// never busy; a nil *Gauge is a Gauge that never is.
type Gauge struct {
	inFlight atomic.Int64
	// busyAbove is the number of requests in flight above which the app
	// is busy: more than the database pool's connections means requests
	// are queueing for the database, which background work would take
	// from them.
	busyAbove int64
}

// NewGauge is a gauge that says busy while more than busyAbove requests
// are in flight.
func NewGauge(busyAbove int) *Gauge {
	return &Gauge{busyAbove: int64(busyAbove)}
}

// Enter counts a request in; Leave counts it out.
func (g *Gauge) Enter() {
	if g != nil {
		g.inFlight.Add(1)
	}
}

// Leave counts out a request counted in by Enter.
func (g *Gauge) Leave() {
	if g != nil {
		g.inFlight.Add(-1)
	}
}

// InFlight is how many requests are being handled now.
func (g *Gauge) InFlight() int {
	if g == nil {
		return 0
	}
	return int(g.inFlight.Load())
}

// Busy says whether more requests are in flight than the gauge allows
// before it calls the app busy.
func (g *Gauge) Busy() bool {
	return g != nil && g.busyAbove > 0 && g.inFlight.Load() > g.busyAbove
}

// poll is how often GiveWay looks again: short beside the second or two a
// rush lasts, long beside the cost of an atomic load.
const poll = 20 * time.Millisecond

// GiveWay waits while the app is busy, but never past until nor once ctx
// ends; it says how long it waited. Background work calls it before doing
// what can wait, with until bounding how late that work may be: however
// long the app stays busy, the work is late by at most that much, and
// then goes ahead.
func (g *Gauge) GiveWay(ctx context.Context, until time.Time) time.Duration {
	began := time.Now()
	if !g.Busy() {
		return 0
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for g.Busy() {
		left := time.Until(until)
		if left <= 0 {
			break
		}
		select {
		case <-ctx.Done():
			return time.Since(began)
		case <-t.C:
		}
	}
	return time.Since(began)
}
