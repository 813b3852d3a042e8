package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// mailSink is the mail server the app sends to while it is measured: it
// takes every message on the loopback interface, keeps only how many came
// and when the last did, so the time the last confirmation of a rush was
// sent can be compared with the rush's end. It answers as quickly as a
// mail server can; the app's side of each conversation (the message built
// and written, the invitation encoded) is the app's real cost.
type mailSink struct {
	addr string
	srv  *smtp.Server
	done chan struct{}

	mu      sync.Mutex
	count   int
	last    time.Time
	arrived chan struct{} // closed and replaced when a message arrives
}

func startMailSink() (*mailSink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mail sink: %w", err)
	}
	s := &mailSink{addr: l.Addr().String(), done: make(chan struct{}), arrived: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return sinkSession{s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(l)
	}()
	return s, nil
}

// url is the SMTP_URL that sends to the sink: plain SMTP on loopback.
func (s *mailSink) url() string { return "smtp://" + s.addr }

func (s *mailSink) close() {
	_ = s.srv.Close()
	<-s.done
}

// received is how many messages have arrived so far and when the last did.
func (s *mailSink) received() (int, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count, s.last
}

// waitFor waits until at least n messages have arrived in all and returns
// when the last of them did.
func (s *mailSink) waitFor(n int, timeout time.Duration) (time.Time, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		count, last, arrived := s.count, s.last, s.arrived
		s.mu.Unlock()
		if count >= n {
			return last, nil
		}
		select {
		case <-arrived:
		case <-deadline.C:
			return time.Time{}, fmt.Errorf("%d of %d emails reached the mail server within %s", count, n, timeout)
		}
	}
}

type sinkSession struct{ s *mailSink }

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }

func (ss sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	s.last = time.Now()
	close(s.arrived)
	s.arrived = make(chan struct{})
	return nil
}
