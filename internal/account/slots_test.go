package account_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/pscp/booktraining/internal/account"
	"github.com/pscp/booktraining/internal/password"
)

// phc is an Argon2id PHC string of plain made with t passes: fewer than
// password's, a stored hash due to be made stronger; more, one that keeps
// a hashing slot busy for a while.
func phc(plain string, t uint32) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=19456,t=%d,p=1$%s$%s", t, b64.EncodeToString(salt),
		b64.EncodeToString(argon2.IDKey([]byte(plain), salt, t, 19456, 1, 32)))
}

// holds times how long each connection of a pool is held, from acquire to
// release.
type holds struct {
	mu      sync.Mutex
	since   map[*pgx.Conn]time.Time
	longest time.Duration
}

// pool opens a pool on db's database whose holds are timed.
func (h *holds) pool(t *testing.T, db *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	h.since = map[*pgx.Conn]time.Time{}
	cfg := db.Config()
	cfg.PrepareConn = func(_ context.Context, c *pgx.Conn) (bool, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.since[c] = time.Now()
		return true, nil
	}
	cfg.AfterRelease = func(c *pgx.Conn) bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.longest = max(h.longest, time.Since(h.since[c]))
		return true
	}
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// during returns the longest hold while run runs.
func (h *holds) during(run func()) time.Duration {
	h.mu.Lock()
	h.longest = 0
	h.mu.Unlock()
	run()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.longest
}

// While a crowd keeps password's hashing slots busy, a sign-in whose stored
// hash is due to be made stronger, and a password reset, wait for their
// slot holding no database connection: they hash before their
// transaction, not inside it.
func TestHashingWaitsHoldingNoConnection(t *testing.T) {
	t.Parallel()
	f := setup(t)
	addr := "slow.hash@example.org"
	const plain = "lighthouse beyond the harbour wall"
	var userID int64
	require.NoError(t, f.pool.QueryRow(f.ctx, `
		INSERT INTO users (email, full_name, agency_id, job_title, password_hash, email_verified_at)
		VALUES ($1, 'Sam Slow', $2, 'Health visitor', $3, now()) RETURNING id`,
		addr, f.agencyID(t), phc(plain, 1)).Scan(&userID))
	// The service's own pool, each hold of a connection timed.
	h := &holds{}
	svc := service(t, h.pool(t, f.pool), f.clock)

	// The crowd: hashes that take a while each, one after another in every
	// slot, until the test is done.
	busy := phc("someone else entirely", 60)
	crowd, stop := sync.WaitGroup{}, make(chan struct{})
	for range 3 {
		crowd.Add(1)
		go func() {
			defer crowd.Done()
			for {
				select {
				case <-stop:
					return
				default:
					_, _, _ = password.Verify("not it", busy)
				}
			}
		}()
	}
	t.Cleanup(func() { close(stop); crowd.Wait() })
	time.Sleep(50 * time.Millisecond) // the crowd is in the slots

	held := h.during(func() {
		id, err := svc.SignIn(f.ctx, addr, plain, "192.0.2.1")
		require.NoError(t, err)
		assert.Equal(t, userID, id)
	})
	assert.Less(t, held, 300*time.Millisecond, "a sign-in held a connection while waiting to hash")
	var stored string
	require.NoError(t, f.pool.QueryRow(f.ctx, "SELECT password_hash FROM users WHERE id = $1", userID).Scan(&stored))
	assert.True(t, strings.Contains(stored, ",t=2,"), "the stored hash is made stronger: %s", stored)

	f.requestReset(t, addr)
	_, link := f.lastEmail(t, addr)
	held = h.during(func() {
		require.NoError(t, svc.ResetPassword(f.ctx, token(t, link), "a brand new harbour passphrase", "192.0.2.1"))
	})
	assert.Less(t, held, 300*time.Millisecond, "a password reset held a connection while waiting to hash")
	_, err := svc.SignIn(f.ctx, addr, "a brand new harbour passphrase", "192.0.2.1")
	require.NoError(t, err, "the new password works")
	assert.ErrorIs(t, svc.ResetPassword(f.ctx, token(t, link), "yet another harbour passphrase", ""), account.ErrLinkInvalid,
		"the link works once")
}
