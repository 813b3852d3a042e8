package email_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pscp/booktraining/internal/email"
	"github.com/pscp/booktraining/internal/smtptest"
)

// A rush of messages shares connections: one sender sending one after
// another opens one connection for many messages (a fresh one after its
// share), concurrent sends open no more connections than there are
// senders at once, and a connection the server dropped while idle is
// replaced without losing or repeating the message.
func TestMessagesShareConnections(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	ctx := context.Background()

	for i := range 60 {
		require.NoError(t, sender.Send(ctx, resetMessage(fmt.Sprintf("one%d@example.org", i))))
	}
	assert.Len(t, srv.Messages(), 60)
	assert.Equal(t, 2, srv.Connections(), "60 messages one after another: one connection, then a fresh one after its 50")

	srv.DropConnections()
	require.NoError(t, sender.Send(ctx, resetMessage("after-drop@example.org")))
	assert.Len(t, srv.WaitForTo(t, "after-drop@example.org", 1, 5*time.Second), 1)
	assert.Equal(t, 1, srv.Tries("after-drop@example.org"), "sent once, over a new connection")
	assert.Equal(t, 3, srv.Connections())

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				assert.NoError(t, sender.Send(ctx, resetMessage(fmt.Sprintf("many%d-%d@example.org", g, i))))
			}
		}()
	}
	wg.Wait()
	assert.Len(t, srv.Messages(), 60+1+40)
	assert.LessOrEqual(t, srv.Connections(), 3+4, "no more connections than senders at once")
}

// A refused message closes its connection, and the next message goes
// through on another.
func TestRefusalDoesNotSpoilTheNextMessage(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender, err := email.NewSMTPSender(srv.URL(), from)
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, sender.Send(ctx, resetMessage("first@example.org")))
	srv.RefuseRecipient("nobody@example.org", 550, -1)
	require.Error(t, sender.Send(ctx, resetMessage("nobody@example.org")))
	srv.FailNext(1)
	require.Error(t, sender.Send(ctx, resetMessage("later@example.org")))
	require.NoError(t, sender.Send(ctx, resetMessage("next@example.org")))
	assert.Len(t, srv.WaitForTo(t, "next@example.org", 1, 5*time.Second), 1)
	assert.Len(t, srv.Messages(), 2)
}
