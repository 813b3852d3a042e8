package email

import (
	"context"
	"sync"
	"time"
)

// together runs one statement for the requests of many workers: a request
// that arrives while no statement runs starts one at once, and those that
// arrive while it runs wait and go together in the next. A lone worker
// waits for nothing; workers started by one fetch of River's (up to the
// queue's MaxWorkers at once) share two or three statements instead of
// each committing its own. This is group commit, done in the app because
// the statements are separate transactions.
type together[In, Out any] struct {
	// run does the requests' work in one statement and returns each one's
	// outcome, in the order given; an error fails every request of the
	// batch (each job then retries).
	run func(ctx context.Context, ins []In) ([]Out, error)
	max int // requests in one statement at most

	mu      sync.Mutex
	waiting []*togetherCall[In, Out]
	running bool
}

type togetherCall[In, Out any] struct {
	in   In
	out  Out
	err  error
	done chan struct{}
}

// batchTimeout bounds one statement of a batch: it runs for many workers,
// so it is not bound to any one job's context.
const batchTimeout = 10 * time.Second

// do adds in to the next statement and returns its outcome. It waits for
// the statement even if ctx ends meanwhile: the statement is short, and a
// claim made for a job that had left would hold its email until the
// claim's lease ran out.
func (t *together[In, Out]) do(in In) (Out, error) {
	c := &togetherCall[In, Out]{in: in, done: make(chan struct{})}
	t.mu.Lock()
	t.waiting = append(t.waiting, c)
	if !t.running {
		t.running = true
		go t.loop()
	}
	t.mu.Unlock()
	<-c.done
	return c.out, c.err
}

// loop runs statements until no request waits.
func (t *together[In, Out]) loop() {
	for {
		t.mu.Lock()
		n := min(len(t.waiting), t.max)
		if n == 0 {
			t.running = false
			t.mu.Unlock()
			return
		}
		batch := t.waiting[:n:n]
		t.waiting = t.waiting[n:]
		if len(t.waiting) == 0 {
			t.waiting = nil // let the old array go
		}
		t.mu.Unlock()

		ins := make([]In, len(batch))
		for i, c := range batch {
			ins[i] = c.in
		}
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		outs, err := t.run(ctx, ins)
		cancel()
		for i, c := range batch {
			if err != nil {
				c.err = err
			} else {
				c.out = outs[i]
			}
			close(c.done)
		}
	}
}
