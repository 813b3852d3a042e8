// Package pgtest gives each test its own PostgreSQL database, cloned from a
// template that is migrated once per schema version, so tests that touch data
// run in parallel against the real thing.
//
// TEST_DATABASE_URL names a database on a server where the tests may create
// databases; `make test` starts a private server and sets it.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pscp/booktraining/db"
	"github.com/pscp/booktraining/internal/scope"
)

var (
	setupOnce  sync.Once
	setupErr   error
	adminPool  *pgxpool.Pool
	adminURL   *url.URL
	templateDB string
)

// New returns a pool connected to a fresh, migrated, empty database that is
// dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, _ := NewWithURL(t)
	return pool
}

// NewWithURL is New, also returning the database's URL.
func NewWithURL(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	return create(t, true)
}

// NewEmpty returns a pool on a fresh database with no schema at all, for
// tests of the migrations themselves.
func NewEmpty(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	return create(t, false)
}

func create(t testing.TB, migrated bool) (*pgxpool.Pool, string) {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	if migrated {
		return createFrom(t, templateDB)
	}
	return createFrom(t, "")
}

// createFrom makes a database copied from template (or empty when it is "").
func createFrom(t testing.TB, template string) (*pgxpool.Pool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	name := "test_" + randomHex(8)
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := adminPool.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	u := *adminURL
	u.Path = "/" + name
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// As the app's pool: a training manager's request sees only their
	// partnership's rows.
	scope.Pool(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", name, err)
	}
	t.Cleanup(func() {
		closePool(t, pool)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adminPool.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)",
			pgx.Identifier{name}.Sanitize())); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return pool, u.String()
}

func setup() error {
	raw := os.Getenv("TEST_DATABASE_URL")
	if raw == "" {
		return fmt.Errorf("TEST_DATABASE_URL is not set: run the tests with `make test`, which starts a private PostgreSQL, " +
			"or set TEST_DATABASE_URL to a database on a server where the tests may create databases")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("TEST_DATABASE_URL is not a URL")
	}
	adminURL = u
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adminPool, err = pgxpool.New(ctx, raw)
	if err != nil {
		return fmt.Errorf("connect to TEST_DATABASE_URL: %w", err)
	}
	if err := adminPool.Ping(ctx); err != nil {
		return fmt.Errorf("connect to TEST_DATABASE_URL: %w", err)
	}
	templateDB, err = schemaVersion()
	if err != nil {
		return err
	}
	return ensureTemplate(ctx)
}

// schemaVersion names the template after the migrations' content, so a
// changed migration gets a new template and a stale one is never used.
func schemaVersion() (string, error) {
	fsys := db.Migrations()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return "template_" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// ensureTemplate migrates the template database once; test binaries running
// at the same time wait for each other on an advisory lock.
func ensureTemplate(ctx context.Context) error {
	conn, err := adminPool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7412099)"); err != nil {
		return fmt.Errorf("lock template: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock(7412099)") }()

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", templateDB).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := templateDB + "_building"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	u := *adminURL
	u.Path = "/" + building
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		return err
	}
	err = db.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pool.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s",
		pgx.Identifier{building}.Sanitize(), pgx.Identifier{templateDB}.Sanitize())); err != nil {
		return fmt.Errorf("finish template: %w", err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
