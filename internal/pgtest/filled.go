package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Filled is New on a copy of a database that fill filled: a migrated
// database is filled once, kept as a template named after the schema, key
// and the test binary (so any change to the code that fills it makes a new
// one), and copied for each caller. Filling a large database (see
// internal/growth) takes seconds; copying it, a fraction of that.
func Filled(t testing.TB, key string, fill func(context.Context, *pgxpool.Pool) error) *pgxpool.Pool {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	filledMu.Lock()
	name, ok := filledTemplates[key]
	if !ok {
		var err error
		if name, err = ensureFilled(key, fill); err != nil {
			filledMu.Unlock()
			t.Fatalf("pgtest: fill %s: %v", key, err)
		}
		filledTemplates[key] = name
	}
	filledMu.Unlock()
	pool, _ := createFrom(t, name)
	return pool
}

var (
	filledMu        sync.Mutex
	filledTemplates = map[string]string{}
)

// ensureFilled makes the filled template unless a test binary built from
// the same code made it already, and drops the templates older builds left
// for the same key.
func ensureFilled(key string, fill func(context.Context, *pgxpool.Pool) error) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	build, err := binaryHash()
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(templateDB + "\x00" + key + "\x00" + build))
	k := sha256.Sum256([]byte(key))
	prefix := "filled_" + hex.EncodeToString(k[:])[:8] + "_"
	name := prefix + hex.EncodeToString(h[:])[:16]

	conn, err := adminPool.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7412100)"); err != nil {
		return "", fmt.Errorf("lock filled template: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock(7412100)") }()

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Older builds' copies for this key are of no more use: drop those
	// nobody is copying now.
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1 || '%'", prefix)
	if err != nil {
		return "", err
	}
	old, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	for _, o := range old {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{o}.Sanitize())
	}

	building := name + "_building"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()+
		" TEMPLATE "+pgx.Identifier{templateDB}.Sanitize()); err != nil {
		return "", fmt.Errorf("create filled template: %w", err)
	}
	u := *adminURL
	u.Path = "/" + building
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		return "", err
	}
	err = fill(ctx, pool)
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s",
		pgx.Identifier{building}.Sanitize(), pgx.Identifier{name}.Sanitize())); err != nil {
		return "", fmt.Errorf("finish filled template: %w", err)
	}
	return name, nil
}

// binaryHash identifies the running test binary's code.
func binaryHash() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
