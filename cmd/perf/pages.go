package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// pageFigures are one page's under load: answers a second, and the p99 of
// their latencies in ms.
type pageFigures struct {
	rate, p99 float64
}

// loadPage has clients, each on its own kept-alive connection, read target
// one request after another for d (after a short warm-up), and fails on any
// answer but 200.
func loadPage(ctx context.Context, target string, clients int, d time.Duration) (pageFigures, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s answered %d", target, resp.StatusCode)
		}
		return nil
	}
	// Warm: every connection open, the pool's statements prepared.
	for range clients {
		if err := get(); err != nil {
			return pageFigures{}, err
		}
	}

	var (
		stop      atomic.Bool
		wg        sync.WaitGroup
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
	)
	began := time.Now()
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			for !stop.Load() {
				t := time.Now()
				if err := get(); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					stop.Store(true)
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	took := time.Since(began)
	if firstErr != nil {
		return pageFigures{}, firstErr
	}
	return pageFigures{rate: float64(len(latencies)) / took.Seconds(), p99: percentile(latencies, 99)}, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
