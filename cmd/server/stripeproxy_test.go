package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// stripeProxy stands between the app and stripe-mock. It counts each call
// by its idempotency key, and gives each object created under a key an id
// of its own (stripe-mock answers every creation with one fixture id, which
// our unique columns would refuse), the same for a retry with the same key,
// as Stripe answers a repeated key with its first answer.
type stripeProxy struct {
	URL  string
	mu   sync.Mutex
	keys map[string]int // "POST /v1/refunds refund-payment-7" → calls
}

// created are the calls that create an object, whose id is made unique.
var created = regexp.MustCompile(`^/v1/(refunds|checkout/sessions)$`)

var unsafeInID = regexp.MustCompile(`[^A-Za-z0-9]`)

func newStripeProxy(t testing.TB, mockURL string) *stripeProxy {
	t.Helper()
	target, err := url.Parse(mockURL)
	if err != nil {
		t.Fatalf("stripe-mock URL: %v", err)
	}
	p := &stripeProxy{keys: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		req := resp.Request
		key := req.Header.Get("Idempotency-Key")
		if req.Method != http.MethodPost || key == "" || !created.MatchString(req.URL.Path) || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			return err
		}
		if id, ok := obj["id"].(string); ok {
			prefix, _, _ := strings.Cut(id, "_")
			obj["id"] = prefix + "_" + unsafeInID.ReplaceAllString(key, "")
		}
		if body, err = json.Marshal(obj); err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.Header.Get("Idempotency-Key"); key != "" {
			p.mu.Lock()
			p.keys[r.Method+" "+r.URL.Path+" "+key]++
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// calls returns, for each call to path whose key starts with prefix, how
// many times it was made, by key.
func (p *stripeProxy) calls(method, path, prefix string) map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, n := range p.keys {
		m, rest, _ := strings.Cut(k, " ")
		pth, key, _ := strings.Cut(rest, " ")
		if m == method && regexp.MustCompile("^"+path+"$").MatchString(pth) && strings.HasPrefix(key, prefix) {
			out[key] += n
		}
	}
	return out
}
