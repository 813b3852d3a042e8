package figcache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/errs"
	"github.com/pscp/booktraining/internal/scope"
)

// Thirty-two asking at once for figures nobody has counted: one
// computation, and all thirty-two get its figures.
func TestOneComputationForEveryoneAsking(t *testing.T) {
	t.Parallel()
	c := New(nil)
	var calls atomic.Int32
	release := make(chan struct{})
	compute := func(context.Context) (int, error) {
		calls.Add(1)
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	got := make([]int, 32)
	for i := range got {
		wg.Go(func() {
			v, err := Get(context.Background(), c, "k", true, compute)
			assert.NoError(t, err)
			got[i] = v
		})
	}
	time.Sleep(50 * time.Millisecond) // all waiting
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load())
	for _, v := range got {
		assert.Equal(t, 42, v)
	}
	// Fresh: served without counting.
	v, err := Get(context.Background(), c, "k", true, compute)
	require.NoError(t, err)
	assert.Equal(t, 42, v)
	assert.Equal(t, int32(1), calls.Load())
}

// Past FreshFor the figures kept are served at once while one computation
// counts them again; past KeepFor the asker waits for the new count.
func TestStaleFiguresServedWhileCountedAgain(t *testing.T) {
	t.Parallel()
	c := New(nil)
	n := 0
	var mu sync.Mutex
	next := func(context.Context) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return n, nil
	}
	v, err := Get(context.Background(), c, "k", true, next)
	require.NoError(t, err)
	require.Equal(t, 1, v)

	c.FreshFor = 0
	v, err = Get(context.Background(), c, "k", true, next)
	require.NoError(t, err)
	assert.Equal(t, 1, v, "stale, served at once")
	require.Eventually(t, func() bool {
		v, err := Get(context.Background(), c, "k", true, next)
		return err == nil && v >= 2
	}, 5*time.Second, 10*time.Millisecond, "counted again in the background")

	c.KeepFor = 0
	before, _ := Get(context.Background(), c, "k", true, next)
	after, err := Get(context.Background(), c, "k", true, next)
	require.NoError(t, err)
	assert.Greater(t, after, before, "too old to serve: waited for")
}

// A request never waits past its deadline (less the margin to answer in):
// it is told the figures are being counted, and the computation carries on
// for the next to ask.
func TestWaitingEndsBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	c := New(nil)
	release := make(chan struct{})
	compute := func(context.Context) (string, error) { <-release; return "done", nil }
	ctx, cancel := context.WithTimeout(context.Background(), answerMargin+100*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := Get(ctx, c, "k", true, compute)
	assert.ErrorIs(t, err, ErrCounting)
	assert.Equal(t, errs.Unavailable, errs.KindOf(err))
	assert.Less(t, time.Since(began), answerMargin, "answered before the deadline")
	close(release)
	v, err := Get(context.Background(), c, "k", true, compute)
	require.NoError(t, err)
	assert.Equal(t, "done", v)
}

// An error is given to those who waited and not kept; a panic is an error.
func TestErrorsAreNotKept(t *testing.T) {
	t.Parallel()
	c := New(nil)
	boom := errors.New("boom")
	_, err := Get(context.Background(), c, "k", true, func(context.Context) (int, error) { return 0, boom })
	assert.ErrorIs(t, err, boom)
	_, err = Get(context.Background(), c, "p", true, func(context.Context) (int, error) { panic("oops") })
	assert.ErrorContains(t, err, "oops")
	v, err := Get(context.Background(), c, "k", true, func(context.Context) (int, error) { return 7, nil })
	require.NoError(t, err)
	assert.Equal(t, 7, v)
}

// No more than countingAtOnce bounded computations run at once, whatever
// the keys; unbounded ones (made of others) need no slot.
func TestComputationsAtOnceAreBounded(t *testing.T) {
	t.Parallel()
	c := New(nil)
	var running, most atomic.Int32
	compute := func(context.Context) (int, error) {
		r := running.Add(1)
		for {
			m := most.Load()
			if r <= m || most.CompareAndSwap(m, r) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return 1, nil
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := Get(context.Background(), c, Key("r", time.Unix(int64(i), 0)), true, compute)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, int32(countingAtOnce), most.Load())

	// A pack made of two figures, itself unbounded, while the slots are free.
	v, err := Get(context.Background(), c, "pack", false, func(ctx context.Context) (int, error) {
		a, err := Get(ctx, c, "a", true, compute)
		if err != nil {
			return 0, err
		}
		b, err := Get(ctx, c, "b", true, compute)
		return a + b, err
	})
	require.NoError(t, err)
	assert.Equal(t, 2, v)
}

// WithAsOf says when the oldest figures read were counted.
func TestAsOfIsTheOldest(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	c := New(func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
	one := func(context.Context) (int, error) { return 1, nil }
	_, err := Get(context.Background(), c, "old", true, one)
	require.NoError(t, err)
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	ctx, asOf := WithAsOf(context.Background())
	assert.True(t, asOf().IsZero())
	_, err = Get(ctx, c, "new", true, one)
	require.NoError(t, err)
	_, err = Get(ctx, c, "old", true, one)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), asOf())
}

// Forgetting drops what was kept: the next to ask counts again.
func TestForget(t *testing.T) {
	t.Parallel()
	c := New(nil)
	var calls atomic.Int32
	compute := func(context.Context) (int32, error) { return calls.Add(1), nil }
	_, _ = Get(context.Background(), c, "a|1", true, compute)
	_, _ = Get(context.Background(), c, "b|2", true, compute)
	c.ForgetWhere(func(k string) bool { return k == "a|1" })
	_, _ = Get(context.Background(), c, "b|2", true, compute)
	assert.Equal(t, int32(2), calls.Load())
	_, _ = Get(context.Background(), c, "a|1", true, compute)
	assert.Equal(t, int32(3), calls.Load())
	c.Forget()
	_, _ = Get(context.Background(), c, "b|2", true, compute)
	assert.Equal(t, int32(4), calls.Load())
}

// The version names the figures read: the same while they are kept, new
// once they are counted again, even on a clock that stands still.
func TestVersionNamesTheFiguresRead(t *testing.T) {
	t.Parallel()
	still := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := New(func() time.Time { return still })
	one := func(context.Context) (int, error) { return 1, nil }
	read := func() (time.Time, string) {
		ctx, note := WithAsOfVersion(context.Background())
		_, err := Get(ctx, c, "a", true, one)
		require.NoError(t, err)
		_, err = Get(ctx, c, "b", true, one)
		require.NoError(t, err)
		return note()
	}
	at1, v1 := read()
	at2, v2 := read()
	assert.Equal(t, v1, v2)
	c.ForgetWhere(func(k string) bool { return k == "b" })
	at3, v3 := read()
	assert.NotEqual(t, v1, v3)
	assert.Equal(t, still, at1)
	assert.Equal(t, at1, at2)
	assert.Equal(t, at1, at3)
}

// Figures counted for one partnership's manager are theirs alone: another
// partnership's manager asking for the same figures has them counted in
// their own scope, and so does the service.
func TestFiguresAreKeptApartByPartnership(t *testing.T) {
	t.Parallel()
	c := New(nil)
	count := func(ctx context.Context) (int64, error) {
		id, _ := scope.ManagingFrom(ctx)
		return id, nil
	}
	for _, want := range []int64{1, 2, 0, 1} {
		ctx := context.Background()
		if want != 0 {
			ctx = scope.Managing(ctx, want)
		}
		got, err := Get(ctx, c, Key("delivery"), true, count)
		require.NoError(t, err)
		assert.Equal(t, want, got, "the figures of partnership %d", want)
	}
}
