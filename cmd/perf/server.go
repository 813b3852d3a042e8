package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// appProcess is the app, started from its binary as production runs it.
type appProcess struct {
	cmd    *exec.Cmd
	pid    int
	base   string // http://127.0.0.1:port
	logs   *lockedBuffer
	exited chan struct{}
	err    error // set when exited closes
}

// startApp runs bin on dbURL with demo data off, sending its emails to
// smtpURL, with env added to its environment, and waits until /readyz
// answers.
func startApp(ctx context.Context, bin, dbURL, smtpURL string, env ...string) (*appProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"DATABASE_URL=" + dbURL,
		"PORT=" + port,
		"BASE_URL=http://localhost:" + port,
		"DEMO_DATA=false",
		"LOG_LEVEL=warn",
		"TRUSTED_PROXIES=127.0.0.1", // the sign-ins come from many addresses, as behind a load balancer
		"EMAIL_FROM=Book safeguarding training <training@example.org>",
		"SMTP_URL=" + smtpURL,
	}
	cmd.Env = append(cmd.Env, env...)
	p := &appProcess{cmd: cmd, base: "http://127.0.0.1:" + port, logs: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p.pid = cmd.Process.Pid
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	deadline := time.After(90 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("the app exited before serving (%v):\n%s", p.err, p.logs)
		case <-deadline:
			_ = p.stop()
			return nil, fmt.Errorf("the app was not ready in 90 s:\n%s", p.logs)
		case <-ctx.Done():
			_ = p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// alive reports an error if the process has ended.
func (p *appProcess) alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("the app (pid %d) exited: %v\n%s", p.pid, p.err, p.logs)
	default:
		return nil
	}
}

// stop ends the process as a service manager would: SIGTERM, then SIGKILL
// after 20 s.
func (p *appProcess) stop() error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("the app did not stop in 20 s: killed")
	}
	return nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// lockedBuffer keeps a process's output; its last few kilobytes are shown
// when something goes wrong.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return s
}

// profile starts (SIGUSR1) or stops (SIGUSR2) the CPU profile of an app
// built with -tags perfprofile (cmd/server/profile_signal.go), when on.
func (p *appProcess) profile(on bool, s syscall.Signal) {
	if on {
		_ = p.cmd.Process.Signal(s)
	}
}
