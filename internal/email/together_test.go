package email

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Many workers asking at once share few statements, each gets its own
// outcome, and a batch is never larger than max.
func TestTogetherSharesStatements(t *testing.T) {
	t.Parallel()
	var statements, largest atomic.Int64
	tg := &together[int, int]{max: 30, run: func(_ context.Context, ins []int) ([]int, error) {
		statements.Add(1)
		if n := int64(len(ins)); n > largest.Load() {
			largest.Store(n)
		}
		time.Sleep(2 * time.Millisecond) // a statement's round trip
		out := make([]int, len(ins))
		for i, in := range ins {
			out[i] = in * 10
		}
		return out, nil
	}}
	const workers = 100
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			got, err := tg.do(i)
			assert.NoError(t, err)
			assert.Equal(t, i*10, got, "each worker its own outcome")
		})
	}
	close(start)
	wg.Wait()
	assert.LessOrEqual(t, largest.Load(), int64(30))
	assert.Less(t, statements.Load(), int64(workers/2), "workers asking at once share statements")

	// One alone waits for no one: its statement runs at once.
	began := time.Now()
	got, err := tg.do(7)
	require.NoError(t, err)
	assert.Equal(t, 70, got)
	assert.Less(t, time.Since(began), time.Second)
}

// A statement that fails fails every request it carried, and the next
// statement runs afresh.
func TestTogetherFailsTheWholeBatch(t *testing.T) {
	t.Parallel()
	broken := errors.New("connection lost")
	var fail atomic.Bool
	var statements atomic.Int64
	fail.Store(true)
	first := make(chan struct{})
	tg := &together[int, int]{max: 100, run: func(_ context.Context, ins []int) ([]int, error) {
		if statements.Add(1) == 1 {
			<-first // the others gather meanwhile
		}
		if fail.Load() {
			return nil, broken
		}
		return ins, nil
	}}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 10 {
		wg.Go(func() {
			got, err := tg.do(i)
			if errors.Is(err, broken) {
				failed.Add(1)
			} else {
				assert.Equal(t, i, got)
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	close(first)
	wg.Wait()
	assert.Equal(t, int64(10), failed.Load(), "every request of a failed statement fails")
	assert.Less(t, statements.Load(), int64(10), "in fewer statements than requests")

	fail.Store(false)
	got, err := tg.do(2)
	require.NoError(t, err)
	assert.Equal(t, 2, got)
}
