package main

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// signIns has n of the measured people open the sign-in form (each in their
// own browser), then all submit it with their password at the same
// instant, each from another address as behind a load balancer. It returns the figures of the submissions.
func signIns(w *world, app *appProcess, n int) (rushFigures, error) {
	n = min(n, len(w.users))
	browsers := make([]*browser, n)
	errs := make([]error, n)
	todo := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range todo {
				b, err := newBrowser(app.base)
				if err != nil {
					errs[i] = err
					continue
				}
				status, page, err := b.get(app.base + "/sign-in")
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("/sign-in answered %d", status)
				}
				m := csrfField.FindStringSubmatch(page)
				if err == nil && m == nil {
					err = fmt.Errorf("/sign-in has no CSRF token")
				}
				if err != nil {
					errs[i] = err
					continue
				}
				b.csrf = html.UnescapeString(m[1])
				browsers[i] = b
			}
		})
	}
	for i := range n {
		todo <- i
	}
	close(todo)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return rushFigures{}, err
		}
	}
	defer func() {
		for _, b := range browsers {
			b.close()
		}
	}()
	answers, took, err := together(browsers, func(i int) (*http.Request, error) {
		form := url.Values{"_csrf": {browsers[i].csrf}, "email": {fmt.Sprintf("rush%d@example.org", i)}, "password": {signInPassword}}
		req, err := http.NewRequest(http.MethodPost, app.base+"/sign-in", strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// Each from its own address, through the trusted proxy (the app's
			// limits count attempts in flight from one address as failures).
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		}
		return req, err
	})
	if err != nil {
		return rushFigures{}, err
	}
	var latencies []time.Duration
	for i, a := range answers {
		if a.err != nil {
			return rushFigures{}, fmt.Errorf("sign-in %d: %w", i, a.err)
		}
		if a.status != http.StatusSeeOther {
			return rushFigures{}, fmt.Errorf("sign-in %d answered %d, not a redirect to the account", i, a.status)
		}
		latencies = append(latencies, a.took)
	}
	return rushFigures{rate: float64(n) / took.Seconds(), p50: percentile(latencies, 50), p99: percentile(latencies, 99)}, nil
}
