// Package smtptest is for tests only: a real SMTP server on the loopback
// interface that records every message delivered to it, decodes the subject
// and plain-text body so tests can read the links inside, and can be told to
// refuse deliveries (for a while, or one address for good) to exercise
// retries and permanent failures, or to hold them to exercise concurrency.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the server accepted it.
type Received struct {
	From     string   // envelope sender (MAIL FROM)
	To       []string // envelope recipients (RCPT TO)
	AuthUser string   // the AUTH PLAIN user name, "" without AUTH
	Data     string   // the raw message, headers and all
	Header   mail.Header
	Subject  string // decoded
	Body     string // the decoded text/plain body, with "\n" line endings
}

// Server is a running SMTP server.
type Server struct {
	addr string

	mu       sync.Mutex
	messages []Received
	failNext int
	arrived  chan struct{} // closed and replaced whenever a message arrives or is held
	refusals map[string]*refusal
	tries    map[string]int // RCPT TO commands per address, refused or not
	gate     chan struct{}  // while not nil, deliveries wait for it to close
	release  func()         // opens gate; run when the test ends, too
	held     int            // deliveries waiting at the gate
	conns    int            // connections opened by clients
	open     map[*smtp.Conn]bool
}

// refusal is how RCPT TO an address is answered.
type refusal struct {
	err   *smtp.SMTPError
	times int // how many more times; < 0 for ever
}

// Start runs a server on 127.0.0.1 on a free port until the test ends. It
// offers AUTH PLAIN without TLS and accepts any credentials, or none.
func Start(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{addr: l.Addr().String(), arrived: make(chan struct{}),
		refusals: map[string]*refusal{}, tries: map[string]int{}}
	s.open = map[*smtp.Conn]bool{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.conns++
		s.open[c] = true
		return &session{server: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l) // returns when closed
	}()
	t.Cleanup(func() {
		s.mu.Lock()
		release := s.release
		s.mu.Unlock()
		if release != nil {
			release() // no delivery left waiting for a test that has ended
		}
		_ = srv.Close()
		// Close closes only the listeners Serve has registered: a test that
		// fails at once (its job client refused its settings) can end
		// before the goroutine above has even called Serve, which would then
		// accept for ever and this wait never end. Closing the listener
		// here ends Serve whenever it started.
		_ = l.Close()
		<-done
	})
	return s
}

// URL is the server's address as an SMTP URL: smtp://127.0.0.1:PORT.
func (s *Server) URL() string { return "smtp://" + s.addr }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// WaitFor waits until at least n messages have arrived and returns them all,
// failing the test if they have not arrived within timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.messages), s.arrived
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("smtptest: %d of %d messages arrived within %s", got, n, timeout)
			return nil
		}
	}
}

// WaitForTo waits until at least n messages to addr have arrived and
// returns those, oldest first, failing the test if they have not arrived
// within timeout. Messages to others (a running app's own timed emails) are
// passed over.
func (s *Server) WaitForTo(t testing.TB, addr string, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		var to []Received
		for _, m := range s.messages {
			if slices.Contains(m.To, addr) {
				to = append(to, m)
			}
		}
		arrived := s.arrived
		s.mu.Unlock()
		if len(to) >= n {
			return to
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("smtptest: %d of %d messages to %s arrived within %s", len(to), n, addr, timeout)
			return nil
		}
	}
}

// Connections returns how many connections clients have opened so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// DropConnections closes every open connection without a word, as a
// server does to a client idle too long or when it restarts.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.open {
		_ = c.Conn().Close()
	}
}

// FailNext makes the server refuse the next n deliveries with a temporary
// error (451) after reading their data, as a server under load would.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

var errTryLater = &smtp.SMTPError{
	Code:         451,
	EnhancedCode: smtp.EnhancedCode{4, 3, 0},
	Message:      "smtptest: try again later",
}

// RefuseRecipient makes the server answer RCPT TO addr with code, the next
// times times (times < 0: for ever), as a real server answers for a mailbox
// that does not exist (550), an address it cannot parse (501) or a mailbox
// that is full for now (452). Its enhanced status code matches the class:
// 5.1.1 or 4.2.2.
func (s *Server) RefuseRecipient(addr string, code int, times int) {
	if code < 400 || code > 599 {
		panic("smtptest: RefuseRecipient needs a 4xx or 5xx code")
	}
	enhanced := smtp.EnhancedCode{5, 1, 1}
	msg := "smtptest: no such mailbox"
	if code < 500 {
		enhanced, msg = smtp.EnhancedCode{4, 2, 2}, "smtptest: mailbox full, try again later"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals[strings.ToLower(addr)] = &refusal{
		err:   &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg},
		times: times,
	}
}

// RefuseByPolicy makes the server refuse RCPT TO addr the next times times
// with 554 5.7.1, a refusal about the sender (relaying denied, a sender not
// verified) rather than the mailbox.
func (s *Server) RefuseByPolicy(addr string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals[strings.ToLower(addr)] = &refusal{
		err:   &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "smtptest: relay access denied"},
		times: times,
	}
}

// Tries returns how many times a client has given RCPT TO addr, whether or
// not the server refused it: how many attempts were made to deliver to it.
func (s *Server) Tries(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tries[strings.ToLower(addr)]
}

func (s *Server) rcpt(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(addr)
	s.tries[key]++
	r := s.refusals[key]
	if r == nil || r.times == 0 {
		return nil
	}
	if r.times > 0 {
		r.times--
	}
	return r.err
}

// Hold makes every delivery from now on wait, its data read but not yet
// answered, until release is called: as a slow server would keep a client
// in the middle of sending. Held counts the deliveries waiting.
func (s *Server) Hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		panic("smtptest: Hold while holding")
	}
	gate := make(chan struct{})
	s.gate = gate
	var once sync.Once
	s.release = func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.gate = nil
			close(gate)
		})
	}
	return s.release
}

// WaitHeld waits until at least n deliveries are held by Hold, failing the
// test if they are not within timeout.
func (s *Server) WaitHeld(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := s.held, s.arrived
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("smtptest: %d of %d deliveries held within %s", got, n, timeout)
			return
		}
	}
}

// Held returns how many deliveries are waiting for Hold's release.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// wait holds a delivery at the gate, if there is one.
func (s *Server) wait() {
	s.mu.Lock()
	gate := s.gate
	if gate == nil {
		s.mu.Unlock()
		return
	}
	s.held++
	s.notify()
	s.mu.Unlock()
	<-gate
	s.mu.Lock()
	s.held--
	s.mu.Unlock()
}

// notify wakes whoever waits for a change; s.mu is held.
func (s *Server) notify() {
	close(s.arrived)
	s.arrived = make(chan struct{})
}

func (s *Server) deliver(r Received) error {
	s.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return errTryLater
	}
	s.messages = append(s.messages, r)
	s.notify()
	return nil
}

// session is one connection; AUTH lasts for the connection, the envelope for
// one message.
type session struct {
	server   *Server
	conn     *smtp.Conn
	authUser string
	from     string
	to       []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, _ string) error {
		ss.authUser = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.server.rcpt(to); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec := Received{
		From:     ss.from,
		To:       append([]string(nil), ss.to...),
		AuthUser: ss.authUser,
		Data:     string(raw),
	}
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		rec.Header = msg.Header
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
			rec.Subject = subj
		}
		if body, err := textBody(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err == nil {
			rec.Body = body
		}
	}
	return ss.server.deliver(rec)
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error {
	ss.server.mu.Lock()
	defer ss.server.mu.Unlock()
	delete(ss.server.open, ss.conn)
	return nil
}

// textBody returns the decoded text/plain content of a message or part,
// looking inside multipart containers for the first text/plain part.
func textBody(contentType, transferEncoding string, body io.Reader) (string, error) {
	mediaType, params := "text/plain", map[string]string{}
	if contentType != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(contentType); err != nil {
			return "", err
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return "", err // io.EOF: no text part
			}
			text, err := textBody(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err == nil {
				return text, nil
			}
		}
	}
	if mediaType != "text/plain" {
		return "", errors.New("not text/plain")
	}
	switch strings.ToLower(strings.TrimSpace(transferEncoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
