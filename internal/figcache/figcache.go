// Package figcache keeps figures that are costly to count: the board's
// reports, an agency's figures, a course's evaluation results.
//
// The board's figures total every place of a period: at a hundred times a
// partnership's first year that is tens of thousands of places and up to a
// second of PostgreSQL's time for one report, and 32 people opening a report
// at once each paid it again, queued for the pool's connections and met the
// request timeout (issue 21). Figures are now counted once and kept, as of
// the moment they were counted, which every page shows:
//
//   - figures younger than FreshFor are served as they are;
//   - older, up to KeepFor, they are served while one computation counts
//     them again in the background;
//   - older still, or never counted, the request waits for the one
//     computation under way (started if none is), never starting a second:
//     however many ask, a (report, period) is counted by one computation at
//     a time, and at most countingAtOnce reports are counted at once.
//
// A request waits for a computation no longer than its own deadline allows
// (less a margin to answer in): past that it is told the figures are being
// counted (ErrCounting, 503), not failed by the request timeout, and the
// computation carries on for the next to ask. The cache lives in the
// process: each app process counts its own, which is at most one
// computation per (report, period) per process every FreshFor.
//
// Figures are the plain computation's, to the row, as of the moment they
// were counted: a report's figures were never more than a snapshot of one
// moment; now that moment is shown (WithAsOf) and is at most KeepFor old.
package figcache

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/scope"
)

// ErrCounting: the figures asked for are being counted and were not ready
// before the request had to be answered.
var ErrCounting = errs.New(errs.Unavailable, "the figures are being counted: please try again in a minute")

const (
	// DefaultFreshFor is how long counted figures are served as they are.
	DefaultFreshFor = time.Minute
	// DefaultKeepFor is how old figures may be served while counted again.
	DefaultKeepFor = 5 * time.Minute
	// countingAtOnce is how many reports are counted at once, so that
	// reports never take more than that many of the pool's connections.
	countingAtOnce = 2
	// countingTimeout bounds one computation.
	countingTimeout = 5 * time.Minute
	// answerMargin is the time a waiting request keeps before its deadline
	// to answer in.
	answerMargin = 3 * time.Second
	// keptAtMost is how many (report, period) figures a process keeps; the
	// oldest are forgotten first.
	keptAtMost = 256
)

// generation numbers the computations of every cache in the process.
var generation atomic.Uint64

// Cache keeps counted figures by key: the report and its period.
type Cache struct {
	// FreshFor and KeepFor are how long figures, once counted, are served
	// as they are, and served while counted again.
	FreshFor, KeepFor time.Duration

	now     func() time.Time
	mu      sync.Mutex
	entries map[string]*cached
	slots   chan struct{}
}

// cached is one report's figures for one period.
type cached struct {
	value   any
	asOf    time.Time     // the service's clock when they were counted
	counted time.Time     // the wall clock then, for their age
	gen     uint64        // the computation's number, unique in the process
	ok      bool          // value holds figures
	running chan struct{} // closed when the computation under way ends; nil when none
	err     error         // the last computation's error, for those who waited on it
}

// New returns an empty cache whose figures are dated by the clock now (the
// clock their computations count by).
func New(now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{FreshFor: DefaultFreshFor, KeepFor: DefaultKeepFor, now: now,
		entries: map[string]*cached{}, slots: make(chan struct{}, countingAtOnce)}
}

// Get returns the figures of key, counted by compute now or before (see
// above), noting when they were counted for WithAsOf. Bounded computations
// take one of the slots for counting while they run; figures made of other
// figures kept (which need the slots) are not bounded.
//
// Figures are counted in the asker's scope (internal/scope): a training
// manager's are their partnership's alone, so they are kept apart by
// partnership, and no manager is shown figures counted for another's.
func Get[T any](ctx context.Context, c *Cache, key string, bounded bool, compute func(ctx context.Context) (T, error)) (T, error) {
	if id, ok := scope.ManagingFrom(ctx); ok {
		key = "partnership " + strconv.FormatInt(id, 10) + "|" + key
	}
	v, asOf, gen, err := c.get(ctx, key, bounded, func(ctx context.Context) (any, error) { return compute(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	noteAsOf(ctx, asOf, gen)
	return v.(T), nil
}

func (c *Cache) get(ctx context.Context, key string, bounded bool, compute func(context.Context) (any, error)) (any, time.Time, uint64, error) {
	c.mu.Lock()
	e := c.entries[key]
	if e != nil && e.ok {
		age, v, asOf, gen := time.Since(e.counted), e.value, e.asOf, e.gen
		if age < c.FreshFor {
			c.mu.Unlock()
			return v, asOf, gen, nil
		}
		if age < c.KeepFor {
			c.start(ctx, e, bounded, compute) // again, in the background
			c.mu.Unlock()
			return v, asOf, gen, nil
		}
	}
	if e == nil {
		c.forgetOld()
		e = &cached{}
		c.entries[key] = e
	}
	running := c.start(ctx, e, bounded, compute)
	c.mu.Unlock()

	wait := ctx.Done()
	if deadline, ok := ctx.Deadline(); ok {
		t := time.NewTimer(max(time.Until(deadline)-answerMargin, 0))
		defer t.Stop()
		select {
		case <-running:
		case <-ctx.Done():
			return nil, time.Time{}, 0, ctx.Err()
		case <-t.C:
			return nil, time.Time{}, 0, ErrCounting
		}
	} else {
		select {
		case <-running:
		case <-wait:
			return nil, time.Time{}, 0, ctx.Err()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.err != nil {
		return nil, time.Time{}, 0, e.err
	}
	return e.value, e.asOf, e.gen, nil
}

// start begins counting e's figures unless a computation is under way, and
// returns the channel closed when the one under way ends. c.mu is held.
func (c *Cache) start(ctx context.Context, e *cached, bounded bool, compute func(context.Context) (any, error)) chan struct{} {
	if e.running != nil {
		return e.running
	}
	done := make(chan struct{})
	e.running = done
	// Not cancelled with the request that started it: others wait for it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), countingTimeout)
	go func() {
		defer cancel()
		defer close(done)
		var (
			v    any
			err  error
			asOf time.Time
			at   time.Time
		)
		slots := c.slots
		if !bounded {
			slots = make(chan struct{}, 1)
		}
		select {
		case slots <- struct{}{}:
			at, asOf = time.Now(), c.now()
			v, err = countSafely(cctx, compute)
			<-slots
		case <-cctx.Done():
			err = cctx.Err()
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		e.running, e.err = nil, err
		if err == nil {
			e.value, e.asOf, e.counted, e.ok, e.gen = v, asOf, at, true, generation.Add(1)
		}
	}()
	return done
}

// countSafely runs compute, turning a panic into an error: a computation
// runs outside any request, where nothing else would recover it.
func countSafely(ctx context.Context, compute func(context.Context) (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("counting figures: %v", r)
		}
	}()
	return compute(ctx)
}

// forgetOld makes room for another entry: figures past KeepFor go first,
// then the oldest counted. c.mu is held.
func (c *Cache) forgetOld() {
	if len(c.entries) < keptAtMost {
		return
	}
	var oldest string
	var oldestAt time.Time
	for k, e := range c.entries {
		if e.running != nil {
			continue
		}
		if !e.ok || time.Since(e.counted) >= c.KeepFor {
			delete(c.entries, k)
			continue
		}
		if oldest == "" || e.counted.Before(oldestAt) {
			oldest, oldestAt = k, e.counted
		}
	}
	if len(c.entries) >= keptAtMost && oldest != "" {
		delete(c.entries, oldest)
	}
}

// Forget drops every figure kept, so the next to ask counts them afresh
// (tests, and a manager's "count again").
func (c *Cache) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries) // one under way ends for those waiting on it, and is not kept
}

// ForgetWhere drops the figures whose key forget says to, as Forget does.
func (c *Cache) ForgetWhere(forget func(key string) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if forget(k) {
			delete(c.entries, k)
		}
	}
}

// Key names figures: what they are and the times that bound them.
func Key(what string, times ...time.Time) string {
	k := what
	for _, t := range times {
		k += fmt.Sprintf("|%d", t.UnixNano())
	}
	return k
}

// asOfNote is the oldest moment of the figures read under a context.
type asOfNote struct {
	mu      sync.Mutex
	at      time.Time // the oldest
	version strings.Builder
	parent  *asOfNote // the note of the context it was made under, told too
}

type asOfKey struct{}

// WithAsOf returns a context under which the figures read are noted, and
// a function saying as of when the oldest of them was counted (zero when
// none was read): what a page shows as "figures as of". Notes made under
// one another each hear the figures read under the innermost.
func WithAsOf(ctx context.Context) (context.Context, func() time.Time) {
	ctx, note := WithAsOfVersion(ctx)
	return ctx, func() time.Time { oldest, _ := note(); return oldest }
}

// WithAsOfVersion is WithAsOf, also naming the figures read: each
// computation's figures have a number of their own, and the version lists
// those read, in the order read.
func WithAsOfVersion(ctx context.Context) (context.Context, func() (oldest time.Time, version string)) {
	parent, _ := ctx.Value(asOfKey{}).(*asOfNote)
	n := &asOfNote{parent: parent}
	return context.WithValue(ctx, asOfKey{}, n), func() (time.Time, string) {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.at, n.version.String()
	}
}

func noteAsOf(ctx context.Context, at time.Time, gen uint64) {
	n, _ := ctx.Value(asOfKey{}).(*asOfNote)
	if at.IsZero() {
		return
	}
	for ; n != nil; n = n.parent {
		n.mu.Lock()
		if n.at.IsZero() || at.Before(n.at) {
			n.at = at
		}
		fmt.Fprintf(&n.version, "%d.", gen)
		n.mu.Unlock()
	}
}
