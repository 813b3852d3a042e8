package password

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// However many people sign in at once, no more Argon2id computations run
// than there are slots: each holds 19 MiB.
func TestHashingRunsInBoundedSlots(t *testing.T) {
	t.Parallel()
	encoded, err := Hash("purple tugboat 47 nectarine")
	require.NoError(t, err)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%3 == 0 {
				VerifyDummy("not it")
				return
			}
			ok, _, err := Verify("purple tugboat 47 nectarine", encoded)
			assert.NoError(t, err)
			assert.True(t, ok)
		}()
	}
	close(start)
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int32(cap(slots)), "more computations at once than slots")
	assert.GreaterOrEqual(t, peak.Load(), int32(1))
	assert.Equal(t, max(1, runtime.GOMAXPROCS(0)-1), cap(slots))
}

// BenchmarkTwoHundredSignInsAtOnce verifies 200 passwords started at the
// same instant and reports the largest heap seen while they ran.
func BenchmarkTwoHundredSignInsAtOnce(b *testing.B) {
	encoded, err := Hash("purple tugboat 47 nectarine")
	if err != nil {
		b.Fatal(err)
	}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var highest uint64
	for b.Loop() {
		done, stopped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stopped)
			for {
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
					metrics.Read(sample)
					highest = max(highest, sample[0].Value.Uint64())
				}
			}
		}()
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if ok, _, err := Verify("purple tugboat 47 nectarine", encoded); err != nil || !ok {
					b.Error("verify failed", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(done)
		<-stopped
	}
	b.ReportMetric(float64(highest)/(1<<20), "peak-heap-MB")
}
