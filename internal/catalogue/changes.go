package catalogue

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ChangesChannel is the PostgreSQL notification channel on which the
// database announces, when it commits, every change to what the public
// catalogue pages show (migration 00041's triggers).
const ChangesChannel = "catalogue_changed"

// changes is what this process has heard of changes to the catalogue: a
// stamp that goes up with each one, and whether the process is listening.
// A cache of the catalogue pages keeps what it built at one stamp until the
// stamp moves; while nobody listens, it must not trust what it has.
type changes struct {
	stamp     atomic.Uint64
	listening atomic.Bool
	// quiet is how long the listening connection may be quiet before
	// Listen checks that it is still there (quietCheck; shorter in tests).
	quiet time.Duration
}

// Stamp is a number that goes up whenever the catalogue may have changed,
// and whether this process can tell: only while Listen holds its
// connection. Read the stamp before reading the catalogue, and what was read
// is current for as long as Stamp returns the same number with ok true.
func (s *Service) Stamp() (stamp uint64, ok bool) {
	ok = s.changes.listening.Load()
	return s.changes.stamp.Load(), ok
}

// Changed moves the stamp, as a change heard would: for a change this
// process has just committed, so that its own next request sees it even
// before the notification arrives.
func (s *Service) Changed() { s.changes.stamp.Add(1) }

// Listening reports whether Listen holds its connection.
func (s *Service) Listening() bool { return s.changes.listening.Load() }

// Listen holds one connection of its own (not the pool's) listening on
// ChangesChannel until ctx ends, and moves the stamp for each notification.
// When the connection is lost it counts everything as changed, stops
// vouching for the stamp, and connects again, waiting a little longer after
// each failure (up to five seconds).
func (s *Service) Listen(ctx context.Context, log *slog.Logger) {
	wait := 50 * time.Millisecond
	for ctx.Err() == nil {
		heard, err := s.listenOnce(ctx)
		s.changes.listening.Store(false)
		s.changes.stamp.Add(1) // anything may have changed while we were deaf
		if ctx.Err() != nil {
			return
		}
		if heard {
			wait = 50 * time.Millisecond
		}
		log.WarnContext(ctx, "catalogue changes: lost the listening connection; the catalogue pages are read afresh until it is back",
			"error", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listenOnce connects, listens and hears notifications until the
// connection fails or ctx ends. heard reports whether it got as far as
// listening.
func (s *Service) listenOnce(ctx context.Context) (heard bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ChangesChannel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	// From here every change is heard; those made while nobody listened
	// count as one, heard now.
	s.changes.stamp.Add(1)
	s.changes.listening.Store(true)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, cmp.Or(s.changes.quiet, quietCheck))
		_, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			s.changes.stamp.Add(1)
		case ctx.Err() != nil:
			return true, ctx.Err()
		case pgconn.Timeout(err):
			// Quiet for a while: a connection lost without a word (a
			// network gone) would be quiet too, so ask.
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("check the connection: %w", err)
			}
		default:
			return true, fmt.Errorf("wait for notification: %w", err)
		}
	}
}

// quietCheck is how long the listening connection may be quiet before
// Listen checks that it is still there.
const quietCheck = 30 * time.Second
