package smtptest_test

import (
	"fmt"
	"net/smtp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/smtptest"
)

func send(t *testing.T, s *smtptest.Server, auth smtp.Auth, raw string) error {
	t.Helper()
	return smtp.SendMail(s.Addr(), auth, "from@example.org", []string{"a@example.org", "b@example.org"},
		[]byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func TestDecodesMessages(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"quoted-printable": "Subject: =?UTF-8?q?Caf=C3=A9_training?=\n" +
			"Content-Type: text/plain; charset=UTF-8\n" +
			"Content-Transfer-Encoding: quoted-printable\n\n" +
			"Open https://example.org/reset/abc?x=3D1&y=3D=\n2 now =E2=80=94 thanks\n",
		"base64": "Subject: =?UTF-8?b?Q2Fmw6kgdHJhaW5pbmc=?=\n" +
			"Content-Type: text/plain; charset=UTF-8\n" +
			"Content-Transfer-Encoding: base64\n\n" +
			"T3BlbiBodHRwczovL2V4YW1wbGUub3JnL3Jlc2V0L2FiYz94PTEmeT0yIG5vdyDigJQgdGhh\nbmtzCg==\n",
		"multipart": "Subject: =?UTF-8?q?Caf=C3=A9_training?=\n" +
			"MIME-Version: 1.0\n" +
			"Content-Type: multipart/alternative; boundary=XYZ\n\n" +
			"--XYZ\nContent-Type: text/html\n\n<p>html</p>\n" +
			"--XYZ\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
			"Open https://example.org/reset/abc?x=3D1&y=3D2 now =E2=80=94 thanks\n\n--XYZ--\n",
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := smtptest.Start(t)
			require.NoError(t, send(t, s, nil, raw))
			got := s.WaitFor(t, 1, 5*time.Second)
			require.Len(t, got, 1)
			assert.Equal(t, "from@example.org", got[0].From)
			assert.Equal(t, []string{"a@example.org", "b@example.org"}, got[0].To)
			assert.Equal(t, "Café training", got[0].Subject)
			assert.Equal(t, "Open https://example.org/reset/abc?x=1&y=2 now — thanks\n", got[0].Body)
			assert.Contains(t, got[0].Data, "Subject: ")
			assert.Empty(t, got[0].AuthUser)
		})
	}
}

func TestAcceptsAnyPlainAuth(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t)
	auth := smtp.PlainAuth("", "someone", "anything", "127.0.0.1")
	require.NoError(t, send(t, s, auth, "Subject: hi\n\nhello\n"))
	got := s.Messages()
	require.Len(t, got, 1)
	assert.Equal(t, "someone", got[0].AuthUser)
	assert.Equal(t, "hello\n", got[0].Body)
}

func TestFailNextRefusesThenAccepts(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t)
	s.FailNext(2)
	for range 2 {
		err := send(t, s, nil, "Subject: hi\n\nhello\n")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "451")
	}
	assert.Empty(t, s.Messages())
	require.NoError(t, send(t, s, nil, "Subject: hi\n\nhello\n"))
	assert.Len(t, s.Messages(), 1)
}

func TestWaitForFailsWhenTooFewArrive(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t)
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine it is called on
		defer close(done)
		s.WaitFor(rec, 1, 50*time.Millisecond)
	}()
	<-done
	assert.True(t, rec.failed)
	assert.Contains(t, rec.msg, "0 of 1 messages")
}

// recorder catches a Fatalf instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestRefuseRecipient(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t)
	s.RefuseRecipient("Gone@Example.org", 550, -1)
	s.RefuseRecipient("full@example.org", 452, 1)
	sendTo := func(to string) error {
		return smtp.SendMail(s.Addr(), nil, "from@example.org", []string{to}, []byte("Subject: hi\r\n\r\nhello\r\n"))
	}

	for range 3 {
		err := sendTo("gone@example.org")
		require.Error(t, err)
		assert.Regexp(t, `^550 .*5\.1\.1`, err.Error(), "refused for good, whatever the case of the address")
	}
	err := sendTo("full@example.org")
	require.Error(t, err)
	assert.Regexp(t, `^452 .*4\.2\.2`, err.Error())
	require.NoError(t, sendTo("full@example.org"), "refused once, then accepted")

	assert.Equal(t, 3, s.Tries("gone@example.org"))
	assert.Equal(t, 2, s.Tries("full@example.org"))
	assert.Zero(t, s.Tries("other@example.org"))
	got := s.Messages()
	require.Len(t, got, 1)
	assert.Equal(t, []string{"full@example.org"}, got[0].To)
}

func TestHoldKeepsDeliveriesWaiting(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t)
	release := s.Hold()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- send(t, s, nil, "Subject: hi\n\nhello\n") }()
	}
	s.WaitHeld(t, 2, 5*time.Second)
	assert.Empty(t, s.Messages(), "held deliveries are not yet accepted")
	select {
	case err := <-errs:
		t.Fatalf("a held delivery was answered: %v", err)
	case <-time.After(100 * time.Millisecond):
	}

	release()
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	assert.Len(t, s.WaitFor(t, 2, 5*time.Second), 2)
	assert.Zero(t, s.Held())
	release() // twice is harmless

	require.NoError(t, send(t, s, nil, "Subject: hi\n\nhello\n"), "released for good")
}

// A server a test starts and stops at once, before its goroutine has begun
// serving (a test that fails on its first line), still stops: the test's
// cleanup does not wait for ever.
func TestStopsWhenStoppedAtOnce(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			t.Run(strconv.Itoa(i), func(t *testing.T) { smtptest.Start(t) })
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("a server stopped as soon as it started never stopped")
	}
}
