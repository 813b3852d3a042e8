package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Sender hands a message to the outside world. It is the one interface in
// this package because SMTP is the edge; tests use a real local SMTP server.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// smtpTimeout bounds each delivery: connect, TLS, AUTH and DATA together.
const smtpTimeout = 20 * time.Second

// smtpSender delivers each message over a connection kept open for the
// next ones (up to maxMessagesPerConn, idle for at most connIdleFor): a
// rush of confirmations then costs one TCP, TLS and AUTH handshake per
// worker, not per message. Each connection carries one message at a time;
// concurrent workers take different ones.
type smtpSender struct {
	host string
	port int
	opts []gomail.Option
	from *mail.Address

	client *gomail.Client // its settings; safe for concurrent use

	// talking holds a place for each conversation with the server: at
	// most MaxSMTPConnections at once, however many workers deliver.
	talking chan struct{}

	mu   sync.Mutex
	idle []*smtpConn // most recently used last
}

// smtpConn is one open connection to the mail server.
type smtpConn struct {
	c    *smtp.Client
	sent int         // messages delivered over it
	idle *time.Timer // closes it when it has waited too long for the next
}

// A connection carries this many messages at most, then is closed: mail
// services limit messages per connection (often to 100), and a fresh one
// now and then spreads the load over their servers.
const maxMessagesPerConn = 50

// connIdleFor is how long an open connection waits for the next message
// before it is closed (with QUIT): well under the five minutes after which
// RFC 5321 lets a server drop it, and long enough to serve a rush.
const connIdleFor = 20 * time.Second

// MaxSMTPConnections bounds the conversations with the mail server at once,
// and so the connections open to it (each carries one message at a time),
// below DeliveryWorkers: the workers beyond it wait their turn. Mail
// services limit a client's connections, and each open one costs them and
// us a TLS session; twenty keep up with hundreds of messages a second from
// a server that answers in tens of milliseconds.
const MaxSMTPConnections = 20

// maxIdleConns bounds the connections kept open between messages.
const maxIdleConns = MaxSMTPConnections

// waitForConnection bounds how long a message waits for one of the
// MaxSMTPConnections: with the conversation's own smtpTimeout it stays
// inside the claim's lease (claimedElsewhere), so no other worker takes
// the email while this one may still send it. A message that waits longer
// fails for now and is retried.
const waitForConnection = 5 * time.Second

// NewSMTPSender returns a Sender that delivers through the server in smtpURL:
//
//	smtp://user:pass@host:587    STARTTLS, required (default port 587)
//	smtps://user:pass@host:465   TLS from the first byte (default port 465)
//	smtp://127.0.0.1:1025        a loopback host: no TLS, since nothing leaves the machine
//
// The user and password are optional; with them, AUTH PLAIN or LOGIN is used
// (never without TLS, except on loopback). from is the From address, such as
// "Book safeguarding training <no-reply@example.org>".
func NewSMTPSender(smtpURL string, from string) (Sender, error) {
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("email from address %q is not an address like %q", from,
			"Book safeguarding training <no-reply@example.org>")
	}

	// url.Parse's errors quote the whole URL, password included: never wrap them.
	u, err := url.Parse(smtpURL)
	if err != nil {
		return nil, errors.New("SMTP URL is not a URL like smtp://user:password@host:587")
	}
	var defaultPort int
	switch u.Scheme {
	case "smtp":
		defaultPort = gomail.DefaultPortTLS
	case "smtps":
		defaultPort = gomail.DefaultPortSSL
	default:
		return nil, errors.New("SMTP URL must start with smtp:// (STARTTLS) or smtps:// (TLS)")
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("SMTP URL %s has no host", u.Redacted())
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("SMTP URL %s has a path or options; only scheme, user, password, host and port are understood",
			u.Redacted())
	}
	port := defaultPort
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("SMTP URL %s has an invalid port", u.Redacted())
		}
	}

	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTimeout(smtpTimeout),
	}
	switch {
	case u.Scheme == "smtps":
		opts = append(opts, gomail.WithSSL())
	case isLoopback(host):
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if u.User != nil {
		user := u.User.Username()
		pass, _ := u.User.Password()
		if user == "" {
			return nil, fmt.Errorf("SMTP URL %s has a password but no user name", u.Redacted())
		}
		// PLAIN or LOGIN are what mail services offer for a user name and
		// password; go-mail refuses both without TLS except on loopback.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(user),
			gomail.WithPassword(pass))
	}
	// The client is built now so a bad option fails at start-up, not at the
	// first email.
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("configure SMTP client: %w", err)
	}
	return &smtpSender{host: host, port: port, opts: opts, from: fromAddr, client: client,
		talking: make(chan struct{}, MaxSMTPConnections)}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m over an open connection, or a new one.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("%w: recipient address: %v", ErrInvalidMessage, err)
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := *s.from
	msg.FromMailAddress(&from)
	msg.ToMailAddress(&mail.Address{Name: m.ToName, Address: to.Address})
	msg.Subject(m.Subject)
	// go-mail would name this machine's host; the sending domain is what
	// receiving servers expect. A stored email's key keeps the Message-ID
	// the same on every attempt, so a resend can be recognised as one.
	key := m.messageKey
	if key == "" {
		key = rand.Text()
	}
	msg.SetMessageIDWithValue(key + "@" + s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:])
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if c := m.Calendar; c != nil {
		addCalendar(msg, c)
	}

	err = s.send(ctx, msg)
	if err != nil && msg.IsDelivered() {
		// The server took the message (250 to DATA); what failed came
		// after, such as RSET on a dropped connection. Sending again would
		// deliver it twice.
		return nil
	}
	if err != nil {
		return fmt.Errorf("send email through %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
	}
	return nil
}

// send delivers msg over an idle connection if there is one, and keeps the
// connection for the next message if all went well. An idle connection the
// server has closed meanwhile fails its NOOP, before anything of the
// message is sent, and a new one is dialled in its place.
func (s *smtpSender) send(ctx context.Context, msg *gomail.Msg) error {
	wait, cancel := context.WithTimeout(ctx, waitForConnection)
	select {
	case s.talking <- struct{}{}:
		cancel()
	case <-wait.Done():
		cancel()
		return fmt.Errorf("waited %s for one of the %d connections to the mail server: %w",
			waitForConnection, MaxSMTPConnections, context.DeadlineExceeded)
	}
	defer func() { <-s.talking }()
	for {
		conn := s.takeIdle()
		fresh := conn == nil
		if fresh {
			c, err := s.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				return fmt.Errorf("dial failed: %w", err)
			}
			conn = &smtpConn{c: c}
		}
		err := s.client.SendWithSMTPClient(conn.c, msg)
		var se *gomail.SendError
		if err != nil && !fresh && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck && !msg.IsDelivered() {
			_ = conn.c.Close() // gone while idle: nothing of msg was sent
			continue
		}
		if err != nil {
			// Whatever went wrong, the connection's state is unknown: drop
			// it and start afresh next time.
			_ = conn.c.Close()
			return err
		}
		conn.sent++
		s.putIdle(conn)
		return nil
	}
}

// takeIdle returns the connection used last, or nil when none is open.
func (s *smtpSender) takeIdle() *smtpConn {
	var expired []*smtpConn
	defer func() {
		for _, conn := range expired {
			_ = s.client.CloseWithSMTPClient(conn.c)
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.idle) > 0 {
		conn := s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		if conn.idle.Stop() {
			return conn
		}
		// Its time ran out just now: expire, waiting for the lock, will
		// not find it, so it is closed here.
		expired = append(expired, conn)
	}
	return nil
}

// putIdle keeps conn open for the next message, or closes it once it has
// carried its share or enough others are open.
func (s *smtpSender) putIdle(conn *smtpConn) {
	s.mu.Lock()
	keep := conn.sent < maxMessagesPerConn && len(s.idle) < maxIdleConns
	if keep {
		conn.idle = time.AfterFunc(connIdleFor, func() { s.expire(conn) })
		s.idle = append(s.idle, conn)
	}
	s.mu.Unlock()
	if !keep {
		_ = s.client.CloseWithSMTPClient(conn.c)
	}
}

// expire closes conn, idle too long, unless it has been taken meanwhile.
func (s *smtpSender) expire(conn *smtpConn) {
	s.mu.Lock()
	i := slices.Index(s.idle, conn)
	if i >= 0 {
		s.idle = slices.Delete(s.idle, i, i+1)
	}
	s.mu.Unlock()
	if i >= 0 {
		_ = s.client.CloseWithSMTPClient(conn.c)
	}
}

// addCalendar adds the invitation twice: as the last alternative, which calendar
// programs act on (RFC 6047), and as an .ics attachment for people to open.
// go-mail then nests the alternatives in a multipart/mixed with the file.
// Base64 keeps the file's CRLF line endings exactly as written.
func addCalendar(msg *gomail.Msg, c *Calendar) {
	data := crlf(c.Data)
	msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+c.Method), string(data),
		gomail.WithPartCharset(gomail.CharsetUTF8), gomail.WithPartEncoding(gomail.EncodingB64))
	msg.AttachReadSeeker(c.Filename, bytes.NewReader(data),
		gomail.WithFileContentType("application/ics"), gomail.WithFileEncoding(gomail.EncodingB64))
}

// crlf ends every line of an .ics file with CRLF, as RFC 5545 requires,
// leaving lines that already do alone.
func crlf(b []byte) []byte {
	if bytes.Count(b, []byte("\n")) == bytes.Count(b, []byte("\r\n")) {
		return b
	}
	out := bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
}

// isPermanent reports whether err means the email can never be delivered as
// it stands, so retrying would only repeat the refusal: a 5xx reply to RCPT
// TO (no such mailbox, 550; a bad address, 501 or 553) or to the message
// itself (DATA, or the end of it: rejected content, too large), or a message
// this package refuses to send. A 4xx reply, a dropped connection or a
// timeout is temporary. So is a 5xx to AUTH or MAIL FROM: that is this
// service's own settings at fault, which someone can put right while the
// retries last, and it would otherwise fail every email at once; and so is
// any reply whose enhanced status is 5.7.x (relaying denied, a sender not
// verified, DMARC policy), which is about the sender, not this recipient.
func isPermanent(err error) bool {
	if errors.Is(err, ErrInvalidMessage) {
		return true
	}
	var se *gomail.SendError
	if !errors.As(err, &se) || se.IsTemp() {
		return false
	}
	if strings.HasPrefix(se.EnhancedStatusCode(), "5.7.") {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return se.ErrorCode() >= 500 && se.ErrorCode() <= 599
	}
	return false
}

// describe is err as kept on the email for the manager to read: for a reply
// from the mail server, the step and the reply ("sending SMTP RCPT TO
// command: 550 5.1.1 No such user"), without go-mail's list of recipients and
// the Message-ID; for anything else, the whole error.
func describe(err error) string {
	var se *gomail.SendError
	if !errors.As(err, &se) || se.ErrorCode() == 0 {
		return err.Error()
	}
	reply, _, _ := strings.Cut(se.Error(), ", affected recipient(s): ")
	reply, _, _ = strings.Cut(reply, ", affected message ID: ")
	return reply
}
