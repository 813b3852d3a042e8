// Package stripetest runs stripe-mock, Stripe's own stateless imitation of its
// API, for tests: one process per test binary, built from the version pinned
// as a tool in go.mod, listening on loopback ports the system chose.
//
// stripe-mock checks every request against Stripe's OpenAPI description and
// answers with fixtures, so tests can assert that what we send is a request
// Stripe would accept and what we store from the answer, not Stripe's state.
package stripetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the stripe-mock pinned in go.mod (tool directive).
const Version = "v0.203.0"

var (
	mu      sync.Mutex
	users   int // tests (or TestMains) using the running process
	running *server
)

type server struct {
	cmd  *exec.Cmd
	url  string
	dir  string
	done chan struct{}
}

// Start returns the http:// address of the shared stripe-mock, starting it if
// no test is using it. It stops when the last test that asked for it ends, so
// no process outlives the test binary.
func Start(t testing.TB) string {
	t.Helper()
	url, err := acquire()
	if err != nil {
		t.Fatalf("stripetest: %v", err)
	}
	t.Cleanup(release)
	return url
}

// Main is for a TestMain: it keeps stripe-mock running for the whole run (so
// tests that come and go do not start it again and again) and stops it after.
//
//	func TestMain(m *testing.M) { os.Exit(stripetest.Main(m)) }
func Main(m interface{ Run() int }) int {
	if _, err := acquire(); err != nil {
		fmt.Fprintf(os.Stderr, "stripetest: %v\n", err)
		return 1
	}
	code := m.Run()
	release()
	return code
}

func acquire() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if running == nil {
		s, err := start()
		if err != nil {
			return "", err
		}
		running = s
	}
	users++
	return running.url, nil
}

func release() {
	mu.Lock()
	defer mu.Unlock()
	users--
	if users == 0 && running != nil {
		running.stop()
		running = nil
	}
}

// build compiles stripe-mock into dir (the build cache makes this a link
// after the first time), from the version go.mod pins.
func build(dir string) (string, error) {
	bin := filepath.Join(dir, "stripe-mock")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/stripe/stripe-mock")
	cmd.Dir = moduleRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build stripe-mock %s: %w\n%s", Version, err, out)
	}
	return bin, nil
}

// moduleRoot is the folder of go.mod above the working directory (a test runs
// in its package's folder), so the build uses the pinned version.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func start() (*server, error) {
	dir, err := os.MkdirTemp("", "stripetest-")
	if err != nil {
		return nil, err
	}
	bin, err := build(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Its output goes to a pipe of our own, read to the end, so that Wait
	// never races the reader.
	r, w, err := os.Pipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Port 0 on both: the system picks free ports, and stripe-mock says which.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = w, w
	dieWithParent(cmd)
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start stripe-mock: %w", err)
	}
	s := &server{cmd: cmd, dir: dir, done: make(chan struct{})}
	found := make(chan string, 1)
	var (
		logMu sync.Mutex
		log   strings.Builder
	)
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			logMu.Lock()
			if log.Len() < 4096 {
				log.WriteString(line + "\n")
			}
			logMu.Unlock()
			if addr, ok := strings.CutPrefix(line, "Listening for HTTP at address: "); ok {
				select {
				case found <- "http://" + strings.TrimSpace(addr):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()

	fail := func(err error) (*server, error) {
		s.stop()
		logMu.Lock()
		defer logMu.Unlock()
		return nil, fmt.Errorf("%w; its output:\n%s", err, log.String())
	}
	select {
	case s.url = <-found:
	case <-s.done:
		return fail(errors.New("stripe-mock exited before listening"))
	case <-time.After(30 * time.Second):
		return fail(errors.New("stripe-mock did not say where it listens within 30s"))
	}
	if err := waitReady(s.url, s.done); err != nil {
		return fail(err)
	}
	return s, nil
}

// waitReady polls until stripe-mock answers an authenticated request.
func waitReady(url string, done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/customers?limit=1", nil)
		req.Header.Set("Authorization", "Bearer sk_test_123")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			return errors.New("stripe-mock exited while starting")
		case <-ctx.Done():
			return fmt.Errorf("stripe-mock at %s did not answer within 30s (last: %v)", url, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
	os.RemoveAll(s.dir)
}

// Key is a secret key stripe-mock accepts (any sk_test_ key will do).
const Key = "sk_test_stripetest"
